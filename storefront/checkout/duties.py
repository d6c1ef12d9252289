"""Duties and import taxes when goods cross a customs border.

Pure. The regimes are dated data (storefront/checkout/data/customs.json, with
their sources and [UNSURE] points): a threshold on the consignment's
intrinsic value in the regime's currency, and below/above it a treatment of
duty (``none``, ``ad_valorem`` by HS chapter, ``flat_per_category``: an amount
per distinct 6-digit tariff subheading, the EU's EUR 3 from 2026-07-01) and of
import VAT (collected at ``checkout`` by the seller — IOSS, UK, AU, VOEC —,
at the ``border``, or ``none``). Goods moving inside a customs union (EU,
CH+LI) cross no border.

The market's incoterm decides who pays: DDP charges the estimated duties at
checkout; DAP charges none and says duties and import taxes are due on
delivery (and where import VAT is collected at the border, no VAT is
charged at checkout).

Each duty amount is rounded here, once, to the order currency's charge unit
(``storefront.money.quantize_charge``: KWD 0.010), so DDP totals stay chargeable.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Callable, Sequence

from storefront.money import quantize_charge

DATA_FILE = Path(__file__).resolve().parent / "data" / "customs.json"
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Treatment:
    duty: str  # none | ad_valorem | flat_per_category
    vat: str  # checkout | border | none
    flat: Decimal | None = None


@dataclass(frozen=True)
class Regime:
    territory: str
    valid_from: date
    valid_to: date | None
    currency: str
    threshold: Decimal | None
    below: Treatment
    above: Treatment


@dataclass(frozen=True)
class CustomsData:
    unions: dict[str, frozenset[str]]
    regimes: tuple[Regime, ...]
    duty_rates: dict[str, dict[str, Decimal]]


@dataclass(frozen=True)
class DutyLine:
    key: str
    hs_code: str | None
    value: Decimal  # customs value in the order currency (net of VAT)


@dataclass(frozen=True)
class Assessment:
    crosses_border: bool
    territory: str | None = None
    rule: str = "domestic"
    duties: Decimal = Decimal(0)  # estimated, in the order currency
    charged: Decimal = Decimal(0)  # what checkout charges (DDP: the duties; DAP: 0)
    vat_at_border: bool = False
    notices: tuple[str, ...] = field(default=())
    per_line: tuple[tuple[str, Decimal], ...] = field(default=())
    incoterm: str = "DDP"


def _treatment(raw: dict) -> Treatment:
    return Treatment(raw["duty"], raw["vat"], Decimal(raw["flat"]) if raw.get("flat") else None)


@lru_cache(maxsize=4)
def load(path: Path = DATA_FILE) -> CustomsData:
    data = json.loads(path.read_text(encoding="utf-8"))
    regimes = tuple(
        Regime(r["territory"], date.fromisoformat(r["valid_from"]),
               date.fromisoformat(r["valid_to"]) if r.get("valid_to") else None, r["currency"],
               Decimal(r["threshold"]) if r.get("threshold") else None, _treatment(r["below"]), _treatment(r["above"]))
        for r in data["regimes"]
    )
    rates = {t: {k: Decimal(v) for k, v in table.items()} for t, table in data["duty_rates"].items()}
    unions = {name: frozenset(members) for name, members in data["unions"].items()}
    return CustomsData(unions, regimes, rates)


def territory(country: str, data: CustomsData) -> str:
    """The customs territory of a country: its union's name, or the country."""
    return next((name for name, members in data.unions.items() if country in members), country)


def regime_for(territory_code: str, on: date, data: CustomsData) -> Regime | None:
    return next((r for r in data.regimes if r.territory == territory_code and r.valid_from <= on
                 and (r.valid_to is None or on < r.valid_to)), None)


def duty_rate(territory_code: str, hs_code: str | None, data: CustomsData) -> Decimal:
    table = data.duty_rates.get(territory_code, data.duty_rates["default"])
    chapter = (hs_code or "")[:2]
    return table.get(chapter, table.get("default", Decimal(0)))


def assess(
    lines: Sequence[DutyLine],
    *,
    origin: str,
    destination: str,
    on: date,
    currency: str,
    incoterm: str,
    value_in: Callable[[Decimal, str], Decimal],
    amount_from: Callable[[Decimal, str], Decimal],
    data: CustomsData | None = None,
) -> Assessment:
    """Duties of a consignment. ``value_in(amount, currency)`` converts an
    order-currency amount into another currency (threshold test);
    ``amount_from(amount, currency)`` converts an amount in another currency
    into the order currency (flat duties)."""
    data = data or load()
    origin_t, dest_t = territory(origin, data), territory(destination, data)
    if not origin or origin_t == dest_t:
        return Assessment(crosses_border=False, incoterm=incoterm)
    regime = regime_for(dest_t, on, data)
    if regime is None:
        return Assessment(True, dest_t, "no_customs_data", notices=("duties_due_on_delivery",), incoterm=incoterm)
    consignment = sum((line.value for line in lines), Decimal(0))
    below = regime.threshold is not None and value_in(consignment, regime.currency) <= regime.threshold
    treatment = regime.below if below else regime.above
    per_line: list[tuple[str, Decimal]] = []
    if treatment.duty == "ad_valorem":
        per_line = [(line.key, quantize_charge(line.value * duty_rate(dest_t, line.hs_code, data) / HUNDRED, currency))
                    for line in lines]
    elif treatment.duty == "flat_per_category":
        categories = {(line.hs_code or line.key)[:6] for line in lines}
        flat = amount_from(treatment.flat or Decimal(0), regime.currency)
        per_line = [(f"category:{c}", quantize_charge(flat, currency)) for c in sorted(categories)]
    duties = sum((amount for _, amount in per_line), Decimal(0))
    position = "no_de_minimis" if regime.threshold is None else ("below_threshold" if below else "above_threshold")
    rule = f"{dest_t.lower()}_{position}_{treatment.duty}"
    vat_at_border = treatment.vat == "border"
    if incoterm == "DDP":
        return Assessment(True, dest_t, rule, duties, duties, vat_at_border, (), tuple(per_line), incoterm)
    notices = ("duties_due_on_delivery",) if duties or vat_at_border else ()
    return Assessment(True, dest_t, rule, duties, Decimal(0), vat_at_border, notices, tuple(per_line), incoterm)
