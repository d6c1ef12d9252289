"""Category management (storefront/catalog/categories.py) with the source
language it is given."""
from __future__ import annotations

import pytest

from storefront.catalog import categories
from storefront.catalog.errors import SourceTranslationRequired, TranslationNotFound

GARDEN = {"key": "garden-test", "parent_id": None, "position": None,
          "translations": {"de": {"name": " Garten ", "slug": "garten-test"}}}


def test_a_category_needs_the_source_language_it_is_given(session):
    with pytest.raises(SourceTranslationRequired) as info:
        categories.create_category(session, GARDEN, source_locale="en")
    assert (info.value.params, info.value.http_status) == ({"locale": "en"}, 422)
    row = categories.create_category(session, GARDEN, source_locale="de")
    assert {t.locale: (t.name, t.slug) for t in row.translations} == {"de": ("Garten", "garten-test")}


def test_the_source_translation_stays_and_the_others_go(session):
    row = categories.create_category(session, GARDEN, source_locale="de")
    assert categories.put_translation(session, row, "EN", {"name": "Garden", "slug": "garden-test"}) == "en"
    with pytest.raises(SourceTranslationRequired):
        categories.delete_translation(session, row, "de", source_locale="de")
    assert categories.delete_translation(session, row, "en", source_locale="de") == "en"
    assert [t.locale for t in row.translations] == ["de"]
    with pytest.raises(TranslationNotFound) as info:
        categories.delete_translation(session, row, "en", source_locale="de")
    assert info.value.params == {"locale": "en"}
