"""Language tags (BCP 47) and the content-translation fallback chain.

Pure: standard library, Babel (CLDR data), langcodes and :mod:`storefront.i18n.errors` only. Defines the
tag type of the package (:class:`LanguageTag`); :mod:`storefront.i18n.negotiation` reuses it, and
:func:`parse_locale` is the one check of a locale a merchant sends.

Two parsers:

- :meth:`LanguageTag.parse` (strict, for the locales a merchant configures) accepts this subset of the
  RFC 5646 (BCP 47) ``langtag`` production::

    language  2*3ALPHA                      "de", "gsw"      -> lower case
    script    4ALPHA                        "Hant"           -> Title case
    region    2ALPHA / 3DIGIT               "CH", "419"      -> upper case
    variant   5*8alphanum / DIGIT 3alphanum "1996", "rozaj"  -> lower case

  Extended language subtags, the 5-8 letter registered-language form, extensions (``-u-...``), private
  use (``x-...``) and grandfathered tags are rejected. ``_`` is accepted as a separator (``pt_BR``).
- :func:`request_tag` (lenient, for what a shopper sends) parses any well-formed tag with langcodes,
  which also normalises grandfathered and deprecated tags and extended language subtags (``i-klingon`` ->
  ``tlh``, ``zh-yue`` -> ``yue``, ``iw`` -> ``he``), then truncates extensions and private use as RFC 4647
  §3.4 lookup does (``ja-JP-x-private`` -> ``ja-JP``, ``en-u-ca-gregory`` -> ``en``).

:func:`fallback_chain` follows CLDR's parent locales (Unicode TR35 §4.1.3, the ``parentLocales`` data of
CLDR as shipped in Babel): ``es-MX`` -> ``es-419`` -> ``es``, ``en-AU`` -> ``en-001`` -> ``en``, and a tag in a
script other than its language's likely one stops at its script (``zh-Hant`` never falls back to the
Simplified ``zh``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import langcodes
from babel.core import get_global

from storefront.i18n.errors import InvalidLocale

__all__ = ["LanguageTag", "canonical_tag", "fallback_chain", "likely_region", "likely_script", "parse_locale",
           "request_tag"]

#: Practical upper bound on the length of a tag we try to parse at all.
MAX_TAG_LENGTH = 64

_SEPARATOR = re.compile(r"[-_]")
_LANGUAGE = re.compile(r"[a-z]{2,3}", re.ASCII)
_SCRIPT = re.compile(r"[a-z]{4}", re.ASCII)
_REGION = re.compile(r"[a-z]{2}|[0-9]{3}", re.ASCII)
_VARIANT = re.compile(r"[a-z0-9]{5,8}|[0-9][a-z0-9]{3}", re.ASCII)

#: CLDR parent locales that are not the truncation ("es-MX" -> "es-419", "en-AU" -> "en-001").
PARENT_LOCALES: dict[str, str] = {
    child.replace("_", "-"): parent.replace("_", "-") for child, parent in get_global("parent_exceptions").items()
}


@dataclass(frozen=True)
class LanguageTag:
    """A well-formed language tag in canonical case (RFC 5646 §2.1.1).

    Build one with :meth:`parse`; the constructor only accepts fields that
    are already canonical and raises ``ValueError`` otherwise.
    ``str(tag)`` is the canonical spelling (``"zh-Hant-TW"``).
    """

    language: str
    script: str | None = None
    region: str | None = None
    variants: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        ok = (
            _LANGUAGE.fullmatch(self.language) is not None
            and (self.script is None or (
                _SCRIPT.fullmatch(self.script.lower()) is not None
                and self.script == self.script.title()))
            and (self.region is None or (
                _REGION.fullmatch(self.region.lower()) is not None
                and self.region == self.region.upper()))
            and all(_VARIANT.fullmatch(v) is not None for v in self.variants)
            and len(set(self.variants)) == len(self.variants)
        )
        if not ok:
            raise ValueError(f"not a canonical language tag: {self!r}")

    @classmethod
    def parse(cls, tag: str) -> LanguageTag | None:
        """Parse ``tag`` (any case, ``-`` or ``_`` separators) or return None.

        Rule: RFC 5646 §2.1 ``langtag`` = language ["-" script] ["-" region]
        *("-" variant), subtags case-insensitive (§2.1.1), repeated variants
        invalid (§2.2.5). Anything else, including empty subtags, extensions,
        private use, non-ASCII text, surrounding whitespace or more than
        :data:`MAX_TAG_LENGTH` characters, is malformed.
        """
        if (not isinstance(tag, str) or not tag or not tag.isascii()
                or len(tag) > MAX_TAG_LENGTH):
            return None
        subtags = _SEPARATOR.split(tag.lower())
        if _LANGUAGE.fullmatch(subtags[0]) is None:
            return None
        language, rest = subtags[0], subtags[1:]
        script = region = None
        if rest and _SCRIPT.fullmatch(rest[0]):
            script, rest = rest[0].title(), rest[1:]
        if rest and _REGION.fullmatch(rest[0]):
            region, rest = rest[0].upper(), rest[1:]
        variants: list[str] = []
        for subtag in rest:
            if _VARIANT.fullmatch(subtag) is None or subtag in variants:
                return None
            variants.append(subtag)
        return cls(language, script, region, tuple(variants))

    def __str__(self) -> str:
        parts = [self.language, self.script, self.region, *self.variants]
        return "-".join(p for p in parts if p)

    @property
    def written_in(self) -> str | None:
        """The script: explicit, else the likely one for the language and region (``zh-HK`` -> Hant)."""
        return self.script or likely_script(self.language, self.region)

    def parent(self) -> LanguageTag | None:
        """The CLDR parent (see :func:`fallback_chain`), None for the root."""
        if self.variants:
            return LanguageTag(self.language, self.script, self.region, self.variants[:-1])
        named = PARENT_LOCALES.get(str(self))
        if named is not None:
            return None if named == "root" else LanguageTag.parse(named)
        if self.region:
            return LanguageTag(self.language, self.script)
        if self.script and self.script == likely_script(self.language):
            return LanguageTag(self.language)
        return None

    def ancestry(self) -> tuple[LanguageTag, ...]:
        """This tag and its CLDR parents up to (without) the root; see :func:`fallback_chain`."""
        chain = [self]
        tag: LanguageTag | None = self
        if self.script is None and self.region is not None:
            script = likely_script(self.language, self.region)
            if script is not None and script != likely_script(self.language):
                tag = LanguageTag(self.language, script, self.region, self.variants)
                chain.append(tag)
        while tag is not None and (tag := tag.parent()) is not None:
            if tag not in chain:
                chain.append(tag)
        return tuple(chain)

    def truncations(self) -> tuple[LanguageTag, ...]:
        """This tag, then each shorter tag obtained by dropping the last subtag.

        RFC 4647 §3.4 (lookup): "zh-Hant-TW" -> zh-Hant-TW, zh-Hant, zh.
        (The rule about also dropping a trailing singleton never applies:
        extensions are not accepted by :meth:`parse`.)
        """
        chain = [self]
        tag = self
        while tag.variants or tag.region or tag.script:
            if tag.variants:
                tag = LanguageTag(tag.language, tag.script, tag.region,
                                  tag.variants[:-1])
            elif tag.region:
                tag = LanguageTag(tag.language, tag.script)
            else:
                tag = LanguageTag(tag.language)
            chain.append(tag)
        return tuple(chain)


def canonical_tag(tag: str) -> str | None:
    """Return ``tag`` in canonical BCP 47 case, or None when malformed.

    Rule: RFC 5646 §2.1.1 - language lower case, script Title case, region
    upper case, variants lower case; ``_`` is read as ``-``. See
    :meth:`LanguageTag.parse` for what counts as malformed.
    Examples: "DE-ch" -> "de-CH", "pt_br" -> "pt-BR", "de--CH" -> None.
    """
    parsed = LanguageTag.parse(tag)
    return None if parsed is None else str(parsed)


def parse_locale(raw: str) -> str:
    """``raw`` in canonical BCP 47 case (see :func:`canonical_tag`); raises
    :class:`~storefront.i18n.errors.InvalidLocale` when it is malformed."""
    tag = canonical_tag(raw)
    if tag is None:
        raise InvalidLocale(locale=raw)
    return tag


@lru_cache(maxsize=1024)
def fallback_chain(locale: str, default: str = "en") -> tuple[str, ...]:
    """The lookup chain for translated content, most specific first.

    Rule: CLDR inheritance (Unicode TR35 §4.1.3): the parent of a tag is its CLDR parent locale where
    CLDR names one, else the tag without its last subtag (RFC 4647 §3.4 lookup); a language-script tag
    whose script is not the language's likely script has no parent but the root; a tag without a script
    whose region writes another script than the language does goes through the scripted tag first
    (``zh-HK`` -> ``zh-Hant-HK`` -> ``zh-Hant``). Then ``default``; canonical case, no duplicates.
    Examples: "fr-CA" -> ("fr-CA", "fr", "en"); "es-MX" -> ("es-MX", "es-419", "es", "en");
    "en-AU" -> ("en-AU", "en-001", "en"); ("de-CH", default="de") -> ("de-CH", "de").
    A malformed ``locale`` yields just ``(default,)``; a malformed
    ``default`` is a programming error and raises ``ValueError``.
    """
    fallback = canonical_tag(default)
    if fallback is None:
        raise ValueError(f"malformed default locale: {default!r}")
    parsed = LanguageTag.parse(locale)
    chain = [str(t) for t in parsed.ancestry()] if parsed else []
    if fallback not in chain:
        chain.append(fallback)
    return tuple(chain)


@lru_cache(maxsize=4096)
def request_tag(value: str) -> LanguageTag | None:
    """A tag a shopper sent (Accept-Language range, ``?locale=``) reduced to language, script, region and
    variants, or None when it is not a well-formed BCP 47 tag with a 2-3 letter language.

    Parsed and normalised by langcodes; extensions and private use are truncated (RFC 4647 §3.4), as are
    a variant that is malformed or repeated and everything after it. Never raises; cached.
    """
    if (not isinstance(value, str) or not value or len(value) > MAX_TAG_LENGTH or not value.isascii()
            or any(char.isspace() for char in value) or "*" in value):
        return None
    try:
        language = langcodes.Language.get(value)
    except (langcodes.LanguageTagError, ValueError, KeyError, IndexError, TypeError, AttributeError):
        return None
    code = (language.language or "").lower()
    if _LANGUAGE.fullmatch(code) is None:
        return None
    script = language.script.title() if language.script and _SCRIPT.fullmatch(language.script.lower()) else None
    region = language.territory.upper() if language.territory and _REGION.fullmatch(
        language.territory.lower()) else None
    variants: list[str] = []
    for variant in language.variants or ():
        variant = variant.lower()
        if _VARIANT.fullmatch(variant) is None or variant in variants:
            break
        variants.append(variant)
    return LanguageTag(code, script, region, tuple(variants))


@lru_cache(maxsize=4096)
def likely_script(language: str, region: str | None = None) -> str | None:
    """The script ``language`` is most likely written in (in ``region``), from CLDR's likely subtags via
    langcodes: ("zh", None) -> "Hans", ("zh", "HK") -> "Hant", ("sr", None) -> "Cyrl"."""
    try:
        script = langcodes.Language.make(language=language, territory=region).maximize().script
    except (langcodes.LanguageTagError, ValueError, KeyError):
        return None
    return script.title() if script else None


@lru_cache(maxsize=4096)
def likely_region(language: str, script: str | None = None) -> str | None:
    """The country a language (in a script) is most likely spoken in, from CLDR's likely subtags via
    langcodes: "es" -> "ES", "de" -> "DE", "pt" -> "BR", "en" -> "US", ("zh", "Hant") -> "TW"."""
    try:
        region = langcodes.Language.make(language=language, script=script).maximize().territory
    except (langcodes.LanguageTagError, ValueError, KeyError):
        return None
    return region.upper() if region and _REGION.fullmatch(region.lower()) else None
