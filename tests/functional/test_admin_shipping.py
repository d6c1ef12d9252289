"""Merchant shipping zones and methods through the HTTP API: validation,
roles, the audit trail, and what shoppers' carts see."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from tests.functional.shopping import ADDRESSES, ADMIN, new_cart, ready_cart
from tests.functional.shopping import admin_api as admin, error_code, token_for

D = Decimal
BOOK = "BOK-PRIDE-PB"  # 19.90 EUR in DE
EXPRESS = {"code": "cargo", "names": {"en": "Freight", "de": "Spedition"}, "rate": "7.50", "free_over": "100.00",
           "min_days": 3, "max_days": 5}


def new_zone(client, market="DE", name="Germany freight", countries=("DE",)):
    response, body = admin(client, "post", f"/markets/{market}/shipping-zones",
                           json={"name": name, "countries": list(countries)})
    assert response.status_code == 201, body
    return body


def new_method(client, zone_id, **overrides):
    response, body = admin(client, "post", f"/shipping-zones/{zone_id}/methods", json={**EXPRESS, **overrides})
    assert response.status_code == 201, body
    return body


def audit_entries(client, entity, entity_id):
    response, body = admin(client, "get", f"/audit?entity={entity}&entity_id={entity_id}")
    assert response.status_code == 200, body
    return body["items"]


# --- reading ---------------------------------------------------------------------------


def test_zones_of_a_market_list_their_methods_with_money_in_the_market_currency(client):
    response, body = admin(client, "get", "/markets/de/shipping-zones")
    assert response.status_code == 200, body
    assert (body["market"], body["currency"]) == ("DE", "EUR")
    [zone] = body["items"]
    assert zone["countries"] == [] and zone["market"] == "DE"
    assert [m["code"] for m in zone["methods"]] == ["standard", "express"]
    standard = zone["methods"][0]
    assert standard["rate"]["amount"] == "4.90" and standard["rate"]["currency"] == "EUR"
    assert standard["free_over"]["amount"] == "50.00" and standard["names"]["de"] == "Standardversand"
    assert (standard["min_days"], standard["max_days"], standard["position"]) == (1, 3, 0)
    assert zone["methods"][1]["free_over"] is None
    jp = admin(client, "get", "/markets/JP/shipping-zones")[1]["items"][0]["methods"][0]
    assert jp["rate"]["amount"] == "600" and jp["rate"]["currency"] == "JPY"


def test_unknown_market_is_404(client):
    response, body = admin(client, "get", "/markets/XX/shipping-zones")
    assert response.status_code == 404 and error_code(body) == "market_not_found"
    response, body = admin(client, "post", "/markets/XX/shipping-zones", json={"name": "X", "countries": []})
    assert response.status_code == 404 and error_code(body) == "market_not_found"


# --- zones ----------------------------------------------------------------------------


def test_create_zone_with_countries_of_the_market(client):
    zone = new_zone(client, "EU", "Southern Europe", ["it", "ES", "IT"])
    assert zone["countries"] == ["IT", "ES"] and zone["methods"] == [] and zone["market"] == "EU"
    whole = new_zone(client, "CH", "All of CH", [])
    assert whole["countries"] == []
    codes = [z["id"] for z in admin(client, "get", "/markets/EU/shipping-zones")[1]["items"]]
    assert zone["id"] in codes


@pytest.mark.parametrize("countries", [["FR"], ["DE", "CH"], ["XX"]])
def test_zone_countries_must_belong_to_the_market(client, countries):
    response, body = admin(client, "post", "/markets/DE/shipping-zones", json={"name": "Bad", "countries": countries})
    assert response.status_code == 422 and error_code(body) == "country_not_in_market"
    assert body["error"]["details"]["market"] == "DE" and "DE" not in body["error"]["details"]["countries"]


@pytest.mark.parametrize("payload", [
    {"countries": []},  # name missing
    {"name": "", "countries": []},
    {"name": "X" * 101, "countries": []},
    {"name": "X"},  # countries missing
    {"name": "X", "countries": ["DEU"]},
    {"name": "X", "countries": [], "surprise": 1},
])
def test_zone_payload_is_validated(client, payload):
    response, body = admin(client, "post", "/markets/DE/shipping-zones", json=payload)
    assert response.status_code == 422 and error_code(body) == "validation_error", body


def test_patch_zone_renames_and_changes_countries(client):
    zone = new_zone(client, "EU", "Benelux", ["BE", "NL"])
    response, body = admin(client, "patch", f"/shipping-zones/{zone['id']}", json={"countries": ["be", "NL", "LU"]})
    assert response.status_code == 200, body
    assert body["countries"] == ["BE", "NL", "LU"] and body["name"] == "Benelux"
    response, body = admin(client, "patch", f"/shipping-zones/{zone['id']}", json={"name": "Benelux+"})
    assert response.status_code == 200 and body["name"] == "Benelux+" and body["countries"] == ["BE", "NL", "LU"]
    response, body = admin(client, "patch", f"/shipping-zones/{zone['id']}", json={"countries": ["DE"]})
    assert response.status_code == 422 and error_code(body) == "country_not_in_market"
    response, body = admin(client, "patch", "/shipping-zones/999999", json={"name": "Nowhere"})
    assert response.status_code == 404 and error_code(body) == "shipping_zone_not_found"
    actions = [e["action"] for e in audit_entries(client, "shipping_zone", zone["id"])]
    assert actions == ["update", "update", "create"]


def test_delete_zone_refused_while_an_open_cart_uses_one_of_its_methods(client):
    zone = new_zone(client)
    method = new_method(client, zone["id"])
    cart = ready_cart(client, "DE", "DE", [(BOOK, 1)])
    token = cart["token"]
    standard_id = cart["shipping_method"]["id"]
    response = client.put(f"/api/v1/carts/{token}/shipping-method", json={"id": method["id"]})
    assert response.status_code == 200, response.get_json()
    response, body = admin(client, "delete", f"/shipping-zones/{zone['id']}")
    assert response.status_code == 409 and error_code(body) == "zone_in_use"
    assert body["error"]["details"] == {"carts": 1}
    client.put(f"/api/v1/carts/{token}/shipping-method", json={"id": standard_id})
    response, _ = admin(client, "delete", f"/shipping-zones/{zone['id']}")
    assert response.status_code == 204
    zones = admin(client, "get", "/markets/DE/shipping-zones")[1]["items"]
    assert zone["id"] not in [z["id"] for z in zones]
    methods = client.get(f"/api/v1/carts/{token}/shipping-methods").get_json()["items"]
    assert method["id"] not in [m["id"] for m in methods]
    response, body = admin(client, "patch", f"/shipping-methods/{method['id']}", json={"rate": "1.00"})
    assert response.status_code == 404 and error_code(body) == "shipping_method_not_found"
    response, body = admin(client, "delete", f"/shipping-zones/{zone['id']}")
    assert response.status_code == 404 and error_code(body) == "shipping_zone_not_found"
    entries = audit_entries(client, "shipping_zone", zone["id"])
    assert entries[0]["action"] == "delete" and entries[0]["before"]["methods"] == ["cargo"]
    assert entries[0]["after"] is None


def test_an_expired_cart_does_not_keep_a_zone_alive(client, monkeypatch):
    from storefront import clock

    zone = new_zone(client)
    method = new_method(client, zone["id"])
    token = ready_cart(client, "DE", "DE", [(BOOK, 1)])["token"]
    assert client.put(f"/api/v1/carts/{token}/shipping-method", json={"id": method["id"]}).status_code == 200
    real = clock.now()
    monkeypatch.setattr(clock, "now", lambda: real + timedelta(days=30))
    response, body = admin(client, "delete", f"/shipping-zones/{zone['id']}")
    assert response.status_code == 204, body


def test_delete_unused_zone_with_methods(client):
    zone = new_zone(client)
    new_method(client, zone["id"])
    response, _ = admin(client, "delete", f"/shipping-zones/{zone['id']}")
    assert response.status_code == 204


# --- methods --------------------------------------------------------------------------


def test_create_method_and_its_audit_entry(client):
    zone = new_zone(client)
    method = new_method(client, zone["id"])
    assert method["code"] == "cargo" and method["zone_id"] == zone["id"] and method["position"] == 0
    assert method["rate"] == {"amount": "7.50", "currency": "EUR", "formatted": method["rate"]["formatted"]}
    assert method["free_over"]["amount"] == "100.00"
    assert method["names"] == {"en": "Freight", "de": "Spedition"}
    second = new_method(client, zone["id"], code="cargo-xl", free_over=None, names={"EN": "XL", "fr_ca": "TG"})
    assert second["position"] == 1 and second["free_over"] is None
    assert second["names"] == {"en": "XL", "fr-CA": "TG"}  # locale tags in canonical case
    listed = admin(client, "get", "/markets/DE/shipping-zones")[1]["items"]
    assert [m["code"] for m in next(z for z in listed if z["id"] == zone["id"])["methods"]] == ["cargo", "cargo-xl"]
    [entry] = audit_entries(client, "shipping_method", method["id"])
    assert entry["action"] == "create" and entry["actor"] == "bootstrap" and entry["before"] is None
    assert D(entry["after"]["rate"]) == D("7.50")
    assert entry["after"]["currency"] == "EUR" and entry["after"]["code"] == "cargo"


def test_method_amounts_are_exact_in_the_market_currency(client):
    jp = admin(client, "get", "/markets/JP/shipping-zones")[1]["items"][0]["id"]
    kw = admin(client, "get", "/markets/KW/shipping-zones")[1]["items"][0]["id"]
    de = new_zone(client)["id"]
    for zone, field, amount in [(jp, "rate", "500.5"), (de, "rate", "4.999"), (de, "rate", "-1"), (de, "rate", "abc"),
                                (kw, "rate", "1.235"), (de, "free_over", "-10"), (jp, "free_over", "0.5"),
                                (de, "rate", "1e12"), (de, "rate", "1e30"), (de, "free_over", "9" * 40)]:
        response, body = admin(client, "post", f"/shipping-zones/{zone}/methods",
                               json={**EXPRESS, "free_over": None, field: amount})
        assert response.status_code == 422 and error_code(body) == "invalid_amount", (zone, field, amount, body)
    yen = new_method(client, jp, rate="900", free_over="12000")
    assert (yen["rate"]["amount"], yen["free_over"]["amount"], yen["rate"]["currency"]) == ("900", "12000", "JPY")
    dinar = new_method(client, kw, rate="1.230", free_over=None)
    assert (dinar["rate"]["amount"], dinar["rate"]["currency"]) == ("1.230", "KWD")


@pytest.mark.parametrize("change, status, code", [
    ({"min_days": 6, "max_days": 2}, 422, "invalid_delivery_days"),
    ({"max_days": 91}, 422, "validation_error"),
    ({"min_days": -1}, 422, "validation_error"),
    ({"min_days": "soon"}, 422, "validation_error"),
    ({"names": {"de": "Spedition"}}, 422, "english_name_required"),
    ({"names": {"en": ""}}, 422, "validation_error"),
    ({"names": {"en": "Freight", "not a locale": "x"}}, 422, "invalid_locale"),
    ({"code": "Cargo Express"}, 422, "validation_error"),
    ({"code": "x" * 33}, 422, "validation_error"),
    ({"code": "standard"}, 201, None),  # codes are unique per zone, not per market
    ({"position": -1}, 422, "validation_error"),
    ({"colour": "red"}, 422, "validation_error"),
])
def test_method_payload_is_validated(client, change, status, code):
    zone = new_zone(client)
    response, body = admin(client, "post", f"/shipping-zones/{zone['id']}/methods", json={**EXPRESS, **change})
    assert response.status_code == status, body
    if code:
        assert error_code(body) == code


def test_required_method_fields(client):
    zone = new_zone(client)
    for field in ("code", "names", "rate", "min_days", "max_days"):
        payload = {k: v for k, v in EXPRESS.items() if k != field}
        response, body = admin(client, "post", f"/shipping-zones/{zone['id']}/methods", json=payload)
        assert response.status_code == 422 and error_code(body) == "validation_error"
        assert field in body["error"]["details"]["fields"]


def test_method_code_is_unique_per_zone(client):
    zone = new_zone(client)
    new_method(client, zone["id"])
    response, body = admin(client, "post", f"/shipping-zones/{zone['id']}/methods", json=EXPRESS)
    assert response.status_code == 409 and error_code(body) == "shipping_method_code_taken"
    response, body = admin(client, "post", "/shipping-zones/999999/methods", json=EXPRESS)
    assert response.status_code == 404 and error_code(body) == "shipping_zone_not_found"


def test_patch_method_applies_the_same_rules(client):
    zone = new_zone(client)
    method = new_method(client, zone["id"])
    other = new_method(client, zone["id"], code="pallet")
    url = f"/shipping-methods/{method['id']}"
    response, body = admin(client, "patch", url, json={"rate": "8.25", "free_over": None, "max_days": 9})
    assert response.status_code == 200, body
    assert body["rate"]["amount"] == "8.25" and body["free_over"] is None and body["max_days"] == 9
    assert body["min_days"] == 3 and body["code"] == "cargo"
    for change, status, code in [
        ({"min_days": 10}, 422, "invalid_delivery_days"),  # above the stored max_days
        ({"max_days": 2}, 422, "invalid_delivery_days"),  # below the stored min_days
        ({"rate": "8.255"}, 422, "invalid_amount"),
        ({"free_over": "-1"}, 422, "invalid_amount"),
        ({"names": {"de": "Nur Deutsch"}}, 422, "english_name_required"),
        ({"code": "pallet"}, 409, "shipping_method_code_taken"),
        ({"max_days": 120}, 422, "validation_error"),
    ]:
        response, body = admin(client, "patch", url, json=change)
        assert response.status_code == status and error_code(body) == code, (change, body)
    response, body = admin(client, "patch", url, json={"code": "cargo", "min_days": 0, "position": 5})
    assert response.status_code == 200 and (body["min_days"], body["position"]) == (0, 5)
    assert admin(client, "patch", f"/shipping-methods/{other['id']}", json={"code": "freight"})[0].status_code == 200
    response, body = admin(client, "patch", "/shipping-methods/999999", json={"rate": "1.00"})
    assert response.status_code == 404 and error_code(body) == "shipping_method_not_found"
    entries = audit_entries(client, "shipping_method", method["id"])
    assert [e["action"] for e in entries] == ["update", "update", "create"]
    assert D(entries[1]["before"]["rate"]) == D("7.50") and D(entries[1]["after"]["rate"]) == D("8.25")
    assert entries[1]["after"]["free_over"] is None


def test_a_new_method_is_offered_to_carts_and_priced_in_their_totals(client):
    zone = new_zone(client)
    method = new_method(client, zone["id"])
    token = ready_cart(client, "DE", "DE", [(BOOK, 1)])["token"]
    methods = client.get(f"/api/v1/carts/{token}/shipping-methods").get_json()["items"]
    offered = next(m for m in methods if m["id"] == method["id"])
    assert offered["code"] == "cargo" and offered["name"] == "Spedition"  # the cart speaks de-DE
    assert offered["rate"]["amount"] == "7.50" and offered["free_over"]["amount"] == "100.00"
    assert offered["delivery_days"] == {"min": 3, "max": 5}
    response = client.put(f"/api/v1/carts/{token}/shipping-method", json={"id": method["id"]})
    assert response.status_code == 200, response.get_json()
    totals = response.get_json()["totals"]
    assert D(totals["subtotal"]["amount"]) == D("19.90") and D(totals["shipping"]["amount"]) == D("7.50")
    assert D(totals["total"]["amount"]) == D("27.40")
    body = client.patch(f"/api/v1/carts/{token}/items/{BOOK}", json={"quantity": 5}).get_json()  # 99.50 < 100
    assert D(body["totals"]["shipping"]["amount"]) == D("7.50")
    body = client.patch(f"/api/v1/carts/{token}/items/{BOOK}", json={"quantity": 6}).get_json()  # 119.40 >= 100
    assert D(body["totals"]["shipping"]["amount"]) == 0
    assert D(body["totals"]["total"]["amount"]) == D("119.40")
    admin(client, "patch", f"/shipping-methods/{method['id']}", json={"rate": "12.00", "free_over": None})
    body = client.get(f"/api/v1/carts/{token}").get_json()
    assert D(body["totals"]["shipping"]["amount"]) == D("12.00")


def test_a_zone_of_some_countries_is_offered_only_there(client):
    zone = new_zone(client, "CH", "Liechtenstein", ["LI"])
    method = new_method(client, zone["id"], rate="15.00", free_over=None)
    token = ready_cart(client, "CH", "CH", [(BOOK, 1)])["token"]
    ids = [m["id"] for m in client.get(f"/api/v1/carts/{token}/shipping-methods").get_json()["items"]]
    assert method["id"] not in ids
    response = client.put(f"/api/v1/carts/{token}/shipping-method", json={"id": method["id"]})
    assert response.status_code == 422
    address = {**ADDRESSES["CH"], "country": "LI", "city": "Vaduz", "postal_code": "9490"}
    assert client.put(f"/api/v1/carts/{token}/address", json=address).status_code == 200
    methods = client.get(f"/api/v1/carts/{token}/shipping-methods").get_json()["items"]
    offered = next(m for m in methods if m["id"] == method["id"])
    assert offered["rate"] == {**offered["rate"], "amount": "15.00", "currency": "CHF"}


def test_delete_method_releases_the_carts_that_chose_it(client):
    zone = new_zone(client)
    method = new_method(client, zone["id"])
    tokens = []
    for _ in range(2):
        token = ready_cart(client, "DE", "DE", [(BOOK, 1)])["token"]
        assert client.put(f"/api/v1/carts/{token}/shipping-method", json={"id": method["id"]}).status_code == 200
        tokens.append(token)
    bystander = ready_cart(client, "DE", "DE", [(BOOK, 1)])
    response, body = admin(client, "delete", f"/shipping-methods/{method['id']}")
    assert response.status_code == 200, body
    assert body == {"id": method["id"], "deleted": True, "carts_updated": 2}
    for token in tokens:
        cart = client.get(f"/api/v1/carts/{token}").get_json()
        assert cart["shipping_method"] is None and D(cart["totals"]["shipping"]["amount"]) == 0
        ids = [m["id"] for m in client.get(f"/api/v1/carts/{token}/shipping-methods").get_json()["items"]]
        assert method["id"] not in ids
    assert client.get(f"/api/v1/carts/{bystander['token']}").get_json()["shipping_method"] == \
        bystander["shipping_method"]
    response, body = admin(client, "delete", f"/shipping-methods/{method['id']}")
    assert response.status_code == 404 and error_code(body) == "shipping_method_not_found"
    entries = audit_entries(client, "shipping_method", method["id"])
    assert entries[0]["action"] == "delete" and entries[0]["before"]["code"] == "cargo"
    assert entries[0]["after"] == {"carts_updated": 2}
    zones = admin(client, "get", "/markets/DE/shipping-zones")[1]["items"]
    assert next(z for z in zones if z["id"] == zone["id"])["methods"] == []


def test_deleting_a_method_nobody_chose_updates_no_cart(client):
    zone = new_zone(client)
    method = new_method(client, zone["id"])
    response, body = admin(client, "delete", f"/shipping-methods/{method['id']}")
    assert response.status_code == 200 and body["carts_updated"] == 0


# --- roles ----------------------------------------------------------------------------


def test_shipping_needs_the_admin_role(client):
    zone = new_zone(client)
    method = new_method(client, zone["id"])
    requests = [("get", "/markets/DE/shipping-zones", None),
                ("post", "/markets/DE/shipping-zones", {"name": "X", "countries": []}),
                ("patch", f"/shipping-zones/{zone['id']}", {"name": "Y"}),
                ("delete", f"/shipping-zones/{zone['id']}", None),
                ("post", f"/shipping-zones/{zone['id']}/methods", {**EXPRESS, "code": "other"}),
                ("patch", f"/shipping-methods/{method['id']}", {"rate": "1.00"}),
                ("delete", f"/shipping-methods/{method['id']}", None)]
    for roles in [("catalog",), ("pricing",), ("orders", "catalog", "pricing")]:
        headers = token_for(client, *roles)
        for verb, url, payload in requests:
            response, body = admin(client, verb, url, headers=headers, json=payload)
            assert response.status_code == 403 and error_code(body) == "forbidden", (roles, verb, url)
    for verb, url, payload in requests:
        response, body = admin(client, verb, url, headers={}, json=payload)
        assert response.status_code == 401 and error_code(body) == "unauthorized"
    admin_token = token_for(client, "admin")
    response, body = admin(client, "patch", f"/shipping-zones/{zone['id']}", headers=admin_token, json={"name": "Z"})
    assert response.status_code == 200 and body["name"] == "Z"
    entry = audit_entries(client, "shipping_zone", zone["id"])[0]
    assert entry["actor"].startswith("token:") and entry["actor"].endswith(":test admin")
    assert admin(client, "get", "/markets/DE/shipping-zones", headers=admin_token)[0].status_code == 200


def test_a_shopper_cart_in_another_market_does_not_see_the_method(client):
    zone = new_zone(client)
    method = new_method(client, zone["id"])
    token = new_cart(client, "FR")["token"]
    ids = [m["id"] for m in client.get(f"/api/v1/carts/{token}/shipping-methods").get_json()["items"]]
    assert method["id"] not in ids
