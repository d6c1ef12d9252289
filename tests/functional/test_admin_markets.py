"""Merchant market management through the HTTP API: every field, validation,
the default flag, currency changes with open carts, derived prices of a new
market, role boundaries and the audit trail."""
from __future__ import annotations

from datetime import timedelta

import pytest

from tests.functional.shopping import ADMIN, new_cart
from tests.functional.shopping import ADMIN_API, admin_api as admin, error_code, token_for

BOOK_SLUG = "pride-and-prejudice-illustrated-edition"
NORWAY = {"code": "NO", "names": {"en": "Norway", "nb": "Norge"}, "currency": "NOK", "countries": ["NO", "SJ"],
          "locales": ["nb-NO", "en-GB"], "prices_include_tax": True, "tax_rate": "25", "tax_name": "MVA",
          "derived_rounding": "charm:9", "price_uplift": "2.5"}


@pytest.fixture(autouse=True)
def fresh_market_cache():
    """Version bumps are rolled back with each test: forget markets cached at a reused version."""
    from storefront.markets import cache

    cache.clear_local()
    yield
    cache.clear_local()


def create(client, **overrides):
    response, body = admin(client, "post", "/markets", json={**NORWAY, **overrides})
    assert response.status_code == 201, body
    return body


def markets(client):
    response, body = admin(client, "get", "/markets")
    assert response.status_code == 200, body
    return {m["code"]: m for m in body["items"]}


def matrix_cells(client, market):
    product_id = client.get(f"/api/v1/products/{BOOK_SLUG}?market=DE").get_json()["id"]
    response, body = admin(client, "get", f"/products/{product_id}/price-matrix")
    assert response.status_code == 200, body
    return {row["sku"]: next((c for c in row["markets"] if c["market"] == market), None) for row in body["variants"]}


def test_list_shows_every_field_of_every_market(client):
    found = markets(client)
    assert list(found)[:3] == ["US", "CA", "GB"]
    assert found["CH"] == {
        "code": "CH", "names": found["CH"]["names"], "currency": "CHF", "countries": ["CH", "LI"],
        "locales": ["de-CH", "fr-CH", "it-CH"], "prices_include_tax": True, "rounding": "cash",
        "derived_rounding": "charm:0.90", "price_uplift": "5", "tax_rate": "8.1", "tax_name": found["CH"]["tax_name"],
        "tax_jurisdiction": "CH", "tax_rounding": found["CH"]["tax_rounding"], "incoterm": "DAP", "is_default": False,
    }
    assert found["CH"]["names"]["de"] == "Schweiz"
    assert found["US"]["is_default"] is True and [m for m in found.values() if m["is_default"]] == [found["US"]]
    assert found["KW"]["derived_rounding"] == "step:0.250" and found["US"]["tax_rounding"] == "order"


def test_one_market_and_an_unknown_one(client):
    response, body = admin(client, "get", "/markets/jp")
    assert response.status_code == 200 and body["currency"] == "JPY" and body["locales"] == ["ja-JP"]
    response, body = admin(client, "get", "/markets/ZZ")
    assert response.status_code == 404 and error_code(body) == "market_not_found"


def test_create_market_with_defaults_and_canonical_locales(client):
    body = create(client, code="no", currency="nok", countries=["no"], locales=["nb_no", "EN-gb"],
                  names={"EN": "Norway"})
    assert body == {
        "code": "NO", "names": {"en": "Norway"}, "currency": "NOK", "countries": ["NO"], "locales": ["nb-NO", "en-GB"],
        "prices_include_tax": True, "rounding": "minor", "derived_rounding": "charm:9", "price_uplift": "2.5",
        "tax_rate": "25", "tax_name": "MVA", "tax_jurisdiction": None, "tax_rounding": "line", "incoterm": "DDP",
        "is_default": False,
    }
    assert markets(client)["NO"] == body
    assert list(markets(client))[-1] == "NO"  # appended to the display order


def test_a_new_market_is_offered_to_shoppers_in_its_locale(client):
    create(client)
    listing = client.get("/api/v1/markets?locale=nb-NO").get_json()
    norway = next(m for m in listing["items"] if m["code"] == "NO")
    assert norway["name"] == "Norge" and norway["currency"] == "NOK" and norway["countries"] == ["NO", "SJ"]
    assert norway["locales"] == ["nb-NO", "en-GB"] and norway["prices_include_tax"] is True
    assert listing["context"] == {"market": "NO", "currency": "NOK", "locale": "nb-NO", "selected_by": "locale"}
    by_country = client.get("/api/v1/markets", headers={"X-Country": "SJ"}).get_json()
    assert by_country["context"]["market"] == "NO"


def test_a_new_market_gets_derived_prices_at_once(client):
    create(client)
    cells = matrix_cells(client, "NO")
    assert cells and all(c is not None for c in cells.values())
    paperback = cells["BOK-PRIDE-PB"]
    assert paperback["source"] == "derived" and paperback["currency"] == "NOK" and paperback["rule"] == "charm:9"
    assert paperback["fx_rate"] and paperback["base"]["amount"] == "19.90" and paperback["uplift"].startswith("2.5")
    assert paperback["gross"]["currency"] == "NOK" and paperback["gross"]["amount"].endswith("9.00")


def test_changing_the_uplift_reprices_the_market(client):
    create(client)
    before = matrix_cells(client, "NO")["BOK-PRIDE-PB"]
    response, body = admin(client, "patch", "/markets/NO", json={"price_uplift": "20"})
    assert response.status_code == 200, body
    assert body["price_uplift"] == "20" and body["repriced_prices"] > 0 and body["repriced_carts"] == 0
    after = matrix_cells(client, "NO")["BOK-PRIDE-PB"]
    assert float(after["gross"]["amount"]) > float(before["gross"]["amount"]) and after["uplift"].startswith("20")


@pytest.mark.parametrize(
    "change, status, code",
    [
        ({"code": "N0"}, 422, "validation_error"),
        ({"code": "N"}, 422, "validation_error"),
        ({"code": "NORWEGIAN"}, 422, "validation_error"),
        ({"code": "DE"}, 409, "market_exists"),
        ({"code": "ch"}, 409, "market_exists"),
        ({"currency": "XXX"}, 422, "invalid_currency"),
        ({"currency": "DEM"}, 422, "invalid_currency"),
        ({"currency": "ABC"}, 422, "invalid_currency"),
        ({"currency": "EURO"}, 422, "validation_error"),
        ({"countries": ["QQ"]}, 422, "invalid_country"),
        ({"countries": ["EU"]}, 422, "invalid_country"),
        ({"countries": ["NO", "no"]}, 422, "duplicate_value"),
        ({"countries": ["NO", "CH"]}, 409, "country_taken"),
        ({"locales": []}, 422, "validation_error"),
        ({"locales": ["nb--NO"]}, 422, "invalid_locale"),
        ({"locales": ["nb-NO-x-private"]}, 422, "invalid_locale"),
        ({"locales": ["xx-YY"]}, 422, "unsupported_locale"),
        ({"locales": ["nb-NO", "nb_no"]}, 422, "duplicate_value"),
        ({"names": {"english!": "Norway"}}, 422, "invalid_locale"),
        ({"rounding": "charm"}, 422, "invalid_rounding_rule"),
        ({"derived_rounding": "step:-1"}, 422, "invalid_rounding_rule"),
        ({"derived_rounding": "nearest"}, 422, "invalid_rounding_rule"),
        ({"tax_rounding": "invoice"}, 422, "validation_error"),
        ({"incoterm": "EXW"}, 422, "validation_error"),
        ({"price_uplift": "100.01"}, 422, "validation_error"),
        ({"price_uplift": "-1"}, 422, "validation_error"),
        ({"price_uplift": "2.00001"}, 422, "validation_error"),
        ({"price_uplift": "NaN"}, 422, "validation_error"),
        ({"tax_rate": "-0.5"}, 422, "validation_error"),
        ({"tax_jurisdiction": "ZZ"}, 422, "unknown_tax_jurisdiction"),
        ({"prices_include_tax": "sometimes"}, 422, "validation_error"),
        ({"position": 3}, 422, "validation_error"),
    ],
)
def test_create_is_validated(client, change, status, code):
    response, body = admin(client, "post", "/markets", json={**NORWAY, **change})
    assert response.status_code == status, body
    assert error_code(body) == code
    assert "NO" not in markets(client)


@pytest.mark.parametrize("field", ["code", "currency", "locales", "prices_include_tax", "tax_rate"])
def test_required_fields(client, field):
    payload = {k: v for k, v in NORWAY.items() if k != field}
    response, body = admin(client, "post", "/markets", json=payload)
    assert response.status_code == 422 and error_code(body) == "validation_error"
    assert field in body["error"]["details"]["fields"]


def test_country_taken_names_the_country_and_its_market(client):
    response, body = admin(client, "post", "/markets", json={**NORWAY, "countries": ["NO", "IT"]},
                           headers={**ADMIN, "Accept-Language": "en"})
    assert response.status_code == 409 and error_code(body) == "country_taken"
    assert "IT" in body["error"]["message"] and "EU" in body["error"]["message"]


def test_a_default_market_moves_the_flag(client):
    create(client, is_default=True)
    found = markets(client)
    assert found["NO"]["is_default"] is True and found["US"]["is_default"] is False
    response, body = admin(client, "patch", "/markets/NO", json={"is_default": False})
    assert response.status_code == 409 and error_code(body) == "default_market_required"
    response, body = admin(client, "patch", "/markets/us", json={"is_default": True})
    assert response.status_code == 200 and body["is_default"] is True
    assert [code for code, m in markets(client).items() if m["is_default"]] == ["US"]
    assert client.get("/api/v1/markets").get_json()["context"]["market"] == "US"


def test_patch_changes_only_what_is_sent(client):
    before = markets(client)["GB"]
    response, body = admin(client, "patch", "/markets/gb", json={
        "names": {"en": "United Kingdom", "de": "Vereinigtes Königreich"}, "countries": ["GB", "IM", "JE", "GG"],
        "locales": ["en-GB", "cy-GB"], "tax_name": "VAT (UK)", "incoterm": "dap", "rounding": "step:0.05"})
    assert response.status_code == 200, body
    assert body["countries"] == ["GB", "GG", "IM", "JE"] and body["locales"] == ["en-GB", "cy-GB"]
    assert body["names"] == {"de": "Vereinigtes Königreich", "en": "United Kingdom"} and body["incoterm"] == "DAP"
    assert body["rounding"] == "step:0.05" and body["tax_name"] == "VAT (UK)"
    for field in ("currency", "derived_rounding", "price_uplift", "tax_rate", "tax_jurisdiction", "is_default"):
        assert body[field] == before[field]
    assert body["repriced_prices"] == 0 and body["dropped_explicit_prices"] == 0
    response, body = admin(client, "patch", "/markets/GB", json={"locales": ["cy-GB", "en-GB"], "countries": ["GB"]})
    assert response.status_code == 200 and body["locales"] == ["cy-GB", "en-GB"] and body["countries"] == ["GB"]
    assert markets(client)["GB"]["locales"] == ["cy-GB", "en-GB"]


@pytest.mark.parametrize(
    "change, status, code",
    [
        ({"countries": ["DE", "FR"]}, 409, "country_taken"),
        ({"currency": "XTS"}, 422, "invalid_currency"),
        ({"locales": ["de-DE", "de-DE"]}, 422, "duplicate_value"),
        ({"locales": []}, 422, "validation_error"),
        ({"derived_rounding": "charm:-1"}, 422, "invalid_rounding_rule"),
        ({"tax_rounding": "total"}, 422, "validation_error"),
        ({"incoterm": "FOB"}, 422, "validation_error"),
        ({"price_uplift": 101}, 422, "validation_error"),
        ({"tax_jurisdiction": "XX"}, 422, "unknown_tax_jurisdiction"),
        ({"code": "DX"}, 422, "validation_error"),
    ],
)
def test_patch_is_validated_the_same_way(client, change, status, code):
    before = markets(client)["DE"]
    response, body = admin(client, "patch", "/markets/DE", json=change)
    assert response.status_code == status, body
    assert error_code(body) == code
    assert markets(client)["DE"] == before


def test_patch_of_an_unknown_market_is_404(client):
    response, body = admin(client, "patch", "/markets/XX", json={"tax_name": "VAT"})
    assert response.status_code == 404 and error_code(body) == "market_not_found"


def test_a_currency_change_is_refused_while_carts_are_open_unless_they_are_repriced(client):
    cart = new_cart(client, "CH")
    response, body = admin(client, "patch", "/markets/CH", json={"currency": "EUR"})
    assert response.status_code == 409, body
    assert error_code(body) == "market_has_open_carts" and body["error"]["details"] == {"carts": 1}
    assert markets(client)["CH"]["currency"] == "CHF"
    assert client.get(f"/api/v1/carts/{cart['token']}").get_json()["currency"] == "CHF"

    response, body = admin(client, "patch", "/markets/CH", json={"currency": "EUR", "reprice_open_carts": True})
    assert response.status_code == 200, body
    assert body["currency"] == "EUR" and body["repriced_carts"] == 1
    assert body["dropped_explicit_prices"] == 0  # CH prices are all derived
    assert body["ended_sales"] == 2 and body["repriced_prices"] > 0  # the demo's winter sale was in CHF
    shown = client.get(f"/api/v1/carts/{cart['token']}").get_json()
    assert shown["currency"] == "EUR" and shown["totals"]["total"]["currency"] == "EUR"
    cells = matrix_cells(client, "CH")
    assert all(c["currency"] == "EUR" and c["source"] == "derived" and c["sale"] is None for c in cells.values())
    product = client.get(f"/api/v1/products/{BOOK_SLUG}?market=CH").get_json()
    assert {v["price"]["gross"]["currency"] for v in product["variants"]} == {"EUR"}


def test_a_currency_change_ignores_expired_carts(client, monkeypatch):
    from storefront import clock

    new_cart(client, "JP")
    real = clock.now()
    monkeypatch.setattr(clock, "now", lambda: real + timedelta(days=30))
    response, body = admin(client, "patch", "/markets/JP", json={"currency": "USD"})
    assert response.status_code == 200, body
    assert body["repriced_carts"] == 0 and body["currency"] == "USD"


def test_a_currency_change_drops_explicit_prices_in_the_old_currency(client):
    cells = matrix_cells(client, "DE")
    assert all(c["source"] == "explicit" for c in cells.values())
    response, body = admin(client, "patch", "/markets/DE", json={"currency": "PLN"})
    assert response.status_code == 200, body
    assert body["dropped_explicit_prices"] > len(cells) and body["repriced_prices"] > 0
    cells = matrix_cells(client, "DE")
    assert all(c["source"] == "derived" and c["currency"] == "PLN" and c["fx_rate"] for c in cells.values())
    export = client.get(f"{ADMIN_API}/prices/export?market=DE", headers=ADMIN).get_data(as_text=True).splitlines()
    old = [line.split(",") for line in export if ",DE,EUR," in line]
    assert old and all(row[5] for row in old)  # only the sales that ended, kept as history


def test_same_currency_changes_nothing(client):
    response, body = admin(client, "patch", "/markets/de", json={"currency": "eur"})
    assert response.status_code == 200, body
    assert body["dropped_explicit_prices"] == 0 and body["repriced_prices"] == 0
    audit = client.get(f"{ADMIN_API}/audit?entity=market&entity_id=DE", headers=ADMIN).get_json()
    assert audit["items"] == []


def test_changes_are_in_the_audit_trail(client):
    create(client)
    admin(client, "patch", "/markets/NO", json={"tax_rate": "15", "names": {"en": "Norway"}})
    response, body = admin(client, "get", "/audit?entity=market")
    assert response.status_code == 200
    update, created = body["items"][:2]
    assert created["action"] == "create" and created["entity_id"] == "NO" and created["before"] is None
    assert created["after"]["currency"] == "NOK" and created["after"]["locales"] == ["nb-NO", "en-GB"]
    assert created["actor"] == "bootstrap"
    assert update["action"] == "update" and update["entity_id"] == "NO"
    assert update["before"]["tax_rate"] == "25" and update["after"]["tax_rate"] == "15"
    assert update["before"]["names"] == {"en": "Norway", "nb": "Norge"} and update["after"]["names"] == {"en": "Norway"}


def test_currency_change_is_audited_with_its_effects(client):
    new_cart(client, "AU")
    admin(client, "patch", "/markets/AU", json={"currency": "NZD", "reprice_open_carts": True})
    entry = client.get(f"{ADMIN_API}/audit?entity=market&entity_id=AU", headers=ADMIN).get_json()["items"][0]
    assert entry["before"]["currency"] == "AUD" and entry["after"]["currency"] == "NZD"
    assert entry["after"]["repriced_carts"] == 1


def test_markets_need_the_admin_role(client):
    for roles in (("catalog",), ("pricing", "orders")):
        headers = token_for(client, *roles)
        for method, url, kwargs in (("get", "/markets", {}), ("get", "/markets/DE", {}),
                                    ("post", "/markets", {"json": NORWAY}),
                                    ("patch", "/markets/DE", {"json": {"tax_name": "MwSt."}})):
            response, body = admin(client, method, url, headers=headers, **kwargs)
            assert response.status_code == 403, (roles, method, url, body)
            assert error_code(body) == "forbidden"
    headers = token_for(client, "admin")
    assert admin(client, "get", "/markets", headers=headers)[0].status_code == 200
    response, body = admin(client, "post", "/markets", headers=headers, json=NORWAY)
    assert response.status_code == 201, body
    entry = client.get(f"{ADMIN_API}/audit?entity=market&entity_id=NO", headers=ADMIN).get_json()["items"][0]
    assert entry["actor"].startswith("token:") and entry["actor"].endswith(":test admin")


@pytest.mark.parametrize("method, url", [("get", "/markets"), ("post", "/markets"), ("patch", "/markets/DE")])
def test_markets_need_a_token(client, method, url):
    response, body = admin(client, method, url, headers={}, json={})
    assert response.status_code == 401 and error_code(body) == "unauthorized"


def test_errors_are_translated(client):
    response, body = admin(client, "post", "/markets", json={**NORWAY, "countries": ["IT"]},
                           headers={**ADMIN, "Accept-Language": "de"})
    assert body["error"]["message"] == "IT gehört bereits zum Markt EU."
    new_cart(client, "CH")
    response, body = admin(client, "patch", "/markets/CH", json={"currency": "EUR"},
                           headers={**ADMIN, "Accept-Language": "fr"})
    assert body["error"]["message"].startswith("Le marché CH a 1 paniers ouverts")
