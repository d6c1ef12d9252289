"""Which taxes apply to an order: the destination decides.

Pure. Returns the jurisdiction whose rates apply and the rule that chose it:

- EU destination (B2C): the destination member state's VAT — the One-Stop
  Shop rules for intra-EU distance sales since 1 July 2021 (Directive (EU)
  2017/2455, Art. 33 VAT Directive); ``domestic`` when goods stay in the
  country they ship from. Goods shipped into the EU from outside: destination
  VAT under the Import One-Stop Shop (thresholds and duties: checkout).
- EU destination (B2B) with a valid VAT number of another member state than
  the one the goods leave from: the intra-Community supply is exempt and the
  buyer accounts for the VAT (Art. 138 and 196 VAT Directive): zero tax,
  notice ``reverse_charge``, both VAT numbers on the order. Same-country B2B
  pays VAT as usual.
- GB: UK VAT; a UK VAT-registered business buying goods of at most GBP 135
  accounts for the VAT itself (HMRC, VAT and overseas goods sold to customers
  in the UK from 1 January 2021): ``uk_reverse_charge``.
- US: the destination state's sales tax (state base rate), prices net.
- CA: GST/HST and the province's PST/QST (place of supply: the customer).
- CH/LI, NO, AU, JP, KW: the country's VAT/GST/JCT (KW levies none).
"""
from __future__ import annotations

from dataclasses import dataclass

from storefront.markets.errors import RegionRequired
from storefront.tax.vat_ids import VatId

EU_MEMBERS = frozenset(
    "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE".split()
)
REGIONAL = frozenset({"US", "CA"})


@dataclass(frozen=True)
class Destination:
    country: str
    region: str | None = None


@dataclass(frozen=True)
class Determination:
    jurisdiction: str  # "IT", "CA-QC", "US-CA"
    rule: str
    zero_rated: bool = False
    notices: tuple[str, ...] = ()
    buyer_vat_id: str | None = None


def determine(destination: Destination, origin_country: str, buyer_vat: VatId | None = None) -> Determination:
    """The jurisdiction and rule for goods going from ``origin_country`` to ``destination``."""
    country = destination.country.upper()
    if country in REGIONAL:
        if not destination.region:
            raise RegionRequired(country=country)
        region = destination.region.upper().split("-")[-1]
        rule = "us_state_sales_tax" if country == "US" else "ca_gst_provincial"
        return Determination(f"{country}-{region}", rule)
    if country in EU_MEMBERS:
        return _eu(country, origin_country.upper(), buyer_vat)
    if country == "GB":
        if buyer_vat is not None and buyer_vat.country == "GB":
            return Determination("GB", "uk_reverse_charge", True, ("reverse_charge",), buyer_vat.number)
        return Determination("GB", "uk_vat")
    rule = {"CH": "ch_vat", "LI": "ch_vat", "NO": "no_voec", "AU": "au_gst", "JP": "jp_jct", "KW": "kw_no_vat"}.get(
        country, "destination")
    return Determination(country, rule)


def _eu(country: str, origin: str, buyer_vat: VatId | None) -> Determination:
    if origin not in EU_MEMBERS:
        return Determination(country, "eu_import_ioss")
    if buyer_vat is not None and buyer_vat.country in EU_MEMBERS:
        if buyer_vat.country != origin:
            return Determination(country, "eu_reverse_charge", True, ("reverse_charge",), buyer_vat.number)
        return Determination(country, "eu_domestic_b2b", buyer_vat_id=buyer_vat.number)
    return Determination(country, "eu_domestic" if country == origin else "eu_oss_destination")
