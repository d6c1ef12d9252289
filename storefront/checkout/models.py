"""Carts: bound to a market, addressed by an unguessable token."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storefront.db import Base, CurrencyCode, LocaleTag, UTCDateTime, utcnow


class Cart(Base):
    __tablename__ = "cart"

    id: Mapped[int] = mapped_column(primary_key=True)
    # secrets.token_urlsafe(32): 256 random bits
    token: Mapped[str] = mapped_column(String(64), unique=True)
    market_code: Mapped[str] = mapped_column(ForeignKey("market.code"))
    currency: Mapped[str] = mapped_column(CurrencyCode)
    locale: Mapped[str] = mapped_column(LocaleTag)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | checked_out
    address: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    shipping_method_id: Mapped[int | None] = mapped_column(ForeignKey("shipping_method.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)

    lines: Mapped[list[CartLine]] = relationship(
        back_populates="cart", cascade="all, delete-orphan", order_by="CartLine.id"
    )

    __table_args__ = (Index("ix_cart_expires", "status", "expires_at"),)


class CartLine(Base):
    __tablename__ = "cart_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    cart_id: Mapped[int] = mapped_column(ForeignKey("cart.id", ondelete="CASCADE"))
    variant_id: Mapped[int] = mapped_column(ForeignKey("variant.id", ondelete="CASCADE"))
    quantity: Mapped[int] = mapped_column(Integer)

    cart: Mapped[Cart] = relationship(back_populates="lines")

    __table_args__ = (
        UniqueConstraint("cart_id", "variant_id"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
    )
