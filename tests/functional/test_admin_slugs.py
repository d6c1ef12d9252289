"""Slugs derived from names when a translation gives none, through the HTTP API
(products and categories; issue 15: a name and a description were a 422)."""
from __future__ import annotations

from tests.functional.shopping import ADMIN

LAMP = {
    "key": "desk-lamp-slug-test", "category": "outdoor", "markets": ["DE", "JP"],
    "translations": {"en": {"name": "Desk Lamp", "description": "A lamp."}},
    "variants": [{"sku": "LAMP-SLUG-1", "base_price": "30.00"}],
}


def put(client, pid, locale, body, headers=ADMIN):
    response = client.put(f"/api/v1/admin/products/{pid}/translations/{locale}", json=body, headers=headers)
    return response, response.get_json()


def test_a_name_and_a_description_get_a_derived_slug(client):
    response = client.post("/api/v1/admin/products", json=LAMP, headers=ADMIN)
    assert response.status_code == 201, response.get_json()
    pid = response.get_json()["id"]
    assert response.get_json()["translations"]["en"]["slug"] == "desk-lamp"
    response, body = put(client, pid, "de", {"name": "Schreibtischlampe „Groß“", "description": "Eine Lampe."})
    assert response.status_code == 200, body
    assert body["translations"]["de"]["slug"] == "schreibtischlampe-gross"
    response, body = put(client, pid, "ja", {"name": "デスクランプ", "description": "ランプ。"})
    assert body["translations"]["ja"]["slug"] == "desukuranpu"
    shopper = client.get("/api/v1/products/schreibtischlampe-gross?market=DE")
    assert shopper.status_code == 200 and shopper.get_json()["name"] == "Schreibtischlampe „Groß“"
    # without a slug a translation keeps its own: URLs stay stable when the name changes
    response, body = put(client, pid, "de", {"name": "Tischlampe", "description": "Neu."})
    assert body["translations"]["de"]["slug"] == "schreibtischlampe-gross"
    # a given slug still wins and is still checked
    response, body = put(client, pid, "de", {"name": "Tischlampe", "slug": "tischlampe"})
    assert body["translations"]["de"]["slug"] == "tischlampe"
    response, body = put(client, pid, "de", {"name": "Tischlampe", "slug": "Tisch Lampe"})
    assert response.status_code == 422 and body["error"]["code"] == "invalid_slug"


def test_derived_slugs_are_unique_per_locale(client):
    pids = []
    for n in range(3):
        body = {**LAMP, "key": f"desk-lamp-{n}", "variants": [{"sku": f"LAMP-SLUG-{n}", "base_price": "30.00"}]}
        response = client.post("/api/v1/admin/products", json=body, headers=ADMIN)
        assert response.status_code == 201, response.get_json()
        pids.append(response.get_json()["id"])
        assert response.get_json()["translations"]["en"]["slug"] == ("desk-lamp" if n == 0 else f"desk-lamp-{n + 1}")
    # the same name in another locale is free there
    response, body = put(client, pids[2], "fr", {"name": "Desk Lamp"})
    assert body["translations"]["fr"]["slug"] == "desk-lamp"
    # a translation re-derived for its own product does not collide with itself
    response, body = put(client, pids[0], "fr", {"name": "Desk Lamp"})
    assert body["translations"]["fr"]["slug"] == "desk-lamp-2"


def test_missing_name_is_still_a_translated_422(client):
    pid = client.get("/api/v1/products/pride-and-prejudice-illustrated-edition?market=DE").get_json()["id"]
    response, body = put(client, pid, "de", {"description": "Nur Text."}, headers={**ADMIN, "Accept-Language": "de"})
    assert response.status_code == 422
    assert body["error"]["details"]["fields"] == {"name": ["Dieses Feld ist erforderlich."]}


def test_categories_derive_slugs_too(client):
    response = client.post("/api/v1/admin/categories", headers=ADMIN, json={
        "key": "lamps-slug-test", "translations": {"en": {"name": "Lamps & Lights"}, "de": {"name": "Lampen"}}})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["translations"]["en"]["slug"] == "lamps-lights"
    cid = body["id"]
    response = client.put(f"/api/v1/admin/categories/{cid}/translations/fr", headers=ADMIN,
                          json={"name": "Lampes éclairées"})
    assert response.status_code == 200 and response.get_json()["translations"]["fr"]["slug"] == "lampes-eclairees"
    response = client.put(f"/api/v1/admin/categories/{cid}/translations/fr", headers=ADMIN, json={"name": "Lampes"})
    assert response.get_json()["translations"]["fr"] == {"name": "Lampes", "slug": "lampes-eclairees"}
