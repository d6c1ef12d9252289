"""The rate data file (storefront/tax/data/rates.json): well-formed, dated
without gaps or overlaps, and cross-checked against eu-vat-rates-data (a
second source, not the source of truth)."""
from __future__ import annotations

import json
from collections import defaultdict
from datetime import date
from decimal import Decimal

import eu_vat_rates_data
import pytest

from storefront.tax.rules import EU_MEMBERS
from storefront.tax.services import DATA_FILE

DATA = json.loads(DATA_FILE.read_text(encoding="utf-8"))
JURISDICTIONS = {j["code"]: j for j in DATA["jurisdictions"]}


def rate_on(code: str, tax: str, category: str, day: date) -> Decimal | None:
    hits = [
        r for r in JURISDICTIONS[code]["rates"]
        if r["tax"] == tax and r["category"] == category and date.fromisoformat(r["valid_from"]) <= day
        and (r["valid_to"] is None or day < date.fromisoformat(r["valid_to"]))
    ]
    assert len(hits) <= 1
    return Decimal(hits[0]["rate"]) if hits else None


def test_periods_are_contiguous_and_sourced():
    for code, j in JURISDICTIONS.items():
        periods = defaultdict(list)
        for r in j["rates"]:
            assert r["source"] in DATA["sources"], (code, r)
            periods[(r["tax"], r["category"])].append(r)
        for key, rows in periods.items():
            rows.sort(key=lambda r: r["valid_from"])
            for a, b in zip(rows, rows[1:]):
                assert a["valid_to"] == b["valid_from"], (code, key)
            assert rows[-1]["valid_to"] is None, (code, key)  # something is always in force
        assert any(r["category"] == "standard" for r in j["rates"]), code


@pytest.mark.parametrize("country", sorted(EU_MEMBERS | {"GB", "CH", "NO"}))
def test_standard_rates_agree_with_eu_vat_rates_data(country):
    day = date.fromisoformat(eu_vat_rates_data.data_version)
    theirs = Decimal(str(eu_vat_rates_data.get_standard_rate(country)))
    assert rate_on(country, "VAT", "standard", day) == theirs


@pytest.mark.parametrize(
    "code, tax, day, rate",
    [("FI", "VAT", "2024-08-31", "24"), ("FI", "VAT", "2024-09-01", "25.5"),
     ("CA-NS", "HST", "2025-03-31", "15"), ("CA-NS", "HST", "2025-04-01", "14"),
     ("CH", "VAT", "2023-12-31", "7.7"), ("CH", "VAT", "2024-01-01", "8.1"),
     ("EE", "VAT", "2025-06-30", "22"), ("EE", "VAT", "2025-07-01", "24"),
     ("RO", "VAT", "2025-07-31", "19"), ("RO", "VAT", "2025-08-01", "21"),
     ("US-OR", "Sales tax", "2026-11-23", "0"), ("US-CA", "Sales tax", "2026-11-23", "7.25"),
     ("CA-QC", "QST", "2026-11-23", "9.975"), ("JP", "JCT", "2026-11-23", "10")],
)
def test_dated_changes(code, tax, day, rate):
    assert rate_on(code, tax, "standard", date.fromisoformat(day)) == Decimal(rate)
