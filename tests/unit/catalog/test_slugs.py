"""Slugs derived from names (storefront/catalog/slugs.py)."""
from __future__ import annotations

import re

import pytest
from hypothesis import given, strategies as st

from storefront.catalog.categories import valid_slug
from storefront.catalog.services import SLUG
from storefront.catalog.slugs import FALLBACK, MAX_LENGTH, slugify, unique_slug


@pytest.mark.parametrize("name, slug", [
    ("Brass Storm Lantern", "brass-storm-lantern"),
    ("Sturmlaterne aus Messing – groß", "sturmlaterne-aus-messing-gross"),
    ("Lanterne tempête en laiton", "lanterne-tempete-en-laiton"),
    ("Ærø  Straße", "aero-strasse"),
    ("高慢と偏見", "gao-man-to-pian-jian"),
    ("真鍮のハリケーンランタン", "zhen-tou-no-harikenrantan"),
    ("Linterna de latón (50 cm)", "linterna-de-laton-50-cm"),
    ("  --Hello__World!!  ", "hello-world"),
    ("★★★", FALLBACK),
    ("", FALLBACK),
])
def test_slugify(name, slug):
    assert slugify(name) == slug


def test_long_names_cut_at_a_word():
    slug = slugify("word " * 40)
    assert len(slug) <= MAX_LENGTH and slug.endswith("word") and not slug.endswith("-")


def test_unique_slug_adds_a_number_on_collision():
    assert unique_slug("lamp", set()) == "lamp"
    assert unique_slug("lamp", {"lamp"}) == "lamp-2"
    assert unique_slug("lamp", {"lamp", "lamp-2", "lamp-3"}) == "lamp-4"
    assert unique_slug("lamp", {"lamp-2"}) == "lamp"


@given(st.text(max_size=300))
def test_every_derived_slug_is_valid_for_products_and_categories(name):
    slug = slugify(name)
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", slug)
    assert SLUG.match(slug) and valid_slug(slug) == slug
