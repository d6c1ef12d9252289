"""Stripe Tax as a tax provider (``storefront.tax.providers``).

``POST /v1/tax/calculations`` (``client.v1.tax.calculations.create``, a
``stripe.tax.Calculation``) with each line's net amount in minor units, its
Stripe product tax code (``taxability.stripe_code``), ``tax_behavior``
``exclusive`` (US prices exclude tax), the shipping cost and the delivery
address as the customer's (``address_source=shipping``); the answer's
per-line ``tax_breakdown`` (jurisdiction level and name, ``percentage_decimal``,
taxable amount) becomes the line's taxes (``providers.to_components``).

Like ``storefront.payments.stripe_gateway``, a ``StripeClient`` of its own (never
the global ``stripe.api_key``), ``api_base`` pointing it at another host (tests:
a local fake of the endpoint). One time budget per calculation
(``TAX_PROVIDER_TIMEOUT_SECONDS``): a single attempt, its connect and read
timeouts each the budget, no retries (a cart read must answer quickly; the
shopper retries). A connection error, a timeout, a 429 or a 5xx is
``TaxProviderUnavailable`` (503): never a silent state-only rate.
"""
from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any, Iterable

import stripe

from storefront.money import from_stripe_minor, money, to_stripe_minor
from storefront.tax.errors import TaxProviderRefused, TaxProviderUnavailable
from storefront.tax.providers import JurisdictionTax, ProviderRequest, ProviderResult

__all__ = ["StripeTaxProvider"]

log = logging.getLogger(__name__)
NAME = "stripe"


def _field(obj: Any, name: str) -> Any:
    """A field of a StripeObject (not a dict in stripe-python 16) or of a dict; None if absent."""
    if obj is None:
        return None
    if isinstance(obj, dict):
        return obj.get(name)
    return getattr(obj, name, None)


def _breakdown(entries: Iterable[Any] | None, currency: str) -> tuple[JurisdictionTax, ...]:
    found = []
    for entry in entries or ():
        jurisdiction = _field(entry, "jurisdiction") or {}
        details = _field(entry, "tax_rate_details")
        rate = Decimal(str(_field(details, "percentage_decimal") or "0")) if details else Decimal(0)
        found.append(JurisdictionTax(
            level=str(_field(jurisdiction, "level") or ""),
            name=str(_field(jurisdiction, "display_name") or _field(jurisdiction, "state") or ""),
            rate=rate,
            amount=from_stripe_minor(int(_field(entry, "amount") or 0), currency).amount,
            taxable_amount=from_stripe_minor(int(_field(entry, "taxable_amount") or 0), currency).amount,
        ))
    return tuple(found)


class StripeTaxProvider:
    name = NAME

    def __init__(self, api_key: str, api_base: str | None = None, *, timeout: float = 3.0,
                 countries: Iterable[str] = ("US",)) -> None:
        self._api_base = api_base
        self._countries = frozenset(c.upper() for c in countries)
        self._http_client = stripe.RequestsClient(timeout=float(timeout))
        self._client = stripe.StripeClient(api_key, base_addresses={"api": api_base} if api_base else None,
                                           max_network_retries=0, http_client=self._http_client)
        self._api_key = api_key

    def __repr__(self) -> str:  # never show the key
        return f"<StripeTaxProvider api_base={self._api_base!r} countries={sorted(self._countries)}>"

    def applies_to(self, country: str) -> bool:
        return country.upper() in self._countries

    def params(self, request: ProviderRequest) -> dict[str, Any]:
        currency = request.currency.upper()
        address = request.address
        wire_address = {"country": address.country.upper()}
        for key, value in (("state", address.region), ("postal_code", address.postal_code), ("city", address.city),
                           ("line1", address.line1)):
            if value:
                wire_address[key] = value.split("-")[-1] if key == "state" else value
        params: dict[str, Any] = {
            "currency": currency.lower(),
            "line_items": [{"amount": to_stripe_minor(money(line.amount, currency)), "quantity": line.quantity,
                            "reference": line.key, "tax_code": line.tax_code,
                            "tax_behavior": request.tax_behavior} for line in request.lines],
            "customer_details": {"address": wire_address, "address_source": "shipping"},
            "expand": ["line_items"],
        }
        if request.shipping:
            params["shipping_cost"] = {"amount": to_stripe_minor(money(request.shipping, currency)),
                                       "tax_behavior": request.tax_behavior, "tax_code": request.shipping_tax_code}
        return params

    def calculate(self, request: ProviderRequest) -> ProviderResult:
        currency = request.currency.upper()
        try:
            calc = self._client.v1.tax.calculations.create(params=self.params(request))  # type: ignore[arg-type]
            items = list(self._line_items(calc))
        except stripe.StripeError as err:
            self._fail(err)
        lines = {str(_field(item, "reference")): _breakdown(_field(item, "tax_breakdown"), currency) for item in items}
        missing = [line.key for line in request.lines if line.key not in lines]
        if missing:
            log.warning("stripe tax calculation %s has no line for %s", _field(calc, "id"), missing)
            raise TaxProviderUnavailable()
        shipping = _field(calc, "shipping_cost")
        return ProviderResult(
            provider=NAME, calculation_id=_field(calc, "id"), lines=lines,
            shipping=_breakdown(_field(shipping, "tax_breakdown"), currency) if shipping else (),
            shipping_amount=request.shipping,
        )

    def _line_items(self, calc: Any) -> Iterable[Any]:
        listed = _field(calc, "line_items")
        if listed is None:  # not expanded: list them
            listed = self._client.v1.tax.calculations.line_items.list(calc.id, params={"limit": 100})
        data = list(_field(listed, "data") or ())
        yield from data
        while _field(listed, "has_more") and data:
            listed = self._client.v1.tax.calculations.line_items.list(
                calc.id, params={"limit": 100, "starting_after": _field(data[-1], "id")})
            data = list(_field(listed, "data") or ())
            yield from data

    def _fail(self, err: stripe.StripeError) -> Any:
        status = err.http_status
        message = (err._message or "").replace(self._api_key, "***") if self._api_key else (err._message or "")
        log.warning("stripe tax calculation failed: %s http_status=%s code=%s request_id=%s: %s",
                    type(err).__name__, status, getattr(err, "code", None), err.request_id, message)
        if isinstance(err, (stripe.APIConnectionError, stripe.RateLimitError)) or status is None or status >= 500:
            raise TaxProviderUnavailable() from err
        raise TaxProviderRefused(details={"provider_code": getattr(err, "code", None)}) from err

