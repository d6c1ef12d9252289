"""``GET /markets``: every market, named in the response locale."""
from __future__ import annotations

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from storefront.api.fields import ShopperArgsSchema
from storefront.api.caching import cached_response, conditional
from storefront.api.shop.context import negotiate_request, shop
from storefront.api.shop.schemas.markets import MarketListSchema

blp = Blueprint("markets", __name__, description="Markets: countries, currency, locales, tax display.")
blp.before_request(negotiate_request)
blp.before_request(cached_response)
blp.after_request(conditional)


@blp.route("/markets")
class Markets(MethodView):
    @blp.arguments(ShopperArgsSchema, location="query")
    @blp.response(200, MarketListSchema)
    def get(self, _args):
        """All markets, with their names in the response locale."""
        ctx = shop()
        default = current_app.config["DEFAULT_LOCALE"]
        items = [
            {
                "code": m.code,
                "name": m.name(ctx.locale, default),
                "currency": m.currency,
                "locales": list(m.locales),
                "primary_locale": m.primary_locale,
                "countries": list(m.countries),
                "prices_include_tax": m.prices_include_tax,
                "is_default": m.is_default,
            }
            for m in ctx.markets
        ]
        return {"items": items, "next_cursor": None, "context": ctx.as_json()}
