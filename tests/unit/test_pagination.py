import pytest

from storefront.pagination import InvalidCursor, decode_cursor, encode_cursor


@pytest.mark.parametrize("value", ["grosse tasche", "19.9900", "2026-01-01T09:00:00+00:00", "高慢と偏見", 7])
def test_round_trip(value):
    assert decode_cursor(encode_cursor("name", value, 42), "name") == (value, 42)


@pytest.mark.parametrize(
    "cursor", ["", "!!!", "bm90IGpzb24", encode_cursor("price", "1", 1), "WzEsMiwzXQ", "WyJuYW1lIiwiYSIsdHJ1ZV0"]
)
def test_bad_or_foreign_cursors_are_refused(cursor):
    with pytest.raises(InvalidCursor):
        decode_cursor(cursor, "name")
