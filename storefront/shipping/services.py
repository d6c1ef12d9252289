"""Shipping methods available to a destination in a market."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from storefront.i18n.fallback import fallback_chain
from storefront.shipping.models import ShippingMethod, ShippingZone


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


def methods_for(session: Session, market: str, country: str | None, locale: str, default_locale: str) -> list[MethodView]:
    zones = session.scalars(
        select(ShippingZone).where(ShippingZone.market_code == market).options(selectinload(ShippingZone.methods))
        .order_by(ShippingZone.id)
    ).all()
    chain = fallback_chain(locale, default_locale)
    found = []
    for zone in zones:
        if country is not None and zone.countries and country not in zone.countries:
            continue
        for m in zone.methods:
            name = next((m.names[t] for t in chain if t in m.names), m.code)
            found.append(MethodView(m.id, m.code, name, m.rate, m.currency, m.free_over, m.min_days, m.max_days))
    return found


def method_by_id(session: Session, method_id: int) -> ShippingMethod | None:
    return session.get(ShippingMethod, method_id)
