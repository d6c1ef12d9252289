"""Markets: a set of countries with one currency, its locales and price display."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storefront.db import Base, CountryCode, CurrencyCode, LocaleTag, Rate


class Market(Base):
    __tablename__ = "market"

    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    currency: Mapped[str] = mapped_column(CurrencyCode)
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    prices_include_tax: Mapped[bool] = mapped_column(Boolean)
    # How shopper-facing prices are rounded: see storefront.markets.rounding.
    rounding: Mapped[str] = mapped_column(String(32), default="minor")
    # The rate catalog prices are shown with (percent). The tax engine decides
    # the tax of an order from its destination; listings show the market's own.
    tax_rate: Mapped[Decimal] = mapped_column(Rate)
    # The tax jurisdiction whose rates the catalog shows per tax category (DE
    # books at 7 %); without one, ``tax_rate`` applies to everything.
    tax_jurisdiction: Mapped[str | None] = mapped_column(String(8))
    tax_name: Mapped[str] = mapped_column(String(32), default="VAT")
    # Derived prices: base price x FX rate x (1 + uplift %), then this rule.
    price_uplift: Mapped[Decimal] = mapped_column(Rate, default=Decimal(0))
    derived_rounding: Mapped[str] = mapped_column(String(32), default="minor")
    # Tax rounding: per "line" or per "order" (storefront.tax.calculation).
    tax_rounding: Mapped[str] = mapped_column(String(8), default="line")
    # Cross-border deliveries: DDP charges estimated duties at checkout, DAP
    # leaves duties and import taxes to be paid on delivery.
    incoterm: Mapped[str] = mapped_column(String(3), default="DDP")
    position: Mapped[int] = mapped_column(Integer, default=0)

    countries: Mapped[list[MarketCountry]] = relationship(
        back_populates="market", cascade="all, delete-orphan", order_by="MarketCountry.country_code"
    )
    locales: Mapped[list[MarketLocale]] = relationship(
        back_populates="market", cascade="all, delete-orphan", order_by="MarketLocale.position"
    )
    translations: Mapped[list[MarketTranslation]] = relationship(cascade="all, delete-orphan")

    __table_args__ = (
        # At most one default market.
        Index("uq_market_default", "is_default", unique=True,
              sqlite_where=text("is_default"), postgresql_where=text("is_default")),
        CheckConstraint("tax_rate >= 0", name="tax_rate_not_negative"),
    )

    @property
    def primary_locale(self) -> str:
        return self.locales[0].locale


class MarketCountry(Base):
    """A country belongs to at most one market (the primary key says so)."""

    __tablename__ = "market_country"

    country_code: Mapped[str] = mapped_column(CountryCode, primary_key=True)
    market_code: Mapped[str] = mapped_column(ForeignKey("market.code", ondelete="CASCADE"), index=True)
    market: Mapped[Market] = relationship(back_populates="countries")


class MarketLocale(Base):
    """A locale a market speaks; the one with the lowest position is primary."""

    __tablename__ = "market_locale"

    market_code: Mapped[str] = mapped_column(ForeignKey("market.code", ondelete="CASCADE"), primary_key=True)
    locale: Mapped[str] = mapped_column(LocaleTag, primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    market: Mapped[Market] = relationship(back_populates="locales")


class MarketTranslation(Base):
    __tablename__ = "market_translation"

    market_code: Mapped[str] = mapped_column(ForeignKey("market.code", ondelete="CASCADE"), primary_key=True)
    locale: Mapped[str] = mapped_column(LocaleTag, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
