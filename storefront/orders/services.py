"""Orders after checkout: payment events, refunds, expiry, confirmations."""
from __future__ import annotations

import logging
from datetime import datetime
from decimal import Decimal
from typing import Iterable

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storefront.inventory.models import Stock, StockReservation
from storefront.money import Money, quantize
from storefront.orders import state
from storefront.orders.errors import OrderNotFound, OrderNotPaid, RefundExceedsPaid
from storefront.orders.models import Order, OrderLine, ProcessedEvent, Refund
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
    ReportedAmount,
    UnhandledEvent,
)

log = logging.getLogger("storefront.orders")


def facts(order: Order) -> state.Facts:
    return state.Facts(order.amount_paid, order.amount_refunded, order.canceled_at is not None)


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


# --- payment events ------------------------------------------------------------------


def handle_event(session: Session, event: PaymentEvent, now: datetime, on_paid=None) -> str:
    """Apply a provider event once. Returns what happened (for logs and tests):
    ``duplicate``, ``ignored`` (no order, or nothing to do), ``currency_mismatch``
    (amounts in another currency than the order's: not recorded) or
    ``<status before>-><status after>``."""
    if session.get(ProcessedEvent, event.event_id) is not None:
        return "duplicate"
    order = session.scalar(select(Order).where(Order.payment_intent_id == event.intent_id)) \
        if event.intent_id else None
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
                return _mismatch(event, order, amount)
            _apply(order, state.record_payment(facts(order), paid), now)
            if before in ("pending_payment", "canceled"):
                order.paid_at = order.paid_at or now
                if before == "pending_payment":
                    commit_stock(session, order)
                if on_paid is not None:
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
            _record_provider_refunds(session, order, refunds)
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
    return "currency_mismatch"


def _record_provider_refunds(session: Session, order: Order, refunds: tuple[ProviderRefund, ...]) -> None:
    """Refunds made at the provider (e.g. in Stripe's dashboard) that the order does not list yet."""
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
        if amount is not None:
            order.refunds.append(Refund(provider_refund_id=r.id, amount=amount, currency=order.currency,
                                        status=r.status[:16], reason=r.reason[:64] if r.reason else None))


# --- refunds ------------------------------------------------------------------------------


def refund(session: Session, order_id: int, amount: Decimal | None, reason: str | None, *, gateway: PaymentGateway,
           now: datetime) -> Refund:
    """Refund all or part of what was paid, never more; in the order currency."""
    order = session.scalar(select(Order).where(Order.id == order_id).with_for_update())
    if order is None:
        raise OrderNotFound()
    if order.amount_paid <= 0:
        raise OrderNotPaid()
    refundable = state.refundable(facts(order))
    value = refundable if amount is None else amount
    if value <= 0 or value > refundable:
        raise RefundExceedsPaid(refundable=f"{quantize(refundable, order.currency)} {order.currency}")
    number = len(order.refunds) + 1
    result = gateway.refund(payment_intent_id=order.payment_intent_id, amount=Money(value, order.currency),
                            idempotency_key=f"storefront-order-{order.id}-refund-{number}",
                            metadata={"order": str(order.id)})
    row = Refund(provider_refund_id=result.id, amount=value, currency=order.currency, status=result.status,
                 reason=reason, created_at=now)
    order.refunds.append(row)
    _apply(order, state.record_refunded_total(facts(order), order.amount_refunded + value), now)
    enqueue_event(session, order, "order.refunded", now)
    session.flush()
    return row


# --- expiry -------------------------------------------------------------------------------


def expire_unpaid(session: Session, now: datetime, gateway: PaymentGateway | None = None) -> int:
    """Cancel orders whose reservation ran out unpaid and release their stock."""
    orders = session.scalars(select(Order).where(Order.status == "pending_payment", Order.reserved_until <= now)
                             .with_for_update()).all()
    for order in orders:
        release_stock(session, order)
        order.canceled_at = now
        _apply(order, state.record_cancellation(facts(order)), now)
        enqueue_event(session, order, "order.canceled", now)
        cancel = getattr(gateway, "cancel_payment_intent", None) if gateway else None
        if cancel and order.payment_intent_id:
            try:
                cancel(order.payment_intent_id)
            except Exception:  # noqa: BLE001 - the order is canceled either way; log for the operator
                log.warning("could not cancel payment intent of order %s", order.id)
    session.flush()
    return len(orders)
