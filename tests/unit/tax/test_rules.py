import pytest

from storefront.tax.rules import Destination, RegionRequired, determine
from storefront.tax.vat_ids import InvalidVatId, validate_vat_id

IT_VAT = validate_vat_id("IT00743110157")
DE_VAT = validate_vat_id("DE136695976")


@pytest.mark.parametrize(
    "destination, origin, vat, jurisdiction, rule, zero",
    [
        (Destination("IT"), "DE", None, "IT", "eu_oss_destination", False),
        (Destination("DE"), "DE", None, "DE", "eu_domestic", False),
        (Destination("IT"), "DE", IT_VAT, "IT", "eu_reverse_charge", True),
        (Destination("DE"), "DE", DE_VAT, "DE", "eu_domestic_b2b", False),
        (Destination("IT"), "JP", None, "IT", "eu_import_ioss", False),
        (Destination("US", "CA"), "US", None, "US-CA", "us_state_sales_tax", False),
        (Destination("US", "US-OR"), "US", None, "US-OR", "us_state_sales_tax", False),
        (Destination("CA", "qc"), "US", None, "CA-QC", "ca_gst_provincial", False),
        (Destination("GB"), "DE", None, "GB", "uk_vat", False),
        (Destination("GB"), "DE", validate_vat_id("GB980780684"), "GB", "uk_vat", False),  # value unknown: VAT
        (Destination("CH"), "DE", None, "CH", "ch_vat", False),
        (Destination("KW"), "DE", None, "KW", "kw_no_vat", False),
    ],
)
def test_destination_decides(destination, origin, vat, jurisdiction, rule, zero):
    d = determine(destination, origin, vat)
    assert (d.jurisdiction, d.rule, d.zero_rated) == (jurisdiction, rule, zero)
    assert ("reverse_charge" in d.notices) is zero


def test_reverse_charge_keeps_the_buyer_number():
    assert determine(Destination("IT"), "DE", IT_VAT).buyer_vat_id == "IT00743110157"


@pytest.mark.parametrize("country", ["US", "CA"])
def test_region_required(country):
    with pytest.raises(RegionRequired):
        determine(Destination(country), "US")


@pytest.mark.parametrize(
    "raw, country, number",
    [("DE 136 695 976", "DE", "DE136695976"), ("EL094259216", "GR", "EL094259216"), ("fr40303265045", "FR", "FR40303265045"),
     ("GB 980 7806 84", "GB", "GB980780684"), ("CHE-116.281.710 MWST", "CH", "CHE116281710MWST"),
     ("NO 995 525 828 MVA", "NO", "NO995525828MVA")],
)
def test_vat_ids(raw, country, number):
    vat = validate_vat_id(raw)
    assert (vat.country, vat.number) == (country, number)


@pytest.mark.parametrize("raw", ["DE136695977", "DE123456789", "FR00303265045", "XX123", "", "GB123", "IT123"])
def test_invalid_vat_ids(raw):
    with pytest.raises(InvalidVatId) as info:
        validate_vat_id(raw)
    assert info.value.code == "invalid_vat_id" and info.value.http_status == 422
