"""Tax rates as dated data, per jurisdiction (a country, or a state/province)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import Boolean, Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from storefront.db import Base, CountryCode, CurrencyCode, Rate


class TaxJurisdiction(Base):
    __tablename__ = "tax_jurisdiction"

    code: Mapped[str] = mapped_column(String(8), primary_key=True)  # "DE", "CA-QC", "US-CA"
    country: Mapped[str] = mapped_column(CountryCode, index=True)
    region: Mapped[str | None] = mapped_column(String(3))
    name: Mapped[str] = mapped_column(String(100))
    currency: Mapped[str] = mapped_column(CurrencyCode)
    eu: Mapped[bool] = mapped_column(Boolean, default=False)


class TaxRate(Base):
    """A rate of one tax for one category, valid on [valid_from, valid_to)."""

    __tablename__ = "tax_rate"

    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction: Mapped[str] = mapped_column(ForeignKey("tax_jurisdiction.code", ondelete="CASCADE"))
    tax: Mapped[str] = mapped_column(String(16))  # VAT, GST, HST, PST, QST, RST, JCT, Sales tax
    category: Mapped[str] = mapped_column(String(32))  # standard, reduced, books, food, zero ...
    rate: Mapped[Decimal] = mapped_column(Rate)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(200))
    # "data": from storefront/tax/data/rates.json (replaced on reload); "override": a merchant's.
    origin: Mapped[str] = mapped_column(String(8), default="data")

    __table_args__ = (Index("ix_tax_rate_lookup", "jurisdiction", "category", "valid_from"),)
