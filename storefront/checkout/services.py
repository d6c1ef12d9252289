"""Carts: create, change, address, shipping method, and their current totals.

Totals are recomputed on every read from current prices, the destination's
taxes, the shipping method and duties (fetch, then compute)."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Sequence

from sqlalchemy import and_, func, select, update
from sqlalchemy.orm import Session

from storefront.catalog.models import Product, ProductMarket, Variant
from storefront.checkout import duties as duties_engine
from storefront.checkout.errors import (
    CartClosed,
    CartExpired,
    CartNotFound,
    InvalidShippingMethod,
    ItemNotAvailable,
    ItemNotInCart,
    NotShippingToCountry,
    OutOfStock,
    QuantityOutOfRange,
)
from storefront.checkout.fetch import fetch_cart, free_stock
from storefront.checkout.models import Cart, CartLine
from storefront.checkout.pricing import ItemView, Notice, price_cart
from storefront.checkout.totals import Totals
from storefront.markets.models import MarketCountry
from storefront.markets.services import MarketView
from storefront.pricing.queries import effective_prices_statement
from storefront.shipping.addresses import normalize_address
from storefront.shipping.services import MethodView, methods_for
from storefront.tax.calculation import TaxResult
from storefront.tax.providers import TaxProvider
from storefront.tax.rules import Determination
from storefront.tax.vat_ids import validate_vat_id
from storefront.tax.calculation import LineInput, calculate
from storefront.tax.services import components

MAX_QUANTITY = 99
MAX_LINES = 100


@dataclass(frozen=True)
class CartState:
    cart: Cart
    market: MarketView
    items: tuple[ItemView, ...]
    totals: Totals
    tax: TaxResult
    determination: Determination | None
    shipping_method: MethodView | None
    duties: duties_engine.Assessment | None
    notices: tuple[Notice, ...]
    seller_vat_id: str | None
    tax_provider: str = "builtin"
    tax_calculation_id: str | None = None


def new_token() -> str:
    """256 random bits, URL-safe."""
    return secrets.token_urlsafe(32)


def create_cart(session: Session, market: MarketView, locale: str, now: datetime, ttl: timedelta) -> Cart:
    cart = Cart(token=new_token(), market_code=market.code, currency=market.currency, locale=locale,
                created_at=now, updated_at=now, expires_at=now + ttl)
    session.add(cart)
    session.flush()
    return cart


def get_cart(session: Session, token: str, now: datetime, *, for_update: bool = False) -> Cart:
    stmt = select(Cart).where(Cart.token == token)
    if for_update:
        stmt = stmt.with_for_update()
    cart = session.scalar(stmt)
    if cart is None:
        raise CartNotFound()
    if cart.status == "open" and cart.expires_at <= now:
        raise CartExpired()
    return cart


def cart_language(session: Session, token: str) -> tuple[str, str] | None:
    """A cart's market and locale, None without such a cart (one small query)."""
    row = session.execute(select(Cart.market_code, Cart.locale).where(Cart.token == token)).first()
    return None if row is None else (row[0], row[1])


def shipping_country(session: Session, token: str) -> str | None:
    """The country of a cart's address, None without a cart or an address (one small query)."""
    address = session.scalar(select(Cart.address).where(Cart.token == token))
    country = address.get("country") if isinstance(address, dict) else None
    return country if isinstance(country, str) else None


def open_cart(session: Session, token: str, now: datetime, ttl: timedelta) -> Cart:
    """A cart that may still change; each change keeps it alive for ``ttl``."""
    cart = get_cart(session, token, now, for_update=True)
    if cart.status != "open":
        raise CartClosed()
    cart.updated_at, cart.expires_at = now, now + ttl
    return cart


def _variant_in_market(session: Session, sku: str, market: str) -> Variant:
    variant = session.scalar(
        select(Variant).join(Product, Product.id == Variant.product_id)
        .join(ProductMarket, and_(ProductMarket.product_id == Product.id, ProductMarket.market_code == market))
        .where(Variant.sku == sku, Product.status == "active")
    )
    if variant is None:
        raise ItemNotAvailable(sku=sku)
    return variant


def _check_quantity(quantity: int) -> None:
    if not 1 <= quantity <= MAX_QUANTITY:
        raise QuantityOutOfRange(min=1, max=MAX_QUANTITY)


def _check_stock(session: Session, cart: Cart, variant: Variant, quantity: int) -> None:
    available = free_stock(session, cart.market_code, [variant.id]).get(variant.id, 0)
    if quantity > available:
        raise OutOfStock(sku=variant.sku, available=available, details={"sku": variant.sku, "available": available})


def add_item(session: Session, cart: Cart, sku: str, quantity: int) -> None:
    _check_quantity(quantity)
    variant = _variant_in_market(session, sku, cart.market_code)
    if not session.execute(effective_prices_statement(cart.market_code, [variant.id], cart.updated_at)).first():
        raise ItemNotAvailable(sku=sku)
    line = next((line for line in cart.lines if line.variant_id == variant.id), None)
    total = quantity + (line.quantity if line else 0)
    _check_quantity(total)
    _check_stock(session, cart, variant, total)
    if line is None:
        if len(cart.lines) >= MAX_LINES:
            raise QuantityOutOfRange(min=1, max=MAX_LINES)
        cart.lines.append(CartLine(variant_id=variant.id, quantity=quantity))
    else:
        line.quantity = total
    session.flush()


def _line(session: Session, cart: Cart, sku: str) -> CartLine:
    variant_id = session.scalar(select(Variant.id).where(Variant.sku == sku))
    line = next((line for line in cart.lines if line.variant_id == variant_id), None)
    if line is None:
        raise ItemNotInCart(sku=sku)
    return line


def update_item(session: Session, cart: Cart, sku: str, quantity: int) -> None:
    line = _line(session, cart, sku)
    if quantity == 0:
        cart.lines.remove(line)
    else:
        _check_quantity(quantity)
        _check_stock(session, cart, session.get(Variant, line.variant_id), quantity)
        line.quantity = quantity
    session.flush()


def remove_item(session: Session, cart: Cart, sku: str) -> None:
    cart.lines.remove(_line(session, cart, sku))
    session.flush()


def set_address(session: Session, cart: Cart, raw: dict[str, Any], markets: Sequence[MarketView]) -> list[Notice]:
    """Store the delivery address; the destination decides the market. When the
    country belongs to another market the cart moves there (repriced in its
    currency, items it does not sell removed) and says so."""
    address = normalize_address(raw)
    if address.vat_id:
        validate_vat_id(address.vat_id)
    code = session.scalar(select(MarketCountry.market_code).where(MarketCountry.country_code == address.country))
    if code is None:
        raise NotShippingToCountry(country=address.country, details={"country": address.country})
    notices: list[Notice] = []
    if code != cart.market_code:
        target = next(m for m in markets if m.code == code)
        old = cart.market_code
        cart.market_code, cart.currency = target.code, target.currency
        cart.locale = _locale_in(target, cart.locale)
        cart.shipping_method_id = None
        removed = _drop_unsold(session, cart)
        notices.append(Notice("market_changed", {"from": old, "to": target.code, "currency": target.currency}))
        if removed:
            notices.append(Notice("items_removed", {"skus": ", ".join(removed)}))
    cart.address = {k: v for k, v in address.__dict__.items()}
    if cart.shipping_method_id is not None and not _method_allowed(session, cart, cart.shipping_method_id):
        cart.shipping_method_id = None
    session.flush()
    return notices


def _locale_in(market: MarketView, locale: str) -> str:
    language = locale.split("-")[0].lower()
    return next((loc for loc in market.locales if loc.split("-")[0].lower() == language), market.primary_locale)


def _drop_unsold(session: Session, cart: Cart) -> list[str]:
    ids = [line.variant_id for line in cart.lines]
    sold = set(session.scalars(
        select(Variant.id).join(ProductMarket, and_(ProductMarket.product_id == Variant.product_id,
                                                    ProductMarket.market_code == cart.market_code))
        .where(Variant.id.in_(ids))
    ).all()) if ids else set()
    removed = []
    for line in list(cart.lines):
        if line.variant_id not in sold:
            removed.append(session.get(Variant, line.variant_id).sku)
            cart.lines.remove(line)
    return removed


def _method_allowed(session: Session, cart: Cart, method_id: int) -> bool:
    country = (cart.address or {}).get("country")
    return any(m.id == method_id for m in methods_for(session, cart.market_code, country, cart.locale, "en"))


def shipping_methods(session: Session, cart: Cart, default_locale: str, *, fresh: bool = False) -> list[MethodView]:
    country = (cart.address or {}).get("country")
    return methods_for(session, cart.market_code, country, cart.locale, default_locale, fresh=fresh)


def set_shipping_method(session: Session, cart: Cart, method_id: int) -> None:
    if not _method_allowed(session, cart, method_id):
        raise InvalidShippingMethod(details={"id": method_id})
    cart.shipping_method_id = method_id
    session.flush()


def cart_state(session: Session, cart: Cart, markets: Sequence[MarketView], *, now: datetime, default_locale: str,
               seller_vat_id: str | None, base_currency: str, fresh_shipping: bool = False,
               tax_provider: TaxProvider | None = None) -> CartState:
    """Everything a cart shows, computed from current data (``fresh_shipping``:
    the shipping methods read from the database, not from this process's copy,
    as placing an order does: it charges what the merchant set)."""
    info = fetch_cart(session, cart, markets, now=now, default_locale=default_locale, seller_vat_id=seller_vat_id,
                      base_currency=base_currency, fresh_shipping=fresh_shipping, tax_provider=tax_provider)
    priced = price_cart(info.inputs)
    return CartState(cart, info.market, priced.items, priced.totals, priced.tax, priced.determination,
                     info.shipping_method, priced.duties, priced.notices, priced.seller_vat_id,
                     priced.tax_provider, priced.tax_calculation_id)


# --- carts of a market -----------------------------------------------------------------------


def _open_in(market: str, now: datetime):
    return (Cart.market_code == market, Cart.status == "open", Cart.expires_at > now)


def open_carts(session: Session, market: str, now: datetime) -> int:
    """How many carts of the market may still check out."""
    return session.scalar(select(func.count()).select_from(Cart).where(*_open_in(market, now))) or 0


def move_open_carts(session: Session, market: str, currency: str, now: datetime) -> int:
    """The market's open carts change to its new currency (they reprice on their next read)."""
    return session.execute(update(Cart).where(*_open_in(market, now)).values(currency=currency)
                           .execution_options(synchronize_session=False)).rowcount


def open_carts_with_methods(session: Session, method_ids: Sequence[int], now: datetime) -> int:
    """How many carts that may still check out have chosen one of these shipping methods."""
    return session.scalar(select(func.count()).select_from(Cart).where(
        Cart.shipping_method_id.in_(list(method_ids)), Cart.status == "open", Cart.expires_at > now)) or 0


def forget_shipping_methods(session: Session, method_ids: Sequence[int]) -> int:
    """Carts that had chosen these methods lose them (the shopper chooses again); how many."""
    return session.execute(update(Cart).where(Cart.shipping_method_id.in_(list(method_ids)))
                           .values(shipping_method_id=None).execution_options(synchronize_session=False)).rowcount or 0
