"""Shopper catalog endpoints: /categories, /products, /products/{slug}."""
from __future__ import annotations

from flask import Response, current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from storefront import clock
from storefront.api.fields import page_size
from storefront.browse import services as browse
from storefront.catalog import services as catalog
from storefront.api.shop.catalog_json import dumps, product_list_text, product_text
from storefront.api.shop.schemas.catalog import (
    CategoryListSchema,
    DetailArgsSchema,
    ProductDetailSchema,
    ProductListSchema,
    ProductQueryArgsSchema,
)
from storefront.api.fields import ShopperArgsSchema
from storefront.api.caching import cached_response, conditional
from storefront.extensions import db
from storefront.api.shop.context import display_for_cart, negotiate_request, shop

blp = Blueprint("catalog", __name__, description="The catalog in the resolved market and locale.")
blp.before_request(negotiate_request)
blp.before_request(display_for_cart)
blp.before_request(cached_response)
blp.after_request(conditional)


@blp.route("/categories")
class Categories(MethodView):
    @blp.arguments(ShopperArgsSchema, location="query")
    @blp.response(200, CategoryListSchema)
    def get(self, _args):
        """Categories, translated, with the number of products sold in the market."""
        ctx = shop()
        counts = browse.category_counts(db.session, ctx.market.code, clock.now())
        items = catalog.list_categories(db.session, ctx.chain, counts)
        return {"items": items, "next_cursor": None, "context": ctx.as_json()}


@blp.route("/products")
class Products(MethodView):
    @blp.arguments(ProductQueryArgsSchema, location="query")
    @blp.response(200, ProductListSchema)
    def get(self, args):
        """Products sold in the market, a page at a time (keyset cursor)."""
        return json_response(listing_text(db.session, shop(), args))


@blp.route("/products/<path:slug>")
class ProductDetail(MethodView):
    @blp.arguments(DetailArgsSchema, location="query")
    @blp.response(200, ProductDetailSchema)
    def get(self, _args, slug: str):
        """One product by its slug in any locale; 404 where it is not sold."""
        ctx = shop()
        product = browse.get_product(
            db.session, ctx.market, ctx.markets, ctx.chain, slug,
            default_locale=current_app.config["DEFAULT_LOCALE"], now=clock.now(), tax_jurisdiction=ctx.tax_jurisdiction,
            encode_locale=ctx.locale,
        )
        if isinstance(product, str):  # from the listing book, open for its last field
            return json_response("".join((product, ',"context":', dumps(ctx.catalog_json()), "}")))
        return json_response(product_text(product, ctx.locale, context=ctx.catalog_json()))


def listing_text(session, ctx, args: dict, *, book_only: bool = False) -> str | bytes:
    """The listing's JSON for the parsed query ``args`` in the shop context
    ``ctx``: here, and below Flask (storefront.api.lane, with ``book_only``: as
    UTF-8 bytes when the page has items)."""
    page = browse.list_products(
        session, ctx.market, ctx.markets, ctx.chain,
        limit=page_size(args.get("limit")), cursor=args.get("cursor"), q=args.get("q"),
        category=args.get("category"), sort=args["sort"],
        default_locale=current_app.config["DEFAULT_LOCALE"], now=clock.now(),
        alternates="alternates" in args["include"], tax_jurisdiction=ctx.tax_jurisdiction, encode_locale=ctx.locale,
        book_only=book_only,
    )
    return product_list_text(page.texts, page.next_cursor, ctx.catalog_json())


def json_response(text: str) -> Response:
    return Response(text, mimetype="application/json")
