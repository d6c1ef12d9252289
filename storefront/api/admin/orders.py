"""Merchant orders: list, detail and refunds (role "orders"), and the retry of
a refund whose provider answer was lost."""
from __future__ import annotations

from datetime import timedelta

from flask import current_app
from flask.views import MethodView
from moneyed import Money

from storefront import clock
from storefront.admin import audit
from storefront.api.admin.blueprint import MerchantBlueprint
from storefront.api.shop.orders import order_json
from storefront.api.shop.schemas.orders import (
    AdminOrderArgsSchema,
    AdminOrderListSchema,
    AdminOrderSchema,
    RefundCreateSchema,
    RefundSchema,
)
from storefront.db import newest_first
from storefront.errors import StorefrontError
from storefront.extensions import db
from storefront.orders import services
from storefront.orders.models import Order
from storefront.payments.wiring import gateway

blp = MerchantBlueprint("admin_orders", __name__, role="orders", description="Merchant orders and refunds.")


def admin_order_json(order: Order) -> dict:
    body = order_json(order)
    body.update(email=order.email, payment_intent_id=order.payment_intent_id, flag=order.flag,
                flagged_at=order.flagged_at, refunds=[
        {"id": r.id, "provider_refund_id": r.provider_refund_id, "amount": Money(r.amount, r.currency),
         "status": r.status, "reason": r.reason} for r in order.refunds])
    return body


@blp.route("/orders")
class AdminOrders(MethodView):
    @blp.arguments(AdminOrderArgsSchema, location="query")
    @blp.response(200, AdminOrderListSchema)
    def get(self, args):
        """Orders, newest first, filtered by market, status and creation date."""
        stmt = services.search_statement(market=args.get("market"), status=args.get("status"),
                                         flagged=args.get("flagged"), since=args.get("since"), until=args.get("until"))
        rows, next_cursor = newest_first(db.session, stmt, Order.id, kind="orders", cursor=args.get("cursor"),
                                         limit=args["limit"])
        return {"items": [admin_order_json(o) for o in rows], "next_cursor": next_cursor}


@blp.route("/orders/<int:order_id>")
class AdminOrder(MethodView):
    @blp.response(200, AdminOrderSchema)
    def get(self, order_id: int):
        """One order with its payment and refunds."""
        return admin_order_json(services.order_by_id(db.session, order_id))


@blp.route("/orders/<int:order_id>/refunds")
class AdminRefunds(MethodView):
    @blp.arguments(RefundCreateSchema)
    @blp.response(201, RefundSchema)
    def post(self, data, order_id: int):
        """Refund all or part of an order, in its currency, never more than was paid."""
        return refund_json(refund_order(order_id, data.get("amount") or None, data.get("reason")))


@blp.route("/orders/<int:order_id>/refunds/<int:refund_id>/retry")
class AdminRefundRetry(MethodView):
    @blp.response(200, RefundSchema)
    def post(self, order_id: int, refund_id: int):
        """Retry a refund still ``requested`` (the provider's answer was lost and no
        ``charge.refunded`` arrived): recorded from the provider's refund made for
        it, or asked for again with the same idempotency key, so never refunded
        twice. 409 when the refund is not ``requested``, or a call for it may
        still be in flight."""
        return refund_json(retry_refund(order_id, refund_id))


def refund_order(order_id: int, amount: str | None, reason: str | None):
    """Refund all (``amount`` None) or part of an order, as POST
    /admin/orders/{id}/refunds does (also the console's refund form): the
    amount checked against what was paid, the refund recorded before the
    provider is asked, then sent, and written to the audit trail. Commits
    (a refusal too, then raised). The refund."""
    # A transaction that starts with the order's lock (what authentication read is done).
    db.session.commit()
    request = services.request_refund(db.session, order_id, amount, reason, now=clock.now(),
                                      lease=_provider_call_lease())
    db.session.commit()  # recorded before the provider is asked, and no lock held while it is
    try:
        refund = services.send_refund(db.session, request, gateway=gateway(), now=clock.now())
    except StorefrontError:
        db.session.commit()  # the refusal
        raise
    audit.record(db.session, "refund", "order", order_id, None,
                 {"amount": refund.amount, "currency": refund.currency, "provider_refund_id": refund.provider_refund_id})
    db.session.commit()
    return refund


def retry_refund(order_id: int, refund_id: int):
    """Retry a refund still ``requested``, as POST
    /admin/orders/{id}/refunds/{refund_id}/retry does (also the console's
    retry button), with its audit entry. Commits (a refusal too, then raised)."""
    db.session.commit()
    request = services.retry_refund(db.session, order_id, refund_id, now=clock.now(), lease=_provider_call_lease())
    db.session.commit()  # claimed before the provider is asked, and no lock held while it is
    try:
        refund = services.resend_refund(db.session, request, gateway=gateway(), now=clock.now())
    except StorefrontError:
        db.session.commit()  # the refusal, or the claim given back
        raise
    audit.record(db.session, "refund_retry", "order", order_id, None,
                 {"refund": refund.id, "amount": refund.amount, "currency": refund.currency,
                  "provider_refund_id": refund.provider_refund_id, "status": refund.status})
    db.session.commit()
    return refund


def refund_json(refund) -> dict:
    return {"id": refund.id, "provider_refund_id": refund.provider_refund_id,
            "amount": Money(refund.amount, refund.currency), "status": refund.status, "reason": refund.reason}


def _provider_call_lease() -> timedelta:
    """How long a refund's provider calls may be in flight: a retry makes two
    (find the refund, then make it), each within STRIPE_TIMEOUT_SECONDS."""
    return timedelta(seconds=2 * float(current_app.config["STRIPE_TIMEOUT_SECONDS"]) + 5)
