"""Merchant pricing endpoints under /api/v1/admin (bearer token, role "pricing")."""
from __future__ import annotations

from flask import Response, current_app, request
from flask.views import MethodView

from storefront import clock
from storefront.api.admin.blueprint import MerchantBlueprint
from storefront.extensions import db
from storefront.money import Money
from storefront.catalog.services import variant_by_sku
from storefront.pricing import csv_io, edits, matrix, services
from storefront.pricing.models import SalePrice
from storefront.api.admin.schemas.pricing import (
    ExportArgsSchema,
    FxRateListSchema,
    FxRateQueryArgsSchema,
    FxRateSetResultSchema,
    FxRateSetSchema,
    ImportArgsSchema,
    ImportResultSchema,
    PriceMatrixSchema,
    PriceSetSchema,
    SaleCreateSchema,
    SaleListSchema,
    SaleSchema,
)

blp = MerchantBlueprint("admin_pricing", __name__, role="pricing", description="Merchant pricing: prices, FX rates, sales, CSV.")


def _base() -> str:
    return current_app.config["BASE_CURRENCY"]


def _matrix_body(m: matrix.Matrix) -> dict:
    return {"product": {"id": m.product_id, "key": m.product_key}, "variants": m.variants}


def _variant_matrix(variant_product_id: int, sku: str) -> dict:
    full = matrix.price_matrix(db.session, variant_product_id, base_currency=_base(), now=clock.now())
    body = _matrix_body(full)
    body["variants"] = [row for row in full.variants if row.sku == sku]
    return body


@blp.route("/variants/<string:sku>/prices/<string:market>")
class VariantMarketPrice(MethodView):
    @blp.arguments(PriceSetSchema)
    @blp.response(200, PriceMatrixSchema)
    def put(self, data, sku: str, market: str):
        """Set the explicit price of a variant in a market (gross where the market shows tax-inclusive prices)."""
        variant, _ = edits.set_price(db.session, sku, market, data["amount"], base_currency=_base(), now=clock.now())
        db.session.commit()
        return _variant_matrix(variant.product_id, sku)

    @blp.response(200, PriceMatrixSchema)
    def delete(self, sku: str, market: str):
        """Remove the explicit price: the market falls back to the derived price."""
        variant, _ = edits.clear_price(db.session, sku, market, base_currency=_base(), now=clock.now())
        db.session.commit()
        return _variant_matrix(variant.product_id, sku)


@blp.route("/variants/<string:sku>/base-price")
class VariantBasePrice(MethodView):
    @blp.arguments(PriceSetSchema)
    @blp.response(200, PriceMatrixSchema)
    def put(self, data, sku: str):
        """Set the base price (in the base currency); derived prices in every market follow."""
        variant, _ = edits.apply_base_price(db.session, sku, data["amount"], base_currency=_base(), now=clock.now())
        db.session.commit()
        return _variant_matrix(variant.product_id, sku)


@blp.route("/products/<int:product_id>/price-matrix")
class PriceMatrix(MethodView):
    @blp.response(200, PriceMatrixSchema)
    def get(self, product_id: int):
        """Every variant's price in every market, side by side, with how it was made."""
        return _matrix_body(matrix.price_matrix(db.session, product_id, base_currency=_base(), now=clock.now()))


def _rate_json(row) -> dict:
    return {"base": row.base, "currency": row.quote, "rate": format(row.rate.normalize(), "f"), "date": row.rate_date,
            "source": row.source}


@blp.route("/fx-rates")
class FxRates(MethodView):
    @blp.arguments(FxRateQueryArgsSchema, location="query")
    @blp.response(200, FxRateListSchema)
    def get(self, args):
        """Current rates per currency, or one currency's history (``?currency=``)."""
        base = _base()
        if args.get("currency"):
            rows = services.fx_rate_history(db.session, base, args["currency"])
            return {"base": base, "items": [_rate_json(r) for r in rows]}
        rates = services.current_rates(db.session, base, clock.now().date())
        items = [_rate_json(r) for r in services.fx_rate_history(db.session, base, limit=100000)
                 if rates.get(r.quote) and rates[r.quote].rate_date == r.rate_date and rates[r.quote].rate == r.rate]
        unique = {i["currency"]: i for i in reversed(items)}
        return {"base": base, "items": sorted(unique.values(), key=lambda i: i["currency"])}


@blp.route("/fx-rates/<string:currency>")
class FxRateOne(MethodView):
    @blp.arguments(FxRateSetSchema)
    @blp.response(200, FxRateSetResultSchema)
    def put(self, data, currency: str):
        """Set a rate (for currencies the ECB does not publish, such as KWD); derived prices follow."""
        now = clock.now()
        rate_date = data.get("date") or now.date()
        row, result = edits.apply_fx_rate(db.session, currency, data["rate"], rate_date, base_currency=_base(),
                                          now=now)
        db.session.commit()
        return {**_rate_json(row), "repriced": result.changed}


def _sale_json(sale: SalePrice, sku: str) -> dict:
    return {"id": sale.id, "sku": sku, "market": sale.market_code, "amount": Money(sale.amount, sale.currency),
            "starts_at": sale.starts_at, "ends_at": sale.ends_at}


@blp.route("/variants/<string:sku>/sales")
class VariantSales(MethodView):
    @blp.response(200, SaleListSchema)
    def get(self, sku: str):
        """The variant's scheduled, running and past sales."""
        variant = variant_by_sku(db.session, sku)
        return {"items": [_sale_json(s, sku) for s in services.sales_of(db.session, variant.id)]}

    @blp.arguments(SaleCreateSchema)
    @blp.response(201, SaleSchema)
    def post(self, data, sku: str):
        """Schedule a sale price in a market."""
        sale = edits.schedule_sale(db.session, sku, data["market"], data["amount"], data["starts_at"], data["ends_at"])
        db.session.commit()
        return _sale_json(sale, sku)


@blp.route("/sales/<int:sale_id>")
class SaleOne(MethodView):
    @blp.response(204)
    def delete(self, sale_id: int):
        """Cancel a sale: a future one is deleted, a running one ends now (its history stays)."""
        edits.cancel_sale(db.session, sale_id, clock.now())
        db.session.commit()


@blp.route("/prices/export")
class PriceExport(MethodView):
    @blp.doc(responses={"200": {"content": {"text/csv": {}}}})
    @blp.arguments(ExportArgsSchema, location="query")
    def get(self, args):
        """Explicit prices and sales as CSV: sku,market,currency,amount,starts_at,ends_at."""
        body = csv_io.export_prices(db.session, args.get("market"))
        return Response(body, mimetype="text/csv",
                        headers={"Content-Disposition": 'attachment; filename="prices.csv"'})


@blp.route("/prices/import")
class PriceImport(MethodView):
    @blp.doc(requestBody={"content": {"text/csv": {"schema": {"type": "string"}}}})
    @blp.arguments(ImportArgsSchema, location="query")
    @blp.response(200, ImportResultSchema)
    def post(self, args):
        """Import prices from CSV; every row is checked first and any error writes nothing."""
        text = request.get_data(as_text=True)
        result = edits.import_prices(db.session, text, dry_run=args["dry_run"], base_currency=_base(),
                                     now=clock.now())
        if args["dry_run"]:
            db.session.rollback()
        else:
            db.session.commit()
        return {"changed": result.changed, "dry_run": args["dry_run"], "errors": [], "changes": result.changes}
