"""Availability filled into listing fragments (storefront.browse.book.fill /
fill_page, issue 14): text or UTF-8 bytes, every variant free, none, some."""
from __future__ import annotations

from collections import namedtuple

import pytest

from storefront.browse.book import HOLE, fill, fill_page

Row = namedtuple("Row", "fragment_body fragment_variants fragment_available")


def fragment(*ids: int) -> str:
    return '{"variants":[' + ",".join(f'{{"id":{i},{HOLE}}}' for i in ids) + "]}"


def expected(ids, free) -> str:
    return '{"variants":[' + ",".join(
        f'{{"id":{i},"available":{"true" if str(i) in free else "false"}}}' for i in ids) + "]}"


@pytest.mark.parametrize("kind", [str, bytes])
@pytest.mark.parametrize(("ids", "available"), [
    ((1, 2, 3), "1,2,3"), ((1, 2, 3), None), ((1, 2, 3), ""), ((1, 2, 3), "2"), ((1, 2, 3), "3,1"), ((7,), "7"),
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
