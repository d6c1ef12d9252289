"""Duties and import taxes when goods cross a customs border.

Pure. The regimes are dated data (storefront/checkout/data/customs.json, each
with its sources): value bands in the regime's currency (``up_to`` inclusive,
``under`` exclusive), each with a treatment of duty (``none``,
``ad_valorem`` by tariff classification, ``flat_per_category``: an amount per
distinct 6-digit tariff subheading, the EU's EUR 3 from 2026-07-01) and of
import VAT (collected at ``checkout`` by the seller — IOSS, UK, AU, VOEC —,
at the ``border``, ``none``, or ``relieved``: not levied at import, e.g.
Canada's courier remission up to CAD 20/40). Goods moving inside a customs
union (EU, CH+LI) cross no border.

What a regime may also say:

- ``ship_from``: it applies only to goods shipped from these countries
  (Canada's CUSMA courier thresholds follow the place of direct shipment);
  otherwise the territory's regime without ``ship_from`` applies;
- ``per_item``: each item (one unit) is tested against the bands, not the
  consignment (Norway's VOEC: NOK 3,000 per item);
- ``valuation_factor``: the customs value is that share of the retail price
  (Japan: 60 % for personal imports), for the bands and the duty;
- ``excise_excluded``: excise goods (alcohol, tobacco: ``excise`` headings)
  never get the low-value treatment (EU IOSS, UK GBP 135, VOEC): they are
  assessed as above the last threshold; ``excluded_chapters`` likewise
  (VOEC excludes foodstuffs: chapters 1-24).

Duty rates are looked up by subheading, heading, chapter, chapter range,
then ``default``. A rate is a percentage of the customs value, or a specific
duty by gross weight (``{"per_100kg_gross": ...}``; without a rate or a
weight the line is dutiable but not estimated, and says so). Preferential
origin: where an agreement covers the goods' origin and the destination
(and the goods ship from inside the agreement's area), its rate (0) replaces
the tariff's, and the cart says which agreement and that the invoice carries
the origin statement.

A line without a tariff code crossing into a territory with customs data is
a merchant data error: its duty is not guessed, it is reported
(``missing_tariff_codes``), the cart says so and checkout refuses.

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
ZERO = Decimal(0)


@dataclass(frozen=True)
class Treatment:
    duty: str  # none | ad_valorem | flat_per_category
    vat: str  # checkout | border | none | relieved
    flat: Decimal | None = None


@dataclass(frozen=True)
class Band:
    limit: Decimal | None  # None: no upper limit
    inclusive: bool
    treatment: Treatment
    name: str

    def holds(self, value: Decimal) -> bool:
        if self.limit is None:
            return True
        return value <= self.limit if self.inclusive else value < self.limit


@dataclass(frozen=True)
class Regime:
    territory: str
    valid_from: date
    valid_to: date | None
    currency: str
    bands: tuple[Band, ...]
    ship_from: frozenset[str] = frozenset()
    per_item: bool = False
    valuation_factor: Decimal = Decimal(1)
    excise_excluded: bool = False
    excluded_chapters: frozenset[str] = frozenset()

    @property
    def threshold(self) -> Decimal | None:
        return self.bands[0].limit if len(self.bands) > 1 else None

    @property
    def below(self) -> Treatment:
        return self.bands[0].treatment

    @property
    def above(self) -> Treatment:
        return self.bands[-1].treatment

    def band(self, value: Decimal) -> Band:
        return next(b for b in self.bands if b.holds(value))


@dataclass(frozen=True)
class Agreement:
    code: str
    parties: tuple[frozenset[str], ...]  # territories; goods of one party entering another
    valid_from: date
    chapters: frozenset[str]  # the HS chapters it covers (its zero rate; others: the tariff)

    def party_of(self, territory_code: str) -> frozenset[str] | None:
        return next((p for p in self.parties if territory_code in p), None)


@dataclass(frozen=True)
class CustomsData:
    unions: dict[str, frozenset[str]]
    regimes: tuple[Regime, ...]
    duty_rates: dict[str, dict[str, object]]  # territory -> key -> Decimal (percent) or Specific
    agreements: tuple[Agreement, ...] = ()
    excise_headings: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Specific:
    """A specific duty by gross weight: an amount per 100 kg (None: not in the data)."""

    per_100kg: Decimal | None


@dataclass(frozen=True)
class DutyLine:
    key: str
    hs_code: str | None
    value: Decimal  # customs value in the order currency (net of VAT), all units
    quantity: int = 1
    origin: str | None = None  # the goods' country of origin (not where they ship from)
    weight_grams: int | None = None  # of all units
    excise: bool = False  # an excise good by the product's own flag (HS headings are checked too)


@dataclass(frozen=True)
class LineDuty:
    key: str
    hs_code: str | None
    origin: str | None
    amount: Decimal
    rate: str | None  # "12" (percent), "0" under a preference, "CHF 26/100 kg", None: not estimated
    agreement: str | None = None


@dataclass(frozen=True)
class Assessment:
    crosses_border: bool
    territory: str | None = None
    rule: str = "domestic"
    duties: Decimal = ZERO  # estimated, in the order currency
    charged: Decimal = ZERO  # what checkout charges (DDP: the duties; DAP: 0)
    vat_at_border: bool = False
    notices: tuple[str, ...] = field(default=())
    per_line: tuple[tuple[str, Decimal], ...] = field(default=())
    incoterm: str = "DDP"
    lines: tuple[LineDuty, ...] = field(default=())
    vat_relieved: bool = False  # import taxes are not levied (low-value relief)
    preferences: tuple[str, ...] = field(default=())  # agreement codes applied
    missing_tariff_codes: tuple[str, ...] = field(default=())  # line keys without an HS code
    # DAP with import VAT at the border: the import VAT the shopper pays on delivery, estimated
    # (``storefront.checkout.pricing.import_vat_estimate``); 0 otherwise.
    import_vat: Decimal = ZERO

    @property
    def due_on_delivery(self) -> Decimal:
        """What the shopper pays the carrier on delivery (before its clearance fee): under DAP the
        estimated duties and import VAT, under DDP nothing (checkout charges the duties)."""
        return (self.duties - self.charged) + self.import_vat


def _treatment(raw: dict) -> Treatment:
    return Treatment(raw["duty"], raw["vat"], Decimal(raw["flat"]) if raw.get("flat") else None)


def _bands(raw: list[dict]) -> tuple[Band, ...]:
    bands = []
    for i, b in enumerate(raw):
        limit = b.get("up_to", b.get("under"))
        default_name = ("no_de_minimis" if len(raw) == 1 else
                        "below_threshold" if i == 0 else "above_threshold" if i == len(raw) - 1 else f"band_{i}")
        bands.append(Band(Decimal(limit) if limit is not None else None, "under" not in b, _treatment(b),
                          b.get("name", default_name)))
    return tuple(bands)


def _chapters(spec: Sequence[str]) -> frozenset[str]:
    chapters: set[str] = set()
    for item in spec:
        first, _, last = item.partition("-")
        chapters.update(f"{c:02d}" for c in range(int(first), int(last or first) + 1))
    return frozenset(chapters)


def _rate(value: object) -> object:
    if isinstance(value, dict):
        amount = value.get("per_100kg_gross")
        return Specific(Decimal(amount) if amount is not None else None)
    return Decimal(str(value))


@lru_cache(maxsize=4)
def load(path: Path = DATA_FILE) -> CustomsData:
    data = json.loads(path.read_text(encoding="utf-8"))
    regimes = tuple(
        Regime(r["territory"], date.fromisoformat(r["valid_from"]),
               date.fromisoformat(r["valid_to"]) if r.get("valid_to") else None, r["currency"], _bands(r["bands"]),
               frozenset(r.get("ship_from", ())), bool(r.get("per_item")),
               Decimal(r.get("valuation_factor", "1")), bool(r.get("excise_excluded")),
               _chapters(r.get("excluded_chapters", ())))
        for r in data["regimes"]
    )
    rates: dict[str, dict[str, object]] = {}
    for t, table in data["duty_rates"].items():
        expanded: dict[str, object] = {}
        for key, value in table.items():
            if key == "source":
                continue
            if "-" in key:  # a chapter range: "01-24"
                expanded.update({c: _rate(value) for c in _chapters([key]) if c not in table})
            else:
                expanded[key] = _rate(value)
        rates[t] = expanded
    unions = {name: frozenset(members) for name, members in data["unions"].items()}
    agreements = tuple(
        Agreement(a["code"], tuple(frozenset(p) for p in a["parties"]), date.fromisoformat(a["valid_from"]),
                  _chapters(a["chapters"]))
        for a in data.get("agreements", ())
    )
    return CustomsData(unions, regimes, rates, agreements, frozenset(data.get("excise", {}).get("headings", ())))


def territory(country: str, data: CustomsData) -> str:
    """The customs territory of a country: its union's name, or the country."""
    return next((name for name, members in data.unions.items() if country in members), country)


def regime_for(territory_code: str, on: date, data: CustomsData, ship_from: str = "") -> Regime | None:
    """The regime in force on ``on``: one for goods shipped from ``ship_from``
    where there is one, else the territory's general regime."""
    current = [r for r in data.regimes if r.territory == territory_code and r.valid_from <= on
               and (r.valid_to is None or on < r.valid_to)]
    return (next((r for r in current if ship_from and ship_from in r.ship_from), None)
            or next((r for r in current if not r.ship_from), None))


def duty_rate(territory_code: str, hs_code: str | None, data: CustomsData) -> object:
    """The tariff rate of a classification: by subheading, heading, chapter, else the default."""
    table = data.duty_rates.get(territory_code, data.duty_rates["default"])
    code = hs_code or ""
    for key in (code[:6], code[:4], code[:2]):
        if key and key in table:
            return table[key]
    return table.get("default", ZERO)


def is_excise(line: DutyLine, data: CustomsData) -> bool:
    code = line.hs_code or ""
    return line.excise or any(code.startswith(h) for h in data.excise_headings)


def preference(line: DutyLine, ship_from: str, dest_t: str, on: date, data: CustomsData) -> Agreement | None:
    """The agreement under which the line's goods enter duty-free, if any:
    originating in one party, entering another, shipped from inside the
    agreement's area (direct transport), its chapter covered."""
    if not line.origin or not line.hs_code:
        return None
    origin_t, from_t = territory(line.origin, data), territory(ship_from, data)
    for agreement in data.agreements:
        if agreement.valid_from > on or line.hs_code[:2] not in agreement.chapters:
            continue
        source, target = agreement.party_of(origin_t), agreement.party_of(dest_t)
        if source is None or target is None or (source is target and origin_t == dest_t):
            continue
        if any(from_t in p for p in agreement.parties):
            return agreement
    return None


def _ad_valorem(line: DutyLine, value: Decimal, dest_t: str, regime: Regime, ship_from: str, on: date,
                currency: str, data: CustomsData, amount_from: Callable[[Decimal, str], Decimal]) -> LineDuty:
    rate = duty_rate(dest_t, line.hs_code, data)
    tariff_positive = (rate > 0) if isinstance(rate, Decimal) else True
    agreement = preference(line, ship_from, dest_t, on, data) if tariff_positive else None
    if agreement is not None:
        return LineDuty(line.key, line.hs_code, line.origin, ZERO, "0", agreement.code)
    if isinstance(rate, Specific):
        if rate.per_100kg is None or not line.weight_grams:
            return LineDuty(line.key, line.hs_code, line.origin, ZERO, None)
        per_kg = amount_from(rate.per_100kg, regime.currency) / HUNDRED
        amount = quantize_charge(per_kg * Decimal(line.weight_grams) / Decimal(1000), currency)
        return LineDuty(line.key, line.hs_code, line.origin, amount,
                        f"{regime.currency} {rate.per_100kg.normalize():f}/100 kg")
    amount = quantize_charge(value * rate / HUNDRED, currency)
    return LineDuty(line.key, line.hs_code, line.origin, amount, f"{rate.normalize():f}")


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
    """Duties of a consignment shipped from ``origin`` (the warehouse's
    country; each line's own country of origin decides preferences).
    ``value_in(amount, currency)`` converts an order-currency amount into
    another currency (threshold test); ``amount_from(amount, currency)``
    converts an amount in another currency into the order currency (flat and
    specific duties)."""
    data = data or load()
    origin_t, dest_t = territory(origin, data), territory(destination, data)
    if not origin or origin_t == dest_t:
        return Assessment(crosses_border=False, incoterm=incoterm)
    regime = regime_for(dest_t, on, data, origin)
    if regime is None:
        return Assessment(True, dest_t, "no_customs_data", notices=("duties_due_on_delivery",), incoterm=incoterm)
    missing = tuple(line.key for line in lines if not line.hs_code)
    classified = [line for line in lines if line.hs_code]
    factor = regime.valuation_factor
    consignment = sum((line.value for line in lines), ZERO) * factor
    consignment_band = regime.band(value_in(consignment, regime.currency))
    last = regime.bands[-1]

    def excluded(line: DutyLine) -> bool:
        return ((regime.excise_excluded and is_excise(line, data))
                or (line.hs_code or "")[:2] in regime.excluded_chapters)

    def band_of(line: DutyLine) -> Band:
        if excluded(line):
            return last
        if regime.per_item:
            return regime.band(value_in(line.value * factor / max(line.quantity, 1), regime.currency))
        return consignment_band

    bands = {line.key: band_of(line) for line in lines}
    results: list[LineDuty] = []
    categories: dict[str, Treatment] = {}
    for line in classified:
        treatment = bands[line.key].treatment
        if treatment.duty == "ad_valorem":
            results.append(_ad_valorem(line, line.value * factor, dest_t, regime, origin, on, currency, data,
                                       amount_from))
        elif treatment.duty == "flat_per_category":
            # the first line of each subheading carries its flat amount
            first = line.hs_code[:6] not in categories
            categories.setdefault(line.hs_code[:6], treatment)
            flat = treatment.flat or ZERO
            amount = quantize_charge(amount_from(flat, regime.currency), currency) if first else ZERO
            results.append(LineDuty(line.key, line.hs_code, line.origin, amount,
                                    f"{regime.currency} {flat:f} per subheading"))
        else:
            results.append(LineDuty(line.key, line.hs_code, line.origin, ZERO, "0"))
    per_line = [(r.key, r.amount) for r in results if bands[r.key].treatment.duty == "ad_valorem"]
    per_line += [(f"category:{c}", quantize_charge(amount_from(t.flat or ZERO, regime.currency), currency))
                 for c, t in sorted(categories.items())]
    duties = sum((amount for _, amount in per_line), ZERO)
    used = {bands[line.key] for line in lines} or {consignment_band}
    if len(used) == 1:
        band = next(iter(used))
        rule = f"{dest_t.lower()}_{band.name}_{band.treatment.duty}"
    else:
        rule = f"{dest_t.lower()}_{'per_item' if regime.per_item else 'excluded'}_mixed"
    vats = {b.treatment.vat for b in used}
    vat_at_border = "border" in vats
    vat_relieved = vats == {"relieved"}
    preferences = tuple(sorted({r.agreement for r in results if r.agreement}))
    info = [f"preferential_origin_{code}" for code in preferences]
    if regime.excise_excluded and any(is_excise(line, data) for line in lines):
        info.append("excise_at_import")
    if any(r.rate is None and bands[r.key].treatment.duty == "ad_valorem" for r in results):
        info.append("duty_by_weight_not_estimated")
    if missing:
        info.append("tariff_code_missing")
    common = dict(lines=tuple(results), vat_relieved=vat_relieved, preferences=preferences,
                  missing_tariff_codes=missing, per_line=tuple(per_line), incoterm=incoterm)
    if incoterm == "DDP":
        return Assessment(True, dest_t, rule, duties, duties, vat_at_border, tuple(info), **common)
    due = ["duties_due_on_delivery"] if duties or vat_at_border or "duty_by_weight_not_estimated" in info else []
    return Assessment(True, dest_t, rule, duties, ZERO, vat_at_border, tuple(due + info), **common)
