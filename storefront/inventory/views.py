"""Merchant stock endpoints (API.md): per warehouse quantity and reservations."""
from __future__ import annotations

from flask import Flask
from flask.views import MethodView
from flask_babel import lazy_gettext as _l
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from storefront.admin import audit
from storefront.admin.auth import authenticate, requires
from storefront.errors import N_, NotFound, StorefrontError
from storefront.extensions import api, db
from storefront.inventory.models import Stock, Warehouse
from storefront.pricing.services import variant_by_sku

blp = Blueprint("admin_stock", __name__, description="Stock per warehouse.")
blp.before_request(authenticate)
SECURITY = [{"bearerAuth": []}]


class WarehouseNotFound(NotFound):
    code = "warehouse_not_found"
    message = N_("There is no warehouse “%(warehouse)s”.")


class BelowReserved(StorefrontError):
    code = "quantity_below_reserved"
    http_status = 409
    message = N_("%(reserved)s units are reserved for open orders; the quantity cannot be lower.")


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
    @blp.doc(security=SECURITY)
    @blp.response(200, StockListSchema)
    @requires("catalog")
    def get(self, sku: str):
        """Quantity and reserved units of the variant in every warehouse."""
        return _stock_json(db.session, sku)


@blp.route("/variants/<string:sku>/stock/<string:warehouse>")
class VariantWarehouseStock(MethodView):
    @blp.doc(security=SECURITY)
    @blp.arguments(StockSetSchema)
    @blp.response(200, StockListSchema)
    @requires("catalog")
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


def init_app(app: Flask) -> None:
    api.register_blueprint(blp, url_prefix="/api/v1/admin")
