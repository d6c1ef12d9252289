"""Prices per variant per market, stored exactly."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column

from storefront.db import Base, CurrencyCode, MoneyAmount


class VariantPrice(Base):
    """The price of a variant in a market, in the market's currency.

    In a market whose prices include tax the amount is the gross price the
    shopper sees; otherwise it is net of tax."""

    __tablename__ = "variant_price"

    variant_id: Mapped[int] = mapped_column(ForeignKey("variant.id", ondelete="CASCADE"), primary_key=True)
    market_code: Mapped[str] = mapped_column(ForeignKey("market.code", ondelete="CASCADE"), primary_key=True)
    amount: Mapped[Decimal] = mapped_column(MoneyAmount)
    currency: Mapped[str] = mapped_column(CurrencyCode)

    __table_args__ = (
        CheckConstraint("amount >= 0", name="amount_not_negative"),
        Index("ix_variant_price_market_amount", "market_code", "amount"),
    )
