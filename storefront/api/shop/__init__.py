"""The shopper-facing API at /api/v1: markets, catalog, carts, orders and the
payment provider's webhooks, each in the negotiated market and locale."""
from __future__ import annotations

from flask import Flask

from storefront.api.shop import carts, catalog, context, markets, orders, webhooks
from storefront.extensions import api

BLUEPRINTS = (markets.blp, catalog.blp, carts.blp, orders.blp, webhooks.blp)


def init_app(app: Flask) -> None:
    context.init_app(app)
    for blueprint in BLUEPRINTS:
        api.register_blueprint(blueprint, url_prefix="/api/v1")
