"""Placing an order: cart -> reserved stock + order snapshot + PaymentIntent.

Order of work, so that nothing is half-written and a retry succeeds:
1. the Idempotency-Key: a known key returns its order (another cart's: 409);
2. the cart is recomputed from current data and checked (items, address,
   shipping, currency still the market's, Stripe's minimum);
3. the PaymentIntent is created first, outside the database transaction, with
   a Stripe idempotency key derived from the cart and the Idempotency-Key:
   if Stripe is down (503) nothing was written, and the same request later
   gets the same PaymentIntent back;
4. one transaction reserves the stock with conditional updates
   (``reserved + q <= quantity``, so two checkouts can never take the last
   unit twice), writes the order and closes the cart. If stock is gone the
   transaction rolls back, the PaymentIntent is canceled and the answer is
   409 ``out_of_stock``. The caller commits.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Sequence

from moneyed import Money
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storefront.checkout.errors import (
    BelowMinimumAmount,
    CartClosed,
    CartIncomplete,
    IdempotencyKeyRequired,
    IdempotencyKeyReused,
    OutOfStock,
)
from storefront.checkout.models import Cart
from storefront.checkout.services import CartState, cart_state, get_cart
from storefront.inventory.models import Stock, StockReservation
from storefront.inventory.services import fulfilment_order, ship_from
from storefront.markets.errors import CurrencyMismatch
from storefront.markets.services import MarketView
from storefront.money import stripe_minimum, to_stripe_minor
from storefront.orders.models import Order, OrderLine
from storefront.payments.gateway import PaymentGateway, PaymentIntent
from storefront.pricing.services import current_rates
from storefront.checkout.services import free_stock

MAX_KEY_LENGTH = 255


@dataclass(frozen=True)
class Placed:
    order: Order
    payment: PaymentIntent | None  # None when replayed from the order


def stripe_key(cart_token: str, idempotency_key: str) -> str:
    """Deterministic per order: the same checkout retried reuses the PaymentIntent."""
    digest = hashlib.sha256(f"{cart_token}\n{idempotency_key}".encode()).hexdigest()[:40]
    return f"storefront-checkout-{digest}"


def place_order(
    session: Session,
    token: str,
    idempotency_key: str | None,
    *,
    gateway: PaymentGateway,
    markets: Sequence[MarketView],
    now: datetime,
    default_locale: str,
    seller_vat_id: str | None,
    base_currency: str,
    reservation: timedelta,
) -> Placed:
    key = (idempotency_key or "").strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        raise IdempotencyKeyRequired()
    existing = session.scalar(select(Order).where(Order.idempotency_key == key))
    cart = get_cart(session, token, now)
    if existing is not None:
        if existing.cart_id != cart.id:
            raise IdempotencyKeyReused()
        return Placed(existing, None)
    if cart.status != "open":
        raise CartClosed()
    state = cart_state(session, cart, markets, now=now, default_locale=default_locale, seller_vat_id=seller_vat_id,
                       base_currency=base_currency, fresh_shipping=True)
    _check(state)
    amount = Money(state.totals.total, state.market.currency)
    if amount.amount < stripe_minimum(amount.currency.code):
        raise BelowMinimumAmount(minimum=f"{stripe_minimum(amount.currency.code)} {amount.currency.code}")
    to_stripe_minor(amount)  # refuse a total Stripe cannot charge exactly
    _precheck_stock(session, state)
    intent = gateway.create_payment_intent(
        amount=amount, idempotency_key=stripe_key(cart.token, key),
        metadata={"cart": cart.token[:16], "market": state.market.code},
    )
    try:
        order = _write(session, cart, state, key, intent, now, base_currency, reservation)
    except IntegrityError:
        # The same Idempotency-Key (or the same cart) raced us: the order that won.
        session.rollback()
        winner = session.scalar(select(Order).where(Order.idempotency_key == key))
        if winner is None:
            if session.scalar(select(Order.id).where(Order.cart_id == cart.id)) is not None:
                raise CartClosed() from None
            raise
        if winner.cart_id != cart.id:
            raise IdempotencyKeyReused() from None
        return Placed(winner, None)
    except OutOfStock:
        session.rollback()
        _cancel_quietly(gateway, intent)
        raise
    return Placed(order, intent)


def _check(state: CartState) -> None:
    cart = state.cart
    if not state.items or not cart.address or state.shipping_method is None:
        raise CartIncomplete()
    for item in state.items:
        if not item.available:
            raise OutOfStock(sku=item.sku, available=0, details={"sku": item.sku})
    if cart.currency != state.market.currency:
        raise CurrencyMismatch(market=cart.market_code, expected=state.market.currency, currency=cart.currency)


def _warehouses(session: Session, state: CartState) -> list[str]:
    """The shipping warehouse first (the one taxes and duties were computed for)."""
    items = [(i.variant_id, i.quantity) for i in state.items]
    destination = (state.cart.address or {}).get("country")
    first = ship_from(session, state.market.code, destination, items)
    ordered = [code for code, _ in fulfilment_order(session, state.market.code, destination)]
    return ([first[0]] if first else []) + [code for code in ordered if not first or code != first[0]]


def _precheck_stock(session: Session, state: CartState) -> None:
    free = free_stock(session, state.market.code, [i.variant_id for i in state.items])
    for item in state.items:
        if free.get(item.variant_id, 0) < item.quantity:
            raise OutOfStock(sku=item.sku, available=free.get(item.variant_id, 0), details={"sku": item.sku})


def _reserve(session: Session, order: Order, state: CartState) -> None:
    """Atomic conditional updates: a row is reserved only while enough is free."""
    warehouses = _warehouses(session, state)
    for item in state.items:
        needed = item.quantity
        for code in warehouses:
            if needed == 0:
                break
            free = session.execute(
                select(Stock.quantity - Stock.reserved).where(Stock.variant_id == item.variant_id,
                                                              Stock.warehouse_code == code)
            ).scalar()
            take = min(needed, free or 0)
            if take <= 0:
                continue
            result = session.execute(
                update(Stock)
                .where(Stock.variant_id == item.variant_id, Stock.warehouse_code == code,
                       Stock.quantity - Stock.reserved >= take)
                .values(reserved=Stock.reserved + take)
                .execution_options(synchronize_session=False)
            )
            if result.rowcount == 1:
                session.add(StockReservation(order_id=order.id, variant_id=item.variant_id, warehouse_code=code,
                                             quantity=take))
                needed -= take
        if needed:
            raise OutOfStock(sku=item.sku, available=item.quantity - needed, details={"sku": item.sku})


def _write(session: Session, cart: Cart, state: CartState, key: str, intent: PaymentIntent, now: datetime,
           base_currency: str, reservation: timedelta) -> Order:
    t, d, market = state.totals, state.determination, state.market
    rates = current_rates(session, base_currency, now.date())
    fx = Decimal(1) if market.currency == base_currency else (rates[market.currency].rate
                                                               if market.currency in rates else None)
    method = state.shipping_method
    order = Order(
        token=secrets.token_urlsafe(32), cart_id=cart.id, idempotency_key=key, market_code=market.code,
        locale=cart.locale, currency=market.currency, status="pending_payment", email=cart.address["email"],
        address=dict(cart.address),
        shipping_method={"id": method.id, "code": method.code, "name": method.name,
                         "min_days": method.min_days, "max_days": method.max_days},
        subtotal=t.subtotal, shipping=t.shipping, tax=t.tax, duties=t.duties, total=t.total,
        tax_included=market.prices_include_tax and not (d and d.zero_rated),
        tax_lines=[{"name": x.name, "rate": f"{x.rate.normalize():f}", "amount": str(x.amount)}
                   for x in state.tax.tax_lines],
        notices=[n.code for n in state.notices],
        tax_rule=d.rule if d else None, tax_jurisdiction=d.jurisdiction if d else None,
        buyer_vat_id=d.buyer_vat_id if d else None, seller_vat_id=state.seller_vat_id,
        duties_rule=state.duties.rule if state.duties else None,
        incoterm=state.duties.incoterm if state.duties else "DDP",
        base_currency=base_currency, fx_rate_to_base=fx,
        payment_intent_id=intent.id, payment_client_secret=intent.client_secret,
        amount_minor=intent.amount_minor, reserved_until=now + reservation, created_at=now, updated_at=now,
    )
    taxed = {line.key: line for line in state.tax.lines}
    for item in state.items:
        line = taxed[item.sku]
        order.lines.append(OrderLine(
            variant_id=item.variant_id, sku=item.sku, name=item.name, quantity=item.quantity,
            unit_price=item.unit_price, net=line.net, tax=line.tax, gross=line.gross,
            taxes=[{"name": x.name, "rate": f"{x.rate.normalize():f}", "jurisdiction": x.jurisdiction,
                    "amount": str(x.amount)} for x in line.taxes],
        ))
    session.add(order)
    session.flush()
    _reserve(session, order, state)
    cart.status = "checked_out"
    session.flush()
    return order


def _cancel_quietly(gateway: PaymentGateway, intent: PaymentIntent) -> None:
    cancel = getattr(gateway, "cancel_payment_intent", None)
    if cancel is None:
        return
    try:
        cancel(intent.id)
    except Exception:  # noqa: BLE001 - best effort; an uncaptured intent expires anyway
        pass
