"""Unit tests for storefront.i18n.negotiation (market/locale negotiation)."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from storefront.errors import StorefrontError
from storefront.i18n.negotiation import (
    MAX_LANGUAGE_RANGES,
    InvalidLocale,
    MarketInfo,
    Negotiated,
    RequestHints,
    Suggestion,
    UnknownMarket,
    negotiate,
    parse_accept_language,
    requested_locale,
)

EU_COUNTRIES = (
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "GR", "HU", "IE", "IT",
    "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE",
)

DEMO_MARKETS = (
    MarketInfo("US", ("US",), ("en-US", "es-US"), is_default=True),
    MarketInfo("CA", ("CA",), ("en-CA", "fr-CA")),
    MarketInfo("GB", ("GB",), ("en-GB",)),
    MarketInfo("DE", ("DE",), ("de-DE",)),
    MarketInfo("FR", ("FR",), ("fr-FR",)),
    MarketInfo("EU", EU_COUNTRIES, ("en-IE", "es-ES", "it-IT", "nl-NL")),
    MarketInfo("CH", ("CH", "LI"), ("de-CH", "fr-CH", "it-CH")),
    MarketInfo("JP", ("JP",), ("ja-JP",)),
    MarketInfo("AU", ("AU",), ("en-AU",)),
    MarketInfo("KW", ("KW",), ("ar-KW", "en-KW")),
)

SELECTED_BY = {"market", "locale", "accept-language", "country", "default"}


@pytest.fixture(scope="module")
def markets() -> tuple[MarketInfo, ...]:
    return DEMO_MARKETS


def _negotiate(markets, **hints) -> tuple[str, str, str]:
    result = negotiate(markets, RequestHints(**hints))
    return result.market, result.locale, result.selected_by


# --------------------------------------------------------------------------
# parse_accept_language
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, ()),
        ("", ()),
        ("de", ("de",)),
        ("de-CH", ("de-CH",)),
        ("DE-ch", ("de-CH",)),
        ("EN-gb", ("en-GB",)),
        ("zh-hant-tw", ("zh-Hant-TW",)),
        ("pt_br", ("pt-BR",)),
        ("*", ("*",)),
        ("*, fr", ("*", "fr")),
        ("fr;q=0.5, de-CH;q=0.9", ("de-CH", "fr")),
        ("de-CH, de;q=0.9, en;q=0.8, *;q=0.1", ("de-CH", "de", "en", "*")),
        ("en;q=0.8, de;q=0.8, fr;q=0.8", ("en", "de", "fr")),
        ("en;q=0.5, de, fr;q=0.5", ("de", "en", "fr")),
        ("fr;q=0, de", ("de",)),
        ("fr;q=0.000, de;q=0.001", ("de",)),
        ("fr;q=0.0", ()),
        ("fr;q=1, de;q=1.000", ("fr", "de")),
        ("fr;q=1.", ("fr",)),
        ("fr;q=0.", ()),
        ("fr;q=.5", ()),
        ("fr;q=0.123, de;q=0.124", ("de", "fr")),
        ("fr;q=0.5, de;q=0.50", ("fr", "de")),
        ("fr;Q=0.5, de", ("de", "fr")),
        ("fr ; q = 0.5 ,de", ("de", "fr")),
        ("  fr\t;\tq=0.5\t, \tde  ", ("de", "fr")),
        ("fr;q=abc, de", ("de",)),
        ("fr;q=2, de", ("de",)),
        ("fr;q=1.5, de", ("de",)),
        ("fr;q=1.001, de", ("de",)),
        ("fr;q=-1, de", ("de",)),
        ("fr;q=0.1234, de", ("de",)),
        ("fr;q=, de", ("de",)),
        ("fr;q, de", ("de",)),
        ("fr;q=0.5;q=0.5, de", ("de",)),
        ("fr;level=1;q=0.5, de", ("de", "fr")),
        ("fr;foo, de;q=0.9", ("fr", "de")),
        ("fr;, de", ("fr", "de")),
        (";;;,,", ()),
        (",,de,,", ("de",)),
        (";q=0.5, de", ("de",)),
        ("q=abc", ()),
        ("de-", ()),
        ("de-, fr", ("fr",)),
        ("12345", ()),
        ("de--CH, fr", ("fr",)),
        ("dé, fr", ("fr",)),
        ("de-*, fr", ("fr",)),
        ("*-CH, fr", ("fr",)),
        ("de, DE, de;q=0.5", ("de",)),
        ("de;q=0.5, de-CH, DE", ("de-CH", "de")),
        # RFC 4647 §3.4: private use, extensions and grandfathered tags are truncated, not dropped
        ("de-CH-x-private, fr", ("de-CH", "fr")),
        ("ja-JP-x-private", ("ja-JP",)),
        ("en-u-ca-gregory;q=0.5, de", ("de", "en")),
        ("i-klingon, zh-yue", ("tlh", "yue")),
        ("de-CH-x-a, de-CH;q=0.5", ("de-CH",)),
    ],
)
def test_parse_accept_language(header: str | None, expected: tuple[str, ...]) -> None:
    assert parse_accept_language(header) == expected


def test_parse_accept_language_caps_the_number_of_ranges() -> None:
    header = ", ".join(["xx"] * MAX_LANGUAGE_RANGES + ["de"])
    assert parse_accept_language(header) == ("xx",)
    header = ", ".join(["q=abc"] * (MAX_LANGUAGE_RANGES - 1) + ["de", "fr"])
    assert parse_accept_language(header) == ("de",)


def test_parse_accept_language_huge_header() -> None:
    assert parse_accept_language("de, " + "a" * 1_000_000) == ("de",)
    assert parse_accept_language("de" + ", fr" * 1_000_000) == ("de", "fr")
    assert parse_accept_language("de;" + "x" * 1_000_000) == ()


@given(st.text())
def test_parse_accept_language_never_raises(header: str) -> None:
    result = parse_accept_language(header)
    assert isinstance(result, tuple)
    assert len(result) <= MAX_LANGUAGE_RANGES
    assert len(set(result)) == len(result)


# --------------------------------------------------------------------------
# MarketInfo
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "locales"),
    [("", ("en-US",)), ("US", ()), ("US", ("en-US", "en--US"))],
)
def test_market_info_rejects_bad_config(code: str, locales: tuple[str, ...]) -> None:
    with pytest.raises(ValueError):
        MarketInfo(code, ("US",), locales)


def test_negotiate_without_markets_raises() -> None:
    with pytest.raises(ValueError):
        negotiate((), RequestHints())


# --------------------------------------------------------------------------
# Step 1: explicit market
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hints", "expected"),
    [
        ({"market": "CH"}, ("CH", "de-CH", "market")),
        ({"market": "ch"}, ("CH", "de-CH", "market")),
        ({"market": " cH "}, ("CH", "de-CH", "market")),
        ({"market": "EU"}, ("EU", "en-IE", "market")),
        ({"market": "CH", "locale": "fr-CH"}, ("CH", "fr-CH", "market")),
        ({"market": "CH", "locale": "FR"}, ("CH", "fr-CH", "market")),
        ({"market": "CH", "locale": "it"}, ("CH", "it-CH", "market")),
        ({"market": "CH", "locale": "fr-FR"}, ("CH", "fr-CH", "market")),
        ({"market": "CH", "locale": "en-CH"}, ("CH", "de-CH", "market")),
        ({"market": "CH", "accept_language": "en-CH, fr;q=0.8"}, ("CH", "fr-CH", "market")),
        ({"market": "CH", "accept_language": "it"}, ("CH", "it-CH", "market")),
        ({"market": "CH", "locale": "it", "accept_language": "fr"}, ("CH", "it-CH", "market")),
        ({"market": "CH", "locale": "ja", "accept_language": "fr"}, ("CH", "fr-CH", "market")),
        # a malformed locale is ignored when the market is explicit
        ({"market": "CH", "locale": "de--", "accept_language": "fr"}, ("CH", "fr-CH", "market")),
        ({"market": "US", "accept_language": "es-MX"}, ("US", "es-US", "market")),
        ({"market": "KW", "accept_language": "en"}, ("KW", "en-KW", "market")),
        # market beats locale, Accept-Language and country
        ({"market": "DE", "locale": "fr-FR", "accept_language": "ja", "country": "JP"},
         ("DE", "de-DE", "market")),
        ({"market": "JP", "locale": "fr"}, ("JP", "ja-JP", "market")),
        # empty / blank market counts as absent
        ({"market": "", "accept_language": "fr"}, ("FR", "fr-FR", "accept-language")),
        ({"market": "   ", "accept_language": "fr"}, ("FR", "fr-FR", "accept-language")),
    ],
)
def test_explicit_market(markets, hints: dict, expected: tuple[str, str, str]) -> None:
    assert _negotiate(markets, **hints) == expected


@pytest.mark.parametrize(("market", "reported"), [("XX", "XX"), (" mx ", "mx"), ("ß", "ß"), ("C", "C")])
def test_unknown_market(markets, market: str, reported: str) -> None:
    with pytest.raises(UnknownMarket) as info:
        negotiate(markets, RequestHints(market=market, accept_language="fr"))
    error = info.value
    assert isinstance(error, StorefrontError)
    assert error.code == "unknown_market"
    assert error.http_status == 404
    assert error.params == {"market": reported}
    assert error.message == "Unknown market “%(market)s”."
    assert str(error) == f"Unknown market “{reported}”."


# --------------------------------------------------------------------------
# Step 2: explicit locale
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hints", "expected"),
    [
        ({"locale": "de-CH"}, ("CH", "de-CH", "locale")),
        ({"locale": "DE-ch"}, ("CH", "de-CH", "locale")),
        ({"locale": " fr-ch "}, ("CH", "fr-CH", "locale")),
        ({"locale": "de"}, ("DE", "de-DE", "locale")),
        ({"locale": "fr"}, ("FR", "fr-FR", "locale")),
        ({"locale": "fr-CA"}, ("CA", "fr-CA", "locale")),
        ({"locale": "en"}, ("US", "en-US", "locale")),
        ({"locale": "EN-gb"}, ("GB", "en-GB", "locale")),
        ({"locale": "es"}, ("EU", "es-ES", "locale")),  # a bare "es": Spain's market (issue 16)
        ({"locale": "es-ES"}, ("EU", "es-ES", "locale")),
        ({"locale": "de-AT"}, ("EU", "en-IE", "locale")),
        ({"locale": "de-AT", "accept_language": "it"}, ("EU", "it-IT", "locale")),
        ({"locale": "en-CH"}, ("CH", "de-CH", "locale")),
        ({"locale": "en-CH", "accept_language": "fr"}, ("CH", "fr-CH", "locale")),
        ({"locale": "de-LI"}, ("CH", "de-CH", "locale")),
        ({"locale": "pt_pt"}, ("EU", "en-IE", "locale")),
        # locale beats Accept-Language and country
        ({"locale": "ja", "accept_language": "fr", "country": "CH"}, ("JP", "ja-JP", "locale")),
        # valid but unmatched locales fall through to the next steps
        ({"locale": "pt-BR"}, ("US", "en-US", "default")),
        ({"locale": "pt-BR", "accept_language": "fr"}, ("FR", "fr-FR", "accept-language")),
        ({"locale": "zh-Hant-TW", "country": "CH"}, ("CH", "de-CH", "country")),
        ({"locale": "sr-Latn-RS"}, ("US", "en-US", "default")),
        # empty / blank locale counts as absent
        ({"locale": "", "accept_language": "fr"}, ("FR", "fr-FR", "accept-language")),
        ({"locale": "  ", "accept_language": "fr"}, ("FR", "fr-FR", "accept-language")),
    ],
)
def test_explicit_locale(markets, hints: dict, expected: tuple[str, str, str]) -> None:
    assert _negotiate(markets, **hints) == expected


@pytest.mark.parametrize(
    ("locale", "reported"),
    [("de-", "de-"), ("x", "x"), ("12345", "12345"), ("de--CH", "de--CH"),
     (" de_ ", "de_"), ("*", "*"), ("de;q=1", "de;q=1"), ("dé", "dé")],
)
def test_invalid_locale(markets, locale: str, reported: str) -> None:
    with pytest.raises(InvalidLocale) as info:
        negotiate(markets, RequestHints(locale=locale, accept_language="fr", country="CH"))
    error = info.value
    assert error.code == "invalid_locale"
    assert error.http_status == 400
    assert error.params == {"locale": reported}
    assert str(error) == f"“{reported}” is not a valid locale."


# --------------------------------------------------------------------------
# Step 3: Accept-Language
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("de-CH", ("CH", "de-CH")),
        ("de", ("DE", "de-DE")),
        ("DE-ch", ("CH", "de-CH")),
        ("EN-gb", ("GB", "en-GB")),
        ("de-AT", ("EU", "en-IE")),
        ("de-AT, it;q=0.5", ("EU", "it-IT")),
        ("de-AT, fr;q=0.5", ("EU", "en-IE")),
        ("en-CH, fr;q=0.8", ("CH", "fr-CH")),
        ("en-CH", ("CH", "de-CH")),
        ("it-CH", ("CH", "it-CH")),
        ("fr-LI", ("CH", "fr-CH")),
        ("fr-CA", ("CA", "fr-CA")),
        ("en-CA", ("CA", "en-CA")),
        ("fr", ("FR", "fr-FR")),
        ("fr-FR", ("FR", "fr-FR")),
        ("fr-BE", ("EU", "en-IE")),
        ("nl-BE", ("EU", "nl-NL")),
        ("nl", ("EU", "nl-NL")),
        ("it", ("EU", "it-IT")),
        ("es", ("EU", "es-ES")),  # CLDR's likely country of "es" is ES (issue 16)
        ("es-MX", ("US", "es-US")),
        ("es-419", ("US", "es-US")),
        ("es-ES", ("EU", "es-ES")),
        ("en", ("US", "en-US")),
        ("en-US", ("US", "en-US")),
        ("en-IE", ("EU", "en-IE")),
        ("en-AU", ("AU", "en-AU")),
        ("en-NZ", ("US", "en-US")),
        ("ja", ("JP", "ja-JP")),
        ("ja-JP", ("JP", "ja-JP")),
        ("ar", ("KW", "ar-KW")),
        ("ar-SA", ("KW", "ar-KW")),
        ("en-KW", ("KW", "en-KW")),
        ("de-DE-1996", ("DE", "de-DE")),
        # q-values: preference order decides, q=0 is excluded, ties keep order
        ("fr;q=0.5, de-CH;q=0.9", ("CH", "de-CH")),
        ("de-CH;q=0, fr;q=0.1", ("FR", "fr-FR")),
        ("ja;q=0.8, ar;q=0.8", ("JP", "ja-JP")),
        ("ar;q=0.8, ja;q=0.8", ("KW", "ar-KW")),
        ("fr;q=0.5, de;q=0.5, ja;q=0.7", ("JP", "ja-JP")),
        # the wildcard is skipped; unmatched ranges are skipped
        ("*, fr", ("FR", "fr-FR")),
        ("pt-BR, zh, fr;q=0.1", ("FR", "fr-FR")),
        ("fr;q=abc, ja", ("JP", "ja-JP")),
        ("de-, ja", ("JP", "ja-JP")),
        # locale: the whole Accept-Language list is used within the market
        ("fr-CH, de;q=0.9", ("CH", "fr-CH")),
        ("de-CH, fr;q=0.9", ("CH", "de-CH")),
        ("en-GB, fr-CA;q=0.9", ("GB", "en-GB")),
        ("es-MX, en;q=0.5", ("US", "es-US")),
    ],
)
def test_accept_language(markets, header: str, expected: tuple[str, str]) -> None:
    assert _negotiate(markets, accept_language=header) == (*expected, "accept-language")


@pytest.mark.parametrize(
    "header",
    [
        "*",
        "zh-Hant-TW",
        "sr-Latn-RS",
        "pt-BR",
        "zh-Hant-TW, sr-Latn-RS;q=0.5",
        ";;;,,",
        "q=abc",
        "de-",
        "12345",
        "de;q=0",
        "fr;q=0, de;q=0",
        "\u00e9\u00e8\u4e2d\u6587, \U0001f600",
        "de;" + "x" * 100_000,
        "xx, " * 100_000 + "fr",
    ],
)
def test_accept_language_without_match_falls_to_default(markets, header: str) -> None:
    assert _negotiate(markets, accept_language=header) == ("US", "en-US", "default")


def test_accept_language_beats_country(markets) -> None:
    result = negotiate(markets, RequestHints(accept_language="fr", country="CH"))
    assert result == Negotiated("FR", "fr-FR", "accept-language", Suggestion("CH", "fr-CH"))


# --------------------------------------------------------------------------
# Step 4: country
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hints", "expected"),
    [
        ({"country": "CH"}, ("CH", "de-CH", "country")),
        ({"country": "ch"}, ("CH", "de-CH", "country")),
        ({"country": " Ch "}, ("CH", "de-CH", "country")),
        ({"country": "LI"}, ("CH", "de-CH", "country")),
        ({"country": "AT"}, ("EU", "en-IE", "country")),
        ({"country": "KW"}, ("KW", "ar-KW", "country")),
        ({"country": "CA"}, ("CA", "en-CA", "country")),
        ({"country": "CH", "accept_language": "*"}, ("CH", "de-CH", "country")),
        ({"country": "CH", "accept_language": "pt-BR, zh-Hant-TW"}, ("CH", "de-CH", "country")),
        # Accept-Language beats country (every range a market speaks selects
        # it); among the markets speaking the language, the country's wins
        ({"country": "CH", "accept_language": "pt-BR, it;q=0.5"},
         ("CH", "it-CH", "accept-language")),
        ({"country": "CH", "accept_language": "de"}, ("CH", "de-CH", "accept-language")),
        ({"country": "AT", "accept_language": "de"}, ("DE", "de-DE", "accept-language")),
        ({"country": "JP", "accept_language": "it"}, ("EU", "it-IT", "accept-language")),
        ({"country": "CA", "accept_language": "zh, fr-FR;q=0.5"},
         ("FR", "fr-FR", "accept-language")),
        ({"country": "AT", "accept_language": "zh, es;q=0.5"},
         ("EU", "es-ES", "accept-language")),
        ({"country": "JP", "accept_language": "zh, es;q=0.5"},
         ("EU", "es-ES", "accept-language")),
        # country beats default
        ({"country": "JP", "accept_language": "pt-BR"}, ("JP", "ja-JP", "country")),
        # junk or unknown countries are ignored
        ({"country": "XX"}, ("US", "en-US", "default")),
        ({"country": "C"}, ("US", "en-US", "default")),
        ({"country": "CHE"}, ("US", "en-US", "default")),
        ({"country": ""}, ("US", "en-US", "default")),
        ({"country": "  "}, ("US", "en-US", "default")),
        ({"country": "C1"}, ("US", "en-US", "default")),
        ({"country": "ÇH"}, ("US", "en-US", "default")),
        ({"country": "ß"}, ("US", "en-US", "default")),
        ({"country": "C H"}, ("US", "en-US", "default")),
        ({"country": "BR", "accept_language": "pt-BR"}, ("US", "en-US", "default")),
    ],
)
def test_country(markets, hints: dict, expected: tuple[str, str, str]) -> None:
    assert _negotiate(markets, **hints) == expected


# --------------------------------------------------------------------------
# Step 5: default
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hints", "expected"),
    [
        ({}, ("US", "en-US", "default")),
        ({"accept_language": "*"}, ("US", "en-US", "default")),
        ({"market": None, "locale": None, "accept_language": None, "country": None},
         ("US", "en-US", "default")),
    ],
)
def test_default(markets, hints: dict, expected: tuple[str, str, str]) -> None:
    assert _negotiate(markets, **hints) == expected


def test_default_is_the_first_market_without_is_default() -> None:
    markets = (
        MarketInfo("GB", ("GB",), ("en-GB",)),
        MarketInfo("CA", ("CA",), ("en-CA", "fr-CA")),
    )
    assert _negotiate(markets) == ("GB", "en-GB", "default")
    assert _negotiate(markets, accept_language="fr") == ("CA", "fr-CA", "accept-language")
    assert _negotiate(markets, accept_language="en") == ("GB", "en-GB", "accept-language")


def test_default_market_preferred_among_same_primary_language() -> None:
    markets = (
        MarketInfo("GB", ("GB",), ("en-GB",)),
        MarketInfo("US", ("US",), ("en-US",), is_default=True),
    )
    assert _negotiate(markets, accept_language="en") == ("US", "en-US", "accept-language")
    assert _negotiate(markets, accept_language="en-IE") == ("US", "en-US", "accept-language")


def test_primary_language_beats_secondary_language() -> None:
    markets = (
        MarketInfo("US", ("US",), ("en-US", "es-US"), is_default=True),
        MarketInfo("MX", ("MX",), ("es-MX",)),
    )
    assert _negotiate(markets, accept_language="es") == ("MX", "es-MX", "accept-language")
    assert _negotiate(markets, accept_language="es-US") == ("US", "es-US", "accept-language")


def test_region_market_speaking_the_language_is_preferred() -> None:
    markets = (
        MarketInfo("A", ("XA",), ("en-XA",), is_default=True),
        MarketInfo("B", ("XA",), ("de-XA",)),
    )
    assert _negotiate(markets, accept_language="de-XA") == ("B", "de-XA", "accept-language")
    assert _negotiate(markets, accept_language="fr-XA") == ("A", "en-XA", "accept-language")


def test_market_locales_matched_case_insensitively() -> None:
    markets = (MarketInfo("ch", ("ch",), ("DE-ch", "fr_ch")),)
    assert _negotiate(markets, market="CH", locale="fr-CH") == ("ch", "fr_ch", "market")
    assert _negotiate(markets, accept_language="de-ch") == ("ch", "DE-ch", "accept-language")
    assert _negotiate(markets, country="CH") == ("ch", "DE-ch", "country")


# --------------------------------------------------------------------------
# Suggestion
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hints", "expected"),
    [
        ({"accept_language": "fr", "country": "CH"},
         Negotiated("FR", "fr-FR", "accept-language", Suggestion("CH", "fr-CH"))),
        ({"market": "DE", "country": "CH"},
         Negotiated("DE", "de-DE", "market", Suggestion("CH", "de-CH"))),
        ({"market": "JP", "country": "CH"},
         Negotiated("JP", "ja-JP", "market", Suggestion("CH", "de-CH"))),
        ({"market": "FR", "country": "li"},
         Negotiated("FR", "fr-FR", "market", Suggestion("CH", "fr-CH"))),
        ({"locale": "es", "country": "AT"}, Negotiated("EU", "es-ES", "locale")),
        ({"locale": "es", "country": "FR"},
         Negotiated("EU", "es-ES", "locale", Suggestion("FR", "fr-FR"))),
        ({"accept_language": "en-GB", "country": "CA"},
         Negotiated("GB", "en-GB", "accept-language", Suggestion("CA", "en-CA"))),
        ({"accept_language": "ja", "country": "US"},
         Negotiated("JP", "ja-JP", "accept-language", Suggestion("US", "en-US"))),
        # no suggestion when the selected market holds the country
        ({"market": "CH", "country": "CH"}, Negotiated("CH", "de-CH", "market")),
        ({"accept_language": "en-CH", "country": "LI"},
         Negotiated("CH", "de-CH", "accept-language")),
        ({"accept_language": "es", "country": "US"}, Negotiated("US", "es-US", "accept-language")),
        ({"country": "CH"}, Negotiated("CH", "de-CH", "country")),
        # no suggestion for a country no market holds, or junk
        ({"accept_language": "fr", "country": "BR"}, Negotiated("FR", "fr-FR", "accept-language")),
        ({"accept_language": "fr", "country": "CHE"}, Negotiated("FR", "fr-FR", "accept-language")),
        ({"accept_language": "fr"}, Negotiated("FR", "fr-FR", "accept-language")),
        ({"country": "XX"}, Negotiated("US", "en-US", "default")),
    ],
)
def test_suggestion(markets, hints: dict, expected: Negotiated) -> None:
    assert negotiate(markets, RequestHints(**hints)) == expected


# --------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------

_header_text = st.one_of(
    st.text(),
    st.lists(
        st.tuples(
            st.sampled_from(["de", "de-CH", "fr", "en-GB", "*", "pt-BR", "x", "", "ES-es"]),
            st.sampled_from(["", ";q=0", ";q=0.5", ";q=1", ";q=abc", ";Q=0.9", ";x=1"]),
        ).map("".join),
        max_size=40,
    ).map(", ".join),
)


@settings(max_examples=300)
@given(accept_language=st.one_of(st.none(), _header_text),
       country=st.one_of(st.none(), st.text(max_size=4), st.sampled_from(EU_COUNTRIES)))
def test_negotiate_never_raises(accept_language: str | None, country: str | None) -> None:
    result = negotiate(DEMO_MARKETS, RequestHints(accept_language=accept_language, country=country))
    market = next(m for m in DEMO_MARKETS if m.code == result.market)
    assert result.locale in market.locales
    assert result.selected_by in SELECTED_BY
    assert result.selected_by not in {"market", "locale"}
    if result.suggestion is not None:
        suggested = next(m for m in DEMO_MARKETS if m.code == result.suggestion.market)
        assert suggested.code != market.code
        assert result.suggestion.locale in suggested.locales


@given(market=st.sampled_from([m.code for m in DEMO_MARKETS]),
       locale=st.one_of(st.none(), st.text(max_size=12)),
       accept_language=st.one_of(st.none(), _header_text))
def test_explicit_market_always_wins(market: str, locale: str | None,
                                     accept_language: str | None) -> None:
    result = negotiate(DEMO_MARKETS, RequestHints(market=market.lower(), locale=locale,
                                                  accept_language=accept_language))
    assert result.market == market
    assert result.selected_by == "market"
    assert result.locale in next(m for m in DEMO_MARKETS if m.code == market).locales


# --------------------------------------------------------------------------
# Scripts, CLDR parents, RFC 4647 truncation and q=0 (langcodes)
# --------------------------------------------------------------------------

CHINESE_MARKETS = (
    MarketInfo("US", ("US",), ("en-US",), is_default=True),
    MarketInfo("CN", ("CN",), ("zh-CN",)),
    MarketInfo("TW", ("TW",), ("zh-TW", "en-TW")),
    MarketInfo("SG", ("SG",), ("en-SG", "zh-SG")),
    MarketInfo("RS", ("RS",), ("sr-RS", "sr-Latn-RS")),
    MarketInfo("LATAM", ("MX", "AR"), ("es-419", "es-ES")),
)


@pytest.mark.parametrize(
    ("hints", "expected"),
    [
        # zh-Hant and zh-HK are Traditional Chinese: the market offering zh-TW, not zh-CN
        ({"accept_language": "zh-Hant"}, ("TW", "zh-TW", "accept-language")),
        ({"accept_language": "zh-HK, en;q=0.5"}, ("TW", "zh-TW", "accept-language")),
        ({"accept_language": "yue"}, ("US", "en-US", "default")),
        ({"accept_language": "zh"}, ("CN", "zh-CN", "accept-language")),
        ({"accept_language": "zh-Hans"}, ("CN", "zh-CN", "accept-language")),
        ({"locale": "zh-Hant-HK"}, ("TW", "zh-TW", "locale")),
        ({"market": "SG", "accept_language": "zh-Hant"}, ("SG", "zh-SG", "market")),
        ({"market": "TW", "accept_language": "zh-HK"}, ("TW", "zh-TW", "market")),
        # sr-Latn is Serbian in Latin script; sr alone is Cyrillic
        ({"accept_language": "sr-Latn"}, ("RS", "sr-Latn-RS", "accept-language")),
        ({"accept_language": "sr"}, ("RS", "sr-RS", "accept-language")),
        ({"market": "RS", "accept_language": "sr-Latn-ME"}, ("RS", "sr-Latn-RS", "market")),
        # CLDR parents: es-MX -> es-419 -> es
        ({"market": "LATAM", "accept_language": "es-MX"}, ("LATAM", "es-419", "market")),
        ({"market": "LATAM", "accept_language": "es"}, ("LATAM", "es-419", "market")),
        ({"market": "LATAM", "accept_language": "es-ES"}, ("LATAM", "es-ES", "market")),
    ],
)
def test_scripts_and_cldr_parents(hints: dict, expected: tuple[str, str, str]) -> None:
    assert _negotiate(CHINESE_MARKETS, **hints) == expected


@pytest.mark.parametrize(
    ("hints", "expected"),
    [
        ({"accept_language": "ja-JP-x-private"}, ("JP", "ja-JP", "accept-language")),
        ({"accept_language": "de-CH-x-phonebk, fr;q=0.5"}, ("CH", "de-CH", "accept-language")),
        ({"accept_language": "fr-CA-u-ca-gregory"}, ("CA", "fr-CA", "accept-language")),
        ({"locale": "ja-JP-x-private"}, ("JP", "ja-JP", "locale")),
        ({"locale": "de-CH-u-co-phonebk"}, ("CH", "de-CH", "locale")),
    ],
)
def test_extensions_and_private_use_truncate(markets, hints: dict, expected: tuple[str, str, str]) -> None:
    assert _negotiate(markets, **hints) == expected


@pytest.mark.parametrize(
    ("hints", "expected"),
    [
        # RFC 9110 §12.4.2: q=0 is "not acceptable": never chosen while another locale is left
        ({"market": "CH", "accept_language": "de;q=0"}, ("CH", "fr-CH", "market")),
        ({"market": "CH", "accept_language": "de-CH;q=0, de"}, ("CH", "fr-CH", "market")),
        ({"market": "CA", "accept_language": "fr;q=0", "locale": "fr-CA"}, ("CA", "en-CA", "market")),
        ({"market": "CA", "accept_language": "en;q=0"}, ("CA", "fr-CA", "market")),
        ({"country": "CH", "accept_language": "de;q=0, it;q=0"}, ("CH", "fr-CH", "country")),
        ({"market": "US", "accept_language": "en;q=0"}, ("US", "es-US", "market")),
        # the most specific range decides: fr refused, fr-CH accepted
        ({"market": "CH", "accept_language": "fr;q=0, fr-CH;q=0.5"}, ("CH", "fr-CH", "market")),
        # *;q=0 refuses what is not named
        ({"market": "CH", "accept_language": "*;q=0, it;q=0.1"}, ("CH", "it-CH", "market")),
        # all refused: the header is disregarded, the primary locale served
        ({"market": "JP", "accept_language": "ja;q=0"}, ("JP", "ja-JP", "market")),
    ],
)
def test_q_zero_is_not_acceptable(markets, hints: dict, expected: tuple[str, str, str]) -> None:
    assert _negotiate(markets, **hints) == expected


@given(
    st.one_of(st.none(), st.text(max_size=200), st.lists(
        st.tuples(st.sampled_from(["de", "de-CH", "zh-Hant", "zh-HK", "sr-Latn", "ja-JP-x-a", "i-klingon", "*",
                                   "en-u-ca-gregory", "x-a", "es-419", ""]),
                  st.sampled_from(["", ";q=0", ";q=0.5", ";q=1", ";q=abc"])),
        max_size=8).map(lambda items: ",".join(tag + q for tag, q in items))),
    st.one_of(st.none(), st.sampled_from(["CH", "JP", "ZZ", "", "li"])),
    st.one_of(st.none(), st.sampled_from(["ja-JP-x-private", "zh-Hant", "de", "en-u-ca-gregory"])),
)
@settings(max_examples=300)
def test_negotiate_never_raises_on_arbitrary_headers(header, country, locale) -> None:
    result = negotiate(DEMO_MARKETS, RequestHints(accept_language=header, country=country, locale=locale))
    market = next(m for m in DEMO_MARKETS if m.code == result.market)
    assert result.locale in market.locales
    assert result.selected_by in SELECTED_BY


DEMO_EU = MarketInfo("EU", ("AT", "BE", "ES", "IE", "IT", "LU", "NL", "PT"),
                     ("en-IE", "es-ES", "it-IT", "nl-NL", "de-AT", "fr-BE", "nl-BE", "fr-LU", "de-LU"))


@pytest.mark.parametrize("accept_language, expected", [
    ("de-AT", ("EU", "de-AT")),  # a German-speaking Austrian gets German (issue 16)
    ("fr-BE", ("EU", "fr-BE")),
    ("nl-BE", ("EU", "nl-BE")),
    ("de-LU, fr;q=0.8", ("EU", "de-LU")),
    ("de-IT", ("EU", "de-AT")),  # Italy's market has no de-IT: the first German locale
    ("pt-PT", ("EU", "en-IE")),  # no Portuguese: the market's primary locale
    ("es", ("EU", "es-ES")),
    ("es-MX", ("US", "es-US")),
])
def test_the_markets_locale_best_matching_the_shoppers_language(accept_language, expected) -> None:
    markets = (MarketInfo("US", ("US",), ("en-US", "es-US"), is_default=True), DEMO_EU,
               MarketInfo("DE", ("DE",), ("de-DE",)))
    result = negotiate(markets, RequestHints(accept_language=accept_language))
    assert (result.market, result.locale) == expected


CH = next(m for m in DEMO_MARKETS if m.code == "CH")


@pytest.mark.parametrize(("locale", "header", "expected"), [
    (None, None, None),
    (None, "ja", None),  # a language the market does not speak: none asked for
    (None, "fr", "fr-CH"),
    (None, "fr-FR, de;q=0.5", "fr-CH"),  # by language when no exact tag matches
    (None, "ja, it;q=0.8", "it-CH"),  # the first range the market speaks
    ("it-CH", "fr", "it-CH"),  # the explicit locale first
    ("ja-JP", "fr", "fr-CH"),
    (None, "de-CH-x-private", "de-CH"),  # private use truncated, as negotiation reads it
    (None, "fr, de-CH;q=0", "fr-CH"),
])
def test_requested_locale_within_a_market_matches_as_negotiation_does(locale, header, expected):
    hints = RequestHints(locale=locale, accept_language=header)
    assert requested_locale(CH, hints) == expected
    if expected is not None:  # the same answer negotiation gives once the market is chosen
        assert negotiate(DEMO_MARKETS, RequestHints(market="CH", locale=locale, accept_language=header)).locale == expected
