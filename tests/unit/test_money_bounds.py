"""The input bounds keep every allowed combination storable (issue 12, item 16)."""
from __future__ import annotations

from decimal import Decimal

from storefront.db import MoneyAmount, Rate
from storefront.money import (
    BASE_PRICE_LIMIT,
    MAX_FX_RATE,
    MAX_UPLIFT_PERCENT,
    MONEY_AMOUNT_DIGITS,
    RATE_DIGITS,
    STORABLE_AMOUNT,
)


def test_bounds_follow_the_column_types():
    assert (MoneyAmount.precision, MoneyAmount.scale) == MONEY_AMOUNT_DIGITS
    assert (Rate.precision, Rate.scale) == RATE_DIGITS
    assert STORABLE_AMOUNT == Decimal("922337203685477.5807")  # SQLite's int64 of 10^-4 units, below NUMERIC(19, 4)
    assert MAX_FX_RATE == Decimal("999999.99999999")
    assert BASE_PRICE_LIMIT == Decimal("100000000")


def test_the_largest_derived_price_is_storable():
    largest = (BASE_PRICE_LIMIT - Decimal("0.01")) * MAX_FX_RATE * (1 + MAX_UPLIFT_PERCENT / 100)
    assert largest * 2 < STORABLE_AMOUNT  # with a rounding rule's headroom
