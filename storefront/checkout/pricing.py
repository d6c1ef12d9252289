"""Pricing a cart: items, taxes, duties, notices and totals.

Pure. ``price_cart`` computes from the frozen ``CartInputs`` that
``storefront.checkout.fetch`` loads with a constant number of queries
(saleor: ``checkout/fetch.py`` loads, ``checkout/calculations.py`` computes).
It imports no Flask, SQLAlchemy or marshmallow; the merchant's tax preview and
the cart use the same function.

The steps, in order:

1. items: a line is available when it has a price in force and (where stock
   is checked) enough free units; unavailable lines are shown but not charged;
2. shipping: the chosen method's rate, free from its threshold on (or a
   given amount, for a preview);
3. tax: the destination decides (``storefront.tax.rules``); under a reverse
   charge nothing is charged and tax-inclusive prices lose their VAT;
4. duties on the goods' customs value (``storefront.checkout.duties``);
   delivered duty unpaid (DAP) where import VAT is collected at the border:
   the order is taxed again with no VAT (``import_vat_on_delivery``);
5. notices, and totals (``storefront.checkout.totals``).

Where a tax provider supplies the taxes (``storefront.tax.providers``: Stripe
Tax for US local rates), the fetch gives each line its own components; the
amounts are still computed here, rounded once. A US destination taxed by the
built-in tables (state base rates) gets the notice ``tax_estimate``.

Before an address is known the market's own taxes apply where its prices
include tax (as the catalog shows them), none yet where tax is added at the end.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Any, Mapping, Sequence

from storefront.checkout import duties as duties_engine
from storefront.checkout.totals import Totals, order_totals
from storefront.pricing.errors import FxRateMissing
from storefront.tax.calculation import LineInput, TaxComponent, TaxResult, calculate
from storefront.tax.rules import EU_MEMBERS, Destination, Determination, determine, territory_of
from storefront.tax.territories import is_northern_ireland
from storefront.tax.vat_ids import validate_vat_id
from storefront.money import quantize_charge

ZERO = Decimal(0)
# The product flag for excise goods (besides their HS headings, see duties.is_excise).
EXCISE_TAX_CATEGORY = "beverage_alcohol"


@dataclass(frozen=True)
class Notice:
    code: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ItemView:
    sku: str
    variant_id: int
    product_slug: str
    name: str
    quantity: int
    unit_price: Decimal
    total: Decimal
    available: bool
    tax_category: str
    tax_code: str | None = None
    tax_key: str | None = None  # the line's set of taxes (``tax_rates`` key); None: its tax category
    untaxed: Decimal = ZERO  # the part of ``total`` no tax applies to (MA, RI clothing thresholds)


# --- inputs ---------------------------------------------------------------------------


@dataclass(frozen=True)
class MarketTerms:
    """What pricing needs to know about the market."""

    code: str
    currency: str
    prices_include_tax: bool
    tax_rounding: str = "line"
    incoterm: str = "DDP"


@dataclass(frozen=True)
class LineInfo:
    variant_id: int
    sku: str
    product_slug: str
    name: str
    quantity: int
    unit_price: Decimal | None  # in force in the market now; None: not sold there at the moment
    free_stock: int | None  # free units in the market's warehouses; None: not checked (a tax preview)
    tax_category: str
    hs_code: str | None = None
    tax_code: str | None = None  # the product tax code (``storefront.tax.taxability``); None: the category alone
    # Set by the fetch once the jurisdiction is known: the key of the line's
    # taxes in ``CartInputs.tax_rates`` and the untaxed part of each unit.
    tax_key: str | None = None
    untaxed_per_unit: Decimal = ZERO
    origin_country: str | None = None  # where the goods were made (preferential origin)
    weight_grams: int | None = None  # of one unit

    @property
    def available(self) -> bool:
        return self.unit_price is not None and (self.free_stock is None or self.free_stock >= self.quantity)


@dataclass(frozen=True)
class ShippingChoice:
    """The chosen method's terms, as shown (gross where prices include tax)."""

    rate: Decimal
    free_over: Decimal | None = None

    def price_for(self, goods: Decimal) -> Decimal:
        """Free from the threshold on (same rule as ``shipping.services.MethodView``)."""
        if self.free_over is not None and goods >= self.free_over:
            return ZERO
        return self.rate


@dataclass(frozen=True)
class FxRates:
    """Stored FX rates: units of each currency per one unit of ``base``."""

    base: str
    per_base: Mapping[str, Decimal] = field(default_factory=dict)

    def rate(self, currency: str) -> Decimal:
        if currency == self.base:
            return Decimal(1)
        rate = self.per_base.get(currency)
        if not rate:
            # Never a silent 1:1: a threshold compared in the wrong currency
            # charges (or waives) duties that are not due.
            raise FxRateMissing(currency=currency, details={"currency": currency, "base": self.base})
        return rate

    def convert(self, amount: Decimal, source: str, target: str) -> Decimal:
        """``amount`` in ``source`` expressed in ``target``, through the base currency."""
        if source == target:
            return amount
        return amount / self.rate(source) * self.rate(target)


@dataclass(frozen=True)
class CartInputs:
    """Everything ``price_cart`` needs, loaded by ``storefront.checkout.fetch``."""

    market: MarketTerms
    lines: tuple[LineInfo, ...]
    on: date  # the day whose tax rates and customs regimes apply
    fx: FxRates
    # Per tax category (every line's), the taxes of the jurisdiction the order
    # is taxed in: the destination's (``tax_jurisdiction``); without a
    # destination the market's own where its prices include tax; None: no tax yet.
    tax_rates: Mapping[str, tuple[TaxComponent, ...]] | None = None
    destination: Destination | None = None
    origin_country: str = ""  # where the goods leave from ("" when the market has no warehouse)
    vat_id: str | None = None  # the buyer's, as entered
    seller_vat_id: str | None = None
    shipping_method: ShippingChoice | None = None
    shipping_amount: Decimal | None = None  # a fixed shipping amount instead of the method's price (a preview)
    shipping_taxable: bool = True  # False where the jurisdiction exempts separately stated delivery (US-CA, US-ME)
    # Who supplied the taxes (``storefront.tax.providers``) and its calculation's id (orders keep both).
    tax_provider: str = "builtin"
    tax_calculation_id: str | None = None
    tax_estimate: bool = False  # the built-in state base rate for a US destination: the cart says it is an estimate


# --- tax of an order ------------------------------------------------------------------


@dataclass(frozen=True)
class OrderLine:
    key: str
    amount: Decimal  # as shown: gross where the market's prices include tax
    category: str  # the key of the line's taxes in the rates
    untaxed: Decimal = ZERO  # the part of ``amount`` no tax applies to


@dataclass(frozen=True)
class TaxedOrder:
    determination: Determination
    result: TaxResult
    seller_vat_id: str | None


def determination_for(destination: Destination, origin_country: str, vat_id: str | None, *,
                      vat_at_border: bool = False, import_relief: bool = False,
                      consignment_gbp: Decimal | None = None) -> Determination:
    """The jurisdiction and rule (``storefront.tax.rules.determine``) for a buyer
    VAT number as entered (validated offline; an invalid one is an error).
    Delivered duty unpaid across a customs border, where the import VAT is
    collected on delivery: none is charged here (``import_vat_on_delivery``);
    where a low-value relief means none is levied at import (Canada's courier
    remission): none at all (``import_tax_relief``)."""
    buyer = validate_vat_id(vat_id) if vat_id else None
    determination = determine(destination, origin_country, buyer, consignment_gbp)
    if (vat_at_border or import_relief) and not determination.zero_rated:
        rule = "import_tax_relief" if import_relief else "import_vat_on_delivery"
        determination = replace(determination, rule=rule, zero_rated=True)
    return determination


def tax_jurisdiction(destination: Destination, origin_country: str, vat_id: str | None) -> str:
    """Whose rates to load for an order (the fetch asks before loading them)."""
    return determination_for(destination, origin_country, vat_id).jurisdiction


def tax_order(lines: Sequence[OrderLine], *, determination: Determination,
              rates: Mapping[str, tuple[TaxComponent, ...]], currency: str, prices_include_tax: bool, rounding: str,
              shipping: Decimal, seller_vat_id: str | None, shipping_taxable: bool = True) -> TaxedOrder:
    """Tax an order at the rates of the determination's jurisdiction. When it
    is zero-rated (reverse charge, import VAT on delivery) nothing is charged:
    where the market's prices include VAT, the destination's VAT is first
    taken out of them, so the buyer pays the net price. The seller's VAT
    number goes on the order when the buyer's does or nothing is charged."""
    inputs = [LineInput(line.key, line.amount, rates[line.category], line.untaxed) for line in lines]
    included = prices_include_tax
    if determination.zero_rated:
        if included:
            # The net of each line and of the shipping at the destination's rates.
            full = calculate(inputs, currency=currency, prices_include_tax=True, rounding=rounding, shipping=shipping,
                             shipping_taxable=shipping_taxable)
            inputs = [LineInput(t.key, t.net, ()) for t in full.lines]
            shipping = sum((t.net for t in full.shipping), ZERO)
        else:
            inputs = [LineInput(i.key, i.amount, ()) for i in inputs]
        included = False
    result = calculate(inputs, currency=currency, prices_include_tax=included, rounding=rounding, shipping=shipping,
                       shipping_taxable=shipping_taxable)
    seller = seller_vat_id if determination.zero_rated or determination.buyer_vat_id else None
    return TaxedOrder(determination, result, seller)


# --- duties ---------------------------------------------------------------------------


def fx_currencies(market_currency: str, origin_country: str, destination_country: str, on: date) -> frozenset[str]:
    """The currencies whose rates pricing may need: the market's and the
    destination regime's when the goods cross a customs border (threshold
    test, flat duties), none otherwise."""
    data = duties_engine.load()
    territory = duties_engine.territory(destination_country, data)
    if not origin_country or duties_engine.territory(origin_country, data) == territory:
        return frozenset()
    regime = duties_engine.regime_for(territory, on, data, origin_country)
    if regime is None or regime.currency == market_currency:
        return frozenset()
    return frozenset({market_currency, regime.currency})


def customs_destination(destination: Destination, origin_country: str) -> str:
    """The customs territory the goods enter, as a country code for the duties
    engine: a special territory's own (``storefront.tax.territories``: Büsingen
    is Swiss, Heligoland or Ceuta their own, the Canaries the EU's); Northern
    Ireland applies the EU customs code to goods, so goods from the EU (or,
    within the UK, from GB) cross no border."""
    country = destination.country.upper()
    territory = territory_of(destination)
    if territory is not None:
        return {"EU": territory.country, "outside": territory.code}.get(territory.customs, territory.customs)
    if country == "MC":
        return "FR"
    if country == "PR":  # inside the US customs territory (19 U.S.C. 1401(h))
        return "US"
    if is_northern_ireland(country, destination.postal_code):
        origin = origin_country.upper()
        return origin if origin in EU_MEMBERS or origin in ("GB", "XI") else "GB"
    return country


def _duty_line(line: LineInfo, net: Decimal) -> duties_engine.DutyLine:
    weight = line.weight_grams * line.quantity if line.weight_grams else None
    return duties_engine.DutyLine(line.sku, line.hs_code, net, line.quantity, line.origin_country, weight,
                                  line.tax_category == EXCISE_TAX_CATEGORY)


def assess_duties(inputs: CartInputs, destination: Destination, tax: TaxResult) -> duties_engine.Assessment:
    """Duties on the goods' customs value (their net price), thresholds
    compared in the regime's currency at the stored FX rates (a missing rate
    raises ``FxRateMissing``)."""
    currency = inputs.market.currency
    info = {line.sku: line for line in inputs.lines}
    lines = [_duty_line(info[t.key], t.net) for t in tax.lines]
    return duties_engine.assess(
        lines, origin=inputs.origin_country, destination=customs_destination(destination, inputs.origin_country),
        on=inputs.on, currency=currency,
        incoterm=inputs.market.incoterm,
        value_in=lambda amount, target: inputs.fx.convert(amount, currency, target),
        amount_from=lambda amount, source: inputs.fx.convert(amount, source, currency),
    )


def import_vat_estimate(at_destination: TaxResult, assessment: duties_engine.Assessment, currency: str) -> Decimal:
    """The import VAT a shopper pays on delivery when goods enter duty unpaid (DAP) and the VAT is
    collected at the border: the destination's rates on the goods' value (their net price), the transport
    to the destination and the duties. Switzerland: the tax base of an import is the consideration paid plus
    the costs of transport to the destination and the duties and other charges levied on import (Federal Act
    on VAT, MWSTG SR 641.20, Art. 54 para. 1 let. a and para. 3), at 8.1 % or 2.6 % (Art. 25), assessed by
    the Federal Office for Customs and Border Security (BAZG). Each duty is taxed at its line's rate, flat
    per-category duties at the highest rate of the order. Rounded once, to the charge unit. An estimate:
    the carrier's clearance fee (and its VAT) comes on top."""
    rates = {t.key: sum((c.rate for c in t.taxes), ZERO) for t in at_destination.lines}
    top = max(rates.values(), default=ZERO)
    vat = at_destination.tax_total  # goods and shipping at the destination's rates, on their net
    for key, duty in assessment.per_line:
        vat += duty * rates.get(key, top) / 100
    return quantize_charge(vat, currency)


# --- the cart -------------------------------------------------------------------------


@dataclass(frozen=True)
class CartPricing:
    items: tuple[ItemView, ...]
    goods: Decimal  # the available items' subtotal, as shown
    shipping: Decimal  # as shown, before a reverse charge takes the tax out
    tax: TaxResult  # what is charged
    determination: Determination | None
    seller_vat_id: str | None
    duties: duties_engine.Assessment | None
    # The destination's taxes on the order before the incoterm: under DAP with
    # import VAT at the border, the VAT the buyer pays on delivery (the
    # merchant's tax preview shows these).
    taxed_at_destination: TaxedOrder | None
    notices: tuple[Notice, ...]
    totals: Totals
    tax_provider: str = "builtin"
    tax_calculation_id: str | None = None


def _item(line: LineInfo) -> ItemView:
    unit = line.unit_price if line.unit_price is not None else ZERO
    return ItemView(line.sku, line.variant_id, line.product_slug, line.name, line.quantity, unit, unit * line.quantity,
                    line.available, line.tax_category, line.tax_code, line.tax_key,
                    line.untaxed_per_unit * line.quantity)


def _tax_without_address(inputs: CartInputs, lines: Sequence[OrderLine], shipping: Decimal) -> TaxResult:
    """The market's own taxes (as the catalog shows them, rounded per line)
    where prices include tax; none yet where tax is added at the end."""
    rates = inputs.tax_rates
    taxed = [LineInput(line.key, line.amount, rates[line.category] if rates is not None else (), line.untaxed)
             for line in lines]
    return calculate(taxed, currency=inputs.market.currency, prices_include_tax=inputs.market.prices_include_tax,
                     shipping=shipping, shipping_taxable=inputs.shipping_taxable)


def consignment_gbp(inputs: CartInputs, lines: Sequence[OrderLine]) -> Decimal | None:
    """The goods' value excluding VAT and transport in GBP, for the UK GBP 135
    rule on B2B imports (only asked for a UK destination with a VAT number)."""
    destination = inputs.destination
    origin = inputs.origin_country.upper()
    if destination is None or destination.country.upper() not in ("GB", "XI") or not inputs.vat_id:
        return None
    if origin in ("GB", "XI") or customs_destination(destination, origin) != "GB":
        return None  # not an import into the UK (domestic, or EU goods to Northern Ireland)
    currency = inputs.market.currency
    rates = inputs.tax_rates or {}
    goods = calculate([LineInput(line.key, line.amount, rates.get(line.category, ()), line.untaxed) for line in lines],
                      currency=currency, prices_include_tax=inputs.market.prices_include_tax)
    return inputs.fx.convert(goods.net_total, currency, "GBP")


def price_cart(inputs: CartInputs) -> CartPricing:
    """Items, tax, duties, notices and totals of a cart (see the module doc)."""
    market = inputs.market
    items = tuple(_item(line) for line in inputs.lines)
    sold = [item for item in items if item.available]
    goods = sum((item.total for item in sold), ZERO)
    method = inputs.shipping_method
    if inputs.shipping_amount is not None:
        shipping = inputs.shipping_amount
    else:
        shipping = method.price_for(goods) if method is not None else ZERO
    lines = [OrderLine(item.sku, item.total, item.tax_key or item.tax_category, item.untaxed) for item in sold]
    notices: list[Notice] = []
    determination, seller, assessment, at_destination, duties = None, None, None, None, ZERO
    destination = inputs.destination
    if destination is not None:
        value_gbp = consignment_gbp(inputs, lines)

        def taxed(vat_at_border: bool, import_relief: bool = False) -> TaxedOrder:
            return tax_order(
                lines, determination=determination_for(destination, inputs.origin_country, inputs.vat_id,
                                                        vat_at_border=vat_at_border, import_relief=import_relief,
                                                        consignment_gbp=value_gbp),
                rates=inputs.tax_rates or {}, currency=market.currency, prices_include_tax=market.prices_include_tax,
                rounding=market.tax_rounding, shipping=shipping, seller_vat_id=inputs.seller_vat_id,
                shipping_taxable=inputs.shipping_taxable,
            )

        charged = at_destination = taxed(False)
        assessment = assess_duties(inputs, destination, at_destination.result)
        if market.incoterm == "DAP" and assessment.vat_relieved:
            charged = taxed(False, import_relief=True)
        elif market.incoterm == "DAP" and (assessment.vat_at_border or at_destination.determination.import_tax):
            charged = taxed(True)
            assessment = replace(assessment, import_vat=import_vat_estimate(at_destination.result, assessment,
                                                                            market.currency))
        determination, tax, seller = charged.determination, charged.result, charged.seller_vat_id
        duties = assessment.charged
        codes = list(dict.fromkeys(determination.notices + assessment.notices))
        if at_destination.determination.territory not in (None, "XI") and market.incoterm == "DAP" \
                or (determination.rule == "export_special_territory" and not determination.import_tax):
            # an export: the territory's import taxes are paid on delivery (or not in the data)
            codes = list(dict.fromkeys(codes + ["duties_due_on_delivery"]))
        notices += [Notice(code) for code in codes]
        if inputs.tax_estimate and not determination.zero_rated:
            notices.append(Notice("tax_estimate"))
    else:
        tax = _tax_without_address(inputs, lines, shipping)
        if not market.prices_include_tax:
            notices.append(Notice("tax_at_address"))
    if method is not None and method.free_over is not None and shipping == 0 and method.rate:
        notices.append(Notice("free_shipping"))
    tax_included = market.prices_include_tax and not (determination is not None and determination.zero_rated)
    totals = order_totals(tax, tax_included=tax_included, duties=duties)
    return CartPricing(items, goods, shipping, tax, determination, seller, assessment, at_destination,
                       tuple(notices), totals, inputs.tax_provider, inputs.tax_calculation_id)
