"""Merchant catalog management through the HTTP API: products, variants,
availability, translations, the translation-status report, roles and audit."""
from __future__ import annotations

import pytest

from tests.functional.shopping import ADMIN, checkout, ready_cart
from tests.functional.shopping import token_for


LANTERN = {
    "key": "outdoor-lantern-brass",
    "category": "outdoor",
    "tax_category": "standard",
    "hs_code": "940550",
    "origin": "SE",
    "weight_grams": 640,
    "markets": ["DE", "CH", "FR", "JP"],
    "options": ["color"],
    "translations": {"en": {"name": "Brass Storm Lantern", "slug": "brass-storm-lantern",
                            "description": "A hurricane lantern of solid brass and hand-blown glass."}},
    "variants": [{"sku": "OUT-LANTERN-BRS", "base_price": "49.00", "options": {"color": "natural"}},
                 {"sku": "OUT-LANTERN-BLK", "base_price": "45.00", "options": {"color": "black"}}],
}


def create(client, body=None, headers=ADMIN):
    response = client.post("/api/v1/admin/products", json=body or LANTERN, headers=headers)
    return response, response.get_json()


def test_create_translate_price_and_see_it_in_the_storefronts(client):
    response, product = create(client)
    assert response.status_code == 201, product
    pid = product["id"]
    assert product["markets"] == ["CH", "DE", "FR", "JP"]
    for locale, name, slug in [("de", "Sturmlaterne aus Messing", "sturmlaterne-messing"),
                               ("fr", "Lanterne tempête en laiton", "lanterne-tempete-laiton"),
                               ("ja", "真鍮のハリケーンランタン", "真鍮-ハリケーン-ランタン")]:
        response = client.put(f"/api/v1/admin/products/{pid}/translations/{locale}",
                              json={"name": name, "slug": slug, "description": f"{name}."}, headers=ADMIN)
        assert response.status_code == 200, response.get_json()
    assert client.put("/api/v1/admin/variants/OUT-LANTERN-BRS/prices/DE", json={"amount": "52.90"},
                      headers=ADMIN).status_code == 200
    assert client.put("/api/v1/admin/variants/OUT-LANTERN-BRS/prices/JP", json={"amount": "8980"},
                      headers=ADMIN).status_code == 200
    de = client.get("/api/v1/products/sturmlaterne-messing?market=DE").get_json()
    assert de["name"] == "Sturmlaterne aus Messing"
    assert {v["sku"]: v["price"]["gross"]["amount"] for v in de["variants"]}["OUT-LANTERN-BRS"] == "52.90"
    jp = client.get("/api/v1/products/brass-storm-lantern?market=JP").get_json()
    assert jp["name"] == "真鍮のハリケーンランタン" and jp["price"]["gross"]["currency"] == "JPY"
    ch = client.get("/api/v1/products/brass-storm-lantern?market=CH&locale=fr-CH").get_json()
    assert ch["slug"] == "lanterne-tempete-laiton"
    assert all(v["price"]["gross"]["amount"].endswith(("0", "5")) for v in ch["variants"])  # derived, CHF 0.05
    assert client.get("/api/v1/products/brass-storm-lantern?market=US").status_code == 404  # not sold there
    matrix = client.get(f"/api/v1/admin/products/{pid}/price-matrix", headers=ADMIN).get_json()
    sources = {c["market"]: c["source"] for c in matrix["variants"][0]["markets"]}
    assert sources["DE"] == "explicit" and sources["CH"] == "derived"
    audit = client.get(f"/api/v1/admin/audit?entity=translation", headers=ADMIN).get_json()["items"]
    assert {a["entity_id"] for a in audit} >= {f"{pid}/de", f"{pid}/fr", f"{pid}/ja"}
    assert all(a["actor"] == "bootstrap" for a in audit)


@pytest.mark.parametrize(
    "change, status, code",
    [
        ({"key": "book-pride-and-prejudice-illustrated"}, 409, "product_key_taken"),
        ({"key": "Bad Key"}, 422, "validation_error"),
        ({"category": "nope"}, 422, "unknown_category"),
        ({"tax_category": "luxury"}, 422, "validation_error"),
        ({"markets": ["DE", "XX"]}, 422, "unknown_market"),
        ({"translations": {"de": {"name": "x", "slug": "x-lanterne"}}}, 422, "source_translation_required"),
        ({"translations": {"en": {"name": "x", "slug": "Has Spaces"}}}, 422, "invalid_slug"),
        ({"translations": {"en": {"name": "x", "slug": "pride-and-prejudice-illustrated-edition"}}}, 409, "slug_taken"),
        ({"translations": {"en": {"name": "x", "slug": "ok-slug"}, "e$": {"name": "x", "slug": "y"}}}, 422, "invalid_locale"),
        ({"variants": [{"sku": "BOK-PRIDE-PB", "options": {"color": "black"}}]}, 409, "sku_taken"),
        ({"variants": [{"sku": "NEW-1", "options": {}}]}, 422, "variant_options_mismatch"),
        ({"variants": [{"sku": "NEW-1", "options": {"color": "plaid"}}]}, 422, "unknown_option_value"),
        ({"variants": [{"sku": "NEW-1", "options": {"color": "black"}}, {"sku": "NEW-2", "options": {"color": "black"}}]},
         409, "duplicate_variant_options"),
        ({"variants": [{"sku": "NEW-1", "base_price": "1.999", "options": {"color": "black"}}]}, 422, "invalid_amount"),
        ({"variants": []}, 422, "validation_error"),
    ],
)
def test_product_validation_writes_nothing(client, change, status, code):
    before = client.get("/api/v1/admin/products?limit=1", headers=ADMIN).get_json()["items"][0]["id"]
    response, body = create(client, {**LANTERN, **change})
    assert response.status_code == status, body
    assert body["error"]["code"] == code
    assert client.get("/api/v1/admin/products?limit=1", headers=ADMIN).get_json()["items"][0]["id"] == before


def test_withdrawing_a_product_from_a_market_and_variants(client):
    _, product = create(client)
    pid = product["id"]
    body = client.put(f"/api/v1/admin/products/{pid}/markets", json={"markets": ["DE"]}, headers=ADMIN).get_json()
    assert body["markets"] == ["DE"]
    assert client.get("/api/v1/products/brass-storm-lantern?market=FR").status_code == 404
    response = client.post(f"/api/v1/admin/products/{pid}/variants",
                           json={"sku": "OUT-LANTERN-OLV", "base_price": "47.00", "options": {"color": "olive"}},
                           headers=ADMIN)
    assert response.status_code == 201 and len(response.get_json()["variants"]) == 3
    assert client.post(f"/api/v1/admin/products/{pid}/variants", json={"sku": "OUT-X", "options": {"color": "olive"}},
                       headers=ADMIN).get_json()["error"]["code"] == "duplicate_variant_options"
    response = client.patch("/api/v1/admin/variants/OUT-LANTERN-OLV", json={"base_price": "44.00"}, headers=ADMIN)
    assert response.status_code == 200
    assert client.delete("/api/v1/admin/variants/OUT-LANTERN-OLV", headers=ADMIN).status_code == 204
    client.delete("/api/v1/admin/variants/OUT-LANTERN-BLK", headers=ADMIN)
    response = client.delete("/api/v1/admin/variants/OUT-LANTERN-BRS", headers=ADMIN)
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "last_variant"


def test_products_with_orders_are_archived_not_deleted(client, fake_gateway):
    _, product = create(client)
    cart = ready_cart(client, "DE", "DE", [("OUT-LANTERN-BRS", 1)])
    assert checkout(client, cart["token"])[0].status_code == 201
    response = client.delete(f"/api/v1/admin/products/{product['id']}", headers=ADMIN)
    assert response.get_json() == {"result": "archived"}
    assert client.get("/api/v1/products/brass-storm-lantern?market=DE").status_code == 404
    assert client.delete("/api/v1/admin/variants/OUT-LANTERN-BRS", headers=ADMIN).get_json()["error"]["code"] in (
        "variant_in_orders", "last_variant")
    other_key = {**LANTERN, "key": "outdoor-lantern-2", "variants": [{"sku": "OUT-L2", "options": {"color": "black"}}],
                 "translations": {"en": {"name": "L2", "slug": "lantern-two"}}}
    _, second = create(client, other_key)
    assert client.delete(f"/api/v1/admin/products/{second['id']}", headers=ADMIN).get_json() == {"result": "deleted"}


def test_translation_status_reports_missing_and_outdated(client):
    _, product = create(client)
    pid = product["id"]
    client.put(f"/api/v1/admin/products/{pid}/translations/de", json={"name": "Laterne", "slug": "laterne-x"},
               headers=ADMIN)
    report = client.get("/api/v1/admin/translations/status?market=CH", headers=ADMIN).get_json()
    mine = {(r["locale"], r["state"], r["falls_back_to"]) for r in report["items"] if r["product_id"] == pid}
    assert mine == {("fr-CH", "missing", "en"), ("it-CH", "missing", "en")}  # de-CH is covered by de
    # the source text changes after the German translation: it is now outdated
    client.put(f"/api/v1/admin/products/{pid}/translations/en",
               json={"name": "Brass Storm Lantern", "slug": "brass-storm-lantern", "description": "New text."},
               headers=ADMIN)
    report = client.get("/api/v1/admin/translations/status?market=DE&state=outdated", headers=ADMIN).get_json()
    assert [(r["product_id"], r["locale"]) for r in report["items"] if r["product_id"] == pid] == [(pid, "de-DE")]
    assert client.delete(f"/api/v1/admin/products/{pid}/translations/en", headers=ADMIN).status_code == 409
    assert client.delete(f"/api/v1/admin/products/{pid}/translations/de", headers=ADMIN).status_code == 204
    assert client.delete(f"/api/v1/admin/products/{pid}/translations/de", headers=ADMIN).status_code == 404


def test_demo_catalog_is_fully_translated(client):
    report = client.get("/api/v1/admin/translations/status", headers=ADMIN).get_json()
    assert report["outdated"] == 0
    assert {r["locale"] for r in report["items"]} <= set()  # every demo market locale has its language


ENDPOINTS = [
    ("get", "/api/v1/admin/products", None, "catalog"),
    ("post", "/api/v1/admin/products", LANTERN, "catalog"),
    ("get", "/api/v1/admin/translations/status", None, "catalog"),
    ("get", "/api/v1/admin/variants/BOK-PRIDE-PB/stock", None, "catalog"),
    ("put", "/api/v1/admin/variants/BOK-PRIDE-PB/prices/DE", {"amount": "20.00"}, "pricing"),
    ("get", "/api/v1/admin/fx-rates", None, "pricing"),
    ("get", "/api/v1/admin/prices/export", None, "pricing"),
    ("get", "/api/v1/admin/tax/rates?country=DE", None, "pricing"),
    ("get", "/api/v1/admin/orders", None, "orders"),
    ("get", "/api/v1/admin/tokens", None, "admin"),
    ("get", "/api/v1/admin/audit", None, "admin"),
]


@pytest.mark.parametrize("method, url, body, role", ENDPOINTS)
def test_every_endpoint_declares_its_role(client, method, url, body, role):
    for other in ("catalog", "pricing", "orders"):
        headers = token_for(client, other)
        response = getattr(client, method)(url, json=body, headers=headers)
        expected_ok = other == role
        allowed = response.status_code not in (401, 403)
        assert allowed is expected_ok, (other, response.status_code, response.get_json())
        if not expected_ok:
            assert response.status_code == 403 and response.get_json()["error"]["code"] == "forbidden"
    admin = token_for(client, "admin")  # admin holds every role
    assert getattr(client, method)(url, json=body, headers=admin).status_code not in (401, 403)
    assert getattr(client, method)(url, json=body).status_code == 401


def test_tokens_are_shown_once_stored_hashed_and_revocable(client, app, db_session):
    from sqlalchemy import select

    from storefront.admin.models import ApiToken

    created = client.post("/api/v1/admin/tokens", json={"name": "shop-ops", "roles": ["orders"]}, headers=ADMIN).get_json()
    listed = client.get("/api/v1/admin/tokens", headers=ADMIN).get_json()["items"]
    assert "token" not in next(t for t in listed if t["id"] == created["id"])
    with app.app_context():
        row = db_session.scalar(select(ApiToken).where(ApiToken.id == created["id"]))
        assert created["token"] not in (row.token_hash, row.prefix) and len(row.token_hash) == 64
    headers = {"Authorization": f"Bearer {created['token']}"}
    assert client.get("/api/v1/admin/orders", headers=headers).status_code == 200
    assert client.delete(f"/api/v1/admin/tokens/{created['id']}", headers=ADMIN).status_code == 200
    assert client.get("/api/v1/admin/orders", headers=headers).status_code == 401
    bad = client.post("/api/v1/admin/tokens", json={"name": "x", "roles": ["root"]}, headers=ADMIN)
    assert bad.status_code == 422


def test_repeated_failures_are_rate_limited(client, app):
    from storefront.admin.ratelimit import FailureWindow

    app.extensions["auth_failures"] = FailureWindow(limit=3, window=60)
    try:
        codes = [client.get("/api/v1/admin/orders", headers={"Authorization": "Bearer guess"}).status_code
                 for _ in range(5)]
        assert codes == [401, 401, 401, 429, 429]
        response = client.get("/api/v1/admin/orders", headers=ADMIN)
        assert response.status_code == 429 and response.get_json()["error"]["code"] == "too_many_requests"
    finally:
        app.extensions.pop("auth_failures", None)


def test_cli_creates_tokens(app, db_session):
    result = app.test_cli_runner().invoke(args=["storefront", "tokens", "create", "warehouse-bot", "--role", "catalog"])
    assert result.exit_code == 0 and "sf_" in result.output and "not shown again" in result.output


def test_warehouses_are_managed_and_audited(client):
    listed = client.get("/api/v1/admin/warehouses", headers=ADMIN).get_json()["items"]
    assert {w["code"] for w in listed} == {"DE-LEJ", "US-RNO", "JP-CHB"}
    response = client.post("/api/v1/admin/warehouses", headers=ADMIN,
                           json={"code": "NL-AMS", "name": "Amsterdam", "country": "NL", "markets": ["EU", "de"]})
    assert response.status_code == 201 and response.get_json()["markets"] == ["DE", "EU"]
    assert client.post("/api/v1/admin/warehouses", headers=ADMIN,
                       json={"code": "NL-AMS", "name": "x", "country": "NL"}).status_code == 409
    assert client.post("/api/v1/admin/warehouses", headers=ADMIN,
                       json={"code": "XX-1", "name": "x", "country": "NL", "markets": ["ZZ"]}).status_code == 422
    response = client.patch("/api/v1/admin/warehouses/NL-AMS", headers=ADMIN, json={"markets": ["EU"]})
    assert response.get_json()["markets"] == ["EU"]
    assert client.patch("/api/v1/admin/warehouses/NOPE", headers=ADMIN, json={"name": "x"}).status_code == 404
    catalog = token_for(client, "catalog")
    assert client.get("/api/v1/admin/warehouses", headers=catalog).status_code == 200
    assert client.post("/api/v1/admin/warehouses", headers=catalog,
                       json={"code": "NL-2", "name": "x", "country": "NL"}).status_code == 403
    audit = client.get("/api/v1/admin/audit?entity=warehouse", headers=ADMIN).get_json()["items"]
    assert [a["action"] for a in audit][:2] == ["update", "create"]


def test_admin_lists_page_newest_first_without_gaps(client):
    for url in ("/api/v1/admin/products?limit=7", "/api/v1/admin/audit?limit=2"):
        if "audit" in url:
            for sku, amount in (("BOK-PRIDE-PB", "20.00"), ("BOK-PRIDE-HC", "30.00"), ("BOK-MOBY-PB", "15.00")):
                client.put(f"/api/v1/admin/variants/{sku}/prices/DE", json={"amount": amount}, headers=ADMIN)
        ids, cursor = [], None
        while True:
            page = client.get(url + (f"&cursor={cursor}" if cursor else ""), headers=ADMIN).get_json()
            ids += [item["id"] for item in page["items"]]
            cursor = page["next_cursor"]
            if not cursor:
                break
        assert ids == sorted(ids, reverse=True) and len(set(ids)) == len(ids) >= 3
    assert client.get("/api/v1/admin/audit?cursor=bad", headers=ADMIN).status_code == 400
