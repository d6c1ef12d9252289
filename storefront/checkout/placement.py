"""Placing an order: cart -> reserved stock + order snapshot + PaymentIntent.

Three short transactions around the provider call, so that no database lock
is held while Stripe answers (SQLite has one writer; a slow Stripe must not
stall every other shopper) and nothing is half-written. Where a tax provider
taxes the destination (Stripe Tax), it is asked first, in a read-only
transaction (step 0), and step 1 computes the taxes from that quote under the
lock; a cart that changed in between (its provider request, the fingerprint of
lines, amounts, tax codes, shipping and address, differs) is quoted again,
twice at most, then 409 ``cart_changed``.

1. under the cart's lock (``FOR UPDATE``; on SQLite the request's ``BEGIN
   IMMEDIATE``), the Idempotency-Key is looked up (a known key returns its
   order, another cart's is 409), the cart is recomputed from current data and
   checked (items, address, shipping, currency still the market's, Stripe's
   minimum), the stock is reserved with conditional updates (``reserved + q <=
   quantity``: two checkouts never take the last unit twice), the order is
   written without a PaymentIntent and the cart is closed. Committed: an
   address change racing checkout lands before this snapshot or gets 409, and
   every request with the same key from here on answers this order.
2. no transaction open: the PaymentIntent is created with a Stripe
   idempotency key derived from the cart and the Idempotency-Key, within the
   gateway's one time budget.
3. the PaymentIntent is recorded on the order (the caller commits).

If step 2 fails (Stripe down or slow: 503) the order that step 1 wrote is
abandoned in its own transaction: stock released, order deleted, cart open
again, so the shopper can simply retry. A request that finds the order of its
key still without a PaymentIntent (a concurrent duplicate, or a worker that
died between the steps) completes it with steps 2 and 3; Stripe answers them
all with one PaymentIntent. Should a provider ever hand out a second one (as
localstripe, which ignores idempotency keys, does), the first recorded wins
and the others are canceled: a checkout never leaves an intent of its own
behind. The one intent not canceled is that of an abandoned attempt whose
order is gone: it belongs to the Stripe idempotency key, so the shopper's
retry with the same Idempotency-Key gets it back (within Stripe's 24 hours),
and an unconfirmed intent is never charged.
"""
from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Callable, Sequence

from moneyed import Money
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storefront.checkout.errors import (
    AboveMaximumAmount,
    BelowMinimumAmount,
    CartChangedDuringCheckout,
    CartClosed,
    CartIncomplete,
    IdempotencyKeyRequired,
    IdempotencyKeyReused,
    OutOfStock,
    TariffCodeMissing,
)
from storefront.checkout.models import Cart
from storefront.checkout.pricing import FxRates
from storefront.checkout.services import CartState, cart_state, get_cart
from storefront.inventory.models import Stock, StockReservation
from storefront.inventory.services import fulfilment_order, ship_from
from storefront.markets.errors import CurrencyMismatch
from storefront.markets.services import MarketView
from storefront.money import stripe_maximum, to_stripe_minor
from storefront.orders.models import Order, OrderLine
from storefront.orders.services import release_stock
from storefront.payments.errors import PaymentProviderUnavailable
from storefront.payments.gateway import PaymentGateway, PaymentIntent
from storefront.payments.limits import minimum_charge
from storefront.pricing.services import current_rates
from storefront.checkout.services import free_stock
from storefront.db import reading_only
from storefront.tax.providers import QuotedProvider, QuoteStale, RecordingProvider, TaxProvider

MAX_KEY_LENGTH = 255
QUOTE_ATTEMPTS = 3  # a cart that changes between quote and lock this often: 409 cart_changed

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Placed:
    order: Order
    payment: PaymentIntent | None  # None when replayed from the order


@dataclass(frozen=True)
class _IntentRequest:
    """What step 2 needs, as plain values (the ORM objects expire at commit)."""

    order_id: int
    amount: Money
    stripe_key: str
    metadata: dict[str, str]


def stripe_key(cart_token: str, idempotency_key: str) -> str:
    """Deterministic per checkout: the same checkout retried (or completed by
    a concurrent duplicate) reuses the PaymentIntent, even one whose answer
    was lost before an attempt was abandoned."""
    digest = hashlib.sha256(f"{cart_token}\n{idempotency_key}".encode()).hexdigest()[:40]
    return f"storefront-checkout-{digest}"


def place_order(
    session: Session,
    token: str,
    idempotency_key: str | None,
    *,
    gateway: PaymentGateway,
    commit: Callable[[], None],
    markets: Sequence[MarketView],
    now: datetime,
    default_locale: str,
    seller_vat_id: str | None,
    base_currency: str,
    reservation: timedelta,
    settlement_currency: str | None = None,
    tax_provider: TaxProvider | None = None,
) -> Placed:
    """Steps 1-3 above. ``commit`` ends the caller's transaction: it is called
    after step 1 (and after abandoning a failed attempt); the caller commits
    step 3 as usual. ``settlement_currency`` (default: the base currency) is
    the currency the Stripe account settles in: it sets the minimum charge."""
    key = (idempotency_key or "").strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        raise IdempotencyKeyRequired()
    terms = dict(markets=markets, now=now, default_locale=default_locale, seller_vat_id=seller_vat_id,
                 base_currency=base_currency)
    for attempt in range(QUOTE_ATTEMPTS):
        quoted = _quote(session, token, key, tax_provider, commit, **terms) if tax_provider is not None else None
        try:
            order, created = _order_for(session, token, key, reservation=reservation,
                                        settlement_currency=settlement_currency or base_currency,
                                        tax_provider=quoted, **terms)
            break
        except QuoteStale:
            session.rollback()  # nothing written yet: the lock is released, the cart quoted again
            log.info("cart %s changed between its tax quote and checkout (attempt %s)", token[:8], attempt + 1)
    else:
        raise CartChangedDuringCheckout()
    if order.payment_intent_id is not None or order.status != "pending_payment":
        return Placed(order, None)  # a replay (or an order that expired before it got its intent)
    request = _IntentRequest(
        order_id=order.id, amount=Money(order.total, order.currency),
        stripe_key=stripe_key(token, key), metadata={"cart": token[:16], "market": order.market_code},
    )
    commit()
    # No transaction is open (and none may begin) until the provider answers.
    try:
        intent = gateway.create_payment_intent(amount=request.amount, idempotency_key=request.stripe_key,
                                               metadata=request.metadata)
    except Exception:
        if created:
            _abandon(session, request.order_id)
            commit()
        raise
    order = _record(session, request.order_id, intent, gateway)
    return Placed(order, intent if order.payment_intent_id == intent.id else None)


def _quote(session: Session, token: str, key: str, provider: TaxProvider, commit: Callable[[], None], *,
           markets: Sequence[MarketView], now: datetime, default_locale: str, seller_vat_id: str | None,
           base_currency: str) -> QuotedProvider:
    """Step 0: the provider's answers for the cart as it is now, asked in a
    read-only transaction (on SQLite a deferred ``BEGIN``: no write lock; on
    PostgreSQL no row lock), after ending what the request had begun (nothing
    is written before this). A replayed key or a closed cart asks nothing:
    step 1 answers them."""
    commit()
    recorder = RecordingProvider(provider)
    with reading_only():
        cart = get_cart(session, token, now)
        replay = session.scalar(select(Order.id).where(Order.idempotency_key == key))
        if cart.status == "open" and replay is None:
            cart_state(session, cart, markets, now=now, default_locale=default_locale, seller_vat_id=seller_vat_id,
                       base_currency=base_currency, fresh_shipping=True, tax_provider=recorder)
        commit()
    return QuotedProvider(provider, recorder.answers)


def _order_for(session: Session, token: str, key: str, *, markets: Sequence[MarketView], now: datetime,
               default_locale: str, seller_vat_id: str | None, base_currency: str,
               reservation: timedelta, settlement_currency: str,
               tax_provider: TaxProvider | None = None) -> tuple[Order, bool]:
    """Step 1: the order of this key (False), or a new one written now (True)."""
    cart = get_cart(session, token, now, for_update=True)
    existing = session.scalar(select(Order).where(Order.idempotency_key == key))
    if existing is not None:
        if existing.cart_id != cart.id:
            raise IdempotencyKeyReused()
        return existing, False
    if cart.status != "open":
        raise CartClosed()
    state = cart_state(session, cart, markets, now=now, default_locale=default_locale, seller_vat_id=seller_vat_id,
                       base_currency=base_currency, fresh_shipping=True, tax_provider=tax_provider)
    _check(state)
    amount = Money(state.totals.total, state.market.currency)
    _check_minimum(session, amount, settlement_currency, base_currency, now)
    amount_minor = to_stripe_minor(amount)  # refuse a total Stripe cannot charge exactly
    maximum = stripe_maximum(amount.currency.code)
    if amount > maximum:  # before any provider call (and within the 64-bit column)
        raise AboveMaximumAmount(maximum=f"{maximum.amount} {maximum.currency.code}")
    _precheck_stock(session, state)
    try:
        return _write(session, cart, state, key, amount_minor, now, base_currency, reservation), True
    except IntegrityError:
        # The same Idempotency-Key raced us from another cart: the order that won.
        session.rollback()
        winner = session.scalar(select(Order).where(Order.idempotency_key == key))
        if winner is None:
            raise
        if winner.cart_id != cart.id:
            raise IdempotencyKeyReused() from None
        return winner, False


def _record(session: Session, order_id: int, intent: PaymentIntent, gateway: PaymentGateway) -> Order:
    """Step 3: the PaymentIntent on the order, unless another request recorded
    one first (then this one, if another, is canceled) or it was abandoned."""
    order = session.scalar(select(Order).where(Order.id == order_id).with_for_update())
    if order is None:
        # The request that wrote it failed at the provider and gave it up meanwhile. Not canceled:
        # the retry with the same Idempotency-Key gets this intent back from Stripe (see above).
        log.info("checkout of order %s abandoned while payment intent %s was created", order_id, intent.id)
        raise PaymentProviderUnavailable()
    if order.payment_intent_id is not None or order.status != "pending_payment":
        if order.payment_intent_id != intent.id:
            _cancel_quietly(gateway, intent)
        return order
    order.payment_intent_id, order.payment_client_secret = intent.id, intent.client_secret
    order.amount_minor = intent.amount_minor
    session.flush()
    return order


def _abandon(session: Session, order_id: int) -> None:
    """Undo step 1 after the provider failed: stock released, order deleted,
    cart open again. An order another request completed meanwhile is kept."""
    order = session.scalar(select(Order).where(Order.id == order_id).with_for_update())
    if order is None or order.payment_intent_id is not None:
        return
    release_stock(session, order)
    session.flush()
    session.execute(delete(StockReservation).where(StockReservation.order_id == order.id)
                    .execution_options(synchronize_session=False))
    cart = session.get(Cart, order.cart_id)
    if cart is not None:
        cart.status = "open"
    session.delete(order)
    session.flush()


def _check(state: CartState) -> None:
    cart = state.cart
    if not state.items or not cart.address or state.shipping_method is None:
        raise CartIncomplete()
    for item in state.items:
        if not item.available:
            raise OutOfStock(sku=item.sku, available=0, details={"sku": item.sku})
    if state.duties is not None and state.duties.missing_tariff_codes:
        skus = list(state.duties.missing_tariff_codes)
        raise TariffCodeMissing(skus=", ".join(skus), details={"skus": skus})
    if cart.currency != state.market.currency:
        raise CurrencyMismatch(market=cart.market_code, expected=state.market.currency, currency=cart.currency)


def _check_minimum(session: Session, amount: Money, settlement: str, base_currency: str, now: datetime) -> None:
    """Stripe's minimum charge is the settlement currency's (storefront.payments.limits):
    the total converted at the stored FX rates (a missing rate is 503 fx_rate_missing)."""
    code = amount.currency.code
    rates: dict[str, Decimal] = {}
    if code != settlement:
        rates = {quote: q.rate for quote, q in current_rates(session, base_currency, now.date()).items()}
    minimum = minimum_charge(code, settlement, FxRates(base_currency, rates).rate)
    if amount.amount < minimum:
        raise BelowMinimumAmount(minimum=f"{minimum} {code}",
                                 details={"minimum": str(minimum), "currency": code, "settlement_currency": settlement})


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


def _write(session: Session, cart: Cart, state: CartState, key: str, amount_minor: int, now: datetime,
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
        tax_provider=state.tax_provider, tax_calculation_id=state.tax_calculation_id,
        buyer_vat_id=d.buyer_vat_id if d else None, seller_vat_id=state.seller_vat_id,
        duties_rule=state.duties.rule if state.duties else None,
        incoterm=state.duties.incoterm if state.duties else "DDP",
        base_currency=base_currency, fx_rate_to_base=fx,
        payment_intent_id=None, payment_client_secret=None,
        amount_minor=amount_minor, reserved_until=now + reservation, created_at=now, updated_at=now,
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
    except Exception:  # noqa: BLE001 - best effort; an unconfirmed intent is never charged
        log.warning("could not cancel payment intent %s of an abandoned checkout", intent.id)
