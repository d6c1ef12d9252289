"""Merchant stock endpoints (API.md): per warehouse quantity and reservations."""
from __future__ import annotations

from flask.views import MethodView
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from storefront.admin import audit
from storefront.api.admin.blueprint import MerchantBlueprint
from storefront.extensions import db
from storefront.i18n.errors import UnknownMarket
from storefront.inventory.errors import BelowReserved, WarehouseExists, WarehouseNotFound
from storefront.inventory.models import Stock, Warehouse, WarehouseMarket
from storefront.inventory.services import INVENTORY
from storefront.catalog.services import variant_by_sku
from storefront.markets.models import Market
from storefront.shipping.addresses import COUNTRIES
from storefront.shipping.errors import UnknownCountry

blp = MerchantBlueprint("admin_stock", __name__, role="catalog", description="Stock per warehouse.")


class StockItemSchema(Schema):
    warehouse = fields.String(required=True)
    quantity = fields.Integer(required=True)
    reserved = fields.Integer(required=True)
    available = fields.Integer(required=True)


class StockListSchema(Schema):
    sku = fields.String(required=True)
    items = fields.List(fields.Nested(StockItemSchema), required=True)


class StockSetSchema(Schema):
    quantity = fields.Integer(required=True, validate=validate.Range(min=0, max=10_000_000,
                                                                     error=_l("Must be between {min} and {max}.")))


def _stock_json(session, sku: str) -> dict:
    variant = variant_by_sku(session, sku)
    rows = session.execute(
        select(Warehouse.code, Stock.quantity, Stock.reserved)
        .outerjoin(Stock, (Stock.warehouse_code == Warehouse.code) & (Stock.variant_id == variant.id))
        .order_by(Warehouse.code)
    ).all()
    return {"sku": sku, "items": [
        {"warehouse": code, "quantity": q or 0, "reserved": r or 0, "available": (q or 0) - (r or 0)}
        for code, q, r in rows]}


@blp.route("/variants/<string:sku>/stock")
class VariantStock(MethodView):
    @blp.response(200, StockListSchema)
    def get(self, sku: str):
        """Quantity and reserved units of the variant in every warehouse."""
        return _stock_json(db.session, sku)


@blp.route("/variants/<string:sku>/stock/<string:warehouse>")
class VariantWarehouseStock(MethodView):
    @blp.arguments(StockSetSchema)
    @blp.response(200, StockListSchema)
    def put(self, data, sku: str, warehouse: str):
        """Set the quantity on hand (never below what open orders have reserved)."""
        variant = variant_by_sku(db.session, sku)
        if db.session.get(Warehouse, warehouse) is None:
            raise WarehouseNotFound(warehouse=warehouse)
        stock = db.session.scalar(select(Stock).where(Stock.variant_id == variant.id, Stock.warehouse_code == warehouse)
                                  .with_for_update())
        if stock is None:
            stock = Stock(variant_id=variant.id, warehouse_code=warehouse, quantity=0, reserved=0)
            db.session.add(stock)
        if data["quantity"] < stock.reserved:
            raise BelowReserved(reserved=stock.reserved)
        before = stock.quantity
        stock.quantity = data["quantity"]
        audit.record(db.session, "update", "stock", f"{sku}/{warehouse}", {"quantity": before},
                     {"quantity": stock.quantity})
        db.session.commit()
        return _stock_json(db.session, sku)


class WarehouseSchema(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    country = fields.String(required=True)
    markets = fields.List(fields.String(), required=True)


class WarehouseListSchema(Schema):
    items = fields.List(fields.Nested(WarehouseSchema), required=True)


class WarehouseCreateSchema(Schema):
    code = fields.String(required=True, validate=validate.Regexp(r"^[A-Z0-9-]{2,32}$",
                                                                error=_l("Use upper-case letters, digits and -.")))
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    country = fields.String(required=True, validate=validate.Regexp(r"^[A-Z]{2}$"))
    markets = fields.List(fields.String(), load_default=list)


class WarehouseUpdateSchema(Schema):
    name = fields.String(validate=validate.Length(min=1, max=100))
    markets = fields.List(fields.String())


def _warehouse_json(w: Warehouse) -> dict:
    return {"code": w.code, "name": w.name, "country": w.country_code, "markets": sorted(m.market_code for m in w.markets)}


def _markets(codes) -> list[str]:
    codes = sorted({c.upper() for c in codes})
    known = set(db.session.scalars(select(Market.code)).all())
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise UnknownMarket(market=unknown[0], details={"markets": unknown})
    return codes


@blp.route("/warehouses")
class Warehouses(MethodView):
    @blp.response(200, WarehouseListSchema)
    def get(self):
        """Warehouses with their country and the markets they ship to."""
        return {"items": [_warehouse_json(w) for w in db.session.scalars(select(Warehouse).order_by(Warehouse.code))]}

    @blp.arguments(WarehouseCreateSchema)
    @blp.response(201, WarehouseSchema)
    @blp.requires("admin")
    def post(self, data):
        """Add a warehouse (its country decides customs and taxes of what it ships)."""
        if db.session.get(Warehouse, data["code"]) is not None:
            raise WarehouseExists(warehouse=data["code"])
        if data["country"] not in COUNTRIES:
            raise UnknownCountry(country=data["country"])
        w = Warehouse(code=data["code"], name=data["name"], country_code=data["country"])
        w.markets = [WarehouseMarket(market_code=c) for c in _markets(data["markets"])]
        db.session.add(w)
        db.session.flush()
        audit.record(db.session, "create", "warehouse", w.code, None, _warehouse_json(w))
        INVENTORY.invalidate(db.session)
        db.session.commit()
        return _warehouse_json(w)


@blp.route("/warehouses/<string:code>")
class WarehouseOne(MethodView):
    @blp.arguments(WarehouseUpdateSchema)
    @blp.response(200, WarehouseSchema)
    @blp.requires("admin")
    def patch(self, data, code: str):
        """Rename a warehouse or change the markets it ships to."""
        w = db.session.get(Warehouse, code)
        if w is None:
            raise WarehouseNotFound(warehouse=code)
        before = _warehouse_json(w)
        if "name" in data:
            w.name = data["name"]
        if "markets" in data:
            wanted = _markets(data["markets"])
            w.markets = [m for m in w.markets if m.market_code in wanted] + [
                WarehouseMarket(market_code=c) for c in wanted if c not in {m.market_code for m in w.markets}]
        db.session.flush()
        audit.record(db.session, "update", "warehouse", w.code, before, _warehouse_json(w))
        INVENTORY.invalidate(db.session)
        db.session.commit()
        return _warehouse_json(w)
