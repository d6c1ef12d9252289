"""Loading what pricing a cart needs, then handing it to the pure
``storefront.checkout.pricing`` (fetch, then compute; saleor
``checkout/fetch.py``).

A constant number of queries whatever the number of lines: the prices in
force, the free stock and the shipping warehouse's stock for all lines at
once. Variant names, tax categories and tariff codes, shipping zones,
warehouses, tax rates and FX rates come from the per-process caches
(``storefront.markets.cache``), a query each only when a merchant change has
made them stale."""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storefront.catalog.models import Product, ProductTranslation, Variant
from storefront.checkout.models import Cart
from storefront.checkout.pricing import (
    CartInputs,
    FxRates,
    LineInfo,
    MarketTerms,
    ShippingChoice,
    customs_destination,
    fx_currencies,
    tax_jurisdiction,
)
from storefront.i18n.fallback import fallback_chain
from storefront.inventory.models import Stock, WarehouseMarket
from storefront.inventory.services import ship_from
from storefront.cache import memoized_each
from storefront.catalog.cache import CATALOG
from storefront.markets.services import MarketView
from storefront.money import quantize
from storefront.catalog.errors import VariantNotFound
from storefront.pricing.queries import effective_prices_statement
from storefront.markets.services import market_by_code
from storefront.pricing.services import cached_current_rates
from storefront.shipping.services import MethodView, methods_for
from storefront.tax import taxability
from storefront.tax.providers import (
    ProviderAddress,
    ProviderLine,
    ProviderRequest,
    TaxProvider,
    provider_tax_code,
    shipping_taxed,
    to_components,
    untaxed_part,
)
from storefront.tax.rules import Destination
from storefront.tax.services import treatment_components


# sku, product slug, name, tax category, HS code, tax code, country of origin, weight (g)
VariantInfo = tuple[str, str, str, str, "str | None", "str | None", "str | None", "int | None"]


@dataclass(frozen=True)
class CartInfo:
    """A cart with what its state shows beside the prices, and the pricing inputs."""

    cart: Cart
    market: MarketView
    shipping_method: MethodView | None
    inputs: CartInputs


def fetch_cart(session: Session, cart: Cart, markets: Sequence[MarketView], *, now: datetime, default_locale: str,
               seller_vat_id: str | None, base_currency: str, fresh_shipping: bool = False,
               tax_provider: TaxProvider | None = None) -> CartInfo:
    """Current prices (at ``now``), stock, shipping, taxes and FX rates for ``cart``
    (``fresh_shipping``: the shipping methods read from the database, not this process's copy;
    ``tax_provider``: who taxes an addressed cart where it applies, None the built-in tables)."""
    market = next(m for m in markets if m.code == cart.market_code)
    ids = [line.variant_id for line in cart.lines]
    prices = dict(session.execute(effective_prices_statement(market.code, ids, now)).all()) if ids else {}
    variants = variant_info(session, ids, fallback_chain(cart.locale, default_locale)) if ids else {}
    stock = free_stock(session, market.code, ids) if ids else {}
    lines = tuple(_line(line.variant_id, line.quantity, variants[line.variant_id], prices.get(line.variant_id),
                        stock.get(line.variant_id, 0)) for line in cart.lines)
    address = cart.address
    methods = methods_for(session, market.code, (address or {}).get("country"), cart.locale, default_locale,
                          fresh=fresh_shipping)
    method = next((m for m in methods if m.id == cart.shipping_method_id), None)
    on = now.date()
    terms = MarketTerms(market.code, market.currency, market.prices_include_tax, market.tax_rounding, market.incoterm)
    choice = ShippingChoice(method.rate, method.free_over) if method is not None else None
    if address is None:
        own = None
        shipping_taxable = True
        if market.prices_include_tax and market.tax_jurisdiction:
            lines, own = _taxability(session, market.tax_jurisdiction, lines, on, market.currency, base_currency)
            shipping_taxable = taxability.shipping_taxable(market.tax_jurisdiction, on)
        inputs = CartInputs(terms, lines, on, FxRates(base_currency), own, seller_vat_id=seller_vat_id,
                            shipping_method=choice, shipping_taxable=shipping_taxable)
    else:
        destination = Destination(address["country"], address.get("region"), address.get("postal_code"),
                                  address.get("city"))
        inputs = _addressed(session, terms, lines, on, destination, address.get("vat_id"), base_currency,
                            seller_vat_id=seller_vat_id, shipping_method=choice)
        inputs = provided_taxes(inputs, tax_provider, address)
    return CartInfo(cart, market, method, inputs)


def _line(variant_id: int, quantity: int, info: VariantInfo, price: Decimal | None, free: int) -> LineInfo:
    sku, slug, name, category, hs_code, tax_code, origin, weight = info
    return LineInfo(variant_id, sku, slug, name, quantity, price, free, category, hs_code, tax_code,
                    origin_country=origin, weight_grams=weight)


def fetch_quote(session: Session, *, market_code: str, items: Sequence[tuple[str, int]], shipping: Decimal,
                destination: Destination, vat_id: str | None, seller_vat_id: str | None, now: datetime, on: date,
                base_currency: str, tax_provider: TaxProvider | None = None) -> CartInputs:
    """A would-be order of (sku, quantity) at current prices (at ``now``),
    taxed and assessed as on ``on``; stock is not checked. ``tax_provider``
    taxes it where it applies to the destination, as checkout does (None: the
    built-in tables, an estimate for the US)."""
    market = market_by_code(session, market_code)
    skus = [sku for sku, _ in items]
    variants = {v.sku: v for v in session.execute(
        select(Variant.id, Variant.sku, Product.key, Product.tax_category, Product.hs_code, Product.tax_code,
               Product.origin_country, Product.weight_grams)
        .join(Product, Product.id == Variant.product_id).where(Variant.sku.in_(skus)))}
    for sku in skus:
        if sku not in variants:
            raise VariantNotFound(sku=sku)
    prices = dict(session.execute(effective_prices_statement(market.code, [v.id for v in variants.values()], now)).all())
    lines = []
    for sku, quantity in items:
        v = variants[sku]
        if v.id not in prices:
            raise VariantNotFound(sku=sku)
        lines.append(LineInfo(v.id, v.sku, v.key, v.key, quantity, prices[v.id], None, v.tax_category, v.hs_code,
                              v.tax_code, origin_country=v.origin_country, weight_grams=v.weight_grams))
    terms = MarketTerms(market.code, market.currency, market.prices_include_tax, market.tax_rounding, market.incoterm)
    inputs = _addressed(session, terms, tuple(lines), on, destination, vat_id, base_currency,
                        seller_vat_id=seller_vat_id, shipping_amount=shipping)
    return provided_taxes(inputs, tax_provider, {"postal_code": destination.postal_code, "city": destination.city})


def _addressed(session: Session, market: MarketTerms, lines: tuple[LineInfo, ...], on: date, destination: Destination,
               vat_id: str | None, base_currency: str, **extra) -> CartInputs:
    """Inputs for a known destination: the shipping warehouse's country, the
    rates of the jurisdiction that taxes the order, and the FX rates duties need."""
    origin = origin_country(session, market.code, destination.country,
                            [(line.variant_id, line.quantity) for line in lines if line.available])
    jurisdiction = tax_jurisdiction(destination, origin, vat_id)
    lines, rates = _taxability(session, jurisdiction, lines, on, market.currency, base_currency)
    fx = fx_rates(session, base_currency,
                  fx_currencies(market.currency, origin, customs_destination(destination, origin), on), on)
    return CartInputs(market, lines, on, fx, rates, destination, origin, vat_id,
                      shipping_taxable=taxability.shipping_taxable(jurisdiction, on), **extra)


def provided_taxes(inputs: CartInputs, provider: TaxProvider | None, address: dict) -> CartInputs:
    """The taxes of an addressed order from ``provider`` where it applies to
    the destination (``storefront.tax.providers``): each sold line gets its
    own components (key ``<provider>:<sku>``) and untaxed part, the shipping
    is taxed or not as the provider says; the amounts stay the calculation's
    (rounded once). Where the built-in tables tax a US destination (state
    base rates), the cart says the tax is an estimate."""
    destination = inputs.destination
    assert destination is not None
    country = destination.country.upper()
    if provider is None or not provider.applies_to(country):
        return replace(inputs, tax_estimate=country == "US")
    market = inputs.market
    sold = [line for line in inputs.lines if line.available]
    if not sold:
        return replace(inputs, tax_provider=provider.name)
    goods = sum((line.unit_price * line.quantity for line in sold), Decimal(0))  # type: ignore[operator]
    if inputs.shipping_amount is not None:
        shipping = inputs.shipping_amount
    else:
        shipping = inputs.shipping_method.price_for(goods) if inputs.shipping_method is not None else Decimal(0)
    request = ProviderRequest(
        currency=market.currency,
        lines=tuple(ProviderLine(line.sku, line.unit_price * line.quantity, line.quantity,  # type: ignore[operator]
                                 provider_tax_code(line.tax_code, line.tax_category)) for line in sold),
        shipping=shipping,
        address=ProviderAddress(country, destination.region, address.get("postal_code"), address.get("city"),
                                address.get("line1")),
        tax_behavior="inclusive" if market.prices_include_tax else "exclusive",
    )
    result = provider.calculate(request)
    jurisdiction = tax_jurisdiction(destination, inputs.origin_country, inputs.vat_id)
    rates = dict(inputs.tax_rates or {})
    lines = []
    for line in inputs.lines:
        if not line.available:
            lines.append(line)
            continue
        taxes = result.lines[line.sku]
        key = f"{provider.name}:{line.sku}"
        rates[key] = to_components(taxes, jurisdiction)
        untaxed = untaxed_part(taxes, line.unit_price * line.quantity)  # type: ignore[operator]
        lines.append(replace(line, tax_key=key, untaxed_per_unit=quantize(untaxed / line.quantity, market.currency)))
    return replace(inputs, lines=tuple(lines), tax_rates=rates, shipping_taxable=shipping_taxed(result),
                   tax_provider=result.provider, tax_calculation_id=result.calculation_id)


def _taxability(session: Session, jurisdiction: str, lines: tuple[LineInfo, ...], on: date, currency: str,
                base_currency: str) -> tuple[tuple[LineInfo, ...], dict]:
    """Each line's treatment in ``jurisdiction`` (its tax code, at its unit
    price, or its tax category) and the taxes of every treatment. A price
    threshold in another currency (NY's USD 110 in a EUR market) is compared
    at the stored FX rates."""
    fx: list[FxRates] = []

    def convert(amount: Decimal, source: str, target: str) -> Decimal:
        if not fx:
            fx.append(fx_rates(session, base_currency, frozenset({source, target}), on))
        return fx[0].convert(amount, source, target)

    treated, treatments = [], {}
    for line in lines:
        treatment = taxability.resolve(jurisdiction, line.tax_code or line.tax_category, on,
                                       unit_price=line.unit_price, currency=currency, convert=convert)
        untaxed = quantize(min(treatment.untaxed_per_unit, line.unit_price or Decimal(0)), currency)
        treated.append(replace(line, tax_key=treatment.key, untaxed_per_unit=untaxed))
        treatments[treatment.key] = treatment
    if not treatments:
        treatments["standard"] = taxability.legacy("standard")
    return tuple(treated), treatment_components(session, jurisdiction, treatments.values(), on)


def origin_country(session: Session, market: str, destination: str | None = None,
                   items: Sequence[tuple[int, int]] = ()) -> str:
    """Where the goods leave from: the warehouse that will ship them ("" when the market has none)."""
    found = ship_from(session, market, destination, items)
    return found[1] if found else ""


def fx_rates(session: Session, base_currency: str, currencies: frozenset[str], on: date) -> FxRates:
    """The stored rates of ``currencies`` in force on ``on`` (cached per
    process); a missing one is left out, and pricing refuses to convert with it."""
    needed = currencies - {base_currency}
    if not needed:
        return FxRates(base_currency)
    stored = cached_current_rates(session, base_currency, on)
    return FxRates(base_currency, {c: stored[c].rate for c in sorted(needed) if c in stored})


def free_stock(session: Session, market: str, variant_ids: Sequence[int]) -> dict[int, int]:
    """Units not reserved, in the warehouses serving the market."""
    rows = session.execute(
        select(Stock.variant_id, func.sum(Stock.quantity - Stock.reserved))
        .join(WarehouseMarket, WarehouseMarket.warehouse_code == Stock.warehouse_code)
        .where(WarehouseMarket.market_code == market, Stock.variant_id.in_(variant_ids))
        .group_by(Stock.variant_id)
    ).all()
    return {variant_id: int(free or 0) for variant_id, free in rows}


def variant_info(session: Session, ids: Sequence[int], chain: Sequence[str]) -> dict[int, VariantInfo]:
    """Per variant, its names along ``chain`` and its customs and tax facts,
    cached per process until a merchant change (each cart read needs them)."""
    return memoized_each(session, CATALOG, f"cart_variants_coded:{' '.join(chain)}", ids,
                         lambda missing: _load_variant_info(session, missing, chain))


def _load_variant_info(session: Session, ids: Sequence[int], chain: Sequence[str]) -> dict[int, VariantInfo]:
    rows = session.execute(
        select(Variant.id, Variant.sku, Product.tax_category, Product.hs_code, Product.tax_code, Product.origin_country,
               Product.weight_grams, ProductTranslation.locale, ProductTranslation.name, ProductTranslation.slug)
        .join(Product, Product.id == Variant.product_id)
        .join(ProductTranslation, ProductTranslation.product_id == Product.id)
        .where(Variant.id.in_(ids), ProductTranslation.locale.in_(list(chain)))
    ).all()
    rank = {tag: i for i, tag in enumerate(chain)}
    best: dict[int, tuple[int, VariantInfo]] = {}
    for r in rows:
        if r.id not in best or rank[r.locale] < best[r.id][0]:
            best[r.id] = (rank[r.locale], (r.sku, r.slug, r.name, r.tax_category, r.hs_code, r.tax_code,
                                           r.origin_country, r.weight_grams))
    missing = [i for i in ids if i not in best]
    if missing:  # no translation along the chain: the product key stands in
        for r in session.execute(select(Variant.id, Variant.sku, Product.key, Product.tax_category, Product.hs_code,
                                        Product.tax_code, Product.origin_country, Product.weight_grams)
                                 .join(Product, Product.id == Variant.product_id).where(Variant.id.in_(missing))):
            best[r.id] = (0, (r.sku, r.key, r.key, r.tax_category, r.hs_code, r.tax_code, r.origin_country,
                              r.weight_grams))
    return {variant_id: value for variant_id, (_, value) in best.items()}

