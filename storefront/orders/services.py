"""Orders after checkout: payment events, refunds, expiry, confirmations."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Iterable

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storefront.inventory.models import Stock, StockReservation
from storefront.money import Money, from_stripe_minor, parse_amount, quantize
from storefront.orders import state
from storefront.orders.errors import (
    OrderNotFound,
    OrderNotPaid,
    RefundExceedsPaid,
    RefundInProgress,
    RefundNotFound,
    RefundNotRequested,
)
from storefront.orders.models import Order, OrderLine, ProcessedEvent, Refund
from storefront.payments.errors import PaymentDeclined, PaymentProviderError, PaymentProviderUnavailable
from storefront.orders.subscriptions import enqueue_event
from storefront.payments.gateway import (
    ChargeRefunded,
    MinorUnits,
    PaymentCanceled,
    PaymentEvent,
    PaymentFailed,
    PaymentGateway,
    PaymentSucceeded,
    ProviderRefund,
    Refund as GatewayRefund,
    ReportedAmount,
    UnhandledEvent,
)

log = logging.getLogger("storefront.orders")

# Why an order is flagged for the merchant (``Order.flag``).
REFUND_REQUIRED = "refund_required"  # paid after it was canceled, and its units are sold: refund it
AMOUNT_MISMATCH = "amount_mismatch"  # the provider reports another amount than the order's: not paid
CURRENCY_MISMATCH = "currency_mismatch"  # ... in another currency: not paid
FLAGS = (REFUND_REQUIRED, AMOUNT_MISMATCH, CURRENCY_MISMATCH)

# A refund recorded before the provider is asked; the provider's status replaces it.
REQUESTED = "requested"
# Refund statuses that are not money returned (nor about to be).
_NOT_REFUNDED = ("failed", "canceled")


def facts(order: Order) -> state.Facts:
    return state.Facts(order.amount_paid, order.amount_refunded, order.canceled_at is not None,
                       unfulfillable=order.flag == REFUND_REQUIRED)


def lock_order(session: Session, order_id: int | None = None, *, intent_id: str | None = None) -> Order | None:
    """The order, locked until the transaction ends and read fresh under the lock
    (not from the session's identity map, which may hold what was read before).

    The lock is an UPDATE that changes nothing: on PostgreSQL it locks the row
    (then SELECT ... FOR UPDATE), on SQLite, which has no row locks, it takes
    the database's write lock. Take it first in the transaction: an SQLite
    transaction that has read cannot wait for the write lock ("database is
    locked" at once, SQLite "File Locking": deadlock avoidance)."""
    where = Order.id == order_id if intent_id is None else Order.payment_intent_id == intent_id
    session.execute(update(Order).where(where).values(updated_at=Order.updated_at)
                    .execution_options(synchronize_session=False))
    return session.scalar(select(Order).where(where).with_for_update().execution_options(populate_existing=True))


def _flag(order: Order, flag: str, now: datetime) -> None:
    if order.flag != REFUND_REQUIRED:  # the one that asks for money back stays
        order.flag, order.flagged_at = flag, now


def _apply(order: Order, new: state.Facts, now: datetime) -> None:
    order.amount_paid, order.amount_refunded = new.paid, new.refunded
    order.status = state.status(new)
    order.updated_at = now


def order_by_token(session: Session, token: str) -> Order:
    order = session.scalar(select(Order).where(Order.token == token))
    if order is None:
        raise OrderNotFound()
    return order


def order_by_id(session: Session, order_id: int) -> Order:
    order = session.get(Order, order_id)
    if order is None:
        raise OrderNotFound()
    return order


def ordered(session: Session, variant_ids: Iterable[int]) -> bool:
    """Whether any order has a line of these variants (orders keep their lines)."""
    ids = list(variant_ids)
    return bool(ids) and session.scalar(select(func.count()).select_from(OrderLine)
                                        .where(OrderLine.variant_id.in_(ids))) > 0


def search_statement(*, market: str | None = None, status: str | None = None, flagged: bool | None = None,
                     since: datetime | None = None, until: datetime | None = None):
    """Orders matching the filters (unordered: the caller pages them); ``flagged``:
    only orders the merchant must look at (True) or only the others (False)."""
    stmt = select(Order)
    if market:
        stmt = stmt.where(Order.market_code == market.upper())
    if flagged is not None:
        stmt = stmt.where(Order.flag.is_not(None) if flagged else Order.flag.is_(None))
    if status:
        stmt = stmt.where(Order.status == status)
    if since:
        stmt = stmt.where(Order.created_at >= since)
    if until:
        stmt = stmt.where(Order.created_at < until)
    return stmt


# --- stock ------------------------------------------------------------------------


def _reservations(session: Session, order: Order, status: str) -> list[StockReservation]:
    return list(session.scalars(select(StockReservation).where(StockReservation.order_id == order.id,
                                                               StockReservation.status == status)).all())


def commit_stock(session: Session, order: Order) -> None:
    """Payment arrived: reserved units leave the warehouse."""
    for r in _reservations(session, order, "active"):
        session.execute(update(Stock).where(Stock.variant_id == r.variant_id, Stock.warehouse_code == r.warehouse_code)
                        .values(quantity=Stock.quantity - r.quantity, reserved=Stock.reserved - r.quantity)
                        .execution_options(synchronize_session=False))
        r.status = "committed"


def release_stock(session: Session, order: Order) -> None:
    for r in _reservations(session, order, "active"):
        session.execute(update(Stock).where(Stock.variant_id == r.variant_id, Stock.warehouse_code == r.warehouse_code)
                        .values(reserved=Stock.reserved - r.quantity).execution_options(synchronize_session=False))
        r.status = "released"


def recommit_stock(session: Session, order: Order) -> bool:
    """A payment for a canceled order: take its released units again, all or
    none, with the conditional updates of checkout (``quantity - reserved >= q``:
    never a unit another order holds). False if any is gone."""
    released = _reservations(session, order, "released")
    taken: list[StockReservation] = []
    for r in released:
        where = (Stock.variant_id == r.variant_id, Stock.warehouse_code == r.warehouse_code)
        result = session.execute(update(Stock).where(*where, Stock.quantity - Stock.reserved >= r.quantity)
                                 .values(quantity=Stock.quantity - r.quantity)
                                 .execution_options(synchronize_session=False))
        if result.rowcount != 1:
            for t in taken:
                session.execute(update(Stock).where(Stock.variant_id == t.variant_id,
                                                    Stock.warehouse_code == t.warehouse_code)
                                .values(quantity=Stock.quantity + t.quantity).execution_options(synchronize_session=False))
            return False
        taken.append(r)
    for r in released:
        r.status = "committed"
    return True


# --- payment events ------------------------------------------------------------------


def handle_event(session: Session, event: PaymentEvent, now: datetime, on_paid=None) -> str:
    """Apply a provider event once. Returns what happened (for logs and tests):
    ``duplicate``, ``ignored`` (no order, or nothing to do), ``currency_mismatch``
    / ``amount_mismatch`` (a payment of another amount than the order's: not
    recorded, the order flagged) or ``<status before>-><status after>``.

    The order is locked first: events of one order (delivered concurrently,
    and in any order) apply one after the other, each on what the last wrote."""
    intent_id = getattr(event, "intent_id", None)
    order = lock_order(session, intent_id=intent_id) if intent_id else None
    if session.get(ProcessedEvent, event.event_id) is not None:
        return "duplicate"
    try:
        with session.begin_nested():
            session.add(ProcessedEvent(id=event.event_id, type=event.type[:64],  # the column; Stripe's are shorter
                                       order_id=order.id if order else None, received_at=now))
    except IntegrityError:
        return "duplicate"
    if isinstance(event, UnhandledEvent) and event.problem:
        log.warning("event %s (%s) not applied: %s", event.event_id, event.type, event.problem)
    if order is None:
        return "ignored"
    before = order.status
    match event:
        case PaymentSucceeded(amount=amount):
            paid = _in_order_currency(order, amount)
            if paid is None:
                _flag(order, CURRENCY_MISMATCH, now)
                return _mismatch(event, order, amount)
            expected = from_stripe_minor(order.amount_minor, order.currency).amount
            if paid != expected:  # what the PaymentIntent was created for (cf. Vendure GHSA-wm63)
                log.warning("event %s for order %s received %s %s, the order is %s: not recorded", event.event_id,
                            order.id, paid, order.currency, expected)
                _flag(order, AMOUNT_MISMATCH, now)
                return AMOUNT_MISMATCH
            first = order.paid_at is None
            if first and before == "canceled" and not recommit_stock(session, order):
                _flag(order, REFUND_REQUIRED, now)
                log.warning("order %s was paid after it was canceled and its stock is gone: refund it", order.id)
            elif first and before == "pending_payment":
                commit_stock(session, order)
            _apply(order, state.record_payment(facts(order), paid), now)
            if first:
                order.paid_at = now
                if on_paid is not None and order.flag != REFUND_REQUIRED:
                    on_paid(order)
        case PaymentFailed(error=error):
            order.last_payment_error = error[:255]
        case PaymentCanceled():
            if order.status == "pending_payment":
                order.canceled_at = now
                release_stock(session, order)
                _apply(order, state.record_cancellation(facts(order)), now)
                enqueue_event(session, order, "order.canceled", now)
        case ChargeRefunded(refunded=amount, refunds=refunds):
            refunded = _in_order_currency(order, amount)
            if refunded is None:  # its refunds are in the same currency (stripe_events)
                return _mismatch(event, order, amount)
            _apply(order, state.record_refunded_total(facts(order), refunded), now)
            if _record_provider_refunds(session, order, refunds):
                enqueue_event(session, order, "order.refunded", now)
        case UnhandledEvent():
            return "ignored"
    return f"{before}->{order.status}"


def _in_order_currency(order: Order, amount: ReportedAmount) -> Decimal | None:
    """The amount in the order's currency, or None if the provider named another one."""
    if isinstance(amount, MinorUnits):  # no currency named: the intent's, i.e. the order's
        return amount.in_currency(order.currency).amount
    if amount.currency.code != order.currency:
        return None
    return amount.amount


def _mismatch(event: PaymentEvent, order: Order, amount: Money) -> str:
    log.warning("event %s (%s) for order %s is %s %s, the order in %s: not recorded", event.event_id, event.type,
                order.id, amount.amount, amount.currency.code, order.currency)
    return CURRENCY_MISMATCH


def _record_provider_refunds(session: Session, order: Order, refunds: tuple[ProviderRefund, ...]) -> int:
    """Record the refunds made at the provider (e.g. in Stripe's dashboard) that
    the order does not list yet, or lists as requested; how many (each is
    announced as ``order.refunded``, like a refund made through the API)."""
    recorded = 0
    ids = [r.id for r in refunds]
    known = set(session.scalars(select(Refund.provider_refund_id).where(Refund.provider_refund_id.in_(ids)))) \
        if ids else set()
    for r in refunds:
        if r.id in known:
            continue
        known.add(r.id)
        if len(r.id) > 64:  # the column; Stripe's ids are far shorter
            log.warning("refund id %.70s... of order %s is too long to record", r.id, order.id)
            continue
        amount = _in_order_currency(order, r.amount)  # the charge's currency (stripe_events), checked above
        if amount is None:
            continue
        # One of ours whose answer was lost (provider unavailable): the provider made it.
        mine = next((x for x in order.refunds if x.status == REQUESTED and x.provider_refund_id is None
                     and x.amount == amount), None)
        if mine is not None:
            mine.provider_refund_id, mine.status, mine.provider_call_until = r.id, r.status[:16], None
        else:
            order.refunds.append(Refund(provider_refund_id=r.id, amount=amount, currency=order.currency,
                                        status=r.status[:16], reason=r.reason[:64] if r.reason else None))
        recorded += r.status not in _NOT_REFUNDED
    return recorded


# --- refunds ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RefundRequest:
    """A refund recorded as requested, with what the provider needs (read
    before the transaction that recorded it ends)."""

    refund_id: int
    order_id: int
    payment_intent_id: str
    amount: Money


def request_refund(session: Session, order_id: int, amount: str | None, reason: str | None, *,
                   now: datetime, lease: timedelta | None = None) -> RefundRequest:
    """Record a refund of all (``amount`` None) or part of what was paid, never
    more, before the provider is asked: under the order's lock, what is left
    to refund counts every refund requested or made, so concurrent refunds
    never exceed the payment. The caller commits, then ``send_refund``.
    ``lease``: how long the provider call may take (no retry meanwhile)."""
    order = lock_order(session, order_id)
    if order is None:
        raise OrderNotFound()
    if order.amount_paid <= 0 or not order.payment_intent_id:
        raise OrderNotPaid()
    value = None if amount is None else parse_amount(amount, order.currency)
    booked = session.scalar(select(func.coalesce(func.sum(Refund.amount), 0))
                            .where(Refund.order_id == order.id, Refund.status.not_in(_NOT_REFUNDED)))
    refundable = state.refundable(state.record_refunded_total(facts(order), Decimal(booked)))
    value = refundable if value is None else value
    if value <= 0 or value > refundable:
        raise RefundExceedsPaid(refundable=f"{quantize(refundable, order.currency)} {order.currency}")
    row = Refund(order_id=order.id, provider_refund_id=None, amount=value, currency=order.currency,
                 status=REQUESTED, reason=reason, created_at=now,
                 provider_call_until=now + lease if lease is not None else None)
    session.add(row)
    session.flush()
    return RefundRequest(row.id, order.id, order.payment_intent_id, Money(value, order.currency))


def send_refund(session: Session, request: RefundRequest, *, gateway: PaymentGateway, now: datetime) -> Refund:
    """Ask the provider for a requested refund (no database lock held while
    waiting), then record its answer under the order's lock. A refusal marks
    the refund failed; when the answer is lost (provider unavailable, or any
    other failure) it stays requested, still counted against what can be
    refunded, and ``charge.refunded`` records it if the provider made it."""
    try:
        result = gateway.refund(payment_intent_id=request.payment_intent_id, amount=request.amount,
                                idempotency_key=_refund_key(request), metadata=_refund_metadata(request))
    except (PaymentDeclined, PaymentProviderError):  # refused: nothing was refunded
        lock_order(session, request.order_id)
        row = session.get(Refund, request.refund_id, populate_existing=True)
        if row is not None and row.status == REQUESTED:
            row.status, row.provider_call_until = "failed", None
        raise
    except PaymentProviderUnavailable:
        _end_provider_call(session, request)
        raise
    return _record_refund(session, request, result, now)


def _refund_key(request: RefundRequest) -> str:
    return f"storefront-refund-{request.refund_id}"


def _refund_metadata(request: RefundRequest) -> dict[str, str]:
    return {"order": str(request.order_id), "refund": str(request.refund_id)}


def _end_provider_call(session: Session, request: RefundRequest) -> None:
    """The call is over without an answer: the refund stays requested, and may be retried now."""
    lock_order(session, request.order_id)
    row = session.get(Refund, request.refund_id, populate_existing=True)
    if row is not None and row.status == REQUESTED:
        row.provider_call_until = None


def _record_refund(session: Session, request: RefundRequest, result: GatewayRefund, now: datetime) -> Refund:
    order = lock_order(session, request.order_id)
    row = session.get(Refund, request.refund_id, populate_existing=True)
    known = session.scalar(select(Refund).where(Refund.provider_refund_id == result.id))
    announce = row is not None and row.status == REQUESTED and result.status not in _NOT_REFUNDED
    if known is not None and known is not row:  # charge.refunded recorded (and announced) it first
        if row is not None:
            session.delete(row)
        row, announce = known, False
    row.provider_refund_id, row.status, row.provider_call_until = result.id, result.status[:16], None
    session.flush()
    done = session.scalar(select(func.coalesce(func.sum(Refund.amount), 0))
                          .where(Refund.order_id == order.id, Refund.status.not_in((REQUESTED, *_NOT_REFUNDED))))
    _apply(order, state.record_refunded_total(facts(order), Decimal(done)), now)
    if announce:
        enqueue_event(session, order, "order.refunded", now)
    session.flush()
    return row


def retry_refund(session: Session, order_id: int, refund_id: int, *, now: datetime,
                 lease: timedelta) -> RefundRequest:
    """Claim a refund left requested (the provider's answer was lost, and no
    ``charge.refunded`` recorded it) for one more provider call: under the
    order's lock, only while no call for it may be in flight (``RefundInProgress``
    otherwise), so concurrent retries make one call. The caller commits, then
    ``resend_refund``."""
    order = lock_order(session, order_id)
    if order is None:
        raise OrderNotFound()
    row = session.get(Refund, refund_id, populate_existing=True)
    if row is None or row.order_id != order.id:
        raise RefundNotFound()
    if row.status != REQUESTED:
        raise RefundNotRequested(status=row.status)
    if row.provider_call_until is not None and row.provider_call_until > now:
        raise RefundInProgress()
    row.provider_call_until = now + lease
    session.flush()
    return RefundRequest(row.id, order.id, order.payment_intent_id, Money(row.amount, row.currency))


def resend_refund(session: Session, request: RefundRequest, *, gateway: PaymentGateway, now: datetime) -> Refund:
    """The claimed refund, reconciled from the provider's own refund made for it
    (found by its metadata: the first call went through) or else asked for
    again with the SAME idempotency key, so it is never refunded twice."""
    try:
        made = gateway.find_refund(payment_intent_id=request.payment_intent_id, metadata=_refund_metadata(request))
    except (PaymentProviderUnavailable, PaymentProviderError):
        _end_provider_call(session, request)
        raise
    if made is not None:
        return _record_refund(session, request, made, now)
    return send_refund(session, request, gateway=gateway, now=now)


# --- expiry -------------------------------------------------------------------------------


def expire_unpaid(session: Session, now: datetime, gateway: PaymentGateway | None = None) -> int:
    """Cancel orders whose reservation ran out unpaid and release their stock,
    in the caller's transaction, then cancel their PaymentIntents (the CLI uses
    ``expire_batch`` instead: short transactions, no provider call inside)."""
    expired = expire_batch(session, now)
    session.flush()
    cancel_intents(gateway, [intent for _, intent in expired if intent])
    return len(expired)


def expire_batch(session: Session, now: datetime, limit: int | None = None) -> list[tuple[int, str | None]]:
    """Cancel up to ``limit`` orders whose reservation ran out unpaid (oldest
    first), each under its lock and checked again there (a payment event may
    have applied meanwhile), releasing their stock. Returns (order id,
    PaymentIntent id) of those canceled: the caller commits, then cancels the
    intents with ``cancel_intents`` (no provider call inside a transaction)."""
    stmt = select(Order.id).where(Order.status == "pending_payment", Order.reserved_until <= now).order_by(Order.id)
    ids = list(session.scalars(stmt.limit(limit) if limit else stmt))
    canceled = []
    for order_id in ids:
        order = lock_order(session, order_id)
        if order is None or order.status != "pending_payment" or order.reserved_until > now:
            continue
        release_stock(session, order)
        order.canceled_at = now
        _apply(order, state.record_cancellation(facts(order)), now)
        enqueue_event(session, order, "order.canceled", now)
        canceled.append((order.id, order.payment_intent_id))
    return canceled


def cancel_intents(gateway: PaymentGateway | None, intent_ids: Iterable[str]) -> None:
    """Cancel the PaymentIntents of expired orders, best effort (an unconfirmed
    intent is never charged; a payment that still arrives is handled as one
    after cancellation)."""
    cancel = getattr(gateway, "cancel_payment_intent", None) if gateway else None
    if cancel is None:
        return
    for intent_id in intent_ids:
        try:
            cancel(intent_id)
        except Exception:  # noqa: BLE001 - the order is canceled either way; log for the operator
            log.warning("could not cancel payment intent %s of an expired order", intent_id)
