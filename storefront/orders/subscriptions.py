"""Merchant webhook subscriptions to order events, and the events themselves.

An event (``order.paid``, ``order.refunded``, ``order.canceled``) becomes one
outbox message per active subscription that asked for it, written in the
transaction that changed the order, so an event is never announced for a
change that rolled back nor lost for one that committed. The worker signs
and POSTs it (storefront/orders/transports.py), retrying with backoff."""
from __future__ import annotations

import json
import secrets
import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from storefront.money import quantize
from storefront.orders.errors import WebhookSubscriptionNotFound, WebhookUrlRefused
from storefront.orders.models import Order, OutboxMessage, WebhookSubscription
from storefront.orders.transports import url_problem

EVENTS = ("order.paid", "order.refunded", "order.canceled")


def create_subscription(session: Session, url: str, events: list[str], description: str | None, actor: str,
                        now: datetime, *, allow_loopback_http: bool) -> WebhookSubscription:
    """A new subscription with a fresh signing secret (returned once, in the row)."""
    if url_problem(url, allow_loopback_http=allow_loopback_http):
        raise WebhookUrlRefused()
    row = WebhookSubscription(url=url, events=sorted(set(events)), secret="whsec_" + secrets.token_urlsafe(32),
                              description=description, created_by=actor, created_at=now)
    session.add(row)
    session.flush()
    return row


def list_subscriptions(session: Session) -> list[WebhookSubscription]:
    return list(session.scalars(select(WebhookSubscription).order_by(WebhookSubscription.id)).all())


def subscription(session: Session, subscription_id: int) -> WebhookSubscription:
    row = session.get(WebhookSubscription, subscription_id)
    if row is None:
        raise WebhookSubscriptionNotFound()
    return row


def disable(session: Session, subscription_id: int, now: datetime) -> WebhookSubscription:
    """Stop delivering (the row and its delivery log stay)."""
    row = subscription(session, subscription_id)
    row.disabled_at = row.disabled_at or now
    return row


def deliveries_statement(subscription_id: int):
    return select(OutboxMessage).where(OutboxMessage.kind == "webhook", OutboxMessage.subscription_id == subscription_id)


def event_payload(order: Order, event_type: str, now: datetime) -> dict:
    def money(amount) -> dict:
        return {"amount": str(quantize(amount, order.currency)), "currency": order.currency}

    return {"id": f"evt_{uuid.uuid4().hex}", "type": event_type, "created": int(now.timestamp()),
            "data": {"order": {"id": order.id, "status": order.status, "market": order.market_code,
                               "total": money(order.total), "amount_paid": money(order.amount_paid),
                               "amount_refunded": money(order.amount_refunded)}}}


def enqueue_event(session: Session, order: Order, event_type: str, now: datetime) -> int:
    """Queue ``event_type`` about ``order`` for every active subscription to it; how many."""
    subs = [s for s in session.scalars(select(WebhookSubscription).where(WebhookSubscription.disabled_at.is_(None)))
            if event_type in s.events]
    if not subs:
        return 0
    body = json.dumps(event_payload(order, event_type, now), separators=(",", ":"))
    for sub in subs:
        session.add(OutboxMessage(kind="webhook", subscription_id=sub.id, order_id=order.id, recipient=sub.url[:254],
                                  locale=order.locale, subject=event_type, body=body, created_at=now))
    return len(subs)
