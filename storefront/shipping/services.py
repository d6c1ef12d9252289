"""Shipping methods available to a destination in a market.

This module owns the ``shipping`` cache namespace (each market's zones and
methods, kept per process): whatever changes a zone or a method calls
``SHIPPING.invalidate`` in the same transaction."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from storefront.i18n.fallback import fallback_chain, parse_locale
from storefront.shipping.errors import EnglishNameRequired
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
