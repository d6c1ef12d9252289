"""Market and locale negotiation for a request.

Pure: standard library, :mod:`storefront.i18n.fallback` (langcodes, Babel) and the errors of
:mod:`storefront.i18n.errors` only. The web layer
collects the raw hints (query parameters, ``X-Market``, ``Accept-Language``,
``X-Country``) into :class:`RequestHints`, passes the configured markets and
gets back a :class:`Negotiated` market/locale pair.

Precedence (first match wins): explicit market, explicit locale,
Accept-Language, country, default market. See :func:`negotiate`.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from storefront.i18n.errors import InvalidLocale, UnknownMarket
from storefront.i18n.fallback import LanguageTag, likely_region, request_tag

__all__ = [
    "InvalidLocale",
    "MarketInfo",
    "Negotiated",
    "RequestHints",
    "SelectedBy",
    "Suggestion",
    "UnknownMarket",
    "negotiate",
    "parse_accept_language",
]

SelectedBy = Literal["market", "locale", "accept-language", "country", "default"]

#: Only the first ranges of an Accept-Language header are looked at.
MAX_LANGUAGE_RANGES = 32
#: A range (with its parameters) longer than this is junk and dropped.
MAX_RANGE_LENGTH = 128
#: Headers up to this length are parsed once and cached (they repeat across requests).
MAX_CACHED_HEADER = 1024

_OWS = " \t"
# RFC 9110 §12.4.2: qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )
_QVALUE = re.compile(r"0(?:\.([0-9]{0,3}))?|1(?:\.0{0,3})?", re.ASCII)
_COUNTRY = re.compile(r"[A-Z]{2}", re.ASCII)


@dataclass(frozen=True)
class MarketInfo:
    """What negotiation needs to know about one market.

    ``countries`` are ISO 3166-1 alpha-2 codes; ``locales`` are BCP 47 tags,
    primary locale first. At least one well-formed locale is required
    (``ValueError`` otherwise).
    """

    code: str
    countries: tuple[str, ...]
    locales: tuple[str, ...]
    is_default: bool = False

    def __post_init__(self) -> None:
        if not self.code:
            raise ValueError("market code must not be empty")
        if not self.locales:
            raise ValueError(f"market {self.code!r} has no locale")
        bad = [t for t in self.locales if LanguageTag.parse(t) is None]
        if bad:
            raise ValueError(f"market {self.code!r}: malformed locales {bad!r}")


@dataclass(frozen=True)
class RequestHints:
    market: str | None = None  # ?market= or X-Market (merged by the caller)
    locale: str | None = None  # ?locale=
    accept_language: str | None = None  # raw Accept-Language header
    country: str | None = None  # raw X-Country header


@dataclass(frozen=True)
class Suggestion:
    market: str
    locale: str


@dataclass(frozen=True)
class Negotiated:
    market: str
    locale: str
    selected_by: SelectedBy
    suggestion: Suggestion | None = None


@dataclass(frozen=True)
class _Market:
    info: MarketInfo
    tags: tuple[LanguageTag, ...]  # parsed info.locales, same order
    countries: frozenset[str]  # upper case
    languages: frozenset[str]
    written: frozenset[tuple[str, str | None]]  # (language, script) of each locale, likely script filled in

    @classmethod
    def of(cls, info: MarketInfo) -> _Market:
        tags = tuple(LanguageTag.parse(t) for t in info.locales)
        countries = frozenset(c.strip().upper() for c in info.countries)
        return cls(info, tags, countries, frozenset(t.language for t in tags),  # type: ignore[union-attr]
                   frozenset((t.language, t.written_in) for t in tags))  # type: ignore[union-attr]

    def speaks(self, tag: LanguageTag, script: bool = False) -> bool:
        """A locale in ``tag``'s language (and, with ``script``, written in its script)."""
        if script:
            return (tag.language, tag.written_in) in self.written
        return tag.language in self.languages


@lru_cache(maxsize=64)
def _entries(markets: tuple[MarketInfo, ...]) -> tuple[_Market, ...]:
    return tuple(_Market.of(m) for m in markets)


@dataclass(frozen=True)
class _Preferences:
    """An Accept-Language header read once: acceptable ranges best first, and every range's weight."""

    accepted: tuple[str, ...]  # q > 0, most preferred first, "*" included
    weights: tuple[tuple[str, int], ...]  # (range, q in thousandths): the best q of each range


def parse_accept_language(header: str | None) -> tuple[str, ...]:
    """The language ranges of an Accept-Language header, most preferred first.

    Rule: RFC 9110 §12.5.4 (Accept-Language) with weights per §12.4.2:
    ``range *( OWS ";" OWS "q=" qvalue )``, qvalue 0..1 with at most three
    decimals. Ranges are sorted by descending q, ties keep header order;
    q=0 ("not acceptable") is left out here (see :func:`refused`). Ranges are
    returned as canonical BCP 47 tags (RFC 5646) read by langcodes, extensions
    and private use truncated per RFC 4647 §3.4 (``ja-JP-x-private`` ->
    ``ja-JP``), ``*`` as ``"*"``; duplicates keep their best position.
    Tolerant: whitespace is allowed around ``;`` and ``=``, ``Q``
    is case-insensitive, parameters other than q are ignored. Junk is
    dropped: malformed tags, malformed or repeated q, empty items. Only the
    first :data:`MAX_LANGUAGE_RANGES` items are considered. Never raises.
    """
    return _preferences(header).accepted


def refused(header: str | None, locale: LanguageTag) -> bool:
    """Whether the header says ``locale`` is not acceptable (RFC 9110 §12.4.2, q=0): the most specific
    range matching it (RFC 4647 §3.3.1 basic filtering, ``*`` least specific) has q=0."""
    return _refuses(_preferences(header).weights, locale)


def _refuses(weights: tuple[tuple[str, int], ...], locale: LanguageTag) -> bool:
    if not any(q == 0 for _, q in weights):
        return False
    tag = str(locale).lower()
    best: tuple[int, int] | None = None  # (specificity, q)
    for range_, quality in weights:
        if range_ == "*":
            specificity = 0
        else:
            lowered = range_.lower()
            if tag != lowered and not tag.startswith(lowered + "-"):
                continue
            specificity = lowered.count("-") + 1
        if best is None or specificity > best[0]:
            best = (specificity, quality)
    return best is not None and best[1] == 0


def _preferences(header: str | None) -> _Preferences:
    if not isinstance(header, str) or not header:
        return _NO_PREFERENCES
    if len(header) <= MAX_CACHED_HEADER:
        return _cached_preferences(header)
    return _read_preferences(header)


@lru_cache(maxsize=1024)
def _cached_preferences(header: str) -> _Preferences:
    return _read_preferences(header)


def _read_preferences(header: str) -> _Preferences:
    weighted: list[tuple[int, int, str]] = []
    items = header.split(",", MAX_LANGUAGE_RANGES)[:MAX_LANGUAGE_RANGES]
    for position, item in enumerate(items):
        if len(item) > MAX_RANGE_LENGTH:
            continue
        range_, *params = item.split(";")
        range_ = range_.strip(_OWS)
        tag = "*" if range_ == "*" else _canonical(range_)
        quality = _quality(params)
        if tag is not None and quality is not None:
            weighted.append((-quality, position, tag))
    accepted: list[str] = []
    weights: dict[str, int] = {}
    for negative, _, tag in sorted(weighted):
        if tag not in weights:
            weights[tag] = -negative
            if negative:
                accepted.append(tag)
    return _Preferences(tuple(accepted), tuple(weights.items()))


_NO_PREFERENCES = _Preferences((), ())


def _canonical(value: str) -> str | None:
    parsed = request_tag(value)
    return None if parsed is None else str(parsed)


def _quality(params: list[str]) -> int | None:
    """The q parameter in thousandths (1000 when absent), None if malformed."""
    quality: int | None = None
    for param in params:
        name, equals, value = param.partition("=")
        if name.strip(_OWS).lower() != "q":
            continue  # an unknown parameter (or an empty one): ignored
        match = _QVALUE.fullmatch(value.strip(_OWS)) if equals else None
        if match is None or quality is not None:
            return None  # malformed or repeated weight
        if match.group(0).startswith("1"):
            quality = 1000
        else:
            quality = int((match.group(1) or "").ljust(3, "0"))
    return 1000 if quality is None else quality


def negotiate(markets: Sequence[MarketInfo], hints: RequestHints) -> Negotiated:
    """Choose the market and locale of a request; first rule that applies wins.

    1. ``hints.market`` (case-insensitive code) -> that market, else
       :class:`UnknownMarket`.
    2. ``hints.locale`` -> :class:`InvalidLocale` when malformed (RFC 5646);
       otherwise the market for that tag, if any.
    3. Accept-Language (RFC 9110 §12.5.4), ranges in preference order, ``*``
       skipped: the market for the first range that has one.
    4. ``hints.country`` (ISO 3166-1 alpha-2) -> the market holding it.
    5. The default market (``is_default``, else the first one).

    Market for a tag ``L[-R]``: a market holding country R (one speaking L
    preferred); else markets whose primary locale's language is L, then
    markets speaking L at all - among several, the one holding the shopper's
    country (``hints.country``) first, then the one holding the language's
    likely country (CLDR likely subtags: ``es`` -> ES, ``de`` -> DE), then the
    default market, then in order (so ``it`` from Switzerland is CH, ``it``
    from nowhere in particular EU, a bare ``es`` EU rather than US's es-US).
    Languages are compared with their scripts (the likely script filled in
    from CLDR via langcodes: ``zh-HK`` and ``zh-Hant`` are Traditional
    Chinese, ``zh`` Simplified, ``sr`` Cyrillic): a market with a locale in
    the tag's language *and* script is preferred to one with the language
    only. Locale within the market: for each candidate (explicit locale, then
    Accept-Language ranges) an exact match, then a locale on the candidate's
    CLDR fallback chain (``es-MX`` -> ``es-419`` -> ``es``), then the first
    market locale of the same language and script, then of the same
    language; else the market's primary locale. Locales the header refuses
    (q=0, RFC 9110 §12.4.2) are never chosen while another is left. A market
    holding ``hints.country`` other than the chosen one is offered as a
    suggestion. Tags are read by :func:`~storefront.i18n.fallback.request_tag`
    (extensions and private use truncated). Raises ``ValueError`` when
    ``markets`` is empty.
    """
    if not markets:
        raise ValueError("no markets configured")
    entries = _entries(tuple(markets))
    default = next((e for e in entries if e.info.is_default), entries[0])
    preferences = _preferences(hints.accept_language)
    accepted = tuple(tag for r in preferences.accepted if (tag := request_tag(r)) is not None)
    country = _country(hints.country)

    def result(entry: _Market, candidates: Sequence[LanguageTag],
               selected_by: SelectedBy) -> Negotiated:
        locale = _locale_within(entry, candidates, preferences.weights)
        return Negotiated(entry.info.code, locale, selected_by,
                          _suggest(entries, entry, country, locale))

    market_code = _present(hints.market)
    locale_hint = _present(hints.locale)
    explicit = request_tag(locale_hint) if locale_hint else None
    if market_code is not None:
        wanted = market_code.lower() if market_code.isascii() else None
        entry = next((e for e in entries
                      if e.info.code.lower() == wanted), None)
        if entry is None:
            raise UnknownMarket(market=market_code, http_status=404)
        head = (explicit,) if explicit else ()
        return result(entry, head + accepted, "market")
    if locale_hint is not None:
        if explicit is None:
            raise InvalidLocale(locale=locale_hint, http_status=400)
        entry = _market_for_tag(entries, default, explicit, country)
        if entry is not None:
            return result(entry, (explicit,) + accepted, "locale")
    for tag in accepted:
        entry = _market_for_tag(entries, default, tag, country)
        if entry is not None:
            return result(entry, accepted, "accept-language")
    if country is not None:
        entry = next((e for e in entries if country in e.countries), None)
        if entry is not None:
            return result(entry, accepted, "country")
    return result(default, accepted, "default")


def requested_locale(market: MarketInfo, hints: RequestHints) -> str | None:
    """The locale of ``market`` a request asks for, or None when it asks for none the market speaks.

    For answers that speak in a market the request did not choose (a cart's,
    an order's): the explicit locale, then the Accept-Language ranges, matched
    within that market exactly as :func:`negotiate` matches them (CLDR fallback
    chain, script, language; q=0 refused). ``hints.market`` and
    ``hints.country`` are not consulted."""
    entry = _entries((market,))[0]
    preferences = _preferences(hints.accept_language)
    locale_hint = _present(hints.locale)
    explicit = request_tag(locale_hint) if locale_hint else None
    candidates = ((explicit,) if explicit else ()) + tuple(
        tag for r in preferences.accepted if (tag := request_tag(r)) is not None)
    spoken = [tag for tag in candidates if entry.speaks(tag)]
    if not spoken:
        return None
    locale = _locale_within(entry, spoken, preferences.weights)
    chosen = LanguageTag.parse(locale)
    return locale if chosen is not None and any(tag.language == chosen.language for tag in spoken) else None


def _present(value: str | None) -> str | None:
    if not isinstance(value, str):
        return None
    return value.strip() or None


def _country(value: str | None) -> str | None:
    """An upper-case ISO 3166-1 alpha-2 code, or None for anything else."""
    value = _present(value)
    if value is None or not value.isascii():
        return None
    value = value.upper()
    return value if _COUNTRY.fullmatch(value) else None


def _market_for_tag(entries: Sequence[_Market], default: _Market,
                    tag: LanguageTag, country: str | None = None) -> _Market | None:
    """Market for ``tag``: its region's market, else by language (see negotiate)."""
    if tag.region is not None:
        holding = [e for e in entries if tag.region in e.countries]
        if holding:
            return next((e for e in holding if e.speaks(tag, script=True)),
                        next((e for e in holding if e.speaks(tag)), holding[0]))
    for script in (True, False):
        primary = [e for e in entries if e.tags[0].language == tag.language
                   and (not script or e.tags[0].written_in == tag.written_in)]
        speaking = primary or [e for e in entries if e.speaks(tag, script)]
        if speaking:
            local = next((e for e in speaking if country is not None and country in e.countries), None)
            if local is not None:
                return local
            # A bare "es" -> ES: Spain's market before the default's es-US ("es-MX" stays MX: no market -> default).
            home = tag.region or likely_region(tag.language, tag.script)
            local = next((e for e in speaking if home is not None and home in e.countries), None)
            if local is not None:
                return local
            return default if any(e is default for e in speaking) else speaking[0]
    return None


def _locale_within(entry: _Market, candidates: Sequence[LanguageTag],
                   weights: tuple[tuple[str, int], ...] = ()) -> str:
    """The market's own spelling of the best locale for ``candidates``."""
    pairs = [(tag, locale) for tag, locale in zip(entry.tags, entry.info.locales)
             if not _refuses(weights, tag)]
    if not pairs:
        return entry.info.locales[0]  # all refused: the header is disregarded (RFC 9110 §12.5.4)
    for candidate in candidates:
        for ancestor in candidate.ancestry():
            for tag, locale in pairs:
                if tag == ancestor:
                    return locale
        script = candidate.written_in
        for tag, locale in pairs:
            if tag.language == candidate.language and tag.written_in == script:
                return locale
        for tag, locale in pairs:
            if tag.language == candidate.language:
                return locale
    return pairs[0][1]


def _suggest(entries: Sequence[_Market], selected: _Market,
             country: str | None, locale: str) -> Suggestion | None:
    """Point at the market of the shopper's country when it is another one."""
    if country is None or country in selected.countries:
        return None
    other = next((e for e in entries if country in e.countries), None)
    if other is None:
        return None
    chosen = LanguageTag.parse(locale)
    same = (loc for tag, loc in zip(other.tags, other.info.locales)
            if chosen is not None and tag.language == chosen.language)
    return Suggestion(other.info.code, next(same, other.info.locales[0]))
