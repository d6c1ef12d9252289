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
from storefront.money import Money, from_stripe_minor, quantize
from storefront.orders import state
from storefront.orders.errors import OrderNotFound, OrderNotPaid, RefundExceedsPaid
from storefront.orders.models import Order, OrderLine, ProcessedEvent, Refund
from storefront.payments.gateway import PaymentGateway, WebhookEvent

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


def handle_event(session: Session, event: WebhookEvent, now: datetime, on_paid=None) -> str:
    """Apply a provider event once. Returns what happened (for logs and tests)."""
    if session.get(ProcessedEvent, event.id) is not None:
        return "duplicate"
    obj = event.object
    intent_id = obj.get("payment_intent") if event.type.startswith("charge.") or event.type.startswith("refund.") \
        else obj.get("id")
    if isinstance(intent_id, dict):
        intent_id = intent_id.get("id")
    order = session.scalar(select(Order).where(Order.payment_intent_id == intent_id)) if intent_id else None
    try:
        with session.begin_nested():
            session.add(ProcessedEvent(id=event.id, type=event.type, order_id=order.id if order else None,
                                       received_at=now))
    except IntegrityError:
        return "duplicate"
    if order is None:
        return "ignored"
    before = order.status
    if event.type == "payment_intent.succeeded":
        received = obj.get("amount_received") or obj.get("amount") or 0
        paid = from_stripe_minor(int(received), order.currency).amount
        _apply(order, state.record_payment(facts(order), paid), now)
        if before in ("pending_payment", "canceled"):
            order.paid_at = order.paid_at or now
            if before == "pending_payment":
                commit_stock(session, order)
            if on_paid is not None:
                on_paid(order)
    elif event.type == "payment_intent.payment_failed":
        error = obj.get("last_payment_error") or {}
        order.last_payment_error = (error.get("code") or error.get("message") or "failed")[:255]
    elif event.type == "payment_intent.canceled":
        if order.status == "pending_payment":
            order.canceled_at = now
            release_stock(session, order)
            _apply(order, state.record_cancellation(facts(order)), now)
    elif event.type == "charge.refunded":
        refunded = from_stripe_minor(int(obj.get("amount_refunded") or 0), order.currency).amount
        _apply(order, state.record_refunded_total(facts(order), refunded), now)
        _record_provider_refunds(session, order, obj)
    else:
        return "ignored"
    return f"{before}->{order.status}"


def _record_provider_refunds(session: Session, order: Order, charge: dict) -> None:
    refunds = (charge.get("refunds") or {}).get("data") or []
    known = {r.provider_refund_id for r in order.refunds}
    for r in refunds:
        if r.get("id") and r["id"] not in known:
            order.refunds.append(Refund(provider_refund_id=r["id"], currency=order.currency, status=r.get("status", "succeeded"),
                                        amount=from_stripe_minor(int(r.get("amount") or 0), order.currency).amount,
                                        reason=r.get("reason")))


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
        cancel = getattr(gateway, "cancel_payment_intent", None) if gateway else None
        if cancel and order.payment_intent_id:
            try:
                cancel(order.payment_intent_id)
            except Exception:  # noqa: BLE001 - the order is canceled either way; log for the operator
                log.warning("could not cancel payment intent of order %s", order.id)
    session.flush()
    return len(orders)
