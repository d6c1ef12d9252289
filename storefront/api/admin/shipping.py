"""Merchant shipping endpoints: the zones of a market and their methods, priced
exactly in the market currency (role "admin")."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from flask import current_app
from flask.views import MethodView
from moneyed import Money
from sqlalchemy import select

from storefront import clock
from storefront.admin import audit
from storefront.api.admin.blueprint import MerchantBlueprint
from storefront.checkout import services as carts
from storefront.errors import InvalidAmount
from storefront.extensions import db
from storefront.markets.models import Market, MarketCountry
from storefront.markets.services import market_by_code
from storefront.money import parse_amount
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
from storefront.shipping.errors import (
    CountryNotInMarket,
    InvalidDeliveryDays,
    MethodCodeTaken,
    MethodNotFound,
    ZoneInUse,
    ZoneNotFound,
)
from storefront.shipping.models import ShippingMethod, ShippingZone
from storefront.shipping.services import SHIPPING, method_names

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


# --- validation -----------------------------------------------------------------------


def _zone(zone_id: int, *, for_update: bool = False) -> ShippingZone:
    stmt = select(ShippingZone).where(ShippingZone.id == zone_id)
    zone = db.session.scalar(stmt.with_for_update() if for_update else stmt)
    if zone is None:
        raise ZoneNotFound(id=zone_id)
    return zone


def _method(method_id: int) -> ShippingMethod:
    method = db.session.get(ShippingMethod, method_id)
    if method is None:
        raise MethodNotFound(id=method_id)
    return method


def _market_countries(market: Market, countries: list[str]) -> list[str]:
    """The countries upper-cased, deduplicated and all of ``market``."""
    wanted = list(dict.fromkeys(c.upper() for c in countries))
    own = set(db.session.scalars(select(MarketCountry.country_code).where(MarketCountry.market_code == market.code)))
    foreign = [c for c in wanted if c not in own]
    if foreign:
        raise CountryNotInMarket(countries=", ".join(foreign), market=market.code,
                                 details={"countries": foreign, "market": market.code})
    return wanted


def _names(raw: dict[str, str]) -> dict[str, str]:
    return method_names(raw, source_locale=current_app.config["DEFAULT_LOCALE"])


def _check_days(min_days: int, max_days: int) -> None:
    if min_days > max_days:
        raise InvalidDeliveryDays(min=min_days, max=max_days)


def _check_code_free(zone_id: int, code: str, method_id: int | None = None) -> None:
    stmt = select(ShippingMethod.id).where(ShippingMethod.zone_id == zone_id, ShippingMethod.code == code)
    if method_id is not None:
        stmt = stmt.where(ShippingMethod.id != method_id)
    if db.session.scalar(stmt) is not None:
        raise MethodCodeTaken(code=code)


def _amount(raw: object, currency: str) -> Decimal:
    try:
        return parse_amount(raw, currency)
    except InvalidOperation:  # parse_amount quantizes first: 1e30 has more digits than the decimal context
        raise InvalidAmount(amount=raw, currency=currency, reason="too large") from None


def _optional_amount(raw: object | None, currency: str) -> Decimal | None:
    return None if raw is None else _amount(raw, currency)


# --- zones ----------------------------------------------------------------------------


@blp.route("/markets/<string:code>/shipping-zones")
class MarketShippingZones(MethodView):
    @blp.response(200, AdminShippingZoneListSchema)
    def get(self, code: str):
        """The market's shipping zones with their methods, priced in the market currency."""
        market = market_by_code(db.session, code)
        zones = db.session.scalars(select(ShippingZone).where(ShippingZone.market_code == market.code)
                                   .order_by(ShippingZone.id)).all()
        return {"market": market.code, "currency": market.currency,
                "items": [_zone_json(z, market.currency) for z in zones]}

    @blp.arguments(ShippingZoneCreateSchema)
    @blp.response(201, AdminShippingZoneSchema)
    def post(self, data, code: str):
        """Create a zone of some of the market's countries ([]: all of them)."""
        market = market_by_code(db.session, code)
        zone = ShippingZone(market_code=market.code, name=data["name"].strip(),
                            countries=_market_countries(market, data["countries"]))
        zone.methods = []
        db.session.add(zone)
        db.session.flush()
        audit.record(db.session, "create", "shipping_zone", zone.id, None, _zone_state(zone))
        SHIPPING.invalidate(db.session)
        db.session.commit()
        return _zone_json(zone, market.currency)


@blp.route("/shipping-zones/<int:zone_id>")
class ShippingZoneOne(MethodView):
    @blp.arguments(ShippingZoneUpdateSchema)
    @blp.response(200, AdminShippingZoneSchema)
    def patch(self, data, zone_id: int):
        """Rename a zone or change its countries."""
        zone = _zone(zone_id, for_update=True)
        market = market_by_code(db.session, zone.market_code)
        before = _zone_state(zone)
        if "name" in data:
            zone.name = data["name"].strip()
        if "countries" in data:
            zone.countries = _market_countries(market, data["countries"])
        db.session.flush()
        audit.record(db.session, "update", "shipping_zone", zone.id, before, _zone_state(zone))
        SHIPPING.invalidate(db.session)
        db.session.commit()
        return _zone_json(zone, market.currency)

    @blp.response(204)
    def delete(self, zone_id: int):
        """Delete a zone and its methods (refused while open carts use one of them)."""
        zone = _zone(zone_id, for_update=True)
        method_ids = [m.id for m in zone.methods]
        if method_ids:
            in_use = carts.open_carts_with_methods(db.session, method_ids, clock.now())
            if in_use:
                raise ZoneInUse(carts=in_use, details={"carts": in_use})
            # Expired and checked-out carts let go of them (orders keep their own copy).
            carts.forget_shipping_methods(db.session, method_ids)
        before = _zone_state(zone)
        db.session.delete(zone)
        audit.record(db.session, "delete", "shipping_zone", zone_id, before, None)
        SHIPPING.invalidate(db.session)
        db.session.commit()


# --- methods --------------------------------------------------------------------------


@blp.route("/shipping-zones/<int:zone_id>/methods")
class ShippingZoneMethods(MethodView):
    @blp.arguments(ShippingMethodCreateSchema)
    @blp.response(201, AdminShippingMethodSchema)
    def post(self, data, zone_id: int):
        """Add a shipping method to a zone; amounts are exact decimals in the market currency."""
        zone = _zone(zone_id, for_update=True)
        currency = market_by_code(db.session, zone.market_code).currency
        names = _names(data["names"])
        rate, free_over = _amount(data["rate"], currency), _optional_amount(data["free_over"], currency)
        _check_days(data["min_days"], data["max_days"])
        _check_code_free(zone.id, data["code"])
        position = data.get("position")
        if position is None:
            position = max((m.position for m in zone.methods), default=-1) + 1
        method = ShippingMethod(code=data["code"], names=names, rate=rate, currency=currency, free_over=free_over,
                                min_days=data["min_days"], max_days=data["max_days"], position=position)
        zone.methods.append(method)
        db.session.flush()
        audit.record(db.session, "create", "shipping_method", method.id, None, _method_state(method))
        SHIPPING.invalidate(db.session)
        db.session.commit()
        return _method_json(method, currency)


@blp.route("/shipping-methods/<int:method_id>")
class ShippingMethodOne(MethodView):
    @blp.arguments(ShippingMethodUpdateSchema)
    @blp.response(200, AdminShippingMethodSchema)
    def patch(self, data, method_id: int):
        """Change a shipping method (same rules as creating one)."""
        method = _method(method_id)
        _zone(method.zone_id, for_update=True)
        currency = market_by_code(db.session, method.zone.market_code).currency
        before = _method_state(method)
        changes: dict[str, Any] = {}
        if "names" in data:
            changes["names"] = _names(data["names"])
        if "rate" in data:
            changes["rate"] = _amount(data["rate"], currency)
        if "free_over" in data:
            changes["free_over"] = _optional_amount(data["free_over"], currency)
        if "rate" in data or "free_over" in data:
            changes["currency"] = currency
        for key in ("code", "min_days", "max_days", "position"):
            if key in data:
                changes[key] = data[key]
        _check_days(changes.get("min_days", method.min_days), changes.get("max_days", method.max_days))
        if changes.get("code", method.code) != method.code:
            _check_code_free(method.zone_id, changes["code"], method.id)
        for key, value in changes.items():
            setattr(method, key, value)
        db.session.flush()
        audit.record(db.session, "update", "shipping_method", method.id, before, _method_state(method))
        SHIPPING.invalidate(db.session)
        db.session.commit()
        return _method_json(method, currency)

    @blp.response(200, ShippingMethodDeletedSchema)
    def delete(self, method_id: int):
        """Delete a shipping method; carts that had chosen it lose their method (they say how many)."""
        method = _method(method_id)
        before = _method_state(method)
        updated = carts.forget_shipping_methods(db.session, [method.id])
        db.session.delete(method)
        audit.record(db.session, "delete", "shipping_method", method_id, before, {"carts_updated": updated})
        SHIPPING.invalidate(db.session)
        db.session.commit()
        return {"id": method_id, "deleted": True, "carts_updated": updated}
