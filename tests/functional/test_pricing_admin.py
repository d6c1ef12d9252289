"""Merchant pricing through the HTTP API: explicit and derived prices, the
price matrix, FX rates, sales with the Omnibus prior price, CSV."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from storefront import clock

AUTH = {"Authorization": "Bearer test-admin-token"}
D = Decimal


def admin(client, method, url, **kwargs):
    headers = {**AUTH, **kwargs.pop("headers", {})}
    response = getattr(client, method)(url, headers=headers, **kwargs)
    return response, response.get_json(silent=True)


def product_id(client, slug="pride-and-prejudice-illustrated-edition"):
    return client.get(f"/api/v1/products/{slug}?market=DE").get_json()["id"]


def cell(matrix, sku, market):
    row = next(v for v in matrix["variants"] if v["sku"] == sku)
    return next(c for c in row["markets"] if c["market"] == market)


def shopper_price(client, sku, market, slug="pride-and-prejudice-illustrated-edition"):
    body = client.get(f"/api/v1/products/{slug}?market={market}").get_json()
    return next(v for v in body["variants"] if v["sku"] == sku)["price"]


@pytest.mark.parametrize(
    "headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic dGVzdA=="}, {"Authorization": "Bearer"}]
)
def test_merchant_endpoints_need_the_token(client, headers):
    response = client.get("/api/v1/admin/products/1/price-matrix", headers=headers)
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_price_matrix_shows_every_market_with_provenance(client):
    response, matrix = admin(client, "get", f"/api/v1/admin/products/{product_id(client)}/price-matrix")
    assert response.status_code == 200
    assert matrix["product"]["key"] == "book-pride-and-prejudice-illustrated"
    markets = {c["market"] for c in matrix["variants"][0]["markets"]}
    assert markets == {"US", "CA", "GB", "DE", "FR", "EU", "CH", "JP", "AU", "KW"}
    de = cell(matrix, "BOK-PRIDE-PB", "DE")
    assert de["source"] == "explicit" and de["fx_rate"] is None
    jp = cell(matrix, "BOK-PRIDE-PB", "JP")
    assert jp["source"] == "derived" and jp["rule"] == "charm:80" and jp["fx_rate"] == "178.04"
    assert jp["fx_date"] and jp["base"]["amount"] == "19.90" and jp["gross"]["amount"].endswith("80")
    ch = cell(matrix, "BOK-PRIDE-HC", "CH")
    assert ch["sale"]["prior_price"] is not None and ch["uplift"] == "5.00"
    for c in matrix["variants"][0]["markets"]:
        assert D(c["gross"]["amount"]) == D(c["net"]["amount"]) + D(c["tax"]["amount"])


def test_explicit_price_overrides_and_delete_falls_back_to_derived(client):
    response, body = admin(client, "put", "/api/v1/admin/variants/BOK-PRIDE-PB/prices/jp", json={"amount": "2500"})
    assert response.status_code == 200, body
    jp = cell(body, "BOK-PRIDE-PB", "JP")
    assert (jp["source"], jp["gross"]["amount"]) == ("explicit", "2500")
    assert shopper_price(client, "BOK-PRIDE-PB", "JP")["gross"]["formatted"] == "￥2,500"
    response, body = admin(client, "delete", "/api/v1/admin/variants/BOK-PRIDE-PB/prices/JP")
    assert response.status_code == 200
    assert cell(body, "BOK-PRIDE-PB", "JP")["source"] == "derived"
    response, body = admin(client, "delete", "/api/v1/admin/variants/BOK-PRIDE-PB/prices/JP")
    assert response.status_code == 404 and body["error"]["code"] == "price_not_found"


@pytest.mark.parametrize(
    "market, amount, code",
    [("KW", "7.125", "invalid_amount"), ("JP", "2500.5", "invalid_amount"), ("DE", "-1", "invalid_amount"),
     ("DE", "abc", "invalid_amount"), ("DE", "19.999", "invalid_amount"), ("XX", "1", "market_not_found")],
)
def test_bad_prices_are_refused_and_nothing_changes(client, market, amount, code):
    before = admin(client, "get", f"/api/v1/admin/products/{product_id(client)}/price-matrix")[1]
    response, body = admin(client, "put", f"/api/v1/admin/variants/BOK-PRIDE-PB/prices/{market}", json={"amount": amount})
    assert response.status_code in (404, 422)
    assert body["error"]["code"] == code
    assert admin(client, "get", f"/api/v1/admin/products/{product_id(client)}/price-matrix")[1] == before


def test_unknown_sku_and_missing_amount(client):
    response, body = admin(client, "put", "/api/v1/admin/variants/NOPE/prices/DE", json={"amount": "1"})
    assert response.status_code == 404 and body["error"]["code"] == "variant_not_found"
    response, body = admin(client, "put", "/api/v1/admin/variants/BOK-PRIDE-PB/prices/DE", json={})
    assert response.status_code == 422 and "amount" in body["error"]["details"]["fields"]


def test_fx_change_moves_derived_prices_only(client):
    pid = product_id(client)
    before = admin(client, "get", f"/api/v1/admin/products/{pid}/price-matrix")[1]
    response, body = admin(client, "put", "/api/v1/admin/fx-rates/JPY", json={"rate": "200.00"})
    assert response.status_code == 200, body
    assert body["repriced"] > 0 and body["source"] == "merchant" and body["rate"] == "200"
    after = admin(client, "get", f"/api/v1/admin/products/{pid}/price-matrix")[1]
    assert D(cell(after, "BOK-PRIDE-PB", "JP")["gross"]["amount"]) > D(cell(before, "BOK-PRIDE-PB", "JP")["gross"]["amount"])
    assert cell(after, "BOK-PRIDE-PB", "JP")["fx_rate"] == "200"
    for market in ("DE", "US", "CH"):
        assert cell(after, "BOK-PRIDE-PB", market) == cell(before, "BOK-PRIDE-PB", market)
    _, rates = admin(client, "get", "/api/v1/admin/fx-rates")
    assert {r["currency"]: r["rate"] for r in rates["items"]}["JPY"] == "200"
    _, history = admin(client, "get", "/api/v1/admin/fx-rates?currency=jpy")
    assert len(history["items"]) >= 2


def test_kwd_rate_is_set_by_the_merchant(client):
    response, body = admin(client, "put", "/api/v1/admin/fx-rates/KWD", json={"rate": "abc"})
    assert response.status_code == 422 and body["error"]["code"] == "invalid_fx_rate"
    response, body = admin(client, "put", "/api/v1/admin/fx-rates/KWD", json={"rate": "0.4000"})
    assert response.status_code == 200
    price = shopper_price(client, "BOK-PRIDE-PB", "KW")["gross"]
    assert D(price["amount"]) % D("0.250") == 0 and len(price["amount"].split(".")[1]) == 3


def test_sale_shows_compare_at_and_omnibus_prior_price_in_time(client, monkeypatch):
    now = clock.now()
    starts = now + timedelta(days=2)
    response, sale = admin(client, "post", "/api/v1/admin/variants/BOK-MOBY-PB/sales",
                           json={"market": "FR", "amount": "15.00", "starts_at": starts.isoformat(),
                                 "ends_at": (starts + timedelta(days=7)).isoformat()})
    assert response.status_code == 201, sale
    slug = "moby-dick-annotated-edition"
    before = shopper_price(client, "BOK-MOBY-PB", "FR", slug)
    assert before["compare_at"] is None
    # travel to the sale
    monkeypatch.setattr(clock, "now", lambda: starts + timedelta(hours=1))
    during = shopper_price(client, "BOK-MOBY-PB", "FR", slug)
    assert during["gross"]["amount"] == "15.00"
    assert during["compare_at"]["amount"] == before["gross"]["amount"]
    assert during["prior_price"]["amount"] == before["gross"]["amount"]
    listing = client.get("/api/v1/products?market=FR&sort=price&limit=100").get_json()["items"]
    moby = next(p for p in listing if "BOK-MOBY-PB" in {v["sku"] for v in p["variants"]})
    assert moby["price"]["gross"]["amount"] == "15.00"
    # and past its end
    monkeypatch.setattr(clock, "now", lambda: starts + timedelta(days=8))
    assert shopper_price(client, "BOK-MOBY-PB", "FR", slug)["compare_at"] is None


def test_prior_price_is_the_lowest_of_the_30_days_before_not_the_inflated_one(client):
    # The demo raised this price 15 days ago, then put it on sale 5 days ago.
    price = shopper_price(client, "BOK-PRIDE-HC", "DE")
    assert price["compare_at"]["amount"] == "34.90"
    assert D(price["prior_price"]["amount"]) < D("34.90")
    assert D(price["gross"]["amount"]) < D(price["prior_price"]["amount"])


def test_sale_validation_and_cancel(client):
    now = clock.now()
    response, body = admin(client, "post", "/api/v1/admin/variants/BOK-MOBY-PB/sales",
                           json={"market": "FR", "amount": "15.00", "starts_at": now.isoformat(),
                                 "ends_at": (now - timedelta(days=1)).isoformat()})
    assert response.status_code == 422 and body["error"]["code"] == "invalid_sale_period"
    response, body = admin(client, "post", "/api/v1/admin/variants/BOK-MOBY-PB/sales",
                           json={"market": "FR", "amount": "15.00", "starts_at": "2026-12-01T00:00:00"})
    assert response.status_code == 422  # a time zone is required
    response, sale = admin(client, "post", "/api/v1/admin/variants/BOK-MOBY-PB/sales",
                           json={"market": "FR", "amount": "15.00", "starts_at": (now + timedelta(days=3)).isoformat()})
    assert response.status_code == 201
    assert admin(client, "delete", f"/api/v1/admin/sales/{sale['id']}")[0].status_code == 204
    assert admin(client, "delete", f"/api/v1/admin/sales/{sale['id']}")[0].status_code == 404
    _, listed = admin(client, "get", "/api/v1/admin/variants/BOK-MOBY-PB/sales")
    assert sale["id"] not in {s["id"] for s in listed["items"]}


def test_csv_export(client):
    response = client.get("/api/v1/admin/prices/export?market=DE", headers=AUTH)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    lines = response.get_data(as_text=True).splitlines()
    assert lines[0] == "sku,market,currency,amount,starts_at,ends_at"
    assert all(line.split(",")[1] == "DE" for line in lines[1:])
    assert any(line.startswith("BOK-PRIDE-HC,DE,EUR,34.90,,") for line in lines)
    assert any(line.split(",")[4] for line in lines[1:])  # the running sale


def test_csv_import_dry_run_then_apply(client):
    body = "sku,market,amount\nBOK-PRIDE-PB,DE,21.90\nBOK-PRIDE-PB,JP,2980\nBOK-PRIDE-PB,FR,19.90\n"
    response, result = admin(client, "post", "/api/v1/admin/prices/import?dry_run=true", data=body,
                             headers={"Content-Type": "text/csv"})
    assert response.status_code == 200, result
    assert result["changed"] == 2 and result["dry_run"] is True  # FR is unchanged
    assert {(c["market"], c["before"], c["after"]) for c in result["changes"]} == {("DE", "19.90", "21.90"), ("JP", None, "2980")}
    assert shopper_price(client, "BOK-PRIDE-PB", "DE")["gross"]["amount"] == "19.90"
    response, result = admin(client, "post", "/api/v1/admin/prices/import", data=body, headers={"Content-Type": "text/csv"})
    assert response.status_code == 200 and result["changed"] == 2
    assert shopper_price(client, "BOK-PRIDE-PB", "DE")["gross"]["amount"] == "21.90"
    assert shopper_price(client, "BOK-PRIDE-PB", "JP")["gross"]["amount"] == "2980"


def test_csv_import_with_any_bad_row_writes_nothing_and_names_the_lines(client):
    body = (
        "sku,market,currency,amount,starts_at,ends_at\n"
        "BOK-PRIDE-PB,DE,EUR,22.90,,\n"
        "NOPE,DE,EUR,1.00,,\n"
        "BOK-PRIDE-PB,KW,KWD,7.125,,\n"
        "BOK-PRIDE-PB,JP,USD,100,,\n"
        "BOK-PRIDE-PB,FR,EUR,9.90,2026-12-01,2026-11-01\n"
        "BOK-PRIDE-PB,DE,EUR,23.90,,\n"
        "BOK-PRIDE-PB,XX,EUR,1,,\n"
        "BOK-PRIDE-PB,FR,EUR,9.90,tomorrow,\n"
    )
    response, result = admin(client, "post", "/api/v1/admin/prices/import", data=body, headers={"Content-Type": "text/csv"})
    assert response.status_code == 422
    errors = result["error"]["details"]["errors"]
    assert [(e["line"], e["code"]) for e in errors] == [
        (3, "variant_not_found"), (4, "invalid_amount"), (5, "currency_mismatch"), (6, "invalid_sale_period"),
        (7, "duplicate_row"), (8, "market_not_found"), (9, "invalid_csv_value"),
    ]
    assert all(e["message"] for e in errors)
    assert shopper_price(client, "BOK-PRIDE-PB", "DE")["gross"]["amount"] == "19.90"


def test_csv_import_errors_are_translated(client):
    response, result = admin(client, "post", "/api/v1/admin/prices/import", data="sku,market,amount\nNOPE,DE,1\n",
                             headers={"Content-Type": "text/csv", "Accept-Language": "de"})
    assert response.status_code == 422
    assert result["error"]["details"]["errors"][0]["message"] != "There is no variant with SKU “NOPE”."
    response, result = admin(client, "post", "/api/v1/admin/prices/import", data="a,b\n1,2\n",
                             headers={"Content-Type": "text/csv"})
    assert result["error"]["details"]["errors"][0]["code"] == "invalid_csv_header"


def test_base_price_drives_every_derived_market(client):
    response, body = admin(client, "put", "/api/v1/admin/variants/BOK-PRIDE-PB/base-price", json={"amount": "29.90"})
    assert response.status_code == 200, body
    row = body["variants"][0]
    assert row["base_price"]["amount"] == "29.90"
    for c in row["markets"]:
        if c["source"] == "derived":
            assert c["base"]["amount"] == "29.90"
    assert cell(body, "BOK-PRIDE-PB", "DE")["gross"]["amount"] == "19.90"  # explicit: unchanged
    assert cell(body, "BOK-PRIDE-PB", "US")["gross"]["amount"] == "34.99"  # 29.90 x 1.16 = 34.68 -> charm .99


def test_fx_import_cli_reads_an_ecb_file_and_reprices(app, db_session):
    from pathlib import Path

    fixture = Path(__file__).resolve().parents[1] / "unit" / "pricing" / "fixtures" / "eurofxref-daily.xml"
    result = app.test_cli_runner().invoke(args=["storefront", "fx", "import", str(fixture)])
    assert result.exit_code == 0, result.output
    assert "currencies" in result.output and "derived prices changed" in result.output
    bad = app.test_cli_runner().invoke(args=["storefront", "fx", "import", str(fixture.parent)])
    assert bad.exit_code != 0
