"""The merchant's pricing edits, as the merchant API and the console make them:
each change, the repricing it causes and its audit entry, in one function, so
both front ends share every rule.

Every edit that reprices has a preview: ``preview_*`` computes, without
writing, what the edit would write (``services.plan_reprice`` with the new
value standing in for the stored one), shown per variant and market as the
shopper sees it (net, gross, tax) before and after. ``apply_*`` makes the edit
through the same path as the API; given the preview's ``token`` it refuses
(``PreviewOutdated``, before the caller commits: nothing is written) when what
it wrote is not exactly what the preview showed, e.g. because another
merchant changed a price in between.

Services take the session first and never commit."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Sequence

from moneyed import Money
from sqlalchemy import select
from sqlalchemy.orm import Session

from storefront.admin import audit
from storefront.catalog.models import Product, Variant
from storefront.catalog.services import variant_by_sku
from storefront.markets import services as markets
from storefront.markets.rounding import parse_rule
from storefront.money import parse_base_price
from storefront.pricing import csv_io, fx, services, shelf
from storefront.pricing.changes import PROVENANCE, Change
from storefront.pricing.errors import PreviewOutdated
from storefront.pricing.models import FxRate, SalePrice
from storefront.pricing.resolution import MarketPricing

# Market fields that alter derived prices and can be previewed (a new currency cannot: it drops prices).
MARKET_PRICING_FIELDS = ("price_uplift", "derived_rounding")


@dataclass(frozen=True)
class PriceState:
    """A regular price as the shopper sees it, and how it was made."""

    amount: Decimal  # as stored: gross where the market's prices include tax, before display rounding
    net: Money
    gross: Money
    tax: Money
    source: str  # explicit | derived
    rule: str | None
    fx_rate: Decimal | None
    fx_date: date | None
    uplift: Decimal | None


@dataclass(frozen=True)
class PreviewRow:
    sku: str
    product_id: int
    market: str
    currency: str
    kind: str  # insert | update | restate | delete (storefront.pricing.changes)
    old: PriceState | None
    new: PriceState | None


@dataclass(frozen=True)
class Preview:
    rows: tuple[PreviewRow, ...]
    unchanged: int
    token: str  # names exactly these changes; ``apply_*`` checks it


def _canonical(value: object) -> str:
    # 24.90 and 24.9000 (as a NUMERIC column returns it) are one amount.
    return format(value.normalize(), "f") if isinstance(value, Decimal) else str(value)


def token(changes: Sequence[Change]) -> str:
    """A digest of the changes (variant, market, kind, provenance), order included."""
    digest = hashlib.sha256()
    for c in changes:
        values = c.resolved.provenance() if c.resolved is not None else ()
        digest.update(repr((c.variant_id, c.market_code, c.kind, *map(_canonical, values))).encode())
    return digest.hexdigest()[:32]


def _check(changes: Sequence[Change], expected: str | None) -> None:
    if expected is not None and token(changes) != expected:
        raise PreviewOutdated()


def describe(session: Session, plan: services.RepricePlan, now: datetime) -> Preview:
    """The plan's changes as rows a merchant reads (a constant number of queries)."""
    ids = sorted({c.variant_id for c in plan.changes})
    variants = {r.id: r for r in session.execute(
        select(Variant.id, Variant.sku, Variant.product_id, Product.tax_code, Product.tax_category)
        .join(Product, Product.id == Variant.product_id).where(Variant.id.in_(ids)))} if ids else {}
    views = {m.code: m for m in markets.load_markets(session)}
    wanted = {c.market_code for c in plan.changes}
    classes = {v.tax_code or v.tax_category for v in variants.values()}
    rates = {code: shelf.display_tax_rates(session, views[code], classes, now.date())
             for code in wanted if code in views}

    def state(code: str, tax_class: str, provenance: tuple | None) -> PriceState | None:
        if provenance is None or code not in views:
            return None
        p = dict(zip(PROVENANCE, provenance))
        shown = shelf.variant_shelf_price(views[code], p["amount"], None, None, rates[code].get(tax_class))
        return PriceState(amount=p["amount"], net=shown.net, gross=shown.gross, tax=shown.tax, source=p["source"], rule=p["rule"],
                          fx_rate=p["fx_rate"], fx_date=p["fx_date"], uplift=p["uplift"])

    rows = []
    for c in plan.changes:
        v = variants[c.variant_id]
        tax_class = v.tax_code or v.tax_category
        key = (c.variant_id, c.market_code)
        rows.append(PreviewRow(
            sku=v.sku, product_id=v.product_id, market=c.market_code, currency=plan.markets[c.market_code].currency,
            kind=c.kind, old=state(c.market_code, tax_class, plan.before.get(key)),
            new=state(c.market_code, tax_class, c.resolved.provenance() if c.resolved is not None else None)))
    rows.sort(key=lambda r: (r.product_id, r.sku, r.market))
    return Preview(tuple(rows), plan.unchanged, token(plan.changes))


# --- explicit prices (no preview: one cell changes, and the matrix shows it) -----------------


def set_price(session: Session, sku: str, market: str, raw_amount: object, *, base_currency: str,
              now: datetime) -> tuple[Variant, Any]:
    """Set the explicit price of a variant in a market, audited."""
    before = services.explicit_price(session, sku, market)
    variant, m = services.set_explicit_price(session, sku, market, raw_amount, base_currency=base_currency, now=now)
    audit.record(session, "update" if before else "create", "price", f"{sku}/{m.code}",
                 {"amount": before} if before else None, {"amount": raw_amount, "currency": m.currency})
    return variant, m


def clear_price(session: Session, sku: str, market: str, *, base_currency: str, now: datetime) -> tuple[Variant, Any]:
    """Remove the explicit price (the market falls back to the derived price), audited."""
    before = services.explicit_price(session, sku, market)
    variant, m = services.delete_explicit_price(session, sku, market, base_currency=base_currency, now=now)
    audit.record(session, "delete", "price", f"{sku}/{m.code}", {"amount": before}, None)
    return variant, m


# --- base price ----------------------------------------------------------------------------


def preview_base_price(session: Session, sku: str, raw_amount: object, *, base_currency: str,
                       now: datetime) -> Preview:
    """What setting the base price would reprice (every market without an explicit price)."""
    variant = variant_by_sku(session, sku)
    amount = parse_base_price(raw_amount, base_currency)
    plan = services.plan_reprice(session, base_currency=base_currency, now=now, variant_ids=[variant.id],
                                 base_prices={variant.id: amount})
    return describe(session, plan, now)


def apply_base_price(session: Session, sku: str, raw_amount: object, *, base_currency: str, now: datetime,
                     expected: str | None = None) -> tuple[Variant, services.RepriceResult]:
    """Set the base price, reprice, audit; with ``expected``, only if that is what the preview showed."""
    before = variant_by_sku(session, sku).base_price
    variant, result = services.set_base_price_repriced(session, sku, raw_amount, base_currency=base_currency,
                                                       now=now)
    _check(result.changes, expected)
    audit.record(session, "update", "base_price", sku, {"amount": before}, {"amount": variant.base_price})
    return variant, result


# --- a market's uplift and rounding rule ----------------------------------------------------


def _market_values(session: Session, code: str, values: dict[str, Any]) -> dict[str, Any]:
    """The pricing fields among ``values`` (loaded by the API's market schema), checked as the API does."""
    return markets.checked(session, {k: v for k, v in values.items() if k in MARKET_PRICING_FIELDS}, code)


def preview_market_pricing(session: Session, code: str, values: dict[str, Any], *, base_currency: str,
                           now: datetime) -> Preview:
    """What a new uplift or derived-price rounding rule would reprice in the
    market. The change itself is ``PATCH /admin/markets/{code}``'s
    (``storefront.api.admin.markets.update_market``, shared with the console's
    market form); the console checks the preview's token before calling it."""
    market = markets.market_by_code(session, code)
    checked = _market_values(session, market.code, values)
    pricing = MarketPricing(market.code, market.currency, Decimal(checked.get("price_uplift", market.price_uplift)),
                            parse_rule(checked.get("derived_rounding", market.derived_rounding)))
    plan = services.plan_reprice(session, base_currency=base_currency, now=now, market_codes=[market.code],
                                 market_overrides={market.code: pricing})
    return describe(session, plan, now)


# --- FX rates ---------------------------------------------------------------------------------


def preview_fx_rate(session: Session, quote: str, raw_rate: object, rate_date: date, *, base_currency: str,
                    now: datetime) -> Preview:
    """What a merchant rate would reprice: the markets in that currency, with
    the rate counted as it would be stored (it applies only if it is the one
    in force today)."""
    quote, rate = services.checked_fx_rate(base_currency, quote, raw_rate, rate_date, now)
    codes = services.markets_in_currencies(session, [quote])
    if not codes:
        return Preview((), 0, token(()))
    pending = FxRate(base=base_currency, quote=quote, rate=rate, rate_date=rate_date, source="merchant",
                     created_at=now)
    rates = services.current_rates(session, base_currency, now.date(), pending=pending)
    plan = services.plan_reprice(session, base_currency=base_currency, now=now, market_codes=codes, rates=rates)
    return describe(session, plan, now)


def apply_fx_rate(session: Session, quote: str, raw_rate: object, rate_date: date, *, base_currency: str,
                  now: datetime, expected: str | None = None) -> tuple[FxRate, services.RepriceResult]:
    """Store a merchant rate and reprice its markets, audited as ``PUT /admin/fx-rates/{currency}``."""
    result = fx.set_merchant_rate(session, quote, raw_rate, rate_date, base=base_currency, now=now)
    _check(result.changes, expected)
    row = services.fx_rate_history(session, base_currency, quote, limit=1)[0]
    audit.record(session, "update", "fx_rate", row.quote, None,
                 {"rate": row.rate, "date": row.rate_date, "repriced": result.changed})
    return row, result


# --- sales and CSV ------------------------------------------------------------------------------


def schedule_sale(session: Session, sku: str, market: str, raw_amount: object, starts_at: datetime,
                  ends_at: datetime | None) -> SalePrice:
    """Schedule a sale price (times aware, stored in UTC), audited."""
    sale = services.add_sale(session, sku, market, raw_amount, starts_at, ends_at)
    audit.record(session, "create", "sale", sale.id, None, {"sku": sku, "market": sale.market_code,
                 "amount": sale.amount, "starts_at": sale.starts_at, "ends_at": sale.ends_at})
    return sale


def cancel_sale(session: Session, sale_id: int, now: datetime) -> SalePrice | None:
    """Cancel a sale (a running one ends now, its history stays), audited."""
    ended = services.delete_sale(session, sale_id, now)
    audit.record(session, "end" if ended else "delete", "sale", sale_id, None,
                 {"ends_at": ended.ends_at} if ended else None)
    return ended


def import_prices(session: Session, text: str, *, dry_run: bool, base_currency: str,
                  now: datetime) -> csv_io.ImportResult:
    """Import prices from CSV (``storefront.pricing.csv_io``); a real import is audited, a dry run writes nothing."""
    result = csv_io.import_prices(session, text, dry_run=dry_run, base_currency=base_currency, now=now)
    if not dry_run:
        audit.record(session, "import", "prices", "csv", None,
                     {"changed": result.changed, "lines": [c.line for c in result.changes]})
    return result


def import_ecb_rates(session: Session, xml_bytes: bytes, *, base_currency: str, now: datetime,
                     latest_only: bool = True):
    """Import the ECB reference rates (``storefront.pricing.fx.import_ecb``) and reprice, audited."""
    days, result = fx.import_ecb(session, xml_bytes, base=base_currency, now=now, latest_only=latest_only)
    audit.record(session, "import", "fx_rates", "ecb", None,
                 {"days": [d.date for d in days], "rates": sum(len(d.rates) for d in days),
                  "repriced": result.changed})
    return days, result
