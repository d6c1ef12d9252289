"""Tax services: loading the rate data and the rates in force.

Taxing an order is pure: ``storefront.checkout.pricing.tax_order`` with the
rates ``components`` loads here. This module owns the ``tax`` cache namespace
(the rates in force per jurisdiction, and the rates the catalog shows):
loading the data and the merchant's overrides invalidate it."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Iterable

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from storefront.cache import memoized
from storefront.tax import taxability
from storefront.tax.calculation import TaxComponent
from storefront.tax.errors import (
    InvalidOverridePeriod,
    InvalidTaxRate,
    JurisdictionNotFound,
    NoTaxData,
    OverrideNotFound,
    OverrideOverlaps,
    UnknownTaxJurisdiction,
)
from storefront.tax.models import TaxJurisdiction, TaxRate
from storefront.tax.rules import US_TERRITORIES
from storefront import cache
from storefront import listing_book as book

DATA_FILE = Path(__file__).resolve().parent / "data" / "rates.json"
TAX = cache.declare("tax", owner=__name__)


def load_rates(session: Session, path: Path = DATA_FILE) -> int:
    """Replace the rate data (merchant overrides stay). Returns the number of rates."""
    data = json.loads(path.read_text(encoding="utf-8"))
    sources = data.get("sources", {})
    session.execute(delete(TaxRate).where(TaxRate.origin == "data"))
    known = set(session.scalars(select(TaxJurisdiction.code)).all())
    count = 0
    for j in data["jurisdictions"]:
        if j["code"] not in known:
            session.add(TaxJurisdiction(code=j["code"], country=j["country"], region=j.get("region"), name=j["name"],
                                        currency=j["currency"], eu=j.get("eu", False)))
        session.flush()
        for r in j["rates"]:
            session.add(TaxRate(
                jurisdiction=j["code"], tax=r["tax"], category=r["category"], rate=Decimal(r["rate"]),
                valid_from=date.fromisoformat(r["valid_from"]),
                valid_to=date.fromisoformat(r["valid_to"]) if r.get("valid_to") else None,
                source=sources.get(r["source"], r["source"])[:200], origin="data",
            ))
            count += 1
    session.flush()
    TAX.invalidate(session)
    book.touch_all(session)  # the rates shown in every listed price
    return count


def check_jurisdiction(session: Session, code: str | None) -> None:
    """A market's tax jurisdiction must be one the rate data (or the merchant) defines."""
    if code and session.get(TaxJurisdiction, code) is None:
        raise UnknownTaxJurisdiction(jurisdiction=code)


def _in_force(on: date):
    return (TaxRate.valid_from <= on) & or_(TaxRate.valid_to.is_(None), TaxRate.valid_to > on)


def _rates_table(session: Session, jurisdiction: str, on: date) -> dict[tuple[str, str], Decimal]:
    rows = memoized(session, TAX, ("rates_in_force", jurisdiction, on), lambda: tuple(session.execute(
        select(TaxRate.tax, TaxRate.category, TaxRate.rate, TaxRate.origin)
        .where(TaxRate.jurisdiction == jurisdiction, _in_force(on))
    ).all()))
    if not rows:
        country, _, region = jurisdiction.partition("-")
        raise NoTaxData(destination=jurisdiction,
                        territory=region if country == "US" and region in US_TERRITORIES else
                        (country if not region else None))
    table: dict[tuple[str, str], tuple[Decimal, str]] = {}
    for r in rows:
        key = (r.tax, r.category)
        if key not in table or r.origin == "override":
            table[key] = (r.rate, r.origin)
    return {key: rate for key, (rate, _) in table.items()}


def _taxes_of(table: dict[tuple[str, str], Decimal], jurisdiction: str,
              treatment: taxability.Treatment) -> tuple[TaxComponent, ...]:
    if treatment.exempt:
        return ()
    taxes = sorted({tax for tax, _ in table}, key=lambda t: (t not in ("GST", "VAT", "HST", "JCT"), t))
    per_tax = dict(treatment.per_tax)
    found = []
    for tax in taxes:
        rate = None
        for category in per_tax.get(tax, treatment.categories) + ("standard",):
            rate = table.get((tax, category))
            if rate is not None:
                break
        if rate is not None and rate > 0:
            found.append(TaxComponent(tax, rate, jurisdiction))
    return tuple(found)


def components(session: Session, jurisdiction: str, categories: Iterable[str], on: date) -> dict[str, tuple[TaxComponent, ...]]:
    """Per tax class (a legacy tax category, or a product tax code: see
    ``storefront.tax.taxability``), the taxes in force in ``jurisdiction`` on
    ``on``: for each tax the class's own rate, else its standard rate. A
    merchant override beats the data for the same tax and category. Codes are
    resolved without a unit price (price thresholds need ``treatment_components``)."""
    table = _rates_table(session, jurisdiction, on)
    return {c: _taxes_of(table, jurisdiction, taxability.resolve(jurisdiction, c, on)) for c in set(categories)}


def treatment_components(session: Session, jurisdiction: str, treatments: Iterable[taxability.Treatment],
                         on: date) -> dict[str, tuple[TaxComponent, ...]]:
    """Per treatment key, the taxes in force in ``jurisdiction`` on ``on``."""
    table = _rates_table(session, jurisdiction, on)
    return {t.key: _taxes_of(table, jurisdiction, t) for t in treatments}


@dataclass(frozen=True)
class RateInForce:
    jurisdiction: str
    name: str
    country: str
    region: str | None
    tax: str
    category: str
    rate: Decimal
    valid_from: date
    valid_to: date | None
    source: str
    origin: str


def rates_in_force(session: Session, on: date, country: str | None = None) -> list[RateInForce]:
    stmt = (
        select(TaxRate, TaxJurisdiction)
        .join(TaxJurisdiction, TaxJurisdiction.code == TaxRate.jurisdiction)
        .where(_in_force(on))
        .order_by(TaxJurisdiction.code, TaxRate.tax, TaxRate.category)
    )
    if country:
        stmt = stmt.where(TaxJurisdiction.country == country.upper())
    rows = session.execute(stmt).all()
    if country and not rows:
        raise JurisdictionNotFound(country=country)
    # A merchant override replaces the data rate of the same tax and category.
    overridden = {(r.jurisdiction, r.tax, r.category) for r, _ in rows if r.origin == "override"}
    rows = [(r, j) for r, j in rows if r.origin == "override" or (r.jurisdiction, r.tax, r.category) not in overridden]
    return [
        RateInForce(j.code, j.name, j.country, j.region, r.tax, r.category, r.rate, r.valid_from, r.valid_to,
                    r.source, r.origin)
        for r, j in rows
    ]


# --- the merchant's overrides ----------------------------------------------------------------

OVERRIDE = "override"
SOURCE = "merchant override"
RATE_DECIMALS = Decimal("1e-8")  # the scale of the ``Rate`` column


def parse_rate(raw: object) -> Decimal:
    """A percentage from 0 to 100 with at most the column's 8 decimals."""
    try:
        rate = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        raise InvalidTaxRate(rate=raw) from None
    if not rate.is_finite() or not 0 <= rate <= 100 or rate != rate.quantize(RATE_DECIMALS):
        raise InvalidTaxRate(rate=raw)
    return rate


def overrides(session: Session, jurisdiction: str | None = None) -> list[TaxRate]:
    """The merchant's overrides, past, current and future."""
    stmt = select(TaxRate).where(TaxRate.origin == OVERRIDE)
    if jurisdiction:
        stmt = stmt.where(TaxRate.jurisdiction == jurisdiction.upper())
    return list(session.scalars(stmt.order_by(TaxRate.jurisdiction, TaxRate.tax, TaxRate.category,
                                              TaxRate.valid_from)))


def create_override(session: Session, data: dict) -> TaxRate:
    """Override the rate of one tax for one category in a jurisdiction on
    [valid_from, valid_to); overrides of the same tax and category never overlap."""
    code = data["jurisdiction"].strip().upper()
    # Locked: overrides of one jurisdiction are created one at a time (no overlap slips in).
    jurisdiction = session.scalar(select(TaxJurisdiction).where(TaxJurisdiction.code == code).with_for_update())
    if jurisdiction is None:
        raise JurisdictionNotFound(country=data["jurisdiction"])
    rate = parse_rate(data["rate"])
    valid_from, valid_to = data["valid_from"], data["valid_to"]
    if valid_to is not None and valid_to <= valid_from:
        raise InvalidOverridePeriod()
    stmt = select(TaxRate).where(
        TaxRate.origin == OVERRIDE, TaxRate.jurisdiction == code, TaxRate.tax == data["tax"],
        TaxRate.category == data["category"], or_(TaxRate.valid_to.is_(None), TaxRate.valid_to > valid_from),
    )
    if valid_to is not None:
        stmt = stmt.where(TaxRate.valid_from < valid_to)
    clash = session.scalars(stmt.order_by(TaxRate.valid_from).limit(1)).first()
    if clash is not None:
        raise OverrideOverlaps(id=clash.id, tax=clash.tax, category=clash.category, jurisdiction=code,
                               details={"id": clash.id, "valid_from": clash.valid_from.isoformat(),
                                        "valid_to": clash.valid_to.isoformat() if clash.valid_to else None})
    row = TaxRate(jurisdiction=code, tax=data["tax"], category=data["category"], rate=rate,
                  valid_from=valid_from, valid_to=valid_to, source=SOURCE, origin=OVERRIDE)
    session.add(row)
    session.flush()
    TAX.invalidate(session)
    book.touch_jurisdiction(session, code)  # the rates its markets' listed prices show
    return row


def delete_override(session: Session, override_id: int) -> TaxRate:
    """Delete an override (the rate data applies again); returns the deleted row."""
    row = session.get(TaxRate, override_id)
    if row is None or row.origin != OVERRIDE:
        raise OverrideNotFound(id=override_id)
    session.delete(row)
    session.flush()
    TAX.invalidate(session)
    book.touch_jurisdiction(session, row.jurisdiction)  # the rates its markets' listed prices show
    return row
