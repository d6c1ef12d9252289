"""The tax-provider seam: who supplies the taxes of an addressed order.

Pure. Shaped like Saleor's tax apps / ``TaxCalculationStrategy``, Medusa's
``ITaxProvider.getTaxLines`` and Vendure's ``TaxLineCalculationStrategy``: the
checkout hands a provider the order (lines with their amount, quantity and
product tax code, the shipping cost, the delivery address) and gets back, per
line, the taxes that apply (rate and jurisdiction); the project keeps computing
the amounts itself (``storefront.tax.calculation``: its invariants hold and the
tax is rounded once, at the documented place, whatever the provider).

- ``builtin``: the rate tables of ``data/rates.json`` (the default; for the US
  they hold the state base rate only, so a US cart says its tax is an
  estimate: notice ``tax_estimate``);
- ``stripe``: Stripe Tax (``storefront.tax.stripe_tax``), destination-based
  US rates down to county, city and special district.

Mapping of a provider's per-line breakdown to the project's tax components
(``to_components``): the state's own rate is one component, ``Sales tax``
(the name the built-in tables use, so a merchant's reports keep one line for
it), and every local level (county, city, district, or Stripe's ``multiple``)
is summed into one ``Local sales tax`` component (the jurisdiction: the
provider's display names joined, "KING COUNTY, SEATTLE, ..."). Two tax lines
on the receipt, as US receipts usually show them, and an order's ``tax_lines``
aggregated by (name, rate) stay few; the per-jurisdiction detail is the
provider's calculation, which the order references by id (refunds, filings).
A breakdown with a smaller taxable amount than the line (a partial exemption)
gives the line an untaxed part.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Mapping, Protocol, Sequence

from storefront.tax import taxability
from storefront.tax.calculation import TaxComponent

BUILTIN = "builtin"
STATE_TAX = "Sales tax"
LOCAL_TAX = "Local sales tax"
STATE_LEVELS = frozenset({"state", "country"})
LOCAL_LEVELS = frozenset({"county", "city", "district", "multiple"})
GENERAL_GOODS = "txcd_99999999"  # Stripe's "General - Tangible Goods"


@dataclass(frozen=True)
class ProviderAddress:
    country: str
    region: str | None
    postal_code: str | None
    city: str | None = None
    line1: str | None = None


@dataclass(frozen=True)
class ProviderLine:
    key: str  # the line's reference (the SKU)
    amount: Decimal  # the line total, net (US prices exclude tax), in the currency's major unit
    quantity: int
    tax_code: str  # a Stripe product tax code (``taxability.stripe_code``)


@dataclass(frozen=True)
class ProviderRequest:
    currency: str
    lines: tuple[ProviderLine, ...]
    shipping: Decimal
    address: ProviderAddress
    tax_behavior: str = "exclusive"  # US prices exclude tax
    shipping_tax_code: str = "txcd_92010001"


@dataclass(frozen=True)
class JurisdictionTax:
    """One entry of a line's tax breakdown."""

    level: str  # state, county, city, district, multiple (Stripe's jurisdiction levels)
    name: str  # the jurisdiction's display name ("Washington", "SEATTLE")
    rate: Decimal  # percent; 0 where the line is not taxed there
    amount: Decimal  # the provider's own figure, major unit (informative: the project computes its own)
    taxable_amount: Decimal  # major unit


@dataclass(frozen=True)
class ProviderResult:
    provider: str
    calculation_id: str | None
    lines: Mapping[str, tuple[JurisdictionTax, ...]]
    shipping: tuple[JurisdictionTax, ...] = ()
    shipping_amount: Decimal = Decimal(0)


class TaxProvider(Protocol):
    name: str

    def applies_to(self, country: str) -> bool:
        """Whether this provider taxes deliveries to ``country``."""

    def calculate(self, request: ProviderRequest) -> ProviderResult:
        """The taxes per line; raises ``TaxProviderUnavailable`` when it cannot answer."""


class QuoteStale(Exception):
    """A quoted provider was asked about another order than the one quoted
    (the cart changed in between): quote again (``storefront.checkout.placement``)."""


class RecordingProvider:
    """``provider``, keeping each answer by its request (frozen, hashable:
    the request is the fingerprint of everything the answer depends on)."""

    def __init__(self, provider: TaxProvider) -> None:
        self.provider = provider
        self.name = provider.name
        self.answers: dict[ProviderRequest, ProviderResult] = {}

    def applies_to(self, country: str) -> bool:
        return self.provider.applies_to(country)

    def calculate(self, request: ProviderRequest) -> ProviderResult:
        result = self.provider.calculate(request)
        self.answers[request] = result
        return result


class QuotedProvider:
    """Answers from a quote made earlier (outside any transaction), never over
    the network: the same request gets the quoted result, any other raises
    ``QuoteStale``. Placing an order computes the taxes while it holds the
    cart's lock with this, so no provider call holds a database lock."""

    def __init__(self, provider: TaxProvider, answers: Mapping[ProviderRequest, ProviderResult]) -> None:
        self.name = provider.name
        self._provider = provider
        self._answers = dict(answers)

    def applies_to(self, country: str) -> bool:
        return self._provider.applies_to(country)

    def calculate(self, request: ProviderRequest) -> ProviderResult:
        try:
            return self._answers[request]
        except KeyError:
            raise QuoteStale() from None


def to_components(taxes: Sequence[JurisdictionTax], jurisdiction: str) -> tuple[TaxComponent, ...]:
    """A line's breakdown as the project's components (see the module doc):
    ``Sales tax`` at the state's rate, ``Local sales tax`` at the local levels'
    summed rate; levels with a zero rate are left out."""
    state = [t for t in taxes if t.level in STATE_LEVELS and t.rate > 0]
    local = [t for t in taxes if t.level not in STATE_LEVELS and t.rate > 0]
    found = []
    if state:
        found.append(TaxComponent(STATE_TAX, sum((t.rate for t in state), Decimal(0)), jurisdiction))
    if local:
        names = ", ".join(dict.fromkeys(t.name for t in local))
        found.append(TaxComponent(LOCAL_TAX, sum((t.rate for t in local), Decimal(0)),
                                  f"{jurisdiction} ({names})"[:64]))
    return tuple(found)


def provider_tax_code(tax_code: str | None, tax_category: str) -> str:
    """The Stripe product tax code of a line: its own code (a project sub-code
    as its Stripe parent), else the first code standing for its legacy
    category, else general tangible goods."""
    if tax_code and taxability.is_code(tax_code):
        return taxability.stripe_code(tax_code)
    for code in (GENERAL_GOODS,) + taxability.product_codes():
        if taxability.tax_category_for(code) == tax_category and code.startswith("txcd_"):
            return code
    return GENERAL_GOODS


def untaxed_part(taxes: Sequence[JurisdictionTax], amount: Decimal) -> Decimal:
    """The part of a line no tax applies to: the line less the largest taxable
    amount of its taxed entries (the whole line when none is taxed)."""
    taxed = [t.taxable_amount for t in taxes if t.rate > 0]
    if not taxed:
        return amount
    return max(amount - max(taxed), Decimal(0))


def shipping_taxed(result: ProviderResult) -> bool:
    """Whether the provider taxes the shipping (US-CA, US-ME exempt delivery by common carrier)."""
    if not result.shipping_amount:
        return True
    return any(t.rate > 0 and t.taxable_amount > 0 for t in result.shipping)


__all__ = ["BUILTIN", "STATE_TAX", "LOCAL_TAX", "QuoteStale", "RecordingProvider", "QuotedProvider", "ProviderAddress", "ProviderLine", "ProviderRequest",
           "JurisdictionTax", "ProviderResult", "TaxProvider", "to_components", "provider_tax_code", "untaxed_part", "shipping_taxed"]
