"""Unit tests for storefront.i18n.fallback (BCP 47 tags, RFC 4647 lookup chain)."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from storefront.i18n.errors import InvalidLocale
from storefront.i18n.fallback import (
    PARENT_LOCALES,
    LanguageTag,
    canonical_tag,
    fallback_chain,
    likely_script,
    parse_locale,
    request_tag,
)


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("de", "de"),
        ("DE", "de"),
        ("DE-ch", "de-CH"),
        ("de-CH", "de-CH"),
        ("zh-hant-tw", "zh-Hant-TW"),
        ("ZH-HANT-TW", "zh-Hant-TW"),
        ("zh-Hant", "zh-Hant"),
        ("sr-latn-rs", "sr-Latn-RS"),
        ("pt_br", "pt-BR"),
        ("pt_BR", "pt-BR"),
        ("zh_Hant-tw", "zh-Hant-TW"),
        ("es-419", "es-419"),
        ("gsw", "gsw"),
        ("gsw-ch", "gsw-CH"),
        ("de-CH-1996", "de-CH-1996"),
        ("sl-ROZAJ-biske", "sl-rozaj-biske"),
        ("ca-ES-VALENCIA", "ca-ES-valencia"),
        ("de-1901", "de-1901"),
        ("en-US-posix", "en-US-posix"),
    ],
)
def test_canonical_tag_valid(tag: str, expected: str) -> None:
    assert canonical_tag(tag) == expected


@pytest.mark.parametrize(
    "tag",
    [
        "",
        "x",
        "d",
        "de-",
        "-de",
        "de--CH",
        "de__CH",
        "123",
        "toolonglanguage",
        "german",  # 5-8 letter registered-language form is not supported
        "de-C",
        "de-CHE1",
        "de-12",
        "de-1234-1234",  # repeated variant
        "de-CH-x-private",
        "x-private",
        "i-klingon",
        "en-u-ca-gregory",
        "zh-yue",  # extended language subtag
        "en-US-abc",
        " de",
        "de ",
        "de CH",
        "dé",
        "de-\u212aa",  # KELVIN SIGN lower-cases to ASCII "k"
        "*",
        "de-*",
        "de;q=1",
        "de-CH-" + "-".join(f"{n:04d}" for n in range(1000, 1020)),
    ],
)
def test_canonical_tag_malformed(tag: str) -> None:
    assert canonical_tag(tag) is None


@pytest.mark.parametrize(("raw", "expected"), [("de", "de"), ("DE-ch", "de-CH"), ("pt_br", "pt-BR")])
def test_parse_locale_is_the_canonical_tag(raw: str, expected: str) -> None:
    assert parse_locale(raw) == expected


@pytest.mark.parametrize("raw", ["", "x", "de-", "de--CH", "english!", "nb-NO-x-private"])
def test_parse_locale_refuses_a_malformed_tag(raw: str) -> None:
    with pytest.raises(InvalidLocale) as info:
        parse_locale(raw)
    assert (info.value.code, info.value.http_status, info.value.params) == ("invalid_locale", 422, {"locale": raw})


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("de-CH", LanguageTag("de", None, "CH")),
        ("zh-Hant-TW", LanguageTag("zh", "Hant", "TW")),
        ("zh-hant", LanguageTag("zh", "Hant", None)),
        ("es-419", LanguageTag("es", None, "419")),
        ("FR", LanguageTag("fr")),
        ("de-CH-1996", LanguageTag("de", None, "CH", ("1996",))),
    ],
)
def test_language_tag_parse(tag: str, expected: LanguageTag) -> None:
    assert LanguageTag.parse(tag) == expected


def test_language_tag_str_is_canonical() -> None:
    assert str(LanguageTag("zh", "Hant", "TW")) == "zh-Hant-TW"
    assert str(LanguageTag("de")) == "de"
    assert str(LanguageTag("sl", None, None, ("rozaj", "biske"))) == "sl-rozaj-biske"


@pytest.mark.parametrize(
    ("language", "script", "region"),
    [
        ("DE", None, None),
        ("de", "hant", None),
        ("de", None, "ch"),
        ("d", None, None),
        ("de", None, "CHE"),
    ],
)
def test_language_tag_rejects_non_canonical_fields(
    language: str, script: str | None, region: str | None
) -> None:
    with pytest.raises(ValueError):
        LanguageTag(language, script, region)


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("de", ("de",)),
        ("de-CH", ("de-CH", "de")),
        ("zh-Hant-TW", ("zh-Hant-TW", "zh-Hant", "zh")),
        ("de-CH-1996", ("de-CH-1996", "de-CH", "de")),
        ("sl-rozaj-biske", ("sl-rozaj-biske", "sl-rozaj", "sl")),
    ],
)
def test_language_tag_truncations(tag: str, expected: tuple[str, ...]) -> None:
    parsed = LanguageTag.parse(tag)
    assert parsed is not None
    assert tuple(str(t) for t in parsed.truncations()) == expected


@pytest.mark.parametrize(
    ("locale", "default", "expected"),
    [
        ("fr-CA", "en", ("fr-CA", "fr", "en")),
        # CLDR: zh_Hant's parent is the root, not the Simplified zh (TR35 §4.1.3, non-likely script).
        ("zh-Hant-TW", "en", ("zh-Hant-TW", "zh-Hant", "en")),
        ("en-US", "en", ("en-US", "en")),
        ("en", "en", ("en",)),
        ("de-CH", "de", ("de-CH", "de")),
        ("de-CH", "en", ("de-CH", "de", "en")),
        ("fr", "en", ("fr", "en")),
        ("es-419", "en", ("es-419", "es", "en")),
        ("FR-ca", "en", ("fr-CA", "fr", "en")),
        ("pt_br", "en", ("pt-BR", "pt", "en")),
        ("de-CH-1996", "en", ("de-CH-1996", "de-CH", "de", "en")),
        ("fr-CA", "EN", ("fr-CA", "fr", "en")),
        ("fr-CA", "en-GB", ("fr-CA", "fr", "en-GB")),
        # CLDR parentLocales: en_GB -> en_001 (and es_MX -> es_419, en_AU -> en_001, pt_AO -> pt_PT).
        ("en-GB", "en-GB", ("en-GB", "en-001", "en")),
        ("es-MX", "en", ("es-MX", "es-419", "es", "en")),
        ("es-US", "en", ("es-US", "es-419", "es", "en")),
        ("en-AU", "en", ("en-AU", "en-001", "en")),
        ("en-CH", "en", ("en-CH", "en-150", "en-001", "en")),
        ("pt-AO", "en", ("pt-AO", "pt-PT", "pt", "en")),
        ("zh-HK", "en", ("zh-HK", "zh-Hant-HK", "zh-Hant", "en")),
        ("zh-TW", "en", ("zh-TW", "zh-Hant-TW", "zh-Hant", "en")),
        ("zh-CN", "en", ("zh-CN", "zh", "en")),
        ("sr-Latn-RS", "en", ("sr-Latn-RS", "sr-Latn", "en")),
        ("sr-RS", "en", ("sr-RS", "sr", "en")),
        ("zh-Hans", "en", ("zh-Hans", "zh", "en")),
        ("en", "en-GB", ("en", "en-GB")),
    ],
)
def test_fallback_chain(locale: str, default: str, expected: tuple[str, ...]) -> None:
    assert fallback_chain(locale, default) == expected


def test_fallback_chain_default_is_en() -> None:
    assert fallback_chain("ja-JP") == ("ja-JP", "ja", "en")


@pytest.mark.parametrize("locale", ["", "x", "de-", "de--CH", "*", "12345"])
def test_fallback_chain_malformed_locale_yields_default(locale: str) -> None:
    assert fallback_chain(locale) == ("en",)
    assert fallback_chain(locale, "de") == ("de",)


@pytest.mark.parametrize("default", ["", "x", "de-", "*"])
def test_fallback_chain_malformed_default_raises(default: str) -> None:
    with pytest.raises(ValueError):
        fallback_chain("fr-CA", default)


@given(st.text(max_size=80))
def test_canonical_tag_never_raises_and_is_idempotent(text: str) -> None:
    tag = canonical_tag(text)
    if tag is not None:
        assert canonical_tag(tag) == tag
        assert canonical_tag(tag.lower()) == tag
        assert canonical_tag(tag.upper()) == tag


_SUBTAG = st.from_regex(r"[A-Za-z]{2,3}(-[A-Za-z]{4})?(-[A-Za-z]{2}|-[0-9]{3})?", fullmatch=True)


@given(_SUBTAG)
def test_fallback_chain_properties(tag: str) -> None:
    chain = fallback_chain(tag)
    assert chain[0] == canonical_tag(tag)
    assert chain[-1] == "en"
    assert len(set(chain)) == len(chain)
    for child, parent in zip(chain, chain[1:-1]):
        # each step is CLDR's parent: the named one, the scripted form, or the truncation
        named = PARENT_LOCALES.get(child)
        if named is not None:
            assert parent == named
        else:
            assert child.startswith(parent + "-") or (
                parent.count("-") == child.count("-") + 1 and parent.split("-")[0] == child.split("-")[0])


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("ja-JP-x-private", "ja-JP"),  # RFC 4647 §3.4: private use truncated, not the whole tag dropped
        ("de-CH-x-private", "de-CH"),
        ("en-u-ca-gregory", "en"),  # extension truncated
        ("de-DE-u-co-phonebk", "de-DE"),
        ("en-a-bbb-x-a-ccc", "en"),
        ("i-klingon", "tlh"),  # grandfathered, normalised (RFC 5646 §2.2.8)
        ("art-lojban", "jbo"),
        ("zh-yue", "yue"),  # extended language subtag
        ("zh-cmn-Hans-CN", "zh-Hans-CN"),
        ("iw", "he"),  # deprecated code
        ("sgn-BE-FR", "sfb"),
        ("DE-ch", "de-CH"),
        ("pt_br", "pt-BR"),
        ("sr-latn", "sr-Latn"),
        ("de-CH-1996", "de-CH-1996"),
        ("de-1996-1996", "de-1996"),  # a repeated variant truncates
    ],
)
def test_request_tag_reads_any_well_formed_tag(tag: str, expected: str) -> None:
    assert str(request_tag(tag)) == expected


@pytest.mark.parametrize("tag", ["", "x", "x-private", "de--CH", "dé", "*", "de-*", "de;q=1", " de", "12345",
                                 "toolonglanguage", "de-C", "und", "a" * 65])
def test_request_tag_refuses_what_is_not_a_tag(tag: str) -> None:
    assert request_tag(tag) is None


@given(st.text(max_size=80))
def test_request_tag_never_raises(text: str) -> None:
    tag = request_tag(text)
    if tag is not None:
        assert canonical_tag(str(tag)) == str(tag)


@pytest.mark.parametrize(
    ("language", "region", "script"),
    [("zh", None, "Hans"), ("zh", "HK", "Hant"), ("zh", "TW", "Hant"), ("zh", "SG", "Hans"), ("sr", None, "Cyrl"),
     ("ja", None, "Jpan"), ("de", "CH", "Latn")],
)
def test_likely_script(language: str, region: str | None, script: str) -> None:
    assert likely_script(language, region) == script
