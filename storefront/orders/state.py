"""The order state machine, as a function of facts that only grow.

Pure. Webhooks arrive at least once, late and out of order. Instead of
applying transitions in arrival order, each event records a fact that can
only grow — paid (with the amount), canceled, the refunded total (the
maximum ever reported) — and the status is derived from the facts:

    pending_payment -> paid -> partially_refunded -> refunded
    pending_payment -> canceled

so replays change nothing and any delivery order converges to the same
status. A payment that succeeds after a cancellation (Stripe can still
capture) wins: money received is never ignored. When the units of such an
order could not be taken again (``unfulfillable``), it stays canceled with the
payment recorded, so that the merchant refunds it.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

STATUSES = ("pending_payment", "paid", "partially_refunded", "refunded", "canceled")


@dataclass(frozen=True)
class Facts:
    paid: Decimal = Decimal(0)
    refunded: Decimal = Decimal(0)
    canceled: bool = False
    unfulfillable: bool = False  # paid after its stock was released, and the stock is gone


def status(facts: Facts) -> str:
    if facts.paid > 0:
        if facts.refunded >= facts.paid:
            return "refunded"
        if facts.unfulfillable:
            return "canceled"
        if facts.refunded > 0:
            return "partially_refunded"
        return "paid"
    return "canceled" if facts.canceled else "pending_payment"


def record_payment(facts: Facts, amount: Decimal) -> Facts:
    return replace(facts, paid=max(facts.paid, amount))


def record_refunded_total(facts: Facts, total: Decimal) -> Facts:
    return replace(facts, refunded=max(facts.refunded, total))


def record_cancellation(facts: Facts) -> Facts:
    return replace(facts, canceled=True)


def refundable(facts: Facts) -> Decimal:
    return max(facts.paid - facts.refunded, Decimal(0))
