"""Carts: create, change, address, shipping method, and their current totals.

Totals are recomputed on every read from current prices, the destination's
taxes, the shipping method and duties (fetch, then compute)."""
from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Sequence

from sqlalchemy import and_, func, select, update
from sqlalchemy.orm import Session

from storefront.catalog.models import Product, ProductMarket, ProductTranslation, Variant
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
from storefront.checkout.models import Cart, CartLine
from storefront.checkout.totals import Totals, order_totals
from storefront.i18n.fallback import fallback_chain
from storefront.inventory.models import Stock, WarehouseMarket
from storefront.cache import memoized_each
from storefront.catalog.cache import CATALOG
from storefront.markets.models import MarketCountry
from storefront.markets.services import MarketView
from storefront.pricing.queries import effective_prices_statement
from storefront.pricing.services import cached_current_rates
from storefront.shipping.addresses import Address, normalize_address
from storefront.shipping.services import MethodView, methods_for
from storefront.tax.calculation import TaxResult
from storefront.tax.preview import origin_country
from storefront.tax.rules import Destination, Determination
from storefront.tax.services import OrderLine, tax_order
from storefront.tax.vat_ids import validate_vat_id
from storefront.tax.calculation import LineInput, calculate
from storefront.tax.services import components

MAX_QUANTITY = 99
MAX_LINES = 100


@dataclass(frozen=True)
class Notice:
    code: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ItemView:
    sku: str
    variant_id: int
    product_slug: str
    name: str
    quantity: int
    unit_price: Decimal
    total: Decimal
    available: bool
    tax_category: str


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


def free_stock(session: Session, market: str, variant_ids: Sequence[int]) -> dict[int, int]:
    """Units not reserved, in the warehouses serving the market."""
    rows = session.execute(
        select(Stock.variant_id, func.sum(Stock.quantity - Stock.reserved))
        .join(WarehouseMarket, WarehouseMarket.warehouse_code == Stock.warehouse_code)
        .where(WarehouseMarket.market_code == market, Stock.variant_id.in_(variant_ids))
        .group_by(Stock.variant_id)
    ).all()
    return {variant_id: int(free or 0) for variant_id, free in rows}


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
               seller_vat_id: str | None, base_currency: str, fresh_shipping: bool = False) -> CartState:
    """Everything a cart shows, computed from current data (``fresh_shipping``:
    the shipping methods read from the database, not from this process's copy,
    as placing an order does: it charges what the merchant set)."""
    market = next(m for m in markets if m.code == cart.market_code)
    ids = [line.variant_id for line in cart.lines]
    prices = dict(session.execute(effective_prices_statement(market.code, ids, now)).all()) if ids else {}
    info = _variant_info(session, ids, fallback_chain(cart.locale, default_locale)) if ids else {}
    stock = free_stock(session, market.code, ids) if ids else {}
    items = []
    for line in cart.lines:
        sku, slug, name, category = info[line.variant_id]
        unit = prices.get(line.variant_id)
        available = unit is not None and stock.get(line.variant_id, 0) >= line.quantity
        unit = unit if unit is not None else Decimal(0)
        items.append(ItemView(sku, line.variant_id, slug, name, line.quantity, unit, unit * line.quantity, available,
                              category))
    address = cart.address
    methods = shipping_methods(session, cart, default_locale, fresh=fresh_shipping)
    method = next((m for m in methods if m.id == cart.shipping_method_id), None)
    goods = sum((i.total for i in items if i.available), Decimal(0))
    shipping = method.price_for(goods) if method else Decimal(0)
    notices: list[Notice] = []
    order_lines = [OrderLine(i.sku, i.total, i.tax_category) for i in items if i.available]
    determination, assessment, duties, seller = None, None, Decimal(0), None
    if address is not None:
        origin = origin_country(session, market.code, address["country"],
                                [(i.variant_id, i.quantity) for i in items if i.available])

        def taxed_for(vat_at_border: bool):
            return tax_order(
                session, currency=market.currency, prices_include_tax=market.prices_include_tax,
                rounding=market.tax_rounding, lines=order_lines, shipping=shipping,
                destination=Destination(address["country"], address.get("region")), origin_country=origin,
                vat_id=address.get("vat_id"), seller_vat_id=seller_vat_id, on=now.date(), vat_at_border=vat_at_border,
            )

        taxed = taxed_for(False)
        assessment = _assess_duties(session, market, market.incoterm, items, taxed.result, origin,
                                    address["country"], now, base_currency)
        if assessment.vat_at_border and market.incoterm == "DAP":
            taxed = taxed_for(True)
        determination, tax, seller = taxed.determination, taxed.result, taxed.seller_vat_id
        duties = assessment.charged
        notices += [Notice(code) for code in determination.notices + assessment.notices]
    else:
        tax = _tax_without_address(session, market, order_lines, shipping, now)
        if not market.prices_include_tax:
            notices.append(Notice("tax_at_address"))
    if method is not None and method.free_over is not None and shipping == 0 and method.rate:
        notices.append(Notice("free_shipping"))
    totals = order_totals(tax, tax_included=market.prices_include_tax and not (determination and determination.zero_rated),
                          duties=duties)
    return CartState(cart, market, tuple(items), totals, tax, determination, method, assessment, tuple(notices), seller)


def _assess_duties(session: Session, market: MarketView, incoterm: str, items: Sequence[ItemView], tax: TaxResult,
                   origin: str, destination: str, now: datetime, base_currency: str) -> duties_engine.Assessment:
    """Duties on the goods' customs value (their net price), thresholds
    compared in the regime's currency with the current FX rates."""
    rates = cached_current_rates(session, base_currency)

    def per_base(currency: str) -> Decimal:
        if currency == base_currency:
            return Decimal(1)
        return rates[currency].rate if currency in rates else Decimal(0)

    def value_in(amount: Decimal, currency: str) -> Decimal:
        have, want = per_base(market.currency), per_base(currency)
        return amount / have * want if have and want else amount

    def amount_from(amount: Decimal, currency: str) -> Decimal:
        have, want = per_base(currency), per_base(market.currency)
        return amount / have * want if have and want else amount

    codes = _hs_codes(session, [i.variant_id for i in items])
    hs = {i.sku: codes.get(i.variant_id) for i in items}
    lines = [duties_engine.DutyLine(t.key, hs.get(t.key), t.net) for t in tax.lines]
    return duties_engine.assess(lines, origin=origin, destination=destination, on=now.date(), currency=market.currency,
                                incoterm=incoterm, value_in=value_in, amount_from=amount_from)


def _tax_without_address(session: Session, market: MarketView, lines: list[OrderLine], shipping: Decimal,
                         now: datetime) -> TaxResult:
    """Before an address is known: the market's own taxes (as the catalog shows
    them) where prices include tax; none yet where tax is added at the end."""
    comps: dict[str, tuple] = {}
    if market.prices_include_tax and market.tax_jurisdiction:
        comps = components(session, market.tax_jurisdiction, {line.category for line in lines} or {"standard"},
                           now.date())
    inputs = [LineInput(line.key, line.amount, comps.get(line.category, ())) for line in lines]
    return calculate(inputs, currency=market.currency, prices_include_tax=market.prices_include_tax,
                     shipping=shipping)


def _variant_info(session: Session, ids: Sequence[int], chain: Sequence[str]) -> dict[int, tuple[str, str, str, str]]:
    """(sku, slug, name, tax category) per variant along ``chain``, cached per
    process until a catalog change (each cart read needs them)."""
    return memoized_each(session, CATALOG, f"variant_info:{' '.join(chain)}", ids,
                         lambda missing: _load_variant_info(session, missing, chain))


def _hs_codes(session: Session, ids: Sequence[int]) -> dict[int, str | None]:
    """Tariff codes per variant (cached like ``_variant_info``)."""
    def load(missing):
        return dict(session.execute(select(Variant.id, Product.hs_code).join(Product, Product.id == Variant.product_id)
                                    .where(Variant.id.in_(missing))).all())

    return memoized_each(session, CATALOG, "hs_codes", ids, load)


def _load_variant_info(session: Session, ids: Sequence[int], chain: Sequence[str]) -> dict[int, tuple[str, str, str, str]]:
    rows = session.execute(
        select(Variant.id, Variant.sku, Product.tax_category, ProductTranslation.locale, ProductTranslation.name,
               ProductTranslation.slug)
        .join(Product, Product.id == Variant.product_id)
        .join(ProductTranslation, ProductTranslation.product_id == Product.id)
        .where(Variant.id.in_(ids), ProductTranslation.locale.in_(list(chain)))
    ).all()
    rank = {tag: i for i, tag in enumerate(chain)}
    best: dict[int, tuple] = {}
    for r in rows:
        if r.id not in best or rank[r.locale] < best[r.id][0]:
            best[r.id] = (rank[r.locale], (r.sku, r.slug, r.name, r.tax_category))
    missing = [i for i in ids if i not in best]
    for r in () if not missing else session.execute(select(Variant.id, Variant.sku, Product.key, Product.tax_category)
                             .join(Product, Product.id == Variant.product_id).where(Variant.id.in_(missing))):
        best[r.id] = (0, (r.sku, r.key, r.key, r.tax_category))
    return {variant_id: value for variant_id, (_, value) in best.items()}


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
