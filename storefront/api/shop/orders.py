"""The shopper's order, by its unguessable token."""
from __future__ import annotations

from decimal import Decimal

from flask import g
from flask.views import MethodView
from flask_babel import gettext
from flask_smorest import Blueprint
from moneyed import Money

from storefront.orders.notices import NOTICES, notice_message
from storefront.extensions import api, db
from storefront.api.shop.context import negotiate_request, requested_locale_within, shop, speak_as
from storefront.orders import services
from storefront.orders.confirmation import TEMPLATES
from storefront.orders.models import Order
from storefront.tax.names import display_name
from storefront.api.shop.schemas.orders import (
    OrderArgsSchema,
    OrderDetailSchema,
)

# The confirmation e-mail (queued when the payment arrives) renders from the orders package.
blp = Blueprint("orders", __name__, description="Orders by their unguessable token.", template_folder=str(TEMPLATES))
blp.before_request(negotiate_request)


def _shown(order: Order, code: str) -> bool:
    """Notices whose message needs no parameters the order does not keep."""
    message, params = notice_message(code, order.tax_rule, seller_vat_id=order.seller_vat_id,
                                     buyer_vat_id=order.buyer_vat_id)
    return code in NOTICES and ("%(" not in message or bool(params))


def _notice(order: Order, code: str) -> dict:
    message, params = notice_message(code, order.tax_rule, seller_vat_id=order.seller_vat_id,
                                     buyer_vat_id=order.buyer_vat_id)
    return {"code": code, "message": gettext(message, **params) if params else gettext(message)}


def _shipping_method(method: dict | None) -> dict | None:
    """The method as stored (``min_days``/``max_days``), plus ``delivery_days`` as carts spell it."""
    if not method:
        return method
    return {**method, "delivery_days": {"min": method.get("min_days"), "max": method.get("max_days")}}


def order_json(order: Order) -> dict:
    """The order as shoppers (and, with identifiers for names, merchants) read it."""
    c = order.currency
    context = g.get("shop")  # merchant requests have none: tax names stay identifiers

    def tax_name(name: str) -> str:
        return display_name(name, context.locale) if context is not None else name

    def m(value) -> Money:
        return Money(Decimal(value), c)

    return {
        "id": order.id, "token": order.token, "status": order.status, "market": order.market_code, "currency": c,
        "locale": order.locale,
        "lines": [{"sku": line.sku, "name": line.name, "quantity": line.quantity, "unit_price": m(line.unit_price),
                   "net": m(line.net), "tax": m(line.tax), "total": m(line.gross),
                   "taxes": [{**t, "name": tax_name(t["name"]), "tax": t["name"], "amount": m(t["amount"])}
                             for t in line.taxes]} for line in order.lines],
        "totals": {
            "subtotal": m(order.subtotal), "shipping": m(order.shipping), "tax": m(order.tax),
            "duties": m(order.duties), "total": m(order.total), "tax_included": order.tax_included,
            "tax_lines": [{"name": tax_name(t["name"]), "tax": t["name"], "rate": t["rate"],
                           "amount": m(t["amount"])} for t in order.tax_lines],
            "notices": [_notice(order, code) for code in order.notices if _shown(order, code)],
            "paid": m(order.amount_paid), "refunded": m(order.amount_refunded),
        },
        "address": order.address, "shipping_method": _shipping_method(order.shipping_method),
        "tax": {"rule": order.tax_rule, "jurisdiction": order.tax_jurisdiction, "buyer_vat_id": order.buyer_vat_id,
                "seller_vat_id": order.seller_vat_id, "provider": order.tax_provider,
                "calculation_id": order.tax_calculation_id},
        "duties": {"rule": order.duties_rule, "incoterm": order.incoterm},
        "fx_rate": {"base": order.base_currency,
                    "rate": None if order.fx_rate_to_base is None else f"{order.fx_rate_to_base.normalize():f}"},
        "created_at": order.created_at, "paid_at": order.paid_at,
    }


@blp.route("/orders/<string:token>")
class OrderByToken(MethodView):
    @blp.arguments(OrderArgsSchema, location="query")
    @blp.response(200, OrderDetailSchema)
    def get(self, _args, token: str):
        """An order with its lines, totals, tax lines and the rates as they were at checkout."""
        order = services.order_by_token(db.session, token)
        # The order speaks in its own market and locale, unless the request asks
        # for another of that market's locales (API.md: like a cart).
        market = next((m for m in shop().markets if m.code == order.market_code), None)
        if market is not None:
            speak_as(market.code, requested_locale_within(market) or order.locale, "order")
        body = order_json(order)
        body["context"] = shop().as_json()
        return body
