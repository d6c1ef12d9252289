"""Merchant tax overrides through the HTTP API: validation, overlaps, roles,
the audit trail, and their effect on tax previews and the rates in force."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from storefront import clock
from storefront.tax.models import TaxRate

from tests.functional.shopping import ADMIN
from tests.functional.shopping import admin_api as admin, error_code, token_for

BOOK = "BOK-PRIDE-PB"  # books: 7 % VAT in Germany
BOOK_SLUG = "pride-and-prejudice-illustrated-edition"
BAG = "BAG-HLV-22-BLK"  # standard rate
BOOKS_DE = {"jurisdiction": "DE", "tax": "VAT", "category": "books", "rate": "5.5", "valid_from": "2024-01-01"}


def create(client, headers=ADMIN, **overrides):
    response, body = admin(client, "post", "/tax/overrides", headers=headers, json={**BOOKS_DE, **overrides})
    assert response.status_code == 201, body
    return body


def preview_rates(client, sku=BOOK, country="DE", market="DE", region=None, **extra):
    response, body = admin(client, "post", "/tax/preview",
                           json={"market": market, "address": {"country": country, "region": region},
                                 "items": [{"sku": sku, "quantity": 1}], **extra})
    assert response.status_code == 200, body
    return [(t["name"], t["rate"]) for t in body["tax_lines"]]


def rates_of(client, country="DE", category="books", **query):
    response, body = admin(client, "get", "/tax/rates", query_string={"country": country, **query})
    assert response.status_code == 200, body
    return sorted((r["rate"], r["origin"]) for r in body["items"] if r["category"] == category)


def test_no_overrides_at_first(client):
    response, body = admin(client, "get", "/tax/overrides")
    assert response.status_code == 200 and body == {"items": []}


def test_an_override_changes_the_rate_and_deleting_it_restores_the_data(client):
    assert preview_rates(client) == [("VAT", "7")]
    assert rates_of(client) == [("7", "data")]
    row = create(client)
    assert row == {"id": row["id"], "jurisdiction": "DE", "tax": "VAT", "category": "books", "rate": "5.5",
                   "valid_from": "2024-01-01", "valid_to": None, "source": row["source"], "origin": "override"}
    assert preview_rates(client) == [("VAT", "5.5")]
    assert preview_rates(client, sku=BAG) == [("VAT", "19")]  # other categories keep the data
    assert preview_rates(client, country="AT", market="EU") == [("VAT", "10")]  # other jurisdictions too
    assert ("5.5", "override") in rates_of(client)
    assert rates_of(client, date="2023-12-31") == [("7", "data")]  # not yet in force then
    listed = admin(client, "get", "/tax/overrides")[1]["items"]
    assert [o["id"] for o in listed] == [row["id"]]
    response, body = admin(client, "delete", f"/tax/overrides/{row['id']}")
    assert response.status_code == 204, body
    assert preview_rates(client) == [("VAT", "7")]
    assert rates_of(client) == [("7", "data")]
    assert admin(client, "get", "/tax/overrides")[1]["items"] == []
    response, body = admin(client, "delete", f"/tax/overrides/{row['id']}")
    assert response.status_code == 404 and error_code(body) == "tax_override_not_found"


def test_an_override_only_applies_within_its_period(client):
    today = clock.now().date()
    create(client, valid_from=(today + timedelta(days=10)).isoformat())
    assert preview_rates(client) == [("VAT", "7")]
    assert preview_rates(client, date=(today + timedelta(days=10)).isoformat()) == [("VAT", "5.5")]
    create(client, rate="0", valid_from="2020-01-01", valid_to=(today + timedelta(days=1)).isoformat())
    assert preview_rates(client) == []  # a 0 % override: no VAT line at all
    assert preview_rates(client, date=(today + timedelta(days=1)).isoformat()) == [("VAT", "7")]


def test_an_override_of_one_tax_leaves_the_others(client):
    create(client, jurisdiction="ca-qc", tax="QST", category="standard", rate="10")
    assert preview_rates(client, sku=BAG, country="CA", market="CA", region="QC") == [("GST", "5"), ("QST", "10")]
    assert preview_rates(client, sku=BAG, country="CA", market="CA", region="ON") == [("HST", "13")]


def test_the_shelf_shows_the_override_rate(client):
    def shelf():
        body = client.get(f"/api/v1/products/{BOOK_SLUG}?market=DE").get_json()
        return next(v for v in body["variants"] if v["sku"] == BOOK)["price"]

    before = shelf()
    assert before["tax_rate"] == "7.00"
    row = create(client)
    after = shelf()
    assert after["tax_rate"] == "5.50" and after["gross"] == before["gross"]  # the shopper's price stays
    admin(client, "delete", f"/tax/overrides/{row['id']}")
    assert shelf() == before


@pytest.mark.parametrize("rate", ["101", "-1", "abc", "", "5.123456789", "NaN", "Infinity", "1e3"])
def test_rate_must_be_a_percentage(client, rate):
    response, body = admin(client, "post", "/tax/overrides", json={**BOOKS_DE, "rate": rate})
    assert response.status_code == 422 and error_code(body) == "invalid_tax_rate", body


@pytest.mark.parametrize("rate", ["0", "100", "8.1", "9.975", "2.12345678"])
def test_rates_from_0_to_100_are_accepted(client, rate):
    assert create(client, rate=rate)["rate"] == rate


def test_unknown_jurisdiction_is_404(client):
    response, body = admin(client, "post", "/tax/overrides", json={**BOOKS_DE, "jurisdiction": "XX"})
    assert response.status_code == 404 and error_code(body) == "jurisdiction_not_found"
    assert create(client, jurisdiction="us-ca", tax="Sales tax", category="standard")["jurisdiction"] == "US-CA"


@pytest.mark.parametrize("change", [
    {"category": "luxury"},
    {"category": "Books"},
    {"tax": "VAT2"},
    {"tax": None},
    {"rate": 5.5},
    {"valid_from": "yesterday"},
    {"valid_from": None},
    {"valid_to": "2024-13-01"},
    {"note": "unknown field"},
])
def test_payload_is_validated(client, change):
    response, body = admin(client, "post", "/tax/overrides", json={**BOOKS_DE, **change})
    assert response.status_code == 422 and error_code(body) == "validation_error", body


@pytest.mark.parametrize("field", ["jurisdiction", "tax", "category", "rate", "valid_from"])
def test_required_fields(client, field):
    payload = {k: v for k, v in BOOKS_DE.items() if k != field}
    response, body = admin(client, "post", "/tax/overrides", json=payload)
    assert response.status_code == 422 and field in body["error"]["details"]["fields"]


@pytest.mark.parametrize("valid_to", ["2024-01-01", "2023-12-31"])
def test_an_override_ends_after_it_starts(client, valid_to):
    response, body = admin(client, "post", "/tax/overrides", json={**BOOKS_DE, "valid_to": valid_to})
    assert response.status_code == 422 and error_code(body) == "invalid_override_period"


@pytest.mark.parametrize("first, second, status", [
    # [from, to) periods; valid_to is exclusive, None is open-ended
    (("2024-01-01", None), ("2030-01-01", "2031-01-01"), 409),
    (("2024-01-01", None), ("2020-01-01", None), 409),
    (("2024-01-01", None), ("2020-01-01", "2024-01-02"), 409),
    (("2024-01-01", "2025-01-01"), ("2024-06-01", "2024-07-01"), 409),
    (("2024-01-01", "2025-01-01"), ("2023-01-01", "2026-01-01"), 409),
    (("2024-01-01", None), ("2020-01-01", "2024-01-01"), 201),  # ends the day the first starts
    (("2024-01-01", "2025-01-01"), ("2025-01-01", None), 201),  # starts the day the first ends
    (("2024-01-01", "2025-01-01"), ("2020-01-01", "2023-01-01"), 201),
])
def test_overlapping_overrides_conflict(client, first, second, status):
    existing = create(client, valid_from=first[0], valid_to=first[1])
    response, body = admin(client, "post", "/tax/overrides",
                           json={**BOOKS_DE, "rate": "6", "valid_from": second[0], "valid_to": second[1]})
    assert response.status_code == status, body
    if status == 409:
        assert error_code(body) == "override_overlaps" and body["error"]["details"]["id"] == existing["id"]


def test_overlaps_are_per_jurisdiction_tax_and_category(client):
    create(client)
    create(client, category="food")
    create(client, jurisdiction="AT")
    create(client, jurisdiction="CA-QC", tax="GST", category="books")
    create(client, jurisdiction="CA-QC", tax="QST", category="books")
    response, body = admin(client, "post", "/tax/overrides", json={**BOOKS_DE, "rate": "4"})
    assert response.status_code == 409 and error_code(body) == "override_overlaps"
    listed = admin(client, "get", "/tax/overrides")[1]["items"]
    assert [(o["jurisdiction"], o["tax"], o["category"]) for o in listed] == [
        ("AT", "VAT", "books"), ("CA-QC", "GST", "books"), ("CA-QC", "QST", "books"),
        ("DE", "VAT", "books"), ("DE", "VAT", "food")]
    only_qc = admin(client, "get", "/tax/overrides?jurisdiction=ca-qc")[1]["items"]
    assert {o["tax"] for o in only_qc} == {"GST", "QST"}


def test_the_rate_data_cannot_be_deleted_as_an_override(client, app, db_session):
    body = admin(client, "get", "/tax/rates?country=DE")[1]
    assert body["items"] and all(r["origin"] == "data" for r in body["items"])
    with app.app_context():
        data_id = db_session.scalar(select(TaxRate.id).where(TaxRate.origin == "data", TaxRate.jurisdiction == "DE",
                                                             TaxRate.category == "books").limit(1))
    response, body = admin(client, "delete", f"/tax/overrides/{data_id}")
    assert response.status_code == 404 and error_code(body) == "tax_override_not_found"
    assert preview_rates(client) == [("VAT", "7")]


def test_overrides_are_audited(client):
    pricing = token_for(client, "pricing")
    row = create(client, headers=pricing)
    admin(client, "delete", f"/tax/overrides/{row['id']}", headers=pricing)
    response, body = admin(client, "get", "/audit?entity=tax_override")
    assert response.status_code == 200, body
    entries = [e for e in body["items"] if e["entity_id"] == str(row["id"])]
    assert [e["action"] for e in entries] == ["delete", "create"]
    deleted, created = entries
    assert created["before"] is None and deleted["after"] is None
    assert created["after"] == {"jurisdiction": "DE", "tax": "VAT", "category": "books", "rate": created["after"]["rate"],
                                "valid_from": "2024-01-01", "valid_to": None}
    assert created["after"]["rate"].rstrip("0").rstrip(".") == "5.5"
    assert deleted["before"]["category"] == "books"
    assert created["actor"].startswith("token:") and created["actor"].endswith(":test pricing")


def test_roles(client):
    row = create(client)
    catalog, pricing, orders = token_for(client, "catalog"), token_for(client, "pricing"), token_for(client, "orders")
    requests = [("get", "/tax/overrides", None), ("post", "/tax/overrides", {**BOOKS_DE, "category": "food"}),
                ("delete", f"/tax/overrides/{row['id']}", None)]
    for headers in (catalog, orders):
        for verb, url, payload in requests:
            response, body = admin(client, verb, url, headers=headers, json=payload)
            assert response.status_code == 403 and error_code(body) == "forbidden", (verb, url)
    for verb, url, payload in requests:
        response, body = admin(client, verb, url, headers={}, json=payload)
        assert response.status_code == 401 and error_code(body) == "unauthorized"
        response, body = admin(client, verb, url, headers={"Authorization": "Bearer sf_wrong"}, json=payload)
        assert response.status_code == 401
    response, body = admin(client, "get", "/tax/overrides", headers=pricing)
    assert response.status_code == 200 and [o["id"] for o in body["items"]] == [row["id"]]
    assert admin(client, "post", "/tax/overrides", headers=pricing, json={**BOOKS_DE, "category": "food"})[0].status_code == 201
    assert admin(client, "delete", f"/tax/overrides/{row['id']}", headers=pricing)[0].status_code == 204
    # "pricing" does not reach the shipping endpoints, which need "admin".
    response, body = admin(client, "get", "/markets/DE/shipping-zones", headers=pricing)
    assert response.status_code == 403 and error_code(body) == "forbidden"
    response, body = admin(client, "get", "/tax/overrides", headers=catalog)
    assert response.status_code == 403
