"""Keeping ``product_min_price`` (each product's lowest regular price per
market) equal to what ``resolved_price`` says, inside the caller's transaction.

``storefront.pricing.changes.write`` calls ``refresh_for_variants`` with the
variants and markets a repricing changed; removing a variant calls
``refresh_products``, and a market's change of currency ``refresh_markets``. Small changes rewrite the rows of the products
concerned; large ones (a new FX rate, a new market) rewrite whole markets
with one INSERT ... SELECT ... GROUP BY."""
from __future__ import annotations

from typing import Iterable

from sqlalchemy import delete, func, insert, select
from sqlalchemy.engine import Connection

from storefront.catalog.models import Variant
from storefront.pricing.models import ProductMinPrice, ResolvedPrice

# From this many changed variants on, rewriting the markets whole is cheaper.
WHOLE_MARKETS_FROM = 500


def _minimums():
    return (
        select(Variant.product_id, ResolvedPrice.market_code, func.min(ResolvedPrice.amount))
        .join(Variant, Variant.id == ResolvedPrice.variant_id)
        .group_by(Variant.product_id, ResolvedPrice.market_code)
    )


def _rewrite(connection: Connection, *, products=None, markets: Iterable[str] | None = None) -> None:
    table = ProductMinPrice.__table__
    gone = delete(table)
    fresh = _minimums()
    if products is not None:
        gone = gone.where(table.c.product_id.in_(products))
        fresh = fresh.where(Variant.product_id.in_(products))
    if markets is not None:
        markets = sorted(set(markets))
        gone = gone.where(table.c.market_code.in_(markets))
        fresh = fresh.where(ResolvedPrice.market_code.in_(markets))
    connection.execute(gone)
    connection.execute(insert(table).from_select(["product_id", "market_code", "amount"], fresh))


def refresh_for_variants(connection: Connection, variant_ids: Iterable[int], markets: Iterable[str]) -> None:
    variant_ids, markets = sorted(set(variant_ids)), sorted(set(markets))
    if not variant_ids or not markets:
        return
    if len(variant_ids) >= WHOLE_MARKETS_FROM:
        _rewrite(connection, markets=markets)
        return
    products = sorted(set(connection.scalars(select(Variant.product_id).where(Variant.id.in_(variant_ids)))))
    _rewrite(connection, products=products, markets=markets)


def refresh_markets(connection: Connection, markets: Iterable[str]) -> None:
    """Every row of these markets (after their resolved prices were deleted wholesale)."""
    _rewrite(connection, markets=markets)


def refresh_products(connection: Connection, product_ids: Iterable[int]) -> None:
    """Every market's row of these products (after a variant was removed)."""
    ids = sorted(set(product_ids))
    if ids:
        _rewrite(connection, products=ids)


def rebuild(connection: Connection) -> None:
    _rewrite(connection)
