from hypothesis import given, strategies as st

from storefront.tax.names import NAMES, display_name


def test_the_authorities_names_by_locale_then_language():
    assert display_name("VAT", "de-DE") == "MwSt."
    assert display_name("VAT", "de-CH") == "MWST"
    assert display_name("VAT", "fr-CH") == "TVA"
    assert display_name("VAT", "it-CH") == "IVA"
    assert display_name("VAT", "nl-NL") == "btw"
    assert display_name("GST", "fr-CA") == "TPS"
    assert display_name("QST", "fr-CA") == "TVQ"
    assert display_name("HST", "fr-CA") == "TVH"
    assert display_name("JCT", "ja-JP") == "消費税"


def test_english_and_unknown_keep_the_identifier():
    assert display_name("VAT", "en-GB") == "VAT"
    assert display_name("GST", "en-AU") == "GST"
    assert display_name("Excise", "de-DE") == "Excise"


@given(st.sampled_from(sorted(NAMES)), st.text(max_size=12))
def test_never_raises_and_never_empty(tax, locale):
    assert display_name(tax, locale)
