"""The price matrix: a product's price in every market, side by side, with how
each price was made (explicit or derived: base, FX rate and date, uplift,
rule) and the sale in force."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from moneyed import Money
from sqlalchemy import select
from sqlalchemy.orm import Session

from storefront.catalog.models import Product, Variant
from storefront.markets.services import MarketView, load_markets
from storefront.pricing import queries, shelf
from storefront.pricing.display import ShelfPrice
from storefront.catalog.errors import ProductNotFound
from storefront.pricing.models import ResolvedPrice


@dataclass(frozen=True)
class SaleInForce:
    id: int
    amount: Money
    starts_at: datetime
    ends_at: datetime | None
    prior_price: Money | None


@dataclass(frozen=True)
class MatrixCell:
    market: str
    currency: str
    source: str
    price: ShelfPrice  # the regular price
    tax_included: bool
    base: Money | None
    fx_rate: Decimal | None
    fx_date: date | None
    uplift: Decimal | None
    rule: str | None
    sale: SaleInForce | None


@dataclass(frozen=True)
class MatrixRow:
    sku: str
    base_price: Money | None
    markets: tuple[MatrixCell, ...]


@dataclass(frozen=True)
class Matrix:
    product_id: int
    product_key: str
    variants: tuple[MatrixRow, ...]


def price_matrix(session: Session, product_id: int, *, base_currency: str, now: datetime) -> Matrix:
    product = session.get(Product, product_id)
    if product is None:
        raise ProductNotFound(product=product_id)
    markets = load_markets(session)
    variants = session.execute(
        select(Variant.id, Variant.sku, Variant.base_price).where(Variant.product_id == product_id)
        .order_by(Variant.position, Variant.id)
    ).all()
    ids = [v.id for v in variants]
    tax_class = product.tax_code or product.tax_category
    rates = {m.code: shelf.display_tax_rates(session, m, {tax_class}, now.date()).get(tax_class) for m in markets}
    resolved = {(r.variant_id, r.market_code): r for r in session.scalars(
        select(ResolvedPrice).where(ResolvedPrice.variant_id.in_(ids)))}
    sales = _sales(session, markets, ids, now)
    rows = []
    for v in variants:
        cells = []
        for m in markets:
            r = resolved.get((v.id, m.code))
            if r is None:
                continue
            cells.append(MatrixCell(
                market=m.code, currency=m.currency, source=r.source,
                price=shelf.variant_shelf_price(m, r.amount, None, None, rates[m.code]),
                tax_included=m.prices_include_tax,
                base=Money(r.base_amount, r.base_currency) if r.base_amount is not None else None,
                fx_rate=r.fx_rate, fx_date=r.fx_date, uplift=r.uplift, rule=r.rule,
                sale=sales.get((v.id, m.code)),
            ))
        base = Money(v.base_price, base_currency) if v.base_price is not None else None
        rows.append(MatrixRow(sku=v.sku, base_price=base, markets=tuple(cells)))
    return Matrix(product_id=product.id, product_key=product.key, variants=tuple(rows))


def _sales(session: Session, markets: list[MarketView], ids: list[int], now: datetime) -> dict:
    """(variant id, market) -> the lowest sale in force, with its prior price."""
    found: dict[tuple[int, str], SaleInForce] = {}
    by_market: dict[str, list] = defaultdict(list)
    for r in session.execute(queries.all_markets_active_sales_statement(ids, now)):
        by_market[r.market_code].append(r)
    for m in markets:
        rows = by_market.get(m.code)
        if not rows:
            continue
        priors = shelf.prior_prices(session, m.code, sorted({r.variant_id for r in rows}), now)
        for r in sorted(rows, key=lambda r: (r.amount, r.starts_at), reverse=True):
            prior = priors.get(r.variant_id)
            shown = shelf.variant_shelf_price(m, r.amount, None, None)
            prior_shown = shelf.variant_shelf_price(m, prior, None, None) if prior is not None else None
            pick = (lambda p: p.gross if m.prices_include_tax else p.net)
            found[(r.variant_id, m.code)] = SaleInForce(
                id=r.id, amount=pick(shown), starts_at=r.starts_at, ends_at=r.ends_at,
                prior_price=pick(prior_shown) if prior_shown is not None else None,
            )
    return found
