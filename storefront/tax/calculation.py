"""Tax calculation for an order: lines, shipping, tax lines and totals.

Pure. Amounts are the prices the shopper sees: gross where the market's prices
include tax, net elsewhere. Invariants, in every currency:

- each line: ``gross == net + tax`` and ``tax == sum(component taxes)``;
- inclusive markets never change the gross a shopper saw: tax is backed out
  of it (``net = gross x 100 / (100 + R)``, R the sum of the line's rates);
- ``sum(lines) + shipping`` gives the totals, and the ``tax_lines``
  (aggregated by tax name and rate) add up to ``tax_total`` exactly.

Rounding is half up to the currency's charge unit (``storefront.money.charge_unit``:
the minor unit, or Stripe's smallest chargeable amount where larger, KWD 0.010),
so that every line, tax and total can be charged as it is; either per line (the
default; each line's tax rounded, then added) or per order (the tax of each
(name, rate) group rounded once over the group's base, then allocated to the
lines by largest remainder so the lines still add up). Regimes differ: the EU
VAT Directive Art. 226 lets either stand on an invoice; Canada's GST/HST and
Québec's QST are computed on the whole invoice; US states mostly per
invoice too; Japan's qualified invoices (適格請求書) require one rounding per
tax rate per invoice (消費税法施行令 Art. 70-10), so the JP market rounds per
order. Hence a per-market choice.

Shipping is taxed at the rate of the goods (EU VAT Directive Art. 78(b),
ancillary costs follow the principal supply; CRA GST/HST Memorandum 3.3 and
Revenu Québec likewise): with goods at several rates the shipping is split in
proportion to the goods' amounts at each rate, by largest remainder. Where
the jurisdiction exempts separately stated delivery (US-CA, US-ME:
``storefront.tax.taxability``), ``shipping_taxable=False`` leaves it untaxed.

A line with an ``untaxed`` part is split in two before taxing (the taxed part
and the untaxed part, which also take their share of the shipping), and the
two halves are added back into one line.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Iterable, Sequence

from storefront.money import charge_unit, quantize_charge

HUNDRED = Decimal(100)
ROUNDINGS = ("line", "order")


@dataclass(frozen=True)
class TaxComponent:
    """One tax on a line: GST 5 % and QST 9.975 % are two components."""

    name: str
    rate: Decimal  # percent
    jurisdiction: str


@dataclass(frozen=True)
class LineInput:
    key: str
    amount: Decimal  # line total as shown: gross if tax included, else net
    components: tuple[TaxComponent, ...]
    # The part of ``amount`` no tax applies to (MA taxes clothing only above
    # USD 175 an item): taxed as a separate, untaxed line, then merged back.
    untaxed: Decimal = Decimal(0)


@dataclass(frozen=True)
class ComponentTax:
    name: str
    rate: Decimal
    jurisdiction: str
    amount: Decimal


@dataclass(frozen=True)
class TaxedLine:
    key: str
    net: Decimal
    tax: Decimal
    gross: Decimal
    taxes: tuple[ComponentTax, ...]


@dataclass(frozen=True)
class TaxLine:
    name: str
    rate: Decimal
    amount: Decimal


@dataclass(frozen=True)
class TaxResult:
    currency: str
    lines: tuple[TaxedLine, ...]
    shipping: tuple[TaxedLine, ...]  # the shipping, split by the goods' rate groups
    tax_lines: tuple[TaxLine, ...]
    net_total: Decimal
    tax_total: Decimal
    gross_total: Decimal
    notes: tuple[str, ...] = field(default=())


def _rates_key(components: Iterable[TaxComponent]) -> tuple:
    return tuple(sorted((c.name, c.rate, c.jurisdiction) for c in components))


def allocate(total: Decimal, weights: Sequence[Decimal], currency: str) -> list[Decimal]:
    """Split ``total`` in proportion to ``weights`` in whole charge units; the
    remainders go to the largest fractional parts (ties: first), so the parts
    add up to ``total`` exactly (Hamilton / largest remainder)."""
    unit = charge_unit(currency)
    if not weights:
        return []
    weight_sum = sum(weights)
    if weight_sum == 0:
        parts = [Decimal(0)] * len(weights)
        parts[0] = total
        return parts
    units = (total / unit).to_integral_value()
    raw = [units * w / weight_sum for w in weights]
    floors = [r.to_integral_value(rounding=ROUND_DOWN) for r in raw]
    left = int(units - sum(floors))
    order = sorted(range(len(raw)), key=lambda i: (-(raw[i] - floors[i]), i))
    for i in order[:left]:
        floors[i] += 1
    return [quantize_charge(f * unit, currency) for f in floors]


def _split_components(total_tax: Decimal, components: Sequence[TaxComponent], currency: str) -> list[Decimal]:
    return allocate(total_tax, [c.rate for c in components], currency)


def _tax_line_item(line: LineInput, currency: str, included: bool) -> TaxedLine:
    """Per-line rounding."""
    components = line.components
    if included:
        total_rate = sum((c.rate for c in components), Decimal(0))
        gross = line.amount
        net = quantize_charge(gross * HUNDRED / (HUNDRED + total_rate), currency)
        parts = _split_components(gross - net, components, currency)
    else:
        net = line.amount
        parts = [quantize_charge(net * c.rate / HUNDRED, currency) for c in components]
        gross = net + sum(parts, Decimal(0))
    taxes = tuple(ComponentTax(c.name, c.rate, c.jurisdiction, a) for c, a in zip(components, parts))
    return TaxedLine(line.key, net, gross - net, gross, taxes)


def _tax_per_order(lines: Sequence[LineInput], currency: str, included: bool) -> list[TaxedLine]:
    """Per-order rounding: each group of lines with the same taxes is taxed once
    on its total, then the group's tax is allocated back to its lines."""
    groups: dict[tuple, list[int]] = defaultdict(list)
    for i, line in enumerate(lines):
        groups[_rates_key(line.components)].append(i)
    result: list[TaxedLine | None] = [None] * len(lines)
    for members in groups.values():
        components = lines[members[0]].components
        base = sum((lines[i].amount for i in members), Decimal(0))
        whole = _tax_line_item(LineInput("group", base, components), currency, included)
        for c_index, c in enumerate(components):
            shares = allocate(whole.taxes[c_index].amount, [lines[i].amount for i in members], currency)
            for i, share in zip(members, shares):
                previous = result[i]
                taxes = (previous.taxes if previous else ()) + (ComponentTax(c.name, c.rate, c.jurisdiction, share),)
                result[i] = TaxedLine(lines[i].key, Decimal(0), Decimal(0), Decimal(0), taxes)
        for i in members:
            taxes = result[i].taxes if result[i] else ()
            tax = sum((t.amount for t in taxes), Decimal(0))
            amount = lines[i].amount
            net, gross = (amount - tax, amount) if included else (amount, amount + tax)
            result[i] = TaxedLine(lines[i].key, net, tax, gross, taxes)
    return [r for r in result if r is not None]


def _shipping_lines(amount: Decimal, goods: Sequence[LineInput], currency: str) -> list[LineInput]:
    """Shipping split over the goods' tax groups in proportion to their amounts."""
    if amount == 0 or not goods:
        return [LineInput("shipping", amount, goods[0].components if goods else ())] if amount else []
    groups: dict[tuple, Decimal] = defaultdict(Decimal)
    components_of: dict[tuple, tuple[TaxComponent, ...]] = {}
    for line in goods:
        key = _rates_key(line.components)
        groups[key] += line.amount
        components_of[key] = line.components
    keys = sorted(groups, key=lambda k: (-groups[k], k))
    parts = allocate(amount, [groups[k] for k in keys], currency)
    return [LineInput("shipping" if len(keys) == 1 else f"shipping:{n}", part, components_of[k])
            for n, (k, part) in enumerate(zip(keys, parts)) if part or len(keys) == 1]


def _split_untaxed(lines: Sequence[LineInput], currency: str) -> tuple[list[LineInput], dict[str, str]]:
    """Lines with an untaxed part as two lines; returns them and, per added key, the line it belongs to."""
    split: list[LineInput] = []
    owner: dict[str, str] = {}
    for line in lines:
        untaxed = min(max(line.untaxed, Decimal(0)), line.amount)
        if untaxed != quantize_charge(untaxed, currency):
            raise ValueError(f"line {line.key}: untaxed {untaxed} is not an amount in {currency}")
        if untaxed and line.components:
            split.append(LineInput(line.key, line.amount - untaxed, line.components))
            key = f"{line.key}#untaxed"
            split.append(LineInput(key, untaxed, ()))
            owner[key] = line.key
        else:
            split.append(LineInput(line.key, line.amount, line.components))
    return split, owner


def _merge(taxed: Sequence[TaxedLine], owner: dict[str, str]) -> list[TaxedLine]:
    merged: dict[str, TaxedLine] = {}
    for line in taxed:
        key = owner.get(line.key, line.key)
        if key in merged:
            a = merged[key]
            merged[key] = TaxedLine(key, a.net + line.net, a.tax + line.tax, a.gross + line.gross, a.taxes + line.taxes)
        else:
            merged[key] = TaxedLine(key, line.net, line.tax, line.gross, line.taxes)
    return list(merged.values())


def calculate(
    lines: Sequence[LineInput],
    *,
    currency: str,
    prices_include_tax: bool,
    rounding: str = "line",
    shipping: Decimal = Decimal(0),
    shipping_taxable: bool = True,
) -> TaxResult:
    """Tax the order (see the module doc)."""
    if rounding not in ROUNDINGS:
        raise ValueError(f"rounding must be one of {ROUNDINGS}")
    for line in lines:
        if line.amount != quantize_charge(line.amount, currency) or line.amount < 0:
            raise ValueError(f"line {line.key}: {line.amount} is not a non-negative chargeable amount in {currency}")
    if shipping != quantize_charge(shipping, currency) or shipping < 0:
        raise ValueError(f"shipping {shipping} is not a non-negative chargeable amount in {currency}")
    split, owner = _split_untaxed(lines, currency)
    shipping_inputs = _shipping_lines(shipping, split, currency)
    if not shipping_taxable:
        shipping_inputs = [LineInput(s.key, s.amount, ()) for s in shipping_inputs]
    everything = split + shipping_inputs
    if rounding == "line":
        taxed = [_tax_line_item(line, currency, prices_include_tax) for line in everything]
    else:
        taxed = _tax_per_order(everything, currency, prices_include_tax)
    goods, shipped = _merge(taxed[: len(split)], owner), taxed[len(split):]
    taxed = goods + shipped
    aggregated: dict[tuple[str, Decimal], Decimal] = defaultdict(Decimal)
    for line in taxed:
        for t in line.taxes:
            aggregated[(t.name, t.rate)] += t.amount
    tax_lines = tuple(TaxLine(name, rate, amount) for (name, rate), amount in sorted(aggregated.items()))
    net_total = sum((t.net for t in taxed), Decimal(0))
    tax_total = sum((t.tax for t in taxed), Decimal(0))
    gross_total = sum((t.gross for t in taxed), Decimal(0))
    return TaxResult(
        currency=currency, lines=tuple(goods), shipping=tuple(shipped), tax_lines=tax_lines,
        net_total=quantize_charge(net_total, currency), tax_total=quantize_charge(tax_total, currency),
        gross_total=quantize_charge(gross_total, currency),
    )


__all__ = ["TaxComponent", "LineInput", "TaxedLine", "TaxLine", "TaxResult", "ComponentTax", "calculate", "allocate",
           "ROUND_HALF_UP"]
