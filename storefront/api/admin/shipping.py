"""Merchant shipping endpoints: the zones of a market and their methods, priced
exactly in the market currency (role "admin")."""
from __future__ import annotations

from typing import Any

from flask import current_app
from flask.views import MethodView
from moneyed import Money

from storefront import clock
from storefront.admin import audit
from storefront.api.admin.blueprint import MerchantBlueprint
from storefront.api.admin.schemas.shipping import (
    AdminShippingMethodSchema,
    AdminShippingZoneListSchema,
    AdminShippingZoneSchema,
    ShippingMethodCreateSchema,
    ShippingMethodDeletedSchema,
    ShippingMethodUpdateSchema,
    ShippingZoneCreateSchema,
    ShippingZoneUpdateSchema,
)
from storefront.checkout import services as carts
from storefront.extensions import db
from storefront.markets.services import market_by_code
from storefront.shipping import services as shipping
from storefront.shipping.errors import ZoneInUse
from storefront.shipping.models import ShippingMethod, ShippingZone

blp = MerchantBlueprint("admin_shipping", __name__, role="admin", description="Shipping zones and methods per market.")


# --- JSON -----------------------------------------------------------------------------


def _method_json(m: ShippingMethod, currency: str) -> dict:
    return {"id": m.id, "zone_id": m.zone_id, "code": m.code, "names": m.names, "rate": Money(m.rate, currency),
            "free_over": Money(m.free_over, currency) if m.free_over is not None else None,
            "min_days": m.min_days, "max_days": m.max_days, "position": m.position}


def _zone_json(zone: ShippingZone, currency: str) -> dict:
    return {"id": zone.id, "market": zone.market_code, "name": zone.name, "countries": list(zone.countries or []),
            "methods": [_method_json(m, currency) for m in zone.methods]}


def _method_state(m: ShippingMethod) -> dict[str, Any]:
    return {"zone_id": m.zone_id, "code": m.code, "names": dict(m.names), "rate": m.rate, "currency": m.currency,
            "free_over": m.free_over, "min_days": m.min_days, "max_days": m.max_days, "position": m.position}


def _zone_state(zone: ShippingZone) -> dict[str, Any]:
    return {"market": zone.market_code, "name": zone.name, "countries": list(zone.countries or []),
            "methods": [m.code for m in zone.methods]}


def _source_locale() -> str:
    return current_app.config["DEFAULT_LOCALE"]


# --- zones ----------------------------------------------------------------------------


@blp.route("/markets/<string:code>/shipping-zones")
class MarketShippingZones(MethodView):
    @blp.response(200, AdminShippingZoneListSchema)
    def get(self, code: str):
        """The market's shipping zones with their methods, priced in the market currency."""
        market = market_by_code(db.session, code)
        zones = shipping.zones_of(db.session, market.code)
        return {"market": market.code, "currency": market.currency,
                "items": [_zone_json(z, market.currency) for z in zones]}

    @blp.arguments(ShippingZoneCreateSchema)
    @blp.response(201, AdminShippingZoneSchema)
    def post(self, data, code: str):
        """Create a zone of some of the market's countries ([]: all of them)."""
        market = market_by_code(db.session, code)
        zone = shipping.create_zone(db.session, market.code, data["name"], data["countries"])
        audit.record(db.session, "create", "shipping_zone", zone.id, None, _zone_state(zone))
        db.session.commit()
        return _zone_json(zone, market.currency)


@blp.route("/shipping-zones/<int:zone_id>")
class ShippingZoneOne(MethodView):
    @blp.arguments(ShippingZoneUpdateSchema)
    @blp.response(200, AdminShippingZoneSchema)
    def patch(self, data, zone_id: int):
        """Rename a zone or change its countries."""
        zone = shipping.zone(db.session, zone_id, for_update=True)
        market = market_by_code(db.session, zone.market_code)
        before = _zone_state(zone)
        shipping.update_zone(db.session, zone, name=data.get("name"), countries=data.get("countries"))
        audit.record(db.session, "update", "shipping_zone", zone.id, before, _zone_state(zone))
        db.session.commit()
        return _zone_json(zone, market.currency)

    @blp.response(204)
    def delete(self, zone_id: int):
        """Delete a zone and its methods (refused while open carts use one of them)."""
        zone = shipping.zone(db.session, zone_id, for_update=True)
        method_ids = [m.id for m in zone.methods]
        if method_ids:
            in_use = carts.open_carts_with_methods(db.session, method_ids, clock.now())
            if in_use:
                raise ZoneInUse(carts=in_use, details={"carts": in_use})
            # Expired and checked-out carts let go of them (orders keep their own copy).
            carts.forget_shipping_methods(db.session, method_ids)
        before = _zone_state(zone)
        shipping.delete_zone(db.session, zone)
        audit.record(db.session, "delete", "shipping_zone", zone_id, before, None)
        db.session.commit()


# --- methods --------------------------------------------------------------------------


@blp.route("/shipping-zones/<int:zone_id>/methods")
class ShippingZoneMethods(MethodView):
    @blp.arguments(ShippingMethodCreateSchema)
    @blp.response(201, AdminShippingMethodSchema)
    def post(self, data, zone_id: int):
        """Add a shipping method to a zone; amounts are exact decimals in the market currency."""
        zone = shipping.zone(db.session, zone_id, for_update=True)
        currency = market_by_code(db.session, zone.market_code).currency
        method = shipping.create_method(db.session, zone, currency, data, source_locale=_source_locale())
        audit.record(db.session, "create", "shipping_method", method.id, None, _method_state(method))
        db.session.commit()
        return _method_json(method, currency)


@blp.route("/shipping-methods/<int:method_id>")
class ShippingMethodOne(MethodView):
    @blp.arguments(ShippingMethodUpdateSchema)
    @blp.response(200, AdminShippingMethodSchema)
    def patch(self, data, method_id: int):
        """Change a shipping method (same rules as creating one)."""
        method = shipping.method(db.session, method_id)
        shipping.zone(db.session, method.zone_id, for_update=True)
        currency = market_by_code(db.session, method.zone.market_code).currency
        before = _method_state(method)
        shipping.update_method(db.session, method, currency, data, source_locale=_source_locale())
        audit.record(db.session, "update", "shipping_method", method.id, before, _method_state(method))
        db.session.commit()
        return _method_json(method, currency)

    @blp.response(200, ShippingMethodDeletedSchema)
    def delete(self, method_id: int):
        """Delete a shipping method; carts that had chosen it lose their method (they say how many)."""
        method = shipping.method(db.session, method_id)
        before = _method_state(method)
        updated = carts.forget_shipping_methods(db.session, [method.id])
        shipping.delete_method(db.session, method)
        audit.record(db.session, "delete", "shipping_method", method_id, before, {"carts_updated": updated})
        db.session.commit()
        return {"id": method_id, "deleted": True, "carts_updated": updated}
