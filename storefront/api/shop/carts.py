"""Shopper cart endpoints (API.md "Carts")."""
from __future__ import annotations

from datetime import timedelta

from flask import current_app, request
from flask.views import MethodView
from flask_babel import gettext
from flask_smorest import Blueprint
from moneyed import Money

from storefront import clock
from storefront.checkout import placement, services
from storefront.orders.notices import notice_message
from storefront.api.shop.schemas.carts import (
    AddressInputSchema,
    CartArgsSchema,
    CartSchema,
    CheckoutResultSchema,
    ItemAddSchema,
    ItemUpdateSchema,
    ShippingMethodListSchema,
    ShippingMethodSetSchema,
)
from storefront.db import reading_only
from storefront.extensions import db
from storefront.api.duties import duty_details
from storefront.api.shop.context import negotiate_request, requested_locale_within, shop, speak_as
from storefront.api.shop.orders import order_json
from storefront.payments.wiring import gateway, settlement_currency
from storefront.tax.names import display_name
from storefront.tax.wiring import tax_provider

blp = Blueprint("carts", __name__, description="Carts: items, address, shipping, totals.")
blp.before_request(negotiate_request)


def _ttl() -> timedelta:
    return timedelta(hours=current_app.config["CART_TTL_HOURS"])


def _speak_for(cart) -> None:
    """Answer in the cart's market (it may differ from the request's), in the locale of that
    market the request asks for, else the cart's: errors, notices and money alike, so a view
    calls it as soon as it holds the cart, before anything that can fail."""
    _speak_in(cart.market_code, cart.locale)


def _speak_in(market_code: str, locale: str) -> None:
    market = next((m for m in shop().markets if m.code == market_code), None)
    requested = requested_locale_within(market) if market is not None else None
    speak_as(market_code, requested or locale, "cart")


def _state(cart):
    ctx = shop()
    return services.cart_state(
        db.session, cart, ctx.markets, now=clock.now(), default_locale=current_app.config["DEFAULT_LOCALE"],
        seller_vat_id=current_app.config.get("SELLER_VAT_ID"), base_currency=current_app.config["BASE_CURRENCY"],
        tax_provider=tax_provider(),
    )


def notice_json(code: str, params: dict | None = None, *, rule: str | None = None,
                seller_vat_id: str | None = None, buyer_vat_id: str | None = None) -> dict:
    message, legal = notice_message(code, rule, seller_vat_id=seller_vat_id, buyer_vat_id=buyer_vat_id)
    params = params or legal or None
    shown = _market_names(params) if code == "market_changed" and params else params
    body = {"code": code, "message": gettext(message, **shown) if shown else gettext(message)}
    if params:
        body["details"] = dict(params)  # e.g. market_changed: {"from": "DE", "to": "CH", "currency": "CHF"}
    return body


def _market_names(params: dict) -> dict:
    """The message names markets as the shopper reads them ("in den Markt Schweiz"); ``details`` keeps the codes."""
    ctx, default = shop(), current_app.config["DEFAULT_LOCALE"]
    names = {m.code: m.name(ctx.locale, default) for m in ctx.markets}
    return {k: names.get(v, v) if k in ("to", "from") else v for k, v in params.items()}


def method_json(method, goods_subtotal, currency: str) -> dict:
    return {
        "id": method.id, "code": method.code, "name": method.name,
        "price": Money(method.price_for(goods_subtotal), currency), "rate": Money(method.rate, currency),
        "free_over": Money(method.free_over, currency) if method.free_over is not None else None,
        "delivery_days": {"min": method.min_days, "max": method.max_days},
        "min_days": method.min_days, "max_days": method.max_days,  # as orders and merchant methods spell it
    }


def cart_json(state, extra_notices=()) -> dict:
    cart, currency, t = state.cart, state.market.currency, state.totals
    goods = sum((i.total for i in state.items if i.available), 0)
    d = state.determination
    notices = [notice_json(n.code, n.params, rule=d.rule if d is not None else None, seller_vat_id=state.seller_vat_id,
                           buyer_vat_id=d.buyer_vat_id if d is not None else None)
               for n in list(extra_notices) + list(state.notices)]
    return {
        "token": cart.token, "market": cart.market_code, "currency": currency, "locale": cart.locale,
        "items": [
            {"sku": i.sku, "name": i.name, "product_slug": i.product_slug, "quantity": i.quantity,
             "unit_price": Money(i.unit_price, currency), "total": Money(i.total, currency), "available": i.available}
            for i in state.items
        ],
        "address": cart.address,
        "shipping_method": method_json(state.shipping_method, goods, currency) if state.shipping_method else None,
        "totals": {
            "subtotal": Money(t.subtotal, currency), "shipping": Money(t.shipping, currency),
            "tax": Money(t.tax, currency), "duties": Money(t.duties, currency), "total": Money(t.total, currency),
            "tax_included": state.market.prices_include_tax and not (d and d.zero_rated),
            "tax_lines": [{"name": display_name(x.name, shop().locale), "tax": x.name,
                           "rate": f"{x.rate.normalize():f}", "amount": Money(x.amount, currency)}
                          for x in state.tax.tax_lines],
            "notices": notices,
        },
        "tax": {"jurisdiction": d.jurisdiction if d else None, "rule": d.rule if d else None,
                "buyer_vat_id": d.buyer_vat_id if d else None, "seller_vat_id": state.seller_vat_id},
        "duties": None if state.duties is None else {
            "crosses_border": state.duties.crosses_border, "rule": state.duties.rule,
            "incoterm": state.duties.incoterm,
            "estimated": Money(state.duties.duties, currency),
            "import_vat": Money(state.duties.import_vat, currency),
            "due_on_delivery": Money(state.duties.due_on_delivery, currency),
            **duty_details(state.duties, currency),
        },
        "expires_at": cart.expires_at,
        "context": shop().as_json(),
    }


def _respond(cart, extra_notices=()):
    """The cart's JSON, after the change (if any) is committed: computed in a
    read-only transaction, so the tax provider (a network call) is never asked
    while this request holds the write lock."""
    with reading_only():
        _speak_for(cart)
        return cart_json(_state(cart), extra_notices)


@blp.route("/carts")
class Carts(MethodView):
    @blp.arguments(CartArgsSchema, location="query")
    @blp.response(201, CartSchema)
    def post(self, _args):
        """Create a cart in the resolved market and locale."""
        ctx = shop()
        cart = services.create_cart(db.session, ctx.market, ctx.locale, clock.now(), _ttl())
        db.session.commit()
        return _respond(cart)


@blp.route("/carts/<string:token>")
class CartOne(MethodView):
    @blp.arguments(CartArgsSchema, location="query")
    @blp.response(200, CartSchema)
    def get(self, _args, token: str):
        """The cart with totals recomputed from current prices, taxes and shipping."""
        return _respond(services.get_cart(db.session, token, clock.now()))


@blp.route("/carts/<string:token>/items")
class CartItems(MethodView):
    @blp.arguments(ItemAddSchema)
    @blp.response(200, CartSchema)
    def post(self, data, token: str):
        """Add a variant (or more of it)."""
        cart = services.open_cart(db.session, token, clock.now(), _ttl())
        _speak_for(cart)
        services.add_item(db.session, cart, data["sku"], data["quantity"])
        db.session.commit()
        return _respond(cart)


@blp.route("/carts/<string:token>/items/<string:sku>")
class CartItem(MethodView):
    @blp.arguments(ItemUpdateSchema)
    @blp.response(200, CartSchema)
    def patch(self, data, token: str, sku: str):
        """Change the quantity (0 removes the item)."""
        cart = services.open_cart(db.session, token, clock.now(), _ttl())
        _speak_for(cart)
        services.update_item(db.session, cart, sku, data["quantity"])
        db.session.commit()
        return _respond(cart)

    @blp.response(200, CartSchema)
    def delete(self, token: str, sku: str):
        """Remove the item."""
        cart = services.open_cart(db.session, token, clock.now(), _ttl())
        _speak_for(cart)
        services.remove_item(db.session, cart, sku)
        db.session.commit()
        return _respond(cart)


@blp.route("/carts/<string:token>/address")
class CartAddress(MethodView):
    @blp.arguments(AddressInputSchema)
    @blp.response(200, CartSchema)
    def put(self, data, token: str):
        """Set the delivery address; the destination decides market, taxes and duties."""
        cart = services.open_cart(db.session, token, clock.now(), _ttl())
        _speak_for(cart)
        notices = services.set_address(db.session, cart, data, shop().markets)
        db.session.commit()
        return _respond(cart, notices)


@blp.route("/carts/<string:token>/shipping-methods")
class CartShippingMethods(MethodView):
    @blp.arguments(CartArgsSchema, location="query")
    @blp.response(200, ShippingMethodListSchema)
    def get(self, _args, token: str):
        """Methods available for the cart's market and destination, priced for this cart."""
        cart = services.get_cart(db.session, token, clock.now())
        _speak_for(cart)
        state = _state(cart)
        goods = sum((i.total for i in state.items if i.available), 0)
        methods = services.shipping_methods(db.session, cart, current_app.config["DEFAULT_LOCALE"])
        return {"items": [method_json(m, goods, cart.currency) for m in methods], "next_cursor": None,
                "context": shop().as_json()}


@blp.route("/carts/<string:token>/shipping-method")
class CartShippingMethod(MethodView):
    @blp.arguments(ShippingMethodSetSchema)
    @blp.response(200, CartSchema)
    def put(self, data, token: str):
        """Choose a shipping method."""
        cart = services.open_cart(db.session, token, clock.now(), _ttl())
        _speak_for(cart)
        services.set_shipping_method(db.session, cart, data["id"])
        db.session.commit()
        return _respond(cart)


@blp.route("/carts/<string:token>/checkout")
class CartCheckout(MethodView):
    @blp.doc(parameters=[{"in": "header", "name": "Idempotency-Key", "required": True, "schema": {
        "type": "string", "minLength": 1, "maxLength": placement.MAX_KEY_LENGTH, "pattern": "^[!-~][ -~]*$",
        "description": "Printable ASCII, not blank: the same key returns the same order."}}])
    @blp.arguments(CartArgsSchema, location="query")
    @blp.response(201, CheckoutResultSchema)
    def post(self, _args, token: str):
        """Place the order: reserve stock, snapshot the cart, create the PaymentIntent in the market currency."""
        language = services.cart_language(db.session, token)
        db.session.rollback()  # end the read: on SQLite placement must begin its own write transaction
        if language is not None:  # its errors (out of stock, address, payment) speak as the cart does
            _speak_in(*language)
        placed = placement.place_order(
            db.session, token, request.headers.get("Idempotency-Key"), gateway=gateway(), commit=db.session.commit,
            markets=shop().markets,
            now=clock.now(), default_locale=current_app.config["DEFAULT_LOCALE"],
            seller_vat_id=current_app.config.get("SELLER_VAT_ID"), base_currency=current_app.config["BASE_CURRENCY"],
            reservation=timedelta(minutes=current_app.config["RESERVATION_MINUTES"]),
            settlement_currency=settlement_currency(), tax_provider=tax_provider(),
        )
        db.session.commit()
        order = placed.order
        cart = services.get_cart(db.session, token, clock.now())
        _speak_for(cart)
        return {"order": order_json(order), "payment": {
            "provider": order.payment_provider, "client_secret": order.payment_client_secret,
            "payment_intent_id": order.payment_intent_id, "amount_minor": order.amount_minor,
            "currency": order.currency}}
