"""Merchant stock and warehouses: quantities per warehouse (role "catalog"),
and the warehouses with the markets they ship to (role "admin")."""
from __future__ import annotations

from flask.views import MethodView

from storefront.admin import audit
from storefront.api.admin.blueprint import MerchantBlueprint
from storefront.api.admin.schemas.stock import (
    StockListSchema,
    StockSetSchema,
    WarehouseCreateSchema,
    WarehouseListSchema,
    WarehouseSchema,
    WarehouseUpdateSchema,
)
from storefront.catalog.services import variant_by_sku
from storefront.extensions import db
from storefront.inventory import services as inventory
from storefront.inventory.models import Warehouse
from storefront.markets.services import known_markets
from storefront.shipping.addresses import COUNTRIES
from storefront.shipping.errors import UnknownCountry

blp = MerchantBlueprint("admin_stock", __name__, role="catalog", description="Stock per warehouse.")


def _stock_json(sku: str) -> dict:
    variant = variant_by_sku(db.session, sku)
    return {"sku": sku, "items": [
        {"warehouse": code, "quantity": quantity, "reserved": reserved, "available": quantity - reserved}
        for code, quantity, reserved in inventory.stock_levels(db.session, variant.id)]}


def _warehouse_json(w: Warehouse) -> dict:
    return {"code": w.code, "name": w.name, "country": w.country_code, "markets": sorted(m.market_code for m in w.markets)}


@blp.route("/variants/<string:sku>/stock")
class VariantStock(MethodView):
    @blp.response(200, StockListSchema)
    def get(self, sku: str):
        """Quantity and reserved units of the variant in every warehouse."""
        return _stock_json(sku)


@blp.route("/variants/<string:sku>/stock/<string:warehouse>")
class VariantWarehouseStock(MethodView):
    @blp.arguments(StockSetSchema)
    @blp.response(200, StockListSchema)
    def put(self, data, sku: str, warehouse: str):
        """Set the quantity on hand (never below what open orders have reserved)."""
        set_stock(sku, warehouse, data["quantity"])
        db.session.commit()
        return _stock_json(sku)


def set_stock(sku: str, warehouse: str, quantity: int) -> int:
    """The quantity on hand of ``sku`` in ``warehouse``, as PUT
    /admin/variants/{sku}/stock/{warehouse} sets it (also the console's stock
    form), with its audit entry; the caller commits. The quantity before."""
    variant = variant_by_sku(db.session, sku)
    before = inventory.set_quantity(db.session, variant.id, warehouse, quantity)
    audit.record(db.session, "update", "stock", f"{sku}/{warehouse}", {"quantity": before}, {"quantity": quantity})
    return before


@blp.route("/warehouses")
class Warehouses(MethodView):
    @blp.response(200, WarehouseListSchema)
    def get(self):
        """Warehouses with their country and the markets they ship to."""
        return {"items": [_warehouse_json(w) for w in inventory.warehouses(db.session)]}

    @blp.arguments(WarehouseCreateSchema)
    @blp.response(201, WarehouseSchema)
    @blp.requires("admin")
    def post(self, data):
        """Add a warehouse (its country decides customs and taxes of what it ships)."""
        if data["country"] not in COUNTRIES:
            raise UnknownCountry(country=data["country"])
        w = inventory.create_warehouse(db.session, data["code"], data["name"], data["country"],
                                       known_markets(db.session, data["markets"]))
        audit.record(db.session, "create", "warehouse", w.code, None, _warehouse_json(w))
        db.session.commit()
        return _warehouse_json(w)


@blp.route("/warehouses/<string:code>")
class WarehouseOne(MethodView):
    @blp.arguments(WarehouseUpdateSchema)
    @blp.response(200, WarehouseSchema)
    @blp.requires("admin")
    def patch(self, data, code: str):
        """Rename a warehouse or change the markets it ships to."""
        w = inventory.warehouse(db.session, code)
        before = _warehouse_json(w)
        markets = known_markets(db.session, data["markets"]) if "markets" in data else None
        inventory.update_warehouse(db.session, w, name=data.get("name"), markets=markets)
        audit.record(db.session, "update", "warehouse", w.code, before, _warehouse_json(w))
        db.session.commit()
        return _warehouse_json(w)
