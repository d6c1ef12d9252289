"""Taxability: what a product tax code means in each jurisdiction.

Pure. A product carries a code from Stripe's product tax codes
(``txcd_30011000`` clothing and footwear, ``txcd_40100001`` candy ...), or a
project sub-code (``sf_...``) where Stripe's taxonomy is coarser than a
country's law (AT's 4.9 % staples, ES's 4 % olive oil); each sub-code names
its parent. ``data/taxability.json`` maps a code, per jurisdiction and date,
to a ``Treatment``:

- the rate categories of ``rates.json`` to use, in order of preference
  (``food_general`` then ``food``; every tax falls back to ``standard``),
  optionally per tax (Canada: GST/HST/QST on candy, PST stays exempt);
- exempt (PA clothing), possibly below a unit price (NY clothing under
  USD 110);
- exempt up to an amount per unit (MA clothing: the first USD 175 of each
  item; only the excess is taxed).

A rule is looked up for the code, then for its parent and so on; the
jurisdiction's own rules come before its country's (``CA-QC`` then ``CA``).
Without a rule the code's default applies (its own or its parent's). A legacy
``tax_category`` (no code) is its own single category, as before codes.

Shipping (``txcd_92010001``) follows the goods unless a jurisdiction's rule
exempts it (CA and ME: separately stated delivery by common carrier).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Callable, Mapping

DATA_FILE = Path(__file__).resolve().parent / "data" / "taxability.json"
SHIPPING = "txcd_92010001"

Convert = Callable[[Decimal, str, str], Decimal]  # (amount, from currency, to currency) -> amount


@dataclass(frozen=True)
class Rule:
    id: str
    jurisdiction: str
    codes: frozenset[str]
    valid_from: date
    valid_to: date | None
    source: str
    categories: tuple[str, ...] = ()
    per_tax: tuple[tuple[str, tuple[str, ...]], ...] = ()
    exempt: bool = False
    unit_price_below: Decimal | None = None
    exempt_per_unit: Decimal | None = None
    currency: str | None = None

    def in_force(self, on: date) -> bool:
        return self.valid_from <= on and (self.valid_to is None or on < self.valid_to)


@dataclass(frozen=True)
class Code:
    code: str
    name: str
    tax_category: str  # the legacy category this code stands for in the merchant API
    parent: str | None = None
    categories: tuple[str, ...] = ()
    exempt: bool = False
    stripe: str | None = None  # the Stripe code a project sub-code is sent as


@dataclass(frozen=True)
class Taxability:
    codes: Mapping[str, Code]
    rules: tuple[Rule, ...]
    sources: Mapping[str, str]


@dataclass(frozen=True)
class Treatment:
    """How a line is taxed: ``key`` names the set of taxes (lines with the same
    key get the same components); ``untaxed_per_unit`` is the part of each
    unit's price no tax applies to (MA, RI clothing)."""

    key: str
    categories: tuple[str, ...]
    per_tax: tuple[tuple[str, tuple[str, ...]], ...] = ()
    exempt: bool = False
    untaxed_per_unit: Decimal = Decimal(0)
    rule: str = "default"
    source: str | None = None


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def parse(data: dict) -> Taxability:
    codes = {
        key: Code(key, c["name"], c["tax_category"], c.get("parent"), tuple(c.get("categories", ())),
                  bool(c.get("exempt", False)), c.get("stripe"))
        for key, c in data["codes"].items()
    }
    rules = []
    for r in data["rules"]:
        rules.append(Rule(
            id=r["id"], jurisdiction=r["jurisdiction"], codes=frozenset(r["codes"]),
            valid_from=date.fromisoformat(r["valid_from"]), valid_to=_date(r.get("valid_to")), source=r["source"],
            categories=tuple(r.get("categories", ())),
            per_tax=tuple(sorted((tax, tuple(cats)) for tax, cats in (r.get("per_tax") or {}).items())),
            exempt=bool(r.get("exempt", False)),
            unit_price_below=Decimal(r["unit_price_below"]) if r.get("unit_price_below") else None,
            exempt_per_unit=Decimal(r["exempt_per_unit"]) if r.get("exempt_per_unit") else None,
            currency=r.get("currency"),
        ))
    return Taxability(codes, tuple(rules), data.get("sources", {}))


@lru_cache(maxsize=1)
def load(path: Path = DATA_FILE) -> Taxability:
    return parse(json.loads(path.read_text(encoding="utf-8")))


def is_code(value: str | None) -> bool:
    return bool(value) and value in load().codes


def codes() -> tuple[str, ...]:
    return tuple(sorted(load().codes))


def product_codes() -> tuple[str, ...]:
    """The codes a product may carry (not shipping)."""
    return tuple(c for c in codes() if c != SHIPPING)


def tax_category_for(code: str) -> str:
    """The legacy ``tax_category`` a code stands for (the merchant API shows both)."""
    return load().codes[code].tax_category


def stripe_code(code: str) -> str:
    """The code to send to Stripe Tax: a project sub-code goes as its Stripe parent."""
    found = load().codes[code]
    return found.stripe or code


def _key(categories: tuple[str, ...], per_tax: tuple[tuple[str, tuple[str, ...]], ...], exempt: bool) -> str:
    if exempt:
        return "exempt"
    key = ">".join(categories)
    if per_tax:
        key += ";" + ";".join(f"{tax}={'>'.join(cats)}" for tax, cats in per_tax)
    return key


def legacy(category: str) -> Treatment:
    return Treatment(category, (category,))


def _chain(data: Taxability, code: str) -> list[Code]:
    chain, seen = [], set()
    current: str | None = code
    while current is not None and current not in seen:
        seen.add(current)
        found = data.codes[current]
        chain.append(found)
        current = found.parent
    return chain


def _scopes(jurisdiction: str) -> tuple[str, ...]:
    country = jurisdiction.split("-")[0]
    return (jurisdiction, country) if country != jurisdiction else (jurisdiction,)


def resolve(jurisdiction: str, tax_class: str, on: date, *, unit_price: Decimal | None = None,
            currency: str | None = None, convert: Convert | None = None, data: Taxability | None = None) -> Treatment:
    """The treatment of ``tax_class`` (a product tax code, or a legacy tax
    category) in ``jurisdiction`` on ``on``, for a unit sold at ``unit_price``
    in ``currency`` (thresholds are compared in the rule's currency through
    ``convert``). Without a price, rules with a price condition do not apply
    (the catalog shows the full rate)."""
    data = data or load()
    if tax_class not in data.codes:
        return legacy(tax_class)
    chain = _chain(data, tax_class)
    for level in chain:
        for scope in _scopes(jurisdiction):
            for rule in data.rules:
                if rule.jurisdiction != scope or level.code not in rule.codes or not rule.in_force(on):
                    continue
                treatment = _apply(rule, unit_price, currency, convert)
                if treatment is not None:
                    return treatment
    for level in chain:
        if level.exempt:
            return Treatment("exempt", (), exempt=True)
        if level.categories:
            return Treatment(_key(level.categories, (), False), level.categories)
    return legacy("standard")


def _in(amount: Decimal, rule: Rule, currency: str | None, convert: Convert | None) -> Decimal:
    """``amount`` (in the rule's currency) in ``currency``."""
    if rule.currency is None or currency is None or rule.currency == currency:
        return amount
    if convert is None:
        raise ValueError(f"rule {rule.id}: cannot compare {currency} with {rule.currency}")
    return convert(amount, rule.currency, currency)


def _apply(rule: Rule, unit_price: Decimal | None, currency: str | None, convert: Convert | None) -> Treatment | None:
    if rule.unit_price_below is not None:
        if unit_price is None or not unit_price < _in(rule.unit_price_below, rule, currency, convert):
            return None
    if rule.exempt_per_unit is not None:
        if unit_price is None:
            return None
        limit = _in(rule.exempt_per_unit, rule, currency, convert)
        if unit_price <= limit:
            return Treatment("exempt", (), exempt=True, rule=rule.id, source=rule.source)
        # Only the part above the limit is taxed, at the jurisdiction's standard rate.
        return Treatment("standard", ("standard",), untaxed_per_unit=limit, rule=rule.id, source=rule.source)
    if rule.exempt:
        return Treatment("exempt", (), exempt=True, rule=rule.id, source=rule.source)
    return Treatment(_key(rule.categories, rule.per_tax, False), rule.categories, rule.per_tax, rule=rule.id,
                     source=rule.source)


def shipping_taxable(jurisdiction: str, on: date, data: Taxability | None = None) -> bool:
    """Whether shipping follows the goods in ``jurisdiction`` (False: exempt there)."""
    return not resolve(jurisdiction, SHIPPING, on, data=data).exempt


__all__ = ["Treatment", "Rule", "Code", "Taxability", "resolve", "shipping_taxable", "tax_category_for", "codes",
           "product_codes", "is_code", "stripe_code", "legacy", "load", "parse", "SHIPPING"]
