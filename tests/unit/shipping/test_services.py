"""A shipping method's names (storefront.shipping.services.method_names)."""
from __future__ import annotations

import pytest

from storefront.i18n.errors import InvalidLocale
from storefront.shipping.errors import EnglishNameRequired
from storefront.shipping.services import method_names


def test_names_are_stripped_by_canonical_locale():
    assert method_names({"EN": " Standard ", "de_ch": "Standard"}, source_locale="en") == {
        "en": "Standard", "de-CH": "Standard"}


@pytest.mark.parametrize("names", [{"de": "Spedition"}, {"en": "  ", "de": "Spedition"}])
def test_a_name_in_the_source_language_is_required(names):
    with pytest.raises(EnglishNameRequired) as info:
        method_names(names, source_locale="en")
    assert (info.value.code, info.value.params) == ("english_name_required", {"locale": "en"})


def test_the_source_language_is_the_callers():
    assert method_names({"de": "Spedition"}, source_locale="de") == {"de": "Spedition"}
    with pytest.raises(EnglishNameRequired):
        method_names({"en": "Freight"}, source_locale="de")


def test_a_malformed_locale_is_refused():
    with pytest.raises(InvalidLocale):
        method_names({"en": "Freight", "not a locale": "x"}, source_locale="en")
