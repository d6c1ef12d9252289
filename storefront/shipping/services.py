"""Shipping methods available to a destination in a market, and the
merchant's zones and methods.

This module owns the ``shipping`` cache namespace (each market's zones and
methods, kept per process): whatever changes a zone or a method calls
``SHIPPING.invalidate`` in the same transaction."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from storefront.i18n.fallback import fallback_chain, parse_locale
from storefront.errors import InvalidAmount
from storefront.markets.models import MarketCountry
from storefront.money import parse_amount
from storefront.shipping.errors import (
    CountryNotInMarket,
    EnglishNameRequired,
    InvalidDeliveryDays,
    MethodCodeTaken,
    MethodNotFound,
    ZoneNotFound,
)
from storefront.shipping.models import ShippingMethod, ShippingZone
from storefront import cache
from storefront.cache import memoized

SHIPPING = cache.declare("shipping", owner=__name__)


@dataclass(frozen=True)
class MethodView:
    id: int
    code: str
    name: str
    rate: Decimal  # as shown: gross where the market's prices include tax
    currency: str
    free_over: Decimal | None
    min_days: int
    max_days: int

    def price_for(self, goods_subtotal: Decimal) -> Decimal:
        """The shipping price for a goods subtotal (free over the threshold)."""
        if self.free_over is not None and goods_subtotal >= self.free_over:
            return Decimal(0)
        return self.rate


@dataclass(frozen=True)
class _Zone:
    countries: tuple[str, ...]  # empty: every country of the market
    methods: tuple[tuple, ...]  # (id, code, names, rate, currency, free_over, min_days, max_days)


def _zones(session: Session, market: str, fresh: bool = False) -> tuple[_Zone, ...]:
    """The market's zones and methods, cached per process until a shipping
    change (``fresh``: read from the database)."""
    def load() -> tuple[_Zone, ...]:
        zones = session.scalars(
            select(ShippingZone).where(ShippingZone.market_code == market).options(selectinload(ShippingZone.methods))
            .order_by(ShippingZone.id)
        ).all()
        return tuple(_Zone(tuple(z.countries or ()), tuple(
            (m.id, m.code, dict(m.names), m.rate, m.currency, m.free_over, m.min_days, m.max_days) for m in z.methods
        )) for z in zones)

    return load() if fresh else memoized(session, SHIPPING, ("zones", market), load)


def methods_for(session: Session, market: str, country: str | None, locale: str, default_locale: str, *,
                fresh: bool = False) -> list[MethodView]:
    chain = fallback_chain(locale, default_locale)
    found = []
    for zone in _zones(session, market, fresh):
        if country is not None and zone.countries and country not in zone.countries:
            continue
        for id_, code, names, rate, currency, free_over, min_days, max_days in zone.methods:
            name = next((names[t] for t in chain if t in names), code)
            found.append(MethodView(id_, code, name, rate, currency, free_over, min_days, max_days))
    return found


def method_names(raw: dict[str, str], *, source_locale: str) -> dict[str, str]:
    """A method's names by canonical locale; one in ``source_locale`` (the
    catalog's source language) is required."""
    names = {parse_locale(locale): name.strip() for locale, name in raw.items()}
    if not names.get(source_locale):
        raise EnglishNameRequired(locale=source_locale)
    return names


def method_by_id(session: Session, method_id: int) -> ShippingMethod | None:
    return session.get(ShippingMethod, method_id)


# --- the merchant's zones and methods ----------------------------------------------------


def zones_of(session: Session, market: str) -> list[ShippingZone]:
    return list(session.scalars(select(ShippingZone).where(ShippingZone.market_code == market)
                                .order_by(ShippingZone.id)))


def zone(session: Session, zone_id: int, *, for_update: bool = False) -> ShippingZone:
    stmt = select(ShippingZone).where(ShippingZone.id == zone_id)
    found = session.scalar(stmt.with_for_update() if for_update else stmt)
    if found is None:
        raise ZoneNotFound(id=zone_id)
    return found


def method(session: Session, method_id: int) -> ShippingMethod:
    found = session.get(ShippingMethod, method_id)
    if found is None:
        raise MethodNotFound(id=method_id)
    return found


def _market_countries(session: Session, market: str, countries: list[str]) -> list[str]:
    """The countries upper-cased, deduplicated and all of ``market``."""
    wanted = list(dict.fromkeys(c.upper() for c in countries))
    own = set(session.scalars(select(MarketCountry.country_code).where(MarketCountry.market_code == market)))
    foreign = [c for c in wanted if c not in own]
    if foreign:
        raise CountryNotInMarket(countries=", ".join(foreign), market=market,
                                 details={"countries": foreign, "market": market})
    return wanted


def _amount(raw: object, currency: str) -> Decimal:
    try:
        return parse_amount(raw, currency)
    except InvalidOperation:  # parse_amount quantizes first: 1e30 has more digits than the decimal context
        raise InvalidAmount(amount=raw, currency=currency, reason="too large") from None


def _optional_amount(raw: object | None, currency: str) -> Decimal | None:
    return None if raw is None else _amount(raw, currency)


def _check_days(min_days: int, max_days: int) -> None:
    if min_days > max_days:
        raise InvalidDeliveryDays(min=min_days, max=max_days)


def _check_code_free(session: Session, zone_id: int, code: str, method_id: int | None = None) -> None:
    stmt = select(ShippingMethod.id).where(ShippingMethod.zone_id == zone_id, ShippingMethod.code == code)
    if method_id is not None:
        stmt = stmt.where(ShippingMethod.id != method_id)
    if session.scalar(stmt) is not None:
        raise MethodCodeTaken(code=code)


def create_zone(session: Session, market: str, name: str, countries: list[str]) -> ShippingZone:
    """A zone of some of the market's countries ([]: all of them)."""
    row = ShippingZone(market_code=market, name=name.strip(), countries=_market_countries(session, market, countries))
    row.methods = []
    session.add(row)
    session.flush()
    SHIPPING.invalidate(session)
    return row


def update_zone(session: Session, row: ShippingZone, *, name: str | None = None,
                countries: list[str] | None = None) -> None:
    if name is not None:
        row.name = name.strip()
    if countries is not None:
        row.countries = _market_countries(session, row.market_code, countries)
    session.flush()
    SHIPPING.invalidate(session)


def delete_zone(session: Session, row: ShippingZone) -> None:
    """Delete a zone and its methods (the caller frees the carts that chose one)."""
    session.delete(row)
    session.flush()
    SHIPPING.invalidate(session)


def create_method(session: Session, row: ShippingZone, currency: str, data: dict[str, Any], *,
                  source_locale: str) -> ShippingMethod:
    """A shipping method of the zone; amounts are exact decimals in the market currency."""
    names = method_names(data["names"], source_locale=source_locale)
    rate, free_over = _amount(data["rate"], currency), _optional_amount(data["free_over"], currency)
    _check_days(data["min_days"], data["max_days"])
    _check_code_free(session, row.id, data["code"])
    position = data.get("position")
    if position is None:
        position = max((m.position for m in row.methods), default=-1) + 1
    created = ShippingMethod(code=data["code"], names=names, rate=rate, currency=currency, free_over=free_over,
                             min_days=data["min_days"], max_days=data["max_days"], position=position)
    row.methods.append(created)
    session.flush()
    SHIPPING.invalidate(session)
    return created


def update_method(session: Session, row: ShippingMethod, currency: str, data: dict[str, Any], *,
                  source_locale: str) -> None:
    """Change a shipping method (same rules as creating one)."""
    changes: dict[str, Any] = {}
    if "names" in data:
        changes["names"] = method_names(data["names"], source_locale=source_locale)
    if "rate" in data:
        changes["rate"] = _amount(data["rate"], currency)
    if "free_over" in data:
        changes["free_over"] = _optional_amount(data["free_over"], currency)
    if "rate" in data or "free_over" in data:
        changes["currency"] = currency
    for key in ("code", "min_days", "max_days", "position"):
        if key in data:
            changes[key] = data[key]
    _check_days(changes.get("min_days", row.min_days), changes.get("max_days", row.max_days))
    if changes.get("code", row.code) != row.code:
        _check_code_free(session, row.zone_id, changes["code"], row.id)
    for key, value in changes.items():
        setattr(row, key, value)
    session.flush()
    SHIPPING.invalidate(session)


def delete_method(session: Session, row: ShippingMethod) -> None:
    """Delete a shipping method (the caller frees the carts that chose it)."""
    session.delete(row)
    session.flush()
    SHIPPING.invalidate(session)
