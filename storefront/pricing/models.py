"""Prices: what the merchant set, what shoppers see, and what they saw.

- ``VariantPrice``: an explicit price the merchant set for a variant in a market.
- ``ResolvedPrice``: the regular price in force per variant and market —
  the explicit one, or one derived from the base price, FX rate, uplift and
  rounding rule — with how it was made. Derived state, rebuilt by
  ``storefront.pricing.services.reprice``; listings read and sort on it.
- ``SalePrice``: a scheduled reduction in a market.
- ``PriceHistory``: every regular price a shopper could see, with its
  validity period (with ``SalePrice`` it gives the EU Omnibus prior price).
- ``FxRate``: units of ``quote`` per 1 ``base`` on a date, from a source.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storefront.db import Base, CurrencyCode, MoneyAmount, Rate, UTCDateTime, utcnow


class VariantPrice(Base):
    """An explicit price: gross where the market's prices include tax, else net."""

    __tablename__ = "variant_price"

    variant_id: Mapped[int] = mapped_column(ForeignKey("variant.id", ondelete="CASCADE"), primary_key=True)
    market_code: Mapped[str] = mapped_column(ForeignKey("market.code", ondelete="CASCADE"), primary_key=True)
    amount: Mapped[Decimal] = mapped_column(MoneyAmount)
    currency: Mapped[str] = mapped_column(CurrencyCode)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __table_args__ = (CheckConstraint("amount >= 0", name="amount_not_negative"),)


class ResolvedPrice(Base):
    __tablename__ = "resolved_price"

    variant_id: Mapped[int] = mapped_column(ForeignKey("variant.id", ondelete="CASCADE"), primary_key=True)
    market_code: Mapped[str] = mapped_column(ForeignKey("market.code", ondelete="CASCADE"), primary_key=True)
    amount: Mapped[Decimal] = mapped_column(MoneyAmount)
    currency: Mapped[str] = mapped_column(CurrencyCode)
    source: Mapped[str] = mapped_column(String(8))  # explicit | derived
    base_amount: Mapped[Decimal | None] = mapped_column(MoneyAmount)
    base_currency: Mapped[str | None] = mapped_column(CurrencyCode)
    fx_rate: Mapped[Decimal | None] = mapped_column(Rate)
    fx_date: Mapped[date | None] = mapped_column(Date)
    uplift: Mapped[Decimal | None] = mapped_column(Rate)
    rule: Mapped[str | None] = mapped_column(String(32))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ix_resolved_price_market_amount", "market_code", "amount"),)


class SalePrice(Base):
    __tablename__ = "sale_price"

    id: Mapped[int] = mapped_column(primary_key=True)
    variant_id: Mapped[int] = mapped_column(ForeignKey("variant.id", ondelete="CASCADE"))
    market_code: Mapped[str] = mapped_column(ForeignKey("market.code", ondelete="CASCADE"))
    amount: Mapped[Decimal] = mapped_column(MoneyAmount)
    currency: Mapped[str] = mapped_column(CurrencyCode)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        UniqueConstraint("variant_id", "market_code", "starts_at"),
        Index("ix_sale_price_market_window", "market_code", "starts_at", "ends_at"),
        CheckConstraint("amount >= 0", name="amount_not_negative"),
    )


class PriceHistory(Base):
    __tablename__ = "price_history"

    id: Mapped[int] = mapped_column(primary_key=True)
    variant_id: Mapped[int] = mapped_column(ForeignKey("variant.id", ondelete="CASCADE"))
    market_code: Mapped[str] = mapped_column(ForeignKey("market.code", ondelete="CASCADE"))
    amount: Mapped[Decimal] = mapped_column(MoneyAmount)
    currency: Mapped[str] = mapped_column(CurrencyCode)
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime)
    valid_to: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_price_history_lookup", "market_code", "variant_id", "valid_from"),)


class FxRate(Base):
    __tablename__ = "fx_rate"

    id: Mapped[int] = mapped_column(primary_key=True)
    base: Mapped[str] = mapped_column(CurrencyCode)
    quote: Mapped[str] = mapped_column(CurrencyCode)
    rate: Mapped[Decimal] = mapped_column(Rate)
    rate_date: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(16))  # ecb | merchant
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        UniqueConstraint("base", "quote", "rate_date", "source"),
        Index("ix_fx_rate_current", "base", "quote", "rate_date"),
        CheckConstraint("rate > 0", name="rate_positive"),
    )


class ProductMinPrice(Base):
    """Read model: a product's lowest regular price per market (over its
    variants' resolved prices), so ordering a market's catalog by price reads
    one row per product instead of aggregating every price. Sales start and end
    by the clock, so listings fold them in when they read it. Rewritten by
    ``storefront.pricing.minimums`` for the products whose prices changed."""

    __tablename__ = "product_min_price"

    product_id: Mapped[int] = mapped_column(ForeignKey("product.id", ondelete="CASCADE"), primary_key=True)
    market_code: Mapped[str] = mapped_column(ForeignKey("market.code", ondelete="CASCADE"), primary_key=True)
    amount: Mapped[Decimal] = mapped_column(MoneyAmount)

    __table_args__ = (Index("ix_product_min_price_market_amount", "market_code", "amount", "product_id"),)
