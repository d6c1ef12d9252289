"""Warehouses and stock levels."""
from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storefront.db import Base, CountryCode


class Warehouse(Base):
    __tablename__ = "warehouse"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    country_code: Mapped[str] = mapped_column(CountryCode)
    markets: Mapped[list[WarehouseMarket]] = relationship(cascade="all, delete-orphan")


class WarehouseMarket(Base):
    """The warehouse ships to the market's countries."""

    __tablename__ = "warehouse_market"

    warehouse_code: Mapped[str] = mapped_column(ForeignKey("warehouse.code", ondelete="CASCADE"), primary_key=True)
    market_code: Mapped[str] = mapped_column(ForeignKey("market.code", ondelete="CASCADE"), primary_key=True)


class Stock(Base):
    __tablename__ = "stock"

    variant_id: Mapped[int] = mapped_column(ForeignKey("variant.id", ondelete="CASCADE"), primary_key=True)
    warehouse_code: Mapped[str] = mapped_column(ForeignKey("warehouse.code", ondelete="CASCADE"), primary_key=True)
    quantity: Mapped[int] = mapped_column(Integer, default=0)
    reserved: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (
        CheckConstraint("quantity >= 0", name="quantity_not_negative"),
        CheckConstraint("reserved >= 0 AND reserved <= quantity", name="reserved_within_quantity"),
        # The listing's availability (storefront.browse.queries._available_variants) read from the index alone.
        Index("ix_stock_free", "variant_id", "warehouse_code", "quantity", "reserved"),
    )


class StockReservation(Base):
    """Units held for an order between checkout and payment (or expiry)."""

    __tablename__ = "stock_reservation"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("order.id", ondelete="CASCADE"), index=True)
    variant_id: Mapped[int] = mapped_column(ForeignKey("variant.id"))
    warehouse_code: Mapped[str] = mapped_column(ForeignKey("warehouse.code"))
    quantity: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="active")  # active | committed | released
