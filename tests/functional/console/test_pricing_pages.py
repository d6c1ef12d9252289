"""Console FX, sales and translations pages through the Flask test client."""
from __future__ import annotations

from tests.functional.console.helpers import ADMIN, post_form, sign_in

SLUG = "pride-and-prejudice-illustrated-edition"


def pid(client):
    return client.get(f"/api/v1/products/{SLUG}?market=DE").get_json()["id"]


def test_fx_page_preview_and_apply(client):
    sign_in(client)
    page = client.get("/console/fx?currency=JPY")
    assert page.status_code == 200 and 'id="fx-history"' in page.get_data(as_text=True)
    response = post_form(client, "/console/fx/preview", {"currency": "JPY", "rate": "160"}, page="/console/fx")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'data-market="JP"' in html
    token = html.split('name="token" value="')[1].split('"')[0]
    date = html.split('name="date" value="')[1].split('"')[0]
    response = post_form(client, "/console/fx/apply", {"currency": "JPY", "rate": "160", "date": date,
                                                     "token": token}, page="/console/fx")
    assert response.status_code == 302
    rates = client.get("/api/v1/admin/fx-rates", headers=ADMIN).get_json()["items"]
    assert next(r for r in rates if r["currency"] == "JPY")["rate"] == "160"
    response = post_form(client, "/console/fx/preview", {"currency": "JPY", "rate": "-1"}, page="/console/fx")
    assert response.status_code == 422


def test_sale_in_the_merchants_time_zone_is_stored_in_utc(client):
    sign_in(client)
    p = pid(client)
    response = post_form(client, f"/console/sales/{p}", {
        "sku": "BOK-PRIDE-PB", "market": "JP", "amount": "1500", "starts_at": "2030-01-01T09:00",
        "ends_at": "2030-01-02T09:00", "time_zone": "Asia/Tokyo"}, page=f"/console/sales/{p}")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    sales = client.get("/api/v1/admin/variants/BOK-PRIDE-PB/sales", headers=ADMIN).get_json()["items"]
    mine = next(s for s in sales if s["market"] == "JP" and s["amount"]["amount"] == "1500")
    assert mine["starts_at"].startswith("2030-01-01T00:00:00")
    response = post_form(client, f"/console/sales/{p}", {
        "sku": "BOK-PRIDE-PB", "market": "JP", "amount": "1500", "starts_at": "2030-01-03T09:00",
        "ends_at": "2030-01-02T09:00", "time_zone": "Asia/Tokyo"}, page=f"/console/sales/{p}")
    assert response.status_code == 422


def test_translation_editor_derives_the_slug_and_the_grid_shows_outdated(client):
    sign_in(client)
    p = pid(client)
    grid = client.get("/console/translations?kind=product")
    assert grid.status_code == 200 and 'data-state="done"' in grid.get_data(as_text=True)
    page = client.get(f"/console/translations/product/{p}/en")
    assert 'id="source-text"' in page.get_data(as_text=True)
    response = post_form(client, f"/console/translations/product/{p}/en",
                         {"name": "Pride and Prejudice (Illustrated Edition)", "slug": "",
                          "description": "A new source text."}, page=f"/console/translations/product/{p}/en")
    assert response.status_code == 302
    page = client.get(f"/console/translations/product/{p}/de").get_data(as_text=True)
    assert 'data-state="outdated"' in page
    response = post_form(client, "/console/translations/category/1/pt", {"name": "Livros & Música"},
                         page="/console/translations")
    assert response.status_code == 302
    body = client.get("/api/v1/admin/categories/1", headers=ADMIN).get_json()
    assert body["translations"]["pt"]["slug"] == "livros-musica"
