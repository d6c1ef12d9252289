"""Shipping zones and methods per market, priced in the market's currency."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import JSON, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storefront.db import Base, CurrencyCode, MoneyAmount


class ShippingZone(Base):
    """Countries of a market served alike (``countries`` empty: all of them)."""

    __tablename__ = "shipping_zone"

    id: Mapped[int] = mapped_column(primary_key=True)
    market_code: Mapped[str] = mapped_column(ForeignKey("market.code", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    countries: Mapped[list[str]] = mapped_column(JSON, default=list)
    methods: Mapped[list[ShippingMethod]] = relationship(
        back_populates="zone", cascade="all, delete-orphan", order_by="ShippingMethod.position"
    )


class ShippingMethod(Base):
    __tablename__ = "shipping_method"

    id: Mapped[int] = mapped_column(primary_key=True)
    zone_id: Mapped[int] = mapped_column(ForeignKey("shipping_zone.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    # {"en": "Standard", "de": "Standard", ...}, resolved along the locale's fallback chain
    names: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    rate: Mapped[Decimal] = mapped_column(MoneyAmount)
    currency: Mapped[str] = mapped_column(CurrencyCode)
    # Free when the goods subtotal (as shown) reaches this amount; None: never.
    free_over: Mapped[Decimal | None] = mapped_column(MoneyAmount)
    min_days: Mapped[int] = mapped_column(Integer)
    max_days: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer, default=0)

    zone: Mapped[ShippingZone] = relationship(back_populates="methods")

    __table_args__ = (UniqueConstraint("zone_id", "code"),)
