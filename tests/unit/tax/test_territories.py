"""B2B and territories in ``storefront.tax.rules.determine``: the UK GBP 135
rule, territories outside the EU VAT area (found by postal code), Northern
Ireland under the Windsor Framework, Monaco and the US territories. Each
case names its source (see the module docs of rules.py and territories.py)."""
from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from storefront.tax.rules import UK_IMPORT_RELIEF_GBP, Destination, determine
from storefront.tax.territories import TERRITORIES, is_northern_ireland, special_territory
from storefront.tax.vat_ids import validate_vat_id

D = Decimal
GB_VAT = validate_vat_id("GB980780684")
XI_VAT = validate_vat_id("XI980780684")
IT_VAT = validate_vat_id("IT00743110157")


# --- UK: reverse charge only for imported consignments <= GBP 135 ----------------------
# HMRC, "VAT and overseas goods sold directly to customers in the UK".

def test_the_uk_threshold_is_gbp_135():
    assert UK_IMPORT_RELIEF_GBP == D("135")


@pytest.mark.parametrize("value, rule, zero", [
    (D("10.00"), "uk_reverse_charge", True),
    (D("135.00"), "uk_reverse_charge", True),  # "not more than GBP 135"
    (D("135.01"), "uk_vat", False),  # an ordinary import: a DDP seller charges UK VAT
    (D("320.79"), "uk_vat", False),
    (None, "uk_vat", False),  # value unknown: never zero-rated by default
])
def test_gb_b2b_reverse_charge_up_to_gbp_135(value, rule, zero):
    d = determine(Destination("GB", postal_code="SW1A 1AA"), "DE", GB_VAT, value)
    assert (d.jurisdiction, d.rule, d.zero_rated) == ("GB", rule, zero)
    assert d.buyer_vat_id == "GB980780684"


def test_gb_domestic_b2b_pays_vat():
    d = determine(Destination("GB", postal_code="SW1A 1AA"), "GB", GB_VAT, D("10"))
    assert (d.rule, d.zero_rated) == ("uk_vat", False)


# --- territories outside the EU VAT area (Directive 2006/112/EC Art. 6) ---------------

@pytest.mark.parametrize("country, postal_code, city, code", [
    ("ES", "35001", "Las Palmas de Gran Canaria", "IC"),
    ("ES", "38001", "Santa Cruz de Tenerife", "IC"),
    ("ES", "51001", "Ceuta", "EA-CE"),
    ("ES", "52001", "Melilla", "EA-ML"),
    ("FR", "97110", "Pointe-à-Pitre", "GP"),
    ("FR", "97133", "Gustavia", "BL"),
    ("FR", "97150", "Marigot", "MF"),
    ("FR", "97200", "Fort-de-France", "MQ"),
    ("FR", "97300", "Cayenne", "GF"),
    ("FR", "97400", "Saint-Denis", "RE"),
    ("FR", "97500", "Saint-Pierre", "PM"),
    ("FR", "97600", "Mamoudzou", "YT"),
    ("DE", "78266", "Büsingen am Hochrhein", "DE-BUS"),
    ("DE", "27498", "Helgoland", "DE-HGL"),
    ("IT", "23041", "Livigno", "IT-LIV"),
    ("IT", "22061", "Campione d'Italia", "IT-CMP"),
    ("IT", "22060", "Campione d'Italia", "IT-CMP"),
    ("GR", "63086", "Karyes", "GR-69"),
    ("FI", "22100", "Mariehamn", "AX"),
])
def test_territories_by_postal_code(country, postal_code, city, code):
    assert special_territory(country, postal_code, city).code == code


@pytest.mark.parametrize("country, postal_code, city", [
    ("ES", "28001", "Madrid"), ("ES", "08001", "Barcelona"), ("FR", "75001", "Paris"),
    ("FR", "97000", "?"), ("DE", "10117", "Berlin"), ("DE", "78262", "Gailingen"),
    ("IT", "22060", "Carimate"),  # 22060 is shared: Campione only by name
    ("IT", "20121", "Milano"), ("GR", "10431", "Athens"), ("FI", "00100", "Helsinki"), ("ES", "", "x"),
])
def test_mainland_is_not_a_territory(country, postal_code, city):
    assert special_territory(country, postal_code, city) is None


def test_canary_islands_export_with_igic():
    """No Spanish VAT; IGIC 7 % at import (Ley 4/2012; rates.json ES-CN)."""
    d = determine(Destination("ES", "GC", "35001", "Las Palmas"), "DE")
    assert (d.jurisdiction, d.rule, d.zero_rated, d.import_tax) == ("ES-CN", "export_special_territory", False, True)
    assert "outside_eu_vat_area" in d.notices and d.territory == "IC"


def test_canary_islands_b2b_is_an_export_too():
    d = determine(Destination("ES", "TF", "38001"), "ES", validate_vat_id("ESA28015865"))
    assert (d.jurisdiction, d.rule) == ("ES-CN", "export_special_territory")


@pytest.mark.parametrize("country, postal_code, parent", [
    ("ES", "51001", "ES"), ("ES", "52001", "ES"), ("FR", "97110", "FR"), ("FR", "97600", "FR"),
    ("DE", "27498", "DE"), ("IT", "23041", "IT"), ("IT", "22061", "IT"), ("GR", "63086", "GR"),
    ("FI", "22100", "FI"),
])
def test_other_territories_are_zero_rated_exports(country, postal_code, parent):
    d = determine(Destination(country, postal_code=postal_code), "DE")
    assert (d.jurisdiction, d.rule, d.zero_rated, d.import_tax) == (parent, "export_special_territory", True, False)
    assert d.notices == ("outside_eu_vat_area",)


def test_busingen_pays_swiss_vat():
    """Swiss customs territory (CH-DE treaty of 1964-11-23, SR 0.631.112.136); MWSTG Art. 3 lit. a."""
    d = determine(Destination("DE", postal_code="78266", city="Büsingen"), "DE")
    assert (d.jurisdiction, d.rule, d.zero_rated, d.import_tax) == ("CH", "export_special_territory", False, True)


def test_every_territory_has_a_parent_member_state():
    assert {t.country for t in TERRITORIES} <= {"ES", "FR", "DE", "IT", "GR", "FI"}
    assert {t.customs for t in TERRITORIES} <= {"EU", "outside", "CH"}


# --- Northern Ireland (Windsor Framework; HMRC VAT Notice 725) -------------------------

@pytest.mark.parametrize("postal_code, ni", [("BT1 1AA", True), ("BT48 6DQ", True), ("SW1A 1AA", False),
                                              ("B1 1AA", False), ("BTX", False), (None, False)])
def test_northern_ireland_by_postcode(postal_code, ni):
    assert is_northern_ireland("GB", postal_code) is ni


def test_ni_b2b_from_the_eu_with_an_xi_number_is_an_intra_community_supply():
    d = determine(Destination("GB", postal_code="BT1 1AA"), "DE", XI_VAT)
    assert (d.jurisdiction, d.rule, d.zero_rated, d.buyer_vat_id) == ("GB", "eu_reverse_charge", True, "XI980780684")
    assert d.territory == "XI"


def test_ni_consumer_from_the_eu_pays_uk_vat_as_a_distance_sale():
    d = determine(Destination("GB", postal_code="BT1 1AA"), "DE")
    assert (d.jurisdiction, d.rule, d.zero_rated) == ("GB", "eu_oss_destination", False)


def test_ni_with_a_gb_number_from_the_eu_is_not_an_eu_reverse_charge():
    d = determine(Destination("GB", postal_code="BT1 1AA"), "DE", GB_VAT, D("10"))
    assert (d.rule, d.zero_rated) == ("eu_oss_destination", False)


def test_ni_from_gb_is_a_domestic_uk_supply():
    d = determine(Destination("GB", postal_code="BT1 1AA"), "GB", XI_VAT, D("10"))
    assert (d.rule, d.zero_rated) == ("uk_vat", False)


def test_ni_from_outside_the_uk_and_eu_follows_the_uk_import_rules():
    assert determine(Destination("GB", postal_code="BT1 1AA"), "US", XI_VAT, D("100")).rule == "uk_reverse_charge"
    assert determine(Destination("GB", postal_code="BT1 1AA"), "US", XI_VAT, D("200")).rule == "uk_vat"


def test_gb_mainland_from_the_eu_with_an_xi_number_is_not_an_eu_supply():
    d = determine(Destination("GB", postal_code="SW1A 1AA"), "DE", XI_VAT, D("10"))
    assert d.rule == "uk_reverse_charge"  # an import to GB of at most GBP 135


# --- Monaco and the US territories ------------------------------------------------------

def test_monaco_is_french_for_vat():
    """Directive 2006/112/EC Art. 7(1); Convention fiscale franco-monégasque, 1963-05-18."""
    assert determine(Destination("MC", postal_code="98000"), "DE").jurisdiction == "FR"
    assert determine(Destination("MC", postal_code="98000"), "DE").rule == "eu_oss_destination"
    assert determine(Destination("MC", postal_code="98000"), "FR").rule == "eu_domestic"
    d = determine(Destination("MC"), "DE", validate_vat_id("FR40303265045"))
    assert (d.jurisdiction, d.rule) == ("FR", "eu_reverse_charge")


@pytest.mark.parametrize("country", ["PR", "GU", "VI", "AS", "MP"])
def test_us_territories_as_countries(country):
    assert determine(Destination(country), "US").jurisdiction == f"US-{country}"


def test_puerto_rico_as_a_us_region():
    assert determine(Destination("US", "PR", "00901"), "US").jurisdiction == "US-PR"


def _jurisdiction(code):
    data = json.loads((Path(__file__).resolve().parents[3] / "storefront/tax/data/rates.json").read_text("utf-8"))
    j = next(j for j in data["jurisdictions"] if j["code"] == code)
    return {(r["tax"], r["category"]): r for r in j["rates"]}, data["sources"]


def test_igic_data_is_7_percent_with_its_source():
    rates, sources = _jurisdiction("ES-CN")
    assert rates[("IGIC", "standard")]["rate"] == "7" and rates[("IGIC", "standard")]["valid_from"] == "2012-07-01"
    assert "Ley 4/2012" in sources[rates[("IGIC", "standard")]["source"]]


def test_puerto_rico_ivu_data_is_10_5_plus_1_with_its_source():
    rates, sources = _jurisdiction("US-PR")
    assert (rates[("IVU", "standard")]["rate"], rates[("IVU municipal", "standard")]["rate"]) == ("10.5", "1")
    assert "Hacienda" in sources[rates[("IVU", "standard")]["source"]]
