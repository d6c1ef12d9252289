"""SQL for prices in force: sales, effective amounts, price periods."""
from __future__ import annotations

from datetime import datetime
from typing import Sequence

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select

from storefront.pricing.models import PriceHistory, ResolvedPrice, SalePrice


def active_sales_subquery(market: str, now: datetime):
    """The lowest sale price in force per variant in ``market`` at ``now``."""
    return (
        select(SalePrice.variant_id.label("variant_id"), func.min(SalePrice.amount).label("sale_amount"))
        .where(SalePrice.market_code == market, SalePrice.starts_at <= now,
               or_(SalePrice.ends_at.is_(None), SalePrice.ends_at > now))
        .group_by(SalePrice.variant_id)
        .subquery("active_sales")
    )


def effective_amount(sales) -> ColumnElement:
    """The price a shopper pays now: a sale price below the regular one, else the regular one."""
    return case(
        (and_(sales.c.sale_amount.is_not(None), sales.c.sale_amount < ResolvedPrice.amount), sales.c.sale_amount),
        else_=ResolvedPrice.amount,
    )


def active_sales_statement(market: str, variant_ids: Sequence[int], now: datetime) -> Select:
    """The sales in force for the variants, with their start."""
    return select(SalePrice.variant_id, SalePrice.amount, SalePrice.starts_at).where(
        SalePrice.market_code == market, SalePrice.variant_id.in_(variant_ids), SalePrice.starts_at <= now,
        or_(SalePrice.ends_at.is_(None), SalePrice.ends_at > now),
    )


def price_periods_statements(market: str, variant_ids: Sequence[int], since: datetime, until: datetime):
    """Regular prices and sales of the variants visible at some time in [since, until)."""
    history = select(PriceHistory.variant_id, PriceHistory.amount, PriceHistory.valid_from,
                     PriceHistory.valid_to).where(
        PriceHistory.market_code == market, PriceHistory.variant_id.in_(variant_ids),
        PriceHistory.valid_from < until, or_(PriceHistory.valid_to.is_(None), PriceHistory.valid_to > since),
    )
    sales = select(SalePrice.variant_id, SalePrice.amount, SalePrice.starts_at, SalePrice.ends_at).where(
        SalePrice.market_code == market, SalePrice.variant_id.in_(variant_ids),
        SalePrice.starts_at < until, or_(SalePrice.ends_at.is_(None), SalePrice.ends_at > since),
    )
    return history, sales


def all_markets_active_sales_statement(variant_ids: Sequence[int], now: datetime) -> Select:
    """The sales in force for the variants in every market."""
    return select(SalePrice.id, SalePrice.variant_id, SalePrice.market_code, SalePrice.amount, SalePrice.starts_at,
                  SalePrice.ends_at).where(
        SalePrice.variant_id.in_(variant_ids), SalePrice.starts_at <= now,
        or_(SalePrice.ends_at.is_(None), SalePrice.ends_at > now),
    )


def effective_prices_statement(market: str, variant_ids: Sequence[int], now: datetime) -> Select:
    """(variant id, the price a shopper pays now) in ``market``."""
    sales = active_sales_subquery(market, now)
    return (
        select(ResolvedPrice.variant_id, effective_amount(sales).label("amount"))
        .outerjoin(sales, sales.c.variant_id == ResolvedPrice.variant_id)
        .where(ResolvedPrice.market_code == market, ResolvedPrice.variant_id.in_(variant_ids))
    )
