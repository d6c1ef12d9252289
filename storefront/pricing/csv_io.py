"""Price export and import as CSV.

Columns ``sku,market,currency,amount,starts_at,ends_at`` (``currency``,
``starts_at`` and ``ends_at`` optional on import). A row without
``starts_at`` is the variant's explicit regular price in the market (a
literally empty amount removes it, falling back to the derived price); a row with
``starts_at`` is a scheduled sale price (``ends_at`` empty: open-ended).
Times are ISO 8601; without an offset they are UTC.

Import validates every row first and writes nothing if any row is wrong,
reporting each error with its line number (the header is line 1). Every row
has exactly the header's number of fields (a short row would otherwise read as
an empty amount, i.e. a deletion), and the header names each column once."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from storefront import listing_book as book
from storefront.catalog.models import Variant
from storefront.errors import StorefrontError
from storefront.markets.models import Market
from storefront.pricing.errors import (
    BadCsvValue,
    CsvImportFailed,
    DuplicateColumn,
    DuplicateRow,
    InvalidSalePeriod,
    MalformedCsv,
    MissingColumns,
    TooManyRows,
    WrongFieldCount,
)
from storefront.pricing.models import SalePrice, VariantPrice
from storefront.catalog.errors import VariantNotFound
from storefront.markets.errors import CurrencyMismatch, MarketNotFound
from storefront.money import parse_amount
from storefront.pricing.services import PRICES, reprice, sale_time
from storefront.money import quantize

HEADER = ("sku", "market", "currency", "amount", "starts_at", "ends_at")
MAX_ROWS = 100_000


def export_prices(session: Session, market: str | None = None) -> str:
    """Explicit regular prices and scheduled sales as CSV text."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    prices = select(Variant.sku, VariantPrice.market_code, VariantPrice.currency, VariantPrice.amount).join(
        Variant, Variant.id == VariantPrice.variant_id)
    sales = select(Variant.sku, SalePrice.market_code, SalePrice.currency, SalePrice.amount, SalePrice.starts_at,
                   SalePrice.ends_at).join(Variant, Variant.id == SalePrice.variant_id)
    if market:
        prices = prices.where(VariantPrice.market_code == market.upper())
        sales = sales.where(SalePrice.market_code == market.upper())
    rows = [(r.sku, r.market_code, r.currency, _amount(r.amount, r.currency), "", "") for r in session.execute(prices)]
    rows += [
        (r.sku, r.market_code, r.currency, _amount(r.amount, r.currency), r.starts_at.isoformat(),
         r.ends_at.isoformat() if r.ends_at else "")
        for r in session.execute(sales)
    ]
    writer.writerows(sorted(rows))
    return out.getvalue()


def _amount(amount: Decimal, currency: str) -> str:
    return str(quantize(amount, currency))


@dataclass
class Change:
    line: int
    sku: str
    market: str
    kind: str  # "price" | "sale"
    before: str | None
    after: str | None
    starts_at: str | None = None
    ends_at: str | None = None


@dataclass
class ImportResult:
    changed: int
    changes: list[Change] = field(default_factory=list)


@dataclass(frozen=True)
class _Row:
    line: int
    variant_id: int
    sku: str
    market: str
    currency: str
    amount: Decimal | None
    starts_at: datetime | None
    ends_at: datetime | None


def import_prices(session: Session, text: str, *, dry_run: bool, base_currency: str, now: datetime) -> ImportResult:
    rows = _validate(session, text)
    changes = _diff(session, rows)
    if not dry_run and changes:
        _apply(session, rows, changes, base_currency, now)
    return ImportResult(changed=len(changes), changes=changes)


def _parse_time(value: str, column: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise BadCsvValue(value=value, column=column) from None
    return parsed.replace(tzinfo=timezone.utc) if parsed.tzinfo is None else sale_time(parsed)


def _read_rows(text: str) -> list[tuple[int, list[str]]]:
    """(line number, values) of every row; an unreadable file names its line."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    rows = []
    try:
        for values in reader:
            rows.append((reader.line_num, values))
            if len(rows) > MAX_ROWS + 1:
                raise CsvImportFailed([(reader.line_num, TooManyRows(limit=MAX_ROWS))], http_status=413)
    except csv.Error:
        raise CsvImportFailed([(reader.line_num or 1, MalformedCsv())]) from None
    return rows


def _validate(session: Session, text: str) -> list[_Row]:
    rows_read = _read_rows(text)
    header = [h.strip().lower() for h in (rows_read[0][1] if rows_read else [])]
    if not {"sku", "market", "amount"} <= set(header) or not set(header) <= set(HEADER):
        raise CsvImportFailed([(1, MissingColumns(found=", ".join(header) or "-"))])
    twice = sorted({h for h in header if header.count(h) > 1})
    if twice:
        raise CsvImportFailed([(1, DuplicateColumn(column=twice[0]))])
    raw_rows = []
    errors: list[tuple[int, StorefrontError]] = []
    for line, values in rows_read[1:]:
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(header):  # a short row would read as an empty amount: a deletion
            errors.append((line, WrongFieldCount(found=len(values), expected=len(header))))
            continue
        if any("\x00" in v for v in values):  # PostgreSQL text cannot hold NUL
            errors.append((line, MalformedCsv()))
            continue
        raw_rows.append((line, dict(zip(header, (v.strip() for v in values))), dict(zip(header, values))))
    skus = {r.get("sku", "") for _, r, _raw in raw_rows}
    variants = {v.sku: v.id for v in session.execute(select(Variant.sku, Variant.id).where(Variant.sku.in_(skus)))}
    currencies = {m.code: m.currency for m in session.execute(select(Market.code, Market.currency))}
    rows: list[_Row] = []
    seen: dict[tuple, int] = {}
    for line, r, raw in raw_rows:
        try:
            sku, market = r.get("sku", ""), r.get("market", "").upper()
            if sku not in variants:
                raise VariantNotFound(sku=sku)
            if market not in currencies:
                raise MarketNotFound(market=r.get("market", ""))
            currency = currencies[market]
            if r.get("currency") and r["currency"].upper() != currency:
                raise CurrencyMismatch(market=market, expected=currency, currency=r["currency"])
            starts = _parse_time(r["starts_at"], "starts_at") if r.get("starts_at") else None
            ends = _parse_time(r["ends_at"], "ends_at") if r.get("ends_at") else None
            if ends is not None and (starts is None or ends <= starts):
                raise InvalidSalePeriod()
            # Only a literally empty field removes the price; " " is a typo, not a deletion.
            amount = parse_amount(r["amount"], currency) if raw["amount"] != "" else None
            if amount is None and starts is not None:
                raise BadCsvValue(value="", column="amount")
            key = (variants[sku], market, starts)
            if key in seen:
                raise DuplicateRow(line=seen[key])
            seen[key] = line
            rows.append(_Row(line, variants[sku], sku, market, currency, amount, starts, ends))
        except StorefrontError as error:
            errors.append((line, error))
    if errors:
        raise CsvImportFailed(errors)
    return rows


def _diff(session: Session, rows: list[_Row]) -> list[Change]:
    ids = {r.variant_id for r in rows}
    explicit = {(p.variant_id, p.market_code): p.amount for p in session.execute(
        select(VariantPrice.variant_id, VariantPrice.market_code, VariantPrice.amount)
        .where(VariantPrice.variant_id.in_(ids)))} if ids else {}
    sales = {(s.variant_id, s.market_code, s.starts_at): s for s in session.execute(
        select(SalePrice.variant_id, SalePrice.market_code, SalePrice.starts_at, SalePrice.ends_at, SalePrice.amount)
        .where(SalePrice.variant_id.in_(ids)))} if ids else {}
    changes = []
    for r in rows:
        if r.starts_at is None:
            before = explicit.get((r.variant_id, r.market))
            if before != r.amount:
                changes.append(Change(r.line, r.sku, r.market, "price", _text(before, r.currency), _text(r.amount, r.currency)))
        else:
            old = sales.get((r.variant_id, r.market, r.starts_at))
            if old is None or old.amount != r.amount or old.ends_at != r.ends_at:
                changes.append(Change(
                    r.line, r.sku, r.market, "sale", _text(old.amount if old else None, r.currency),
                    _text(r.amount, r.currency), r.starts_at.isoformat(), r.ends_at.isoformat() if r.ends_at else None,
                ))
    return changes


def _text(amount: Decimal | None, currency: str) -> str | None:
    return None if amount is None else _amount(amount, currency)


def _apply(session: Session, rows: list[_Row], changes: list[Change], base_currency: str, now: datetime) -> None:
    changed_lines = {c.line for c in changes}
    touched_variants: set[int] = set()
    touched_markets: set[str] = set()
    for r in rows:
        if r.line not in changed_lines:
            continue
        if r.starts_at is None:
            current = session.get(VariantPrice, (r.variant_id, r.market))
            if r.amount is None:
                if current is not None:
                    session.delete(current)
            elif current is None:
                session.add(VariantPrice(variant_id=r.variant_id, market_code=r.market, amount=r.amount,
                                         currency=r.currency, updated_at=now))
            else:
                current.amount = r.amount
            touched_variants.add(r.variant_id)
            touched_markets.add(r.market)
        else:
            sale = session.scalar(select(SalePrice).where(
                SalePrice.variant_id == r.variant_id, SalePrice.market_code == r.market,
                SalePrice.starts_at == r.starts_at))
            if sale is None:
                session.add(SalePrice(variant_id=r.variant_id, market_code=r.market, amount=r.amount,
                                      currency=r.currency, starts_at=r.starts_at, ends_at=r.ends_at, created_at=now))
            else:
                sale.amount, sale.ends_at = r.amount, r.ends_at
    session.flush()
    PRICES.invalidate(session)  # sales show without repricing
    book.touch_in_markets(session, {(r.market, r.variant_id) for r in rows if r.line in changed_lines})
    if touched_variants:
        reprice(session, base_currency=base_currency, now=now, variant_ids=sorted(touched_variants),
                market_codes=sorted(touched_markets))
