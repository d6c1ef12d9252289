"""The order status as a function of facts that only grow."""
from decimal import Decimal

import pytest

from storefront.orders import state


@pytest.mark.parametrize("facts, expected", [
    (state.Facts(), "pending_payment"),
    (state.Facts(canceled=True), "canceled"),
    (state.Facts(Decimal("27.80")), "paid"),
    # paid after the cancellation released its stock, and the stock is gone: canceled, to refund
    (state.Facts(Decimal("27.80"), canceled=True, unfulfillable=True), "canceled"),
    (state.Facts(Decimal("27.80"), Decimal("10.00"), canceled=True, unfulfillable=True), "canceled"),
    (state.Facts(Decimal("27.80"), Decimal("27.80"), canceled=True, unfulfillable=True), "refunded"),
    (state.Facts(Decimal("27.80"), Decimal("10.00")), "partially_refunded"),
])
def test_status(facts, expected):
    assert state.status(facts) == expected


def test_recording_keeps_the_other_facts():
    facts = state.Facts(Decimal("27.80"), canceled=True, unfulfillable=True)
    assert state.record_refunded_total(facts, Decimal("5.00")).unfulfillable
    assert state.record_payment(facts, Decimal("27.80")).canceled
    assert state.refundable(state.record_refunded_total(facts, Decimal("5.00"))) == Decimal("22.80")
