"""The merchant API at /api/v1/admin: one module per resource, each a
``MerchantBlueprint`` that declares the role it needs."""
from __future__ import annotations

from flask import Flask

from storefront.api.admin import (
    categories,
    markets,
    orders,
    pricing,
    products,
    shipping,
    stock,
    tax,
    tax_overrides,
    tokens,
    webhooks,
)
from storefront.extensions import api

BLUEPRINTS = (products.blp, orders.blp, stock.blp, pricing.blp, tokens.blp, tax.blp, markets.blp, categories.blp,
              shipping.blp, tax_overrides.blp, webhooks.blp)


def init_app(app: Flask) -> None:
    for blueprint in BLUEPRINTS:
        api.register_blueprint(blueprint, url_prefix="/api/v1/admin")
