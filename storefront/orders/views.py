"""Orders: the shopper's view by token, and the merchant's list, detail and refunds."""
from __future__ import annotations

from decimal import Decimal

from flask import Flask
from flask.views import MethodView
from flask_babel import gettext
from flask_smorest import Blueprint
from moneyed import Money
from sqlalchemy import select

from storefront import clock
from storefront.admin import audit
from storefront.admin.auth import authenticate, requires
from storefront.checkout.errors import NOTICES
from storefront.extensions import api, db
from storefront.markets.context import negotiate_request, shop
from storefront.orders import services
from storefront.orders.models import Order
from storefront.orders.schemas import (
    AdminOrderArgsSchema,
    AdminOrderListSchema,
    AdminOrderSchema,
    OrderArgsSchema,
    OrderDetailSchema,
    RefundCreateSchema,
    RefundSchema,
)
from storefront.db import newest_first
from storefront.payments.wiring import gateway
from storefront.pricing.services import parse_amount

blp = Blueprint("orders", __name__, description="Orders by their unguessable token.", template_folder="templates")
blp.before_request(negotiate_request)
admin = Blueprint("admin_orders", __name__, description="Merchant orders and refunds.")
admin.before_request(authenticate)
SECURITY = [{"bearerAuth": []}]


def order_json(order: Order) -> dict:
    c = order.currency

    def m(value) -> Money:
        return Money(Decimal(value), c)

    return {
        "id": order.id, "token": order.token, "status": order.status, "market": order.market_code, "currency": c,
        "locale": order.locale,
        "lines": [{"sku": line.sku, "name": line.name, "quantity": line.quantity, "unit_price": m(line.unit_price),
                   "net": m(line.net), "tax": m(line.tax), "total": m(line.gross),
                   "taxes": [{**t, "amount": m(t["amount"])} for t in line.taxes]} for line in order.lines],
        "totals": {
            "subtotal": m(order.subtotal), "shipping": m(order.shipping), "tax": m(order.tax),
            "duties": m(order.duties), "total": m(order.total), "tax_included": order.tax_included,
            "tax_lines": [{"name": t["name"], "rate": t["rate"], "amount": m(t["amount"])} for t in order.tax_lines],
            "notices": [{"code": code, "message": gettext(NOTICES[code])} for code in order.notices
                        if code in NOTICES and "%(" not in NOTICES[code]],
            "paid": m(order.amount_paid), "refunded": m(order.amount_refunded),
        },
        "address": order.address, "shipping_method": order.shipping_method,
        "tax": {"rule": order.tax_rule, "jurisdiction": order.tax_jurisdiction, "buyer_vat_id": order.buyer_vat_id,
                "seller_vat_id": order.seller_vat_id},
        "duties": {"rule": order.duties_rule, "incoterm": order.incoterm},
        "fx_rate": {"base": order.base_currency,
                    "rate": None if order.fx_rate_to_base is None else f"{order.fx_rate_to_base.normalize():f}"},
        "created_at": order.created_at, "paid_at": order.paid_at,
    }


def admin_order_json(order: Order) -> dict:
    body = order_json(order)
    body.update(email=order.email, payment_intent_id=order.payment_intent_id, refunds=[
        {"id": r.id, "provider_refund_id": r.provider_refund_id, "amount": Money(r.amount, r.currency),
         "status": r.status, "reason": r.reason} for r in order.refunds])
    return body


@blp.route("/orders/<string:token>")
class OrderByToken(MethodView):
    @blp.arguments(OrderArgsSchema, location="query")
    @blp.response(200, OrderDetailSchema)
    def get(self, _args, token: str):
        """An order with its lines, totals, tax lines and the rates as they were at checkout."""
        order = services.order_by_token(db.session, token)
        body = order_json(order)
        body["context"] = shop().as_json()
        return body


@admin.route("/orders")
class AdminOrders(MethodView):
    @admin.doc(security=SECURITY)
    @admin.arguments(AdminOrderArgsSchema, location="query")
    @admin.response(200, AdminOrderListSchema)
    @requires("orders")
    def get(self, args):
        """Orders, newest first, filtered by market, status and creation date."""
        stmt = select(Order)
        if args.get("market"):
            stmt = stmt.where(Order.market_code == args["market"].upper())
        if args.get("status"):
            stmt = stmt.where(Order.status == args["status"])
        if args.get("since"):
            stmt = stmt.where(Order.created_at >= args["since"])
        if args.get("until"):
            stmt = stmt.where(Order.created_at < args["until"])
        rows, next_cursor = newest_first(db.session, stmt, Order.id, kind="orders", cursor=args.get("cursor"),
                                         limit=args["limit"])
        return {"items": [admin_order_json(o) for o in rows], "next_cursor": next_cursor}


@admin.route("/orders/<int:order_id>")
class AdminOrder(MethodView):
    @admin.doc(security=SECURITY)
    @admin.response(200, AdminOrderSchema)
    @requires("orders")
    def get(self, order_id: int):
        """One order with its payment and refunds."""
        return admin_order_json(services.order_by_id(db.session, order_id))


@admin.route("/orders/<int:order_id>/refunds")
class AdminRefunds(MethodView):
    @admin.doc(security=SECURITY)
    @admin.arguments(RefundCreateSchema)
    @admin.response(201, RefundSchema)
    @requires("orders")
    def post(self, data, order_id: int):
        """Refund all or part of an order, in its currency, never more than was paid."""
        order = services.order_by_id(db.session, order_id)
        amount = parse_amount(data["amount"], order.currency) if data.get("amount") else None
        refund = services.refund(db.session, order_id, amount, data.get("reason"), gateway=gateway(),
                                 now=clock.now())
        audit.record(db.session, "refund", "order", order_id, None,
                     {"amount": refund.amount, "currency": refund.currency, "provider_refund_id": refund.provider_refund_id})
        db.session.commit()
        return {"id": refund.id, "provider_refund_id": refund.provider_refund_id,
                "amount": Money(refund.amount, refund.currency), "status": refund.status, "reason": refund.reason}


def init_app(app: Flask) -> None:
    api.register_blueprint(blp, url_prefix="/api/v1")
    api.register_blueprint(admin, url_prefix="/api/v1/admin")
