"""Merchant catalog endpoints: products, variants, availability, translations (role "catalog")."""
from __future__ import annotations

from flask import current_app
from flask.views import MethodView

from storefront import clock
from storefront import listing_book as book
from storefront.admin import audit
from storefront.api.admin.blueprint import MerchantBlueprint
from storefront.catalog import services as m
from storefront.catalog import edits, translations
from storefront.catalog.cache import CATALOG
from storefront.api.admin.schemas.products import (
    AdminProductArgsSchema,
    AdminProductListSchema,
    AdminProductSchema,
    CustomsArgsSchema,
    CustomsReportSchema,
    DeleteResultSchema,
    MarketsSetSchema,
    ProductCreateSchema,
    ProductUpdateSchema,
    StatusArgsSchema,
    StatusReportSchema,
    TranslationInputSchema,
    VariantInputSchema,
    VariantUpdateSchema,
)
from storefront.catalog.models import Product
from storefront.extensions import db
from storefront.db import newest_first
from storefront.money import parse_base_price
from storefront.orders import services as orders
from storefront.pricing import minimums
from storefront.pricing import services as pricing
from storefront.tax import taxability
from storefront.tax.errors import TaxCodeCategoryMismatch

blp = MerchantBlueprint("admin_products", __name__, role="catalog", description="Merchant catalog: products, variants, translations.")


def _base() -> str:
    return current_app.config["BASE_CURRENCY"]


def _source_locale() -> str:
    """The catalog's source language: every product keeps a translation in it."""
    return current_app.config["DEFAULT_LOCALE"]


def _tax_code(data: dict, current: Product | None = None) -> dict:
    """A tax code sets the tax category it stands for (a different one given
    with it is an error); a tax category alone that the product's code does
    not stand for clears the code (the category's rates apply, as before codes)."""
    code = data.get("tax_code")
    if code:
        expected = taxability.tax_category_for(code)
        if data.get("tax_category", expected) != expected:
            raise TaxCodeCategoryMismatch(tax_code=code, expected=expected, category=data["tax_category"],
                                          details={"tax_code": code, "tax_category": expected})
        return {**data, "tax_category": expected}
    if (current is not None and current.tax_code and "tax_code" not in data and "tax_category" in data
            and data["tax_category"] != taxability.tax_category_for(current.tax_code)):
        return {**data, "tax_code": None}
    return data


def _reprice(variant_ids=None) -> None:
    pricing.reprice(db.session, base_currency=_base(), now=clock.now(), variant_ids=variant_ids)


@blp.route("/products")
class AdminProducts(MethodView):
    @blp.arguments(AdminProductArgsSchema, location="query")
    @blp.response(200, AdminProductListSchema)
    def get(self, args):
        """Products, newest id first, with every translation, variant and market."""
        stmt = m.search_statement(status=args.get("status"), q=args.get("q"))
        ids, next_cursor = newest_first(db.session, stmt, Product.id, kind="admin_products",
                                        cursor=args.get("cursor"), limit=args["limit"])
        items = [m.snapshot(db.session, m.product(db.session, pid)) for pid in ids]
        return {"items": items, "next_cursor": next_cursor}

    @blp.arguments(ProductCreateSchema)
    @blp.response(201, AdminProductSchema)
    def post(self, data):
        """Create a product with its translations, variants and markets; prices derive from base prices."""
        p = m.create_product(db.session, _tax_code(data), base_currency=_base(), source_locale=_source_locale())
        _reprice([v.id for v in p.variants])
        after = m.snapshot(db.session, m.product(db.session, p.id))
        audit.record(db.session, "create", "product", p.id, None, after)
        db.session.commit()
        return after


@blp.route("/products/<int:product_id>")
class AdminProduct(MethodView):
    @blp.response(200, AdminProductSchema)
    def get(self, product_id: int):
        """One product as the merchant manages it."""
        return m.snapshot(db.session, m.product(db.session, product_id))

    @blp.arguments(ProductUpdateSchema)
    @blp.response(200, AdminProductSchema)
    def patch(self, data, product_id: int):
        """Change category, tax code or tax category, customs data or status."""
        p = m.product(db.session, product_id)
        before = m.snapshot(db.session, p)
        m.update_product(db.session, p, _tax_code(data, p))
        after = m.snapshot(db.session, p)
        audit.record(db.session, "update", "product", p.id, before, after)
        db.session.commit()
        return after

    @blp.response(200, DeleteResultSchema)
    def delete(self, product_id: int):
        """Delete the product, or archive it when it has orders."""
        p = m.product(db.session, product_id)
        before = m.snapshot(db.session, p)
        result = m.delete_product(db.session, p, ordered=orders.ordered(db.session, [v.id for v in p.variants]))
        audit.record(db.session, "archive" if result == "archived" else "delete", "product", product_id, before,
                     {"status": "archived"} if result == "archived" else None)
        db.session.commit()
        return {"result": result}


@blp.route("/products/<int:product_id>/markets")
class AdminProductMarkets(MethodView):
    @blp.arguments(MarketsSetSchema)
    @blp.response(200, AdminProductSchema)
    def put(self, data, product_id: int):
        """The markets the product is sold in (withdrawn elsewhere)."""
        after = set_product_markets(product_id, data["markets"])
        db.session.commit()
        return after


def set_product_markets(product_id: int, codes: list[str]) -> dict:
    """The markets the product is sold in, as PUT /admin/products/{id}/markets
    sets them (also the console's availability form), with the audit entry;
    the caller commits. The product after."""
    p = m.product(db.session, product_id)
    before = m.snapshot(db.session, p)
    m.set_markets(db.session, p, codes)
    after = m.snapshot(db.session, p)
    audit.record(db.session, "update", "product_markets", p.id, {"markets": before["markets"]},
                 {"markets": after["markets"]})
    return after


@blp.route("/products/<int:product_id>/variants")
class AdminProductVariants(MethodView):
    @blp.arguments(VariantInputSchema)
    @blp.response(201, AdminProductSchema)
    def post(self, data, product_id: int):
        """Add a variant (its options must be the product's)."""
        p = m.product(db.session, product_id)
        v = m.add_variant(db.session, p, data, base_currency=_base())
        _reprice([v.id])
        after = m.snapshot(db.session, m.product(db.session, product_id))
        audit.record(db.session, "create", "variant", v.sku, None, next(x for x in after["variants"] if x["sku"] == v.sku))
        db.session.commit()
        return after


@blp.route("/variants/<string:sku>")
class AdminVariant(MethodView):
    @blp.arguments(VariantUpdateSchema)
    @blp.response(200, AdminProductSchema)
    def patch(self, data, sku: str):
        """Change a variant's base price or position."""
        v = m.variant_by_sku(db.session, sku)
        before = {"base_price": v.base_price, "position": v.position}
        if "base_price" in data:
            v.base_price = parse_base_price(data["base_price"], _base()) if data["base_price"] is not None else None
        if "position" in data:
            v.position = data["position"]
            CATALOG.invalidate(db.session)  # the product's variants show in another order
            book.touch(db.session, [v.product_id])
        db.session.flush()
        _reprice([v.id])
        audit.record(db.session, "update", "variant", sku, before, {"base_price": v.base_price, "position": v.position})
        db.session.commit()
        return m.snapshot(db.session, m.product(db.session, v.product_id))

    @blp.response(204)
    def delete(self, sku: str):
        """Delete a variant that was never ordered (a product keeps one)."""
        v = m.variant_by_sku(db.session, sku)
        product_id = v.product_id
        m.delete_variant(db.session, v, ordered=orders.ordered(db.session, [v.id]))
        minimums.refresh_products(db.session.connection(), [product_id])
        audit.record(db.session, "delete", "variant", sku, {"sku": sku}, None)
        db.session.commit()


@blp.route("/products/<int:product_id>/translations/<locale:locale>")
class AdminTranslation(MethodView):
    @blp.arguments(TranslationInputSchema)
    @blp.response(200, AdminProductSchema)
    def put(self, data, product_id: int, locale: str):
        """Create or replace the product's name, slug and description in a locale."""
        p = m.product(db.session, product_id)
        edits.put_product_translation(db.session, p, locale, data, clock.now())
        after = m.snapshot(db.session, p)
        db.session.commit()
        return after

    @blp.response(204)
    def delete(self, product_id: int, locale: str):
        """Remove a translation (the locale then falls back, e.g. fr-CA to fr)."""
        p = m.product(db.session, product_id)
        before = m.snapshot(db.session, p)["translations"]
        m.delete_translation(db.session, p, locale, source_locale=_source_locale())
        audit.record(db.session, "delete", "translation", f"{p.id}/{locale}", before.get(locale), None)
        db.session.commit()


@blp.route("/translations/status")
class TranslationStatus(MethodView):
    @blp.arguments(StatusArgsSchema, location="query")
    @blp.response(200, StatusReportSchema)
    def get(self, args):
        """Which products lack which locales of which markets, and which translations are older than the source."""
        default = current_app.config["DEFAULT_LOCALE"]
        rows = m.translation_status(db.session, args.get("market"), default)
        wanted = {args["state"]} if args.get("state") else {"missing", "outdated"}
        rows = [r for r in rows if r.state in wanted]
        locales = m.market_locales(db.session, args.get("market"))
        categories = [{"category_id": c.id, "key": c.key, "locale": tag, "state": st, "falls_back_to": read}
                      for c in translations.overview(db.session, default, kind="category", locales=locales)
                      for tag, (st, read) in c.states.items() if st in wanted]
        return {"missing": sum(r.state == "missing" for r in rows), "outdated": sum(r.state == "outdated" for r in rows),
                "items": rows, "categories": categories}


@blp.route("/products/customs-status")
class CustomsStatus(MethodView):
    @blp.arguments(CustomsArgsSchema, location="query")
    @blp.response(200, CustomsReportSchema)
    def get(self, args):
        """Products without a tariff (HS) code or a country of origin, with the markets they are sold in."""
        rows = m.customs_status(db.session, args.get("market"))
        return {"missing_tariff_code": sum("hs_code" in r.missing for r in rows),
                "missing_origin": sum("origin" in r.missing for r in rows), "items": rows}
