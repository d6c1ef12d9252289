"""Console price pages through the Flask test client: the matrix, a cell's
explicit price (form and JSON), the reprice preview and apply, the CSV import."""
from __future__ import annotations

from tests.functional.console.helpers import ADMIN, csrf_of, make_token, post_form, sign_in

SLUG = "pride-and-prejudice-illustrated-edition"


def pid(client):
    return client.get(f"/api/v1/products/{SLUG}?market=DE").get_json()["id"]


def test_matrix_shows_every_market_and_sets_a_cell(client):
    sign_in(client)
    p = pid(client)
    page = client.get(f"/console/prices/{p}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'id="cell-BOK-PRIDE-PB-JP"' in html and ("¥" in html or "￥" in html)
    response = post_form(client, f"/console/prices/{p}/cell", {"sku": "BOK-PRIDE-PB", "market": "JP",
                                                              "amount": "2480", "action": "set"},
                         page=f"/console/prices/{p}")
    assert response.status_code == 302
    shopper = client.get(f"/api/v1/products/{SLUG}?market=JP").get_json()
    assert next(v for v in shopper["variants"] if v["sku"] == "BOK-PRIDE-PB")["price"]["gross"]["amount"] == "2480"
    entry = client.get("/api/v1/admin/audit?entity=price&entity_id=BOK-PRIDE-PB/JP", headers=ADMIN).get_json()["items"][0]
    assert (entry["action"], entry["actor"], entry["after"]) == ("create", "bootstrap", {"amount": "2480", "currency": "JPY"})
    token = csrf_of(client.get(f"/console/prices/{p}").get_data(as_text=True))
    response = client.post(f"/console/prices/{p}/cell", data={"sku": "BOK-PRIDE-PB", "market": "JP",
                                                             "action": "clear", "csrf_token": token},
                           headers={"Accept": "application/json"})
    assert response.status_code == 200 and "derived" in response.get_json()["html"]
    response = client.post(f"/console/prices/{p}/cell", data={"sku": "BOK-PRIDE-PB", "market": "JP",
                                                             "amount": "24.5", "csrf_token": token},
                           headers={"Accept": "application/json"})
    assert response.status_code == 422 and response.get_json()["error"]


def test_base_price_preview_then_apply(client):
    sign_in(client)
    p = pid(client)
    page = f"/console/prices/{p}"
    response = post_form(client, f"/console/prices/{p}/preview", {"kind": "base", "sku": "BOK-PRIDE-PB",
                                                                 "amount": "21.90"}, page=page)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="preview"' in html
    token = html.split('name="token" value="')[1].split('"')[0]
    before = client.get(f"/api/v1/admin/products/{p}/price-matrix", headers=ADMIN).get_json()
    response = post_form(client, f"/console/prices/{p}/apply", {"kind": "base", "sku": "BOK-PRIDE-PB",
                                                               "amount": "21.90", "token": token}, page=page)
    assert response.status_code == 302
    after = client.get(f"/api/v1/admin/products/{p}/price-matrix", headers=ADMIN).get_json()
    assert after != before
    # a stale token: 409, the new preview shown, nothing written
    response = post_form(client, f"/console/prices/{p}/apply", {"kind": "base", "sku": "BOK-PRIDE-PB",
                                                               "amount": "23.90", "token": token}, page=page)
    assert response.status_code == 409
    assert client.get(f"/api/v1/admin/products/{p}/price-matrix", headers=ADMIN).get_json() == after


def test_market_pricing_needs_admin(client):
    sign_in(client, make_token(client, "pricing"))
    p = pid(client)
    response = post_form(client, f"/console/prices/{p}/preview", {"kind": "market", "market": "JP",
                                                                 "price_uplift": "5"}, page=f"/console/prices/{p}")
    assert response.status_code == 403


def test_csv_dry_run_writes_nothing_and_shows_errors(client):
    sign_in(client)
    csv = "sku,market,amount\nBOK-PRIDE-PB,JP,2600\n"
    response = post_form(client, "/console/prices/import", {"csv": csv, "action": "dry_run"},
                         page="/console/prices/import")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="csv-diff"' in html and 'data-line="2"' in html
    export = client.get("/api/v1/admin/prices/export?market=JP", headers=ADMIN).get_data(as_text=True)
    assert "BOK-PRIDE-PB,JP,JPY,2600" not in export
    response = post_form(client, "/console/prices/import", {"csv": csv + "NOPE,JP,1\n", "action": "dry_run"},
                         page="/console/prices/import")
    assert response.status_code == 422 and 'id="csv-errors"' in response.get_data(as_text=True)
    response = post_form(client, "/console/prices/import", {"csv": csv, "action": "apply"},
                         page="/console/prices/import")
    assert response.status_code == 200
    export = client.get("/api/v1/admin/prices/export?market=JP", headers=ADMIN).get_data(as_text=True)
    assert "BOK-PRIDE-PB,JP,JPY,2600" in export
