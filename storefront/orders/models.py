"""Orders: a snapshot of the cart at checkout, and what happened to its payment."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storefront.db import Base, CurrencyCode, LocaleTag, MoneyAmount, Rate, UTCDateTime, utcnow


class Order(Base):
    __tablename__ = "order"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    cart_id: Mapped[int] = mapped_column(ForeignKey("cart.id"), unique=True)
    idempotency_key: Mapped[str] = mapped_column(String(255), unique=True)
    market_code: Mapped[str] = mapped_column(ForeignKey("market.code"), index=True)
    locale: Mapped[str] = mapped_column(LocaleTag)
    currency: Mapped[str] = mapped_column(CurrencyCode)
    status: Mapped[str] = mapped_column(String(24), default="pending_payment", index=True)
    email: Mapped[str] = mapped_column(String(254))
    address: Mapped[dict[str, Any]] = mapped_column(JSON)
    shipping_method: Mapped[dict[str, Any]] = mapped_column(JSON)
    subtotal: Mapped[Decimal] = mapped_column(MoneyAmount)
    shipping: Mapped[Decimal] = mapped_column(MoneyAmount)
    tax: Mapped[Decimal] = mapped_column(MoneyAmount)
    duties: Mapped[Decimal] = mapped_column(MoneyAmount)
    total: Mapped[Decimal] = mapped_column(MoneyAmount)
    tax_included: Mapped[bool] = mapped_column(Boolean)
    tax_lines: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    notices: Mapped[list[str]] = mapped_column(JSON)
    tax_rule: Mapped[str | None] = mapped_column(String(32))
    tax_jurisdiction: Mapped[str | None] = mapped_column(String(8))
    # Who computed the taxes (storefront.tax.providers: "builtin", "stripe") and the provider's
    # calculation id (Stripe: taxcalc_...), for refunds (tax reversals) and filings.
    tax_provider: Mapped[str] = mapped_column(String(16), default="builtin", server_default="builtin")
    tax_calculation_id: Mapped[str | None] = mapped_column(String(255))
    buyer_vat_id: Mapped[str | None] = mapped_column(String(32))
    seller_vat_id: Mapped[str | None] = mapped_column(String(32))
    duties_rule: Mapped[str | None] = mapped_column(String(64))
    incoterm: Mapped[str] = mapped_column(String(3))
    base_currency: Mapped[str] = mapped_column(CurrencyCode)
    # Units of the order currency per 1 unit of the base currency at checkout.
    fx_rate_to_base: Mapped[Decimal | None] = mapped_column(Rate)
    payment_provider: Mapped[str] = mapped_column(String(16), default="stripe")
    payment_intent_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    payment_client_secret: Mapped[str | None] = mapped_column(String(255))
    amount_minor: Mapped[int] = mapped_column(BigInteger)  # Stripe allows up to 12 digits
    amount_paid: Mapped[Decimal] = mapped_column(MoneyAmount, default=Decimal(0))
    amount_refunded: Mapped[Decimal] = mapped_column(MoneyAmount, default=Decimal(0))
    reserved_until: Mapped[datetime] = mapped_column(UTCDateTime)
    last_payment_error: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    canceled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Why the merchant must look at the order (storefront.orders.services.FLAGS), and since when.
    flag: Mapped[str | None] = mapped_column(String(32))
    flagged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    lines: Mapped[list[OrderLine]] = relationship(back_populates="order", cascade="all, delete-orphan",
                                                  order_by="OrderLine.id")
    refunds: Mapped[list[Refund]] = relationship(back_populates="order", cascade="all, delete-orphan",
                                                 order_by="Refund.id")

    __table_args__ = (Index("ix_order_created", "created_at"),)


class OrderLine(Base):
    __tablename__ = "order_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("order.id", ondelete="CASCADE"), index=True)
    variant_id: Mapped[int] = mapped_column(ForeignKey("variant.id"))
    sku: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(255))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price: Mapped[Decimal] = mapped_column(MoneyAmount)
    net: Mapped[Decimal] = mapped_column(MoneyAmount)
    tax: Mapped[Decimal] = mapped_column(MoneyAmount)
    gross: Mapped[Decimal] = mapped_column(MoneyAmount)
    taxes: Mapped[list[dict[str, Any]]] = mapped_column(JSON)

    order: Mapped[Order] = relationship(back_populates="lines")


class Refund(Base):
    __tablename__ = "refund"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("order.id", ondelete="CASCADE"), index=True)
    provider_refund_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    amount: Mapped[Decimal] = mapped_column(MoneyAmount)
    currency: Mapped[str] = mapped_column(CurrencyCode)
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # While a provider call for this refund may be in flight: no retry before then.
    provider_call_until: Mapped[datetime | None] = mapped_column(UTCDateTime)

    order: Mapped[Order] = relationship(back_populates="refunds")


class ProcessedEvent(Base):
    """A provider event already handled (webhooks are delivered at least once)."""

    __tablename__ = "processed_event"

    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    type: Mapped[str] = mapped_column(String(64))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("order.id", ondelete="SET NULL"))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class OutboxMessage(Base):
    """A message to deliver, written in the order's transaction: an order
    confirmation e-mail (``kind="order_confirmation"``) or a signed webhook
    delivery to a merchant's endpoint (``kind="webhook"``, ``subject`` the event
    type, ``body`` its JSON). Workers claim due ``pending`` rows (``sending``
    with a lease), then mark them ``sent``, or ``pending`` again with the next
    attempt's time, or ``failed`` with the reason (storefront/orders/outbox.py)."""

    __tablename__ = "outbox_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("order.id", ondelete="SET NULL"))
    recipient: Mapped[str] = mapped_column(String(254))
    locale: Mapped[str] = mapped_column(LocaleTag)
    subject: Mapped[str] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default="pending", server_default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(500))
    subscription_id: Mapped[int | None] = mapped_column(ForeignKey("webhook_subscription.id", ondelete="CASCADE"),
                                                        index=True)

    __table_args__ = (Index("ix_outbox_pending", "sent_at", "id"),
                      Index("ix_outbox_due", "status", "next_attempt_at"))


class WebhookSubscription(Base):
    """A merchant's HTTPS endpoint for order events, with the secret its payloads are signed with."""

    __tablename__ = "webhook_subscription"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2048))
    events: Mapped[list[str]] = mapped_column(JSON)
    secret: Mapped[str] = mapped_column(String(128))
    description: Mapped[str | None] = mapped_column(String(255))
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
