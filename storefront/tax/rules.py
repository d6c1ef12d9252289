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
- GB: UK VAT. A UK VAT-registered business buying imported goods in a
  consignment of at most GBP 135 accounts for the VAT itself; above GBP 135
  the goods are imported as usual and a DDP seller charges UK VAT (HMRC, "VAT
  and overseas goods sold directly to customers in the UK", updated
  2024-11-19, https://www.gov.uk/guidance/vat-and-overseas-goods-sold-directly-to-customers-in-the-uk):
  ``uk_reverse_charge`` only with the consignment value (``consignment_gbp``:
  the goods' value excluding VAT and transport) known and <= GBP 135, and
  goods shipped from outside the UK; UK domestic B2B pays VAT.
- Northern Ireland (BT postcodes; VAT prefix XI): EU VAT rules for goods
  apply under the Windsor Framework (Protocol on Ireland/Northern Ireland,
  Art. 8). HMRC, VAT Notice 725 "VAT on movements of goods between Northern
  Ireland and the EU" (https://www.gov.uk/guidance/vat-and-the-single-market-notice-725),
  "Overseas businesses selling goods from the EU to Northern Ireland"
  (https://www.gov.uk/guidance/overseas-businesses-selling-goods-to-northern-ireland)
  and "Selling or moving goods in Northern Ireland" (the XI prefix,
  https://www.gov.uk/vat-registration/selling-or-moving-goods-in-northern-ireland),
  read 2026-12-02. From the EU: a buyer with an XI VAT number gets a
  zero-rated intra-Community supply and accounts for acquisition VAT
  (``eu_reverse_charge``); a consumer (or a GB-only number) pays UK VAT as
  a distance sale (``eu_oss_destination``, UK rates); no customs border.
  From GB: a domestic UK supply (``uk_vat``). From elsewhere: an import, as GB.
- Monaco: treated as France for VAT (Art. 7(1) VAT Directive; Convention
  fiscale franco-monégasque of 18 May 1963): French VAT, jurisdiction FR.
- Territories of member states outside the EU VAT area (Art. 6 VAT
  Directive; ``storefront.tax.territories``, found by postal code): no EU
  VAT; the goods are exported (``export_special_territory``): zero-rated,
  or, where the data knows the territory's import tax (IGIC in the Canaries)
  or the VAT that applies instead (Swiss VAT in Büsingen), that tax
  (``import_tax``: under DAP it is paid on delivery instead).
- US territories (PR, GU, VI, AS, MP) given as countries: the US
  jurisdiction ``US-PR`` etc. (Puerto Rico's IVU is in the data).
- US: the destination state's sales tax (state base rate), prices net.
- CA: GST/HST and the province's PST/QST (place of supply: the customer).
- CH/LI, NO, AU, JP, KW: the country's VAT/GST/JCT (KW levies none).
"""
from __future__ import annotations

from dataclasses import dataclass

from decimal import Decimal

from storefront.markets.errors import RegionRequired
from storefront.tax.territories import Territory, is_northern_ireland, special_territory
from storefront.tax.vat_ids import VatId

EU_MEMBERS = frozenset(
    "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE".split()
)
REGIONAL = frozenset({"US", "CA"})
US_TERRITORIES = frozenset({"PR", "GU", "VI", "AS", "MP", "UM"})
UK_IMPORT_RELIEF_GBP = Decimal(135)  # HMRC: consignments of at most GBP 135


@dataclass(frozen=True)
class Destination:
    country: str
    region: str | None = None
    postal_code: str | None = None
    city: str | None = None


@dataclass(frozen=True)
class Determination:
    jurisdiction: str  # "IT", "CA-QC", "US-CA"
    rule: str
    zero_rated: bool = False
    notices: tuple[str, ...] = ()
    buyer_vat_id: str | None = None
    # The taxes charged are the destination's import taxes (an export to a
    # territory outside the EU VAT area): under DAP they are paid on delivery.
    import_tax: bool = False
    territory: str | None = None  # the special territory (``storefront.tax.territories``) or "XI"


def territory_of(destination: Destination) -> Territory | None:
    return special_territory(destination.country, destination.postal_code, destination.city)


def determine(destination: Destination, origin_country: str, buyer_vat: VatId | None = None,
              consignment_gbp: Decimal | None = None) -> Determination:
    """The jurisdiction and rule for goods going from ``origin_country`` to
    ``destination`` (``consignment_gbp``: the goods' value in GBP, for the UK
    GBP 135 rule)."""
    country = destination.country.upper()
    origin = origin_country.upper()
    if country in US_TERRITORIES:
        return Determination(f"US-{country}", "us_state_sales_tax")
    if country == "MC":
        country = "FR"
    if country in REGIONAL:
        if not destination.region:
            raise RegionRequired(country=country)
        region = destination.region.upper().split("-")[-1]
        rule = "us_state_sales_tax" if country == "US" else "ca_gst_provincial"
        return Determination(f"{country}-{region}", rule)
    if country in EU_MEMBERS:
        territory = territory_of(destination)
        if territory is not None:
            return _export(territory)
        return _eu(country, origin, buyer_vat)
    if country in ("GB", "XI"):
        northern_ireland = country == "XI" or is_northern_ireland(country, destination.postal_code)
        if northern_ireland and origin in EU_MEMBERS:
            if buyer_vat is not None and buyer_vat.country == "XI":
                return Determination("GB", "eu_reverse_charge", True, ("reverse_charge",), buyer_vat.number,
                                     territory="XI")
            return Determination("GB", "eu_oss_destination", territory="XI")
        ni = "XI" if northern_ireland else None
        business = buyer_vat is not None and buyer_vat.country in ("GB", "XI")
        if business and origin not in ("GB", "XI") and consignment_gbp is not None \
                and consignment_gbp <= UK_IMPORT_RELIEF_GBP:
            return Determination("GB", "uk_reverse_charge", True, ("reverse_charge",), buyer_vat.number,
                                 territory=ni)
        return Determination("GB", "uk_vat", buyer_vat_id=buyer_vat.number if business else None, territory=ni)
    rule = {"CH": "ch_vat", "LI": "ch_vat", "NO": "no_voec", "AU": "au_gst", "JP": "jp_jct", "KW": "kw_no_vat"}.get(
        country, "destination")
    return Determination(country, rule)


def _export(territory: Territory) -> Determination:
    notices = ("outside_eu_vat_area",)
    if territory.tax_jurisdiction is None:
        return Determination(territory.country, "export_special_territory", True, notices, territory=territory.code)
    return Determination(territory.tax_jurisdiction, "export_special_territory", False, notices, import_tax=True,
                         territory=territory.code)


def _eu(country: str, origin: str, buyer_vat: VatId | None) -> Determination:
    if origin not in EU_MEMBERS:
        return Determination(country, "eu_import_ioss")
    if buyer_vat is not None and buyer_vat.country in EU_MEMBERS:
        if buyer_vat.country != origin:
            return Determination(country, "eu_reverse_charge", True, ("reverse_charge",), buyer_vat.number)
        return Determination(country, "eu_domestic_b2b", buyer_vat_id=buyer_vat.number)
    return Determination(country, "eu_domestic" if country == origin else "eu_oss_destination")
