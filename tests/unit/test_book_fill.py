"""Availability filled into listing fragments (storefront.browse.book.stored_body /
fill / fill_page, issue 14): fragments are stored with every variant available;
text or UTF-8 bytes, every variant free, none, some, in any order, with texts
that look like the marks."""
from __future__ import annotations

import json
from collections import namedtuple

import pytest
from hypothesis import given, strategies as st

from storefront.browse import book
from storefront.browse.book import HOLE, PLACEHOLDER, fill, fill_page, stored_body

Row = namedtuple("Row", "fragment_body fragment_variants fragment_available")


def fragment(*ids: int, name: str = "Buch") -> str:
    """A fragment as build() stores it."""
    text = json.dumps({"name": name, "variants": [{"id": i, "available": PLACEHOLDER, "name": name} for i in ids]},
                      ensure_ascii=False, separators=(",", ":"))
    body = stored_body(text, len(ids))
    assert body is not None and HOLE not in body
    return body


def expected(ids, free, name: str = "Buch") -> str:
    return json.dumps({"name": name, "variants": [{"id": i, "available": str(i) in free, "name": name} for i in ids]},
                      ensure_ascii=False, separators=(",", ":"))


@pytest.mark.parametrize("kind", [str, bytes])
@pytest.mark.parametrize(("ids", "available"), [
    ((1, 2, 3), "1,2,3"), ((1, 2, 3), None), ((1, 2, 3), ""), ((1, 2, 3), "2"), ((1, 2, 3), "3,1"), ((7,), "7"),
    ((10, 1, 11), "1"), ((10, 1, 11), "10,11"),
])
def test_fill_and_fill_page_agree_with_the_availability(kind, ids, available):
    body = fragment(*ids)
    body = body.encode() if kind is bytes else body
    want = expected(ids, (available or "").split(","))
    got = fill(body, ",".join(map(str, ids)), available)
    assert (got.decode() if kind is bytes else got) == want
    rows = [Row(body, ",".join(map(str, ids)), available), Row(body, ",".join(map(str, ids)), ",".join(map(str, ids))),
            Row(body, ",".join(map(str, ids)), None)]
    page = fill_page(rows)
    assert isinstance(page, kind)
    assert (page.decode() if kind is bytes else page) == ",".join(
        [want, expected(ids, [str(i) for i in ids]), expected(ids, [])])


@given(ids=st.lists(st.integers(1, 500), min_size=1, max_size=8, unique=True),
       free=st.sets(st.integers(1, 500)),
       name=st.text(max_size=12).filter(lambda t: "\x00" not in t) | st.sampled_from(
           ['"available":true', '"available":false', "available", '\\"available\\":true']))
def test_any_availability_fills_as_json_would_write_it(ids, free, name):
    body = fragment(*ids, name=name)
    available = ",".join(str(i) for i in sorted(free & set(ids))) or None
    want = expected(ids, {str(i) for i in free}, name)
    assert fill(body, ",".join(map(str, ids)), available) == want
    assert fill(body.encode(), ",".join(map(str, ids)), available) == want.encode()


def test_a_text_with_another_available_boolean_is_not_stored():
    text = json.dumps({"available": True, "variants": [{"id": 1, "available": PLACEHOLDER}]}, separators=(",", ":"))
    assert stored_body(text, 1) is None
    assert stored_body(text.replace('"available":true,', ""), 2) is None  # placeholders and variants disagree


@pytest.mark.parametrize("market, places, shown", [
    ("DE", {"DE"}, True), ("DE", {"FR"}, False), ("DE", {"DEX"}, False), (None, {"DE"}, False),
    ("US-CA", {"US"}, True),  # the country's rates reach a state's market
    ("US", {"US-CA"}, True),  # and a state's the country's (conservative: rebuilt, never stale)
    ("US-CA", {"US-NY"}, False), ("CA-QC", {"CA", "FR"}, True),
])
def test_a_rate_change_reaches_the_markets_taxed_there(market, places, shown):
    assert book._taxed_in(market, places) is shown
