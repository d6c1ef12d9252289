"""Merchant category management through the HTTP API: the tree, translations
and slugs, cycles, deleting only empty categories, roles and the audit trail."""
from __future__ import annotations

import pytest

from tests.functional.shopping import ADMIN
from tests.functional.shopping import ADMIN_API, admin_api as admin, error_code, token_for

GARDEN = {"key": "garden", "translations": {
    "en": {"name": "Garden", "slug": "garden"},
    "de": {"name": "Garten", "slug": "garten"},
    "ja": {"name": "庭・ガーデン", "slug": "庭-ガーデン"},
}}


def create(client, headers=ADMIN, **overrides):
    response, body = admin(client, "post", "/categories", headers=headers, json={**GARDEN, **overrides})
    assert response.status_code == 201, body
    return body


def categories(client):
    response, body = admin(client, "get", "/categories")
    assert response.status_code == 200, body
    return {c["key"]: c for c in body["items"]}


def simple(key, slug=None, **extra):
    return {"key": key, "translations": {"en": {"name": key.title(), "slug": slug or key}}, **extra}


def test_list_has_every_category_with_all_translations(client):
    found = categories(client)
    books = found["books"]
    assert books["parent_id"] is None and books["position"] == 7 and books["product_count"] > 0
    assert books["translations"]["en"] == {"name": books["translations"]["en"]["name"], "slug": "books"}
    assert books["translations"]["ja"]["slug"] == "本" and books["translations"]["de"]["slug"] == "buecher"
    assert set(books["translations"]) == {"ar", "de", "en", "es", "fr", "it", "ja", "nl"}
    assert list(found)[0] == "bags"


def test_create_a_category_and_see_it_in_the_shop(client):
    body = create(client)
    assert body["key"] == "garden" and body["parent_id"] is None and body["product_count"] == 0
    assert body["position"] == 9  # after the demo's last top-level category
    assert body["translations"] == GARDEN["translations"]
    response, one = admin(client, "get", f"/categories/{body['id']}")
    assert response.status_code == 200 and one == body
    shop = client.get("/api/v1/categories?locale=de-DE").get_json()["items"]
    garden = next(c for c in shop if c["id"] == body["id"])
    assert garden["name"] == "Garten" and garden["slug"] == "garten" and garden["product_count"] == 0
    assert client.get("/api/v1/products?category=庭-ガーデン&market=JP").status_code == 200


def test_subcategories_are_placed_last_among_their_siblings(client):
    parent = create(client)
    first = create(client, **simple("tools", parent_id=parent["id"]))
    second = create(client, **simple("seeds", parent_id=parent["id"]))
    assert (first["parent_id"], first["position"]) == (parent["id"], 1)
    assert (second["parent_id"], second["position"]) == (parent["id"], 2)
    placed = create(client, **simple("pots", parent_id=parent["id"], position=0))
    assert placed["position"] == 0


def test_locales_and_slugs_are_made_canonical(client):
    body = create(client, translations={"EN": {"name": " Garden ", "slug": " garden "},
                                        "pt_br": {"name": "Jardim", "slug": "jardim"},
                                        "fr": {"name": "Jardin", "slug": "jardin-e\u0301te\u0301"}})
    assert body["translations"] == {"en": {"name": "Garden", "slug": "garden"},
                                    "fr": {"name": "Jardin", "slug": "jardin-\u00e9t\u00e9"},
                                    "pt-BR": {"name": "Jardim", "slug": "jardim"}}


@pytest.mark.parametrize(
    "change, status, code",
    [
        ({"translations": {"de": {"name": "Garten", "slug": "garten"}}}, 422, "source_translation_required"),
        ({"translations": {}}, 422, "source_translation_required"),
        ({"translations": {"en": {"name": "Garden", "slug": "Garden"}}}, 422, "invalid_slug"),
        ({"translations": {"en": {"name": "Garden", "slug": "garden tools"}}}, 422, "invalid_slug"),
        ({"translations": {"en": {"name": "Garden", "slug": "garden--tools"}}}, 422, "invalid_slug"),
        ({"translations": {"en": {"name": "Garden", "slug": "-garden"}}}, 422, "invalid_slug"),
        ({"translations": {"en": {"name": "Garden", "slug": "garden-"}}}, 422, "invalid_slug"),
        ({"translations": {"en": {"name": "Garden", "slug": "garden/tools"}}}, 422, "invalid_slug"),
        ({"translations": {"en": {"name": "Garden", "slug": "garden_tools"}}}, 422, "invalid_slug"),
        ({"translations": {"en": {"name": "Garden", "slug": "garden?x=1"}}}, 422, "invalid_slug"),
        ({"translations": {"en": {"name": "Garden", "slug": "ÉTÉ"}}}, 422, "invalid_slug"),
        ({"translations": {"en": {"name": "Garden", "slug": ""}}}, 422, "validation_error"),
        ({"translations": {"en": {"name": "  ", "slug": "garden"}}}, 422, "validation_error"),
        ({"translations": {"en": {"slug": "garden"}}}, 422, "validation_error"),
        ({"translations": {"en": {"name": "Books", "slug": "books"}}}, 409, "slug_taken"),
        ({"translations": {"en": {"name": "Garden", "slug": "garden"},
                           "ja": {"name": "本", "slug": "本"}}}, 409, "slug_taken"),
        ({"translations": {"en": {"name": "Garden", "slug": "garden"},
                           "english!": {"name": "Garden", "slug": "garden"}}}, 422, "invalid_locale"),
        ({"key": "books"}, 409, "category_key_taken"),
        ({"key": "Garden"}, 422, "validation_error"),
        ({"key": "garden tools"}, 422, "validation_error"),
        ({"key": ""}, 422, "validation_error"),
        ({"parent_id": 999999}, 422, "unknown_category"),
        ({"position": -1}, 422, "validation_error"),
        ({"colour": "green"}, 422, "validation_error"),
    ],
)
def test_create_is_validated(client, change, status, code):
    response, body = admin(client, "post", "/categories", json={**GARDEN, **change})
    assert response.status_code == status, body
    assert error_code(body) == code
    assert "garden" not in categories(client)


def test_slugs_are_unique_per_locale_only(client):
    body = create(client, **simple("reading", slug="livres"))  # "livres" is the French slug of books
    assert body["translations"]["en"]["slug"] == "livres"


def test_slug_taken_names_the_slug_and_locale(client):
    response, body = admin(client, "post", "/categories", headers={**ADMIN, "Accept-Language": "en"},
                           json=simple("reading", slug="books"))
    assert response.status_code == 409 and error_code(body) == "slug_taken"
    assert "books" in body["error"]["message"] and "en" in body["error"]["message"]


def test_patch_moves_renames_and_translates(client):
    garden = create(client)
    tools = create(client, **simple("tools"))
    response, body = admin(client, "patch", f"/categories/{tools['id']}", json={
        "key": "garden-tools", "parent_id": garden["id"], "position": 3,
        "translations": {"en": {"name": "Garden tools", "slug": "garden-tools"},
                         "fr": {"name": "Outils de jardin", "slug": "outils-de-jardin"}}})
    assert response.status_code == 200, body
    assert body["key"] == "garden-tools" and body["parent_id"] == garden["id"] and body["position"] == 3
    assert body["translations"] == {"en": {"name": "Garden tools", "slug": "garden-tools"},
                                    "fr": {"name": "Outils de jardin", "slug": "outils-de-jardin"}}
    response, body = admin(client, "patch", f"/categories/{tools['id']}", json={"parent_id": None})
    assert response.status_code == 200 and body["parent_id"] is None and body["key"] == "garden-tools"
    response, body = admin(client, "patch", f"/categories/{tools['id']}", json={"key": "garden-tools"})
    assert response.status_code == 200


@pytest.mark.parametrize(
    "change, status, code",
    [
        ({"key": "books"}, 409, "category_key_taken"),
        ({"parent_id": 999999}, 422, "unknown_category"),
        ({"translations": {"de": {"name": "Bücher", "slug": "buecher"}}}, 409, "slug_taken"),
        ({"translations": {"de": {"name": "Garten", "slug": "Garten"}}}, 422, "invalid_slug"),
        ({"translations": {"xx-": {"name": "Garten", "slug": "garten"}}}, 422, "invalid_locale"),
        ({"position": "first"}, 422, "validation_error"),
        ({"key": None}, 422, "validation_error"),
    ],
)
def test_patch_is_validated(client, change, status, code):
    garden = create(client)
    response, body = admin(client, "patch", f"/categories/{garden['id']}", json=change)
    assert response.status_code == status, body
    assert error_code(body) == code
    assert categories(client)["garden"] == garden


def test_parent_cycles_are_refused(client):
    garden = create(client)
    tools = create(client, **simple("tools", parent_id=garden["id"]))
    spades = create(client, **simple("spades", parent_id=tools["id"]))
    for category, parent in ((garden, spades), (garden, tools), (garden, garden), (tools, spades)):
        response, body = admin(client, "patch", f"/categories/{category['id']}", json={"parent_id": parent["id"]})
        assert response.status_code == 422, body
        assert error_code(body) == "category_cycle"
    response, body = admin(client, "patch", f"/categories/{spades['id']}", json={"parent_id": garden["id"]})
    assert response.status_code == 200 and body["parent_id"] == garden["id"]


def test_unknown_category_is_404(client):
    for method, url, kwargs in (("get", "/categories/999999", {}), ("patch", "/categories/999999", {"json": {}}),
                                ("delete", "/categories/999999", {}),
                                ("put", "/categories/999999/translations/de", {"json": {"name": "X", "slug": "x"}})):
        response, body = admin(client, method, url, **kwargs)
        assert response.status_code == 404, (method, url, body)
        assert error_code(body) == "category_not_found"


def test_a_category_in_use_is_not_deleted(client):
    books = categories(client)["books"]
    response, body = admin(client, "delete", f"/categories/{books['id']}")
    assert response.status_code == 409 and error_code(body) == "category_not_empty"
    assert body["error"]["details"] == {"products": books["product_count"], "subcategories": 0}
    garden = create(client)
    create(client, **simple("tools", parent_id=garden["id"]))
    response, body = admin(client, "delete", f"/categories/{garden['id']}")
    assert response.status_code == 409 and body["error"]["details"] == {"products": 0, "subcategories": 1}
    assert "garden" in categories(client)


def test_delete_an_empty_category(client):
    garden = create(client)
    response = client.delete(f"{ADMIN_API}/categories/{garden['id']}", headers=ADMIN)
    assert response.status_code == 204
    assert "garden" not in categories(client)
    assert admin(client, "get", f"/categories/{garden['id']}")[0].status_code == 404
    create(client)  # its slugs are free again


def test_put_a_translation(client):
    garden = create(client)
    url = f"/categories/{garden['id']}/translations"
    response, body = admin(client, "put", f"{url}/fr-ca", json={"name": "Jardin", "slug": "jardin"})
    assert response.status_code == 200, body
    assert body["translations"]["fr-CA"] == {"name": "Jardin", "slug": "jardin"}
    response, body = admin(client, "put", f"{url}/de", json={"name": "Gartenbedarf", "slug": "gartenbedarf"})
    assert response.status_code == 200
    assert body["translations"]["de"] == {"name": "Gartenbedarf", "slug": "gartenbedarf"}
    shop = client.get("/api/v1/categories?locale=fr-CA&market=CA").get_json()["items"]
    assert next(c for c in shop if c["id"] == garden["id"])["name"] == "Jardin"


@pytest.mark.parametrize(
    "locale, payload, status, code",
    [
        ("de", {"name": "Bücher", "slug": "buecher"}, 409, "slug_taken"),
        ("de", {"name": "Garten", "slug": "Garten"}, 422, "invalid_slug"),
        ("de", {"slug": "garten"}, 422, "validation_error"),  # a name is needed; a slug is derived from it
        ("de--x", {"name": "Garten", "slug": "garten"}, 422, "invalid_locale"),
    ],
)
def test_put_a_translation_is_validated(client, locale, payload, status, code):
    garden = create(client)
    response, body = admin(client, "put", f"/categories/{garden['id']}/translations/{locale}", json=payload)
    assert response.status_code == status, body
    assert error_code(body) == code


def test_delete_a_translation_but_not_the_source_one(client):
    garden = create(client)
    url = f"/categories/{garden['id']}/translations"
    response, body = admin(client, "delete", f"{url}/de")
    assert response.status_code == 200 and "de" not in body["translations"]
    response, body = admin(client, "delete", f"{url}/de")
    assert response.status_code == 404 and error_code(body) == "translation_not_found"
    response, body = admin(client, "delete", f"{url}/en")
    assert response.status_code == 422 and error_code(body) == "source_translation_required"


def test_changes_are_in_the_audit_trail(client):
    garden = create(client)
    admin(client, "patch", f"/categories/{garden['id']}", json={"position": 20})
    admin(client, "put", f"/categories/{garden['id']}/translations/fr", json={"name": "Jardin", "slug": "jardin"})
    client.delete(f"{ADMIN_API}/categories/{garden['id']}", headers=ADMIN)
    entries = admin(client, "get", f"/audit?entity=category&entity_id={garden['id']}")[1]["items"]
    assert [e["action"] for e in entries] == ["delete", "update", "create"]
    deleted, updated, created = entries
    assert created["before"] is None and created["after"]["translations"]["de"]["slug"] == "garten"
    assert updated["before"]["position"] == 9 and updated["after"]["position"] == 20
    assert deleted["before"]["key"] == "garden" and deleted["after"] is None
    translated = admin(client, "get", "/audit?entity=category_translation")[1]["items"][0]
    assert translated["entity_id"] == f"{garden['id']}/fr" and translated["action"] == "create"
    assert translated["before"] is None and translated["after"] == {"name": "Jardin", "slug": "jardin"}


def test_categories_need_the_catalog_role(client):
    catalog = token_for(client, "catalog")
    assert admin(client, "get", "/categories", headers=catalog)[0].status_code == 200
    garden = create(client, headers=catalog)
    response, body = admin(client, "patch", f"/categories/{garden['id']}", headers=catalog, json={"position": 2})
    assert response.status_code == 200, body
    response, body = admin(client, "put", f"/categories/{garden['id']}/translations/fr", headers=catalog,
                           json={"name": "Jardin", "slug": "jardin"})
    assert response.status_code == 200, body
    assert client.delete(f"{ADMIN_API}/categories/{garden['id']}", headers=catalog).status_code == 204
    entry = admin(client, "get", "/audit?entity=category")[1]["items"][0]
    assert entry["actor"].endswith(":test catalog")


def test_other_roles_are_forbidden(client):
    books = categories(client)["books"]
    for roles in (("pricing",), ("orders", "pricing")):
        headers = token_for(client, *roles)
        for method, url, kwargs in (("get", "/categories", {}), ("get", f"/categories/{books['id']}", {}),
                                    ("post", "/categories", {"json": GARDEN}),
                                    ("patch", f"/categories/{books['id']}", {"json": {"position": 1}}),
                                    ("delete", f"/categories/{books['id']}", {}),
                                    ("put", f"/categories/{books['id']}/translations/fr",
                                     {"json": {"name": "Livres", "slug": "livres"}})):
            response, body = admin(client, method, url, headers=headers, **kwargs)
            assert response.status_code == 403, (roles, method, url, body)
            assert error_code(body) == "forbidden"
    assert "garden" not in categories(client)


@pytest.mark.parametrize("method, url", [("get", "/categories"), ("post", "/categories"),
                                         ("patch", "/categories/1"), ("delete", "/categories/1"),
                                         ("put", "/categories/1/translations/fr")])
def test_categories_need_a_token(client, method, url):
    response, body = admin(client, method, url, headers={}, json={})
    assert response.status_code == 401 and error_code(body) == "unauthorized"


def test_errors_are_translated(client):
    response, body = admin(client, "post", "/categories", headers={**ADMIN, "Accept-Language": "ja"},
                           json=simple("reading", slug="books"))
    assert body["error"]["message"] == "スラッグ「books」はenですでに使用されています。"
