"""Pricing services: repricing, explicit prices, FX rates and sales.

Services take the session first and never commit; the caller commits once.
Repricing fetches everything it needs with a handful of queries, resolves
with the pure ``storefront.pricing.resolution`` and writes only what changed
(``storefront.pricing.changes``), recording each change of a shopper-visible
regular price in the history.

This module owns two cache namespaces: ``fx`` (the current rates read paths
keep per process; every rate is written by ``set_fx_rate``) and ``prices``
(what shoppers see of prices: resolved prices, explicit prices and sales;
cached catalog responses depend on it)."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from typing import Iterable, Sequence

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.orm import Session

from storefront import listing_book as book
from storefront.catalog.models import Variant
from storefront.catalog.services import variant_by_sku
from storefront.markets.models import Market
from storefront.markets.services import market_by_code
from storefront.money import MAX_FX_RATE, parse_amount, parse_base_price
from babel.numbers import is_currency

from storefront.pricing.changes import DELETE, INSERT, PROVENANCE, RESTATE, UPDATE, Change, write
from storefront.pricing.errors import (
    InvalidFxDate,
    InvalidFxRate,
    InvalidSalePeriod,
    InvalidSaleTime,
    NoExplicitPrice,
    OverlappingSale,
    SaleNotFound,
    UnknownCurrency,
)
from storefront.pricing import minimums
from storefront.pricing.models import FxRate, PriceHistory, ResolvedPrice, SalePrice, VariantPrice
from storefront.pricing.resolution import FxQuote, MarketPricing, Resolved, resolve
from storefront.markets.rounding import parse_rule
from storefront import cache, clock
from storefront.cache import memoized

FX = cache.declare("fx", owner=__name__)
PRICES = cache.declare("prices", owner=__name__)


@dataclass(frozen=True)
class RepriceResult:
    inserted: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    # What was written, in order (storefront.pricing.preview shows the same before).
    changes: tuple[Change, ...] = ()

    @property
    def changed(self) -> int:
        return self.inserted + self.updated + self.removed


@dataclass(frozen=True)
class RepricePlan:
    """What ``reprice`` would write: the changes, and the current provenance
    (``PROVENANCE`` tuple) of every price they touch."""

    changes: tuple[Change, ...]
    before: dict[tuple[int, str], tuple]
    unchanged: int
    markets: dict[str, MarketPricing]


# --- reading ----------------------------------------------------------------------


def market_pricing(session: Session, codes: Iterable[str] | None = None) -> dict[str, MarketPricing]:
    stmt = select(Market.code, Market.currency, Market.price_uplift, Market.derived_rounding)
    if codes is not None:
        stmt = stmt.where(Market.code.in_(list(codes)))
    return {
        r.code: MarketPricing(r.code, r.currency, r.price_uplift, parse_rule(r.derived_rounding))
        for r in session.execute(stmt)
    }


def current_rates(session: Session, base: str, at: date | None = None, *,
                  pending: FxRate | None = None) -> dict[str, FxQuote]:
    """The rate in force on ``at`` (default: today, UTC) per quote currency: the
    latest dated on or before it, never a later one; a merchant rate beats an
    ECB rate of the same date. ``pending``: a rate not stored yet, counted as
    ``set_fx_rate`` would store it (replacing one of its date and source), for
    a preview of what it would reprice."""
    at = at or clock.now().date()
    stmt = select(FxRate.quote, FxRate.rate, FxRate.rate_date, FxRate.source, FxRate.created_at).where(
        FxRate.base == base, FxRate.rate_date <= at)
    rows = list(session.execute(stmt))
    if pending is not None:
        same = (pending.quote, pending.rate_date, pending.source)
        rows = [r for r in rows if (r.quote, r.rate_date, r.source) != same]
        if pending.base == base and pending.rate_date <= at:
            rows.append(pending)
    latest: dict[str, tuple] = {}
    for r in rows:
        key = (r.rate_date, r.source == "merchant", r.created_at)
        if r.quote not in latest or key > latest[r.quote][0]:
            latest[r.quote] = (key, FxQuote(base, r.quote, r.rate, r.rate_date))
    return {quote: quote_ for quote, (_, quote_) in latest.items()}


def cached_current_rates(session: Session, base: str, at: date | None = None) -> dict[str, FxQuote]:
    """``current_rates`` for read paths (a cart's duty estimate), cached per
    process until a rate is written (the ``fx`` version). Paths that write
    what they read (repricing, an order's snapshot) read fresh."""
    at = at or clock.now().date()  # in the key: a rate dated tomorrow applies from tomorrow
    return memoized(session, FX, ("current", base, at), lambda: current_rates(session, base, at))


# --- repricing ----------------------------------------------------------------------


def plan_reprice(
    session: Session,
    *,
    base_currency: str,
    now: datetime,
    variant_ids: Sequence[int] | None = None,
    market_codes: Sequence[str] | None = None,
    base_prices: dict[int, Decimal | None] | None = None,
    explicit_prices: dict[tuple[int, str], Decimal | None] | None = None,
    market_overrides: dict[str, MarketPricing] | None = None,
    rates: dict[str, FxQuote] | None = None,
) -> RepricePlan:
    """What ``reprice`` would write for the given variants and markets (all
    when None), without writing. The optional inputs stand in for what is
    stored (a base price, an explicit price (None: cleared), a market's uplift
    and rule, the current rates), so a change can be previewed before it is
    made (storefront.pricing.preview)."""
    markets = market_pricing(session, market_codes)
    markets.update({code: m for code, m in (market_overrides or {}).items() if code in markets})
    if rates is None:
        rates = current_rates(session, base_currency, now.date())

    def scoped(stmt, variant_col, market_col):
        if variant_ids is not None:
            stmt = stmt.where(variant_col.in_(list(variant_ids)))
        return stmt.where(market_col.in_(list(markets)))

    variants = select(Variant.id, Variant.base_price).order_by(Variant.id)
    if variant_ids is not None:
        variants = variants.where(Variant.id.in_(list(variant_ids)))
    bases = {r.id: r.base_price for r in session.execute(variants)}
    bases.update({vid: amount for vid, amount in (base_prices or {}).items() if vid in bases})
    explicit = {
        (r.variant_id, r.market_code): r.amount
        for r in session.execute(
            scoped(select(VariantPrice.variant_id, VariantPrice.market_code, VariantPrice.amount),
                   VariantPrice.variant_id, VariantPrice.market_code)
        )
    }
    explicit.update(explicit_prices or {})
    existing = {
        (r[0], r[1]): tuple(r[2:])
        for r in session.execute(
            scoped(select(ResolvedPrice.variant_id, ResolvedPrice.market_code,
                          *[getattr(ResolvedPrice, c) for c in PROVENANCE]),
                   ResolvedPrice.variant_id, ResolvedPrice.market_code)
        )
    }
    changes: list[Change] = []
    unchanged = 0
    # Catalogs repeat price points (19.90, 49.00 ...): derive each once per market.
    derived: dict[tuple[Decimal | None, str], Resolved | None] = {}
    for variant_id, base_amount in bases.items():
        for code, market in markets.items():
            key = (variant_id, code)
            amount = explicit.get(key)
            if amount is not None:
                resolved = Resolved(amount=amount, currency=market.currency, source="explicit")
            else:
                memo = (base_amount, code)
                if memo not in derived:
                    derived[memo] = resolve(None, base_amount, base_currency, market, rates.get(market.currency))
                resolved = derived[memo]
            old = existing.get(key)
            if resolved is None:
                if old is not None:
                    changes.append(Change(variant_id, code, DELETE, None))
            elif old is None:
                changes.append(Change(variant_id, code, INSERT, resolved))
            elif old != resolved.provenance():
                changes.append(Change(variant_id, code, UPDATE if old[0] != resolved.amount else RESTATE, resolved))
            else:
                unchanged += 1
    before = {(c.variant_id, c.market_code): existing[(c.variant_id, c.market_code)]
              for c in changes if (c.variant_id, c.market_code) in existing}
    return RepricePlan(tuple(changes), before, unchanged, markets)


def reprice(
    session: Session,
    *,
    base_currency: str,
    now: datetime,
    variant_ids: Sequence[int] | None = None,
    market_codes: Sequence[str] | None = None,
) -> RepriceResult:
    """Bring ``resolved_price`` up to date for the given variants and markets
    (all when None), recording changed prices in the history."""
    plan = plan_reprice(session, base_currency=base_currency, now=now, variant_ids=variant_ids,
                        market_codes=market_codes)
    changes = plan.changes
    write(session, changes, now)
    if changes:
        PRICES.invalidate(session)
        book.touch_in_markets(session, {(c.market_code, c.variant_id) for c in changes})
    counts = Counter(c.kind for c in changes)
    return RepriceResult(counts[INSERT], counts[UPDATE] + counts[RESTATE], counts[DELETE], plan.unchanged, changes)


# --- explicit prices ------------------------------------------------------------------


def explicit_price(session: Session, sku: str, market_code: str) -> Decimal | None:
    return session.scalar(
        select(VariantPrice.amount).join(Variant, Variant.id == VariantPrice.variant_id)
        .where(Variant.sku == sku, VariantPrice.market_code == market_code.upper())
    )


def set_explicit_price(session: Session, sku: str, market_code: str, raw_amount: object, *,
                       base_currency: str, now: datetime) -> tuple[Variant, Market]:
    variant = variant_by_sku(session, sku)
    market = market_by_code(session, market_code)
    amount = parse_amount(raw_amount, market.currency)
    row = session.get(VariantPrice, (variant.id, market.code))
    if row is None:
        session.add(VariantPrice(variant_id=variant.id, market_code=market.code, amount=amount,
                                 currency=market.currency, updated_at=now))
    else:
        row.amount, row.currency = amount, market.currency
    session.flush()
    reprice(session, base_currency=base_currency, now=now, variant_ids=[variant.id], market_codes=[market.code])
    return variant, market


def delete_explicit_price(session: Session, sku: str, market_code: str, *, base_currency: str,
                          now: datetime) -> tuple[Variant, Market]:
    variant = variant_by_sku(session, sku)
    market = market_by_code(session, market_code)
    row = session.get(VariantPrice, (variant.id, market.code))
    if row is None:
        raise NoExplicitPrice(sku=sku, market=market.code)
    session.delete(row)
    session.flush()
    reprice(session, base_currency=base_currency, now=now, variant_ids=[variant.id], market_codes=[market.code])
    return variant, market


def set_base_price(session: Session, sku: str, raw_amount: object, *, base_currency: str,
                   now: datetime) -> Variant:
    """Set the merchant's base price; every market without an explicit price follows."""
    return set_base_price_repriced(session, sku, raw_amount, base_currency=base_currency, now=now)[0]


def set_base_price_repriced(session: Session, sku: str, raw_amount: object, *, base_currency: str,
                            now: datetime) -> tuple[Variant, RepriceResult]:
    """``set_base_price``, with what the repricing wrote."""
    variant = variant_by_sku(session, sku)
    variant.base_price = parse_base_price(raw_amount, base_currency)
    session.flush()
    return variant, reprice(session, base_currency=base_currency, now=now, variant_ids=[variant.id])


# --- FX rates ----------------------------------------------------------------------------


# Rates apply from a date: none before the euro (1999-01-01, the ECB's first
# reference rates), none more than a day ahead (a rate published today for
# tomorrow's opening, in any time zone).
FIRST_FX_DATE = date(1999, 1, 1)


def checked_fx_rate(base: str, quote: str, raw_rate: object, rate_date: date, now: datetime) -> tuple[str, Decimal]:
    """The quote currency (upper case) and the rate, or the first problem with them."""
    quote = quote.upper()
    if quote == base or len(quote) != 3 or not quote.isascii() or not is_currency(quote):
        raise UnknownCurrency(currency=quote[:16])
    try:
        rate = Decimal(str(raw_rate))
    except (InvalidOperation, ValueError):
        raise InvalidFxRate(rate=raw_rate, currency=quote) from None
    if not FIRST_FX_DATE <= rate_date <= now.date() + timedelta(days=1):
        raise InvalidFxDate(date=rate_date.isoformat(), first=FIRST_FX_DATE.isoformat())
    if not rate.is_finite() or rate <= 0 or rate > MAX_FX_RATE or rate != rate.quantize(Decimal("1e-8")):
        raise InvalidFxRate(rate=raw_rate, currency=quote)
    return quote, rate


def set_fx_rate(session: Session, base: str, quote: str, raw_rate: object, rate_date: date, source: str,
                now: datetime) -> FxRate:
    """Store a rate (replacing one of the same date and source)."""
    quote, rate = checked_fx_rate(base, quote, raw_rate, rate_date, now)
    row = session.scalar(select(FxRate).where(FxRate.base == base, FxRate.quote == quote,
                                              FxRate.rate_date == rate_date, FxRate.source == source))
    if row is None:
        row = FxRate(base=base, quote=quote, rate=rate, rate_date=rate_date, source=source, created_at=now)
        session.add(row)
    else:
        row.rate, row.created_at = rate, now
    session.flush()
    FX.invalidate(session)
    return row


def markets_in_currencies(session: Session, currencies: Iterable[str]) -> list[str]:
    return list(session.scalars(select(Market.code).where(Market.currency.in_(list(currencies)))).all())


def fx_rate_history(session: Session, base: str, quote: str | None = None, limit: int = 100) -> list[FxRate]:
    stmt = select(FxRate).where(FxRate.base == base)
    if quote:
        stmt = stmt.where(FxRate.quote == quote.upper())
    return list(session.scalars(stmt.order_by(FxRate.rate_date.desc(), FxRate.quote).limit(limit)).all())


# --- sales ----------------------------------------------------------------------------------


def sale_time(value: datetime) -> datetime:
    """An aware time in UTC; one whose offset takes it past year 1 or 9999
    (``9999-12-31T23:59:59-12:00``) has no UTC equivalent and is refused."""
    try:
        return value.astimezone(timezone.utc)
    except OverflowError:
        raise InvalidSaleTime(value=value.isoformat()) from None


def add_sale(session: Session, sku: str, market_code: str, raw_amount: object, starts_at: datetime,
             ends_at: datetime | None) -> SalePrice:
    starts_at = sale_time(starts_at)
    ends_at = sale_time(ends_at) if ends_at is not None else None
    variant = variant_by_sku(session, sku)
    market = market_by_code(session, market_code)
    amount = parse_amount(raw_amount, market.currency)
    if ends_at is not None and ends_at <= starts_at:
        raise InvalidSalePeriod()
    clash = session.scalar(select(func.count()).select_from(SalePrice).where(
        and_(SalePrice.variant_id == variant.id, SalePrice.market_code == market.code, SalePrice.starts_at == starts_at)))
    if clash:
        raise OverlappingSale(sku=sku, market=market.code)
    sale = SalePrice(variant_id=variant.id, market_code=market.code, amount=amount, currency=market.currency,
                     starts_at=starts_at, ends_at=ends_at)
    session.add(sale)
    session.flush()
    PRICES.invalidate(session)
    book.touch_in_markets(session, [(market.code, variant.id)])
    return sale


def delete_sale(session: Session, sale_id: int, now: datetime) -> SalePrice | None:
    """Cancel a sale. One that has started is ended now instead: shoppers saw
    it, and the price history (EU Omnibus) must keep it. Returns the ended
    sale, or None when a future sale was deleted."""
    sale = session.get(SalePrice, sale_id)
    if sale is None:
        raise SaleNotFound(id=sale_id)
    PRICES.invalidate(session)
    book.touch_in_markets(session, [(sale.market_code, sale.variant_id)])
    if sale.starts_at > now:
        session.delete(sale)
        session.flush()
        return None
    if sale.ends_at is None or sale.ends_at > now:
        sale.ends_at = now
    session.flush()
    return sale


def sales_of(session: Session, variant_id: int) -> list[SalePrice]:
    return list(session.scalars(
        select(SalePrice).where(SalePrice.variant_id == variant_id).order_by(SalePrice.market_code, SalePrice.starts_at)
    ).all())


# --- a market's new currency --------------------------------------------------------------------


def change_market_currency(session: Session, market: str, currency: str, now: datetime) -> dict[str, int]:
    """What was priced in the old currency goes: explicit prices are deleted,
    running sales end now (shoppers saw them: the history keeps them), future
    ones are deleted, and resolved prices and open history rows are closed so
    ``reprice`` writes every price anew in ``currency``."""
    dropped = session.execute(delete(VariantPrice).where(VariantPrice.market_code == market,
                                                         VariantPrice.currency != currency)
                              .execution_options(synchronize_session=False)).rowcount
    in_old = (SalePrice.market_code == market, SalePrice.currency != currency)
    deleted = session.execute(delete(SalePrice).where(*in_old, SalePrice.starts_at > now)
                              .execution_options(synchronize_session=False)).rowcount
    ended = session.execute(update(SalePrice).where(*in_old, SalePrice.starts_at <= now,
                                                    or_(SalePrice.ends_at.is_(None), SalePrice.ends_at > now))
                            .values(ends_at=now).execution_options(synchronize_session=False)).rowcount
    session.execute(update(PriceHistory).where(PriceHistory.market_code == market, PriceHistory.currency != currency,
                                               PriceHistory.valid_to.is_(None))
                    .values(valid_to=now).execution_options(synchronize_session=False))
    session.execute(delete(ResolvedPrice).where(ResolvedPrice.market_code == market, ResolvedPrice.currency != currency)
                    .execution_options(synchronize_session=False))
    minimums.refresh_markets(session.connection(), [market])
    PRICES.invalidate(session)
    book.touch_markets(session, [market])  # the market's currency changed
    return {"dropped_explicit_prices": dropped, "ended_sales": deleted + ended}
