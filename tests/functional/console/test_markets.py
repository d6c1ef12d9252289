"""The console's markets pages: the API's validation and audit entry."""
from __future__ import annotations

from tests.functional.console.helpers import ADMIN, csrf_of, make_token, sign_in


def _edit(client, code: str, **changes):
    page = client.get(f"/console/markets/{code}")
    assert page.status_code == 200
    market = client.get(f"/api/v1/admin/markets/{code}", headers=ADMIN).get_json()
    form = {"csrf_token": csrf_of(page.get_data(as_text=True)), "currency": market["currency"],
            "countries": ", ".join(market["countries"]), "locales": ", ".join(market["locales"]),
            "names": "\n".join(f"{k}: {v}" for k, v in market["names"].items()),
            "tax_name": market["tax_name"], "tax_rate": market["tax_rate"],
            "tax_jurisdiction": market["tax_jurisdiction"] or "", "tax_rounding": market["tax_rounding"],
            "rounding": market["rounding"], "derived_rounding": market["derived_rounding"],
            "price_uplift": market["price_uplift"], "incoterm": market["incoterm"]}
    if market["prices_include_tax"]:
        form["prices_include_tax"] = "on"
    if market["is_default"]:
        form["is_default"] = "on"
    form.update(changes)
    return client.post(f"/console/markets/{code}", data=form)


def test_markets_list_shows_every_market(client):
    sign_in(client)
    html = client.get("/console/markets").get_data(as_text=True)
    for market in client.get("/api/v1/admin/markets", headers=ADMIN).get_json()["items"]:
        assert f'data-market="{market["code"]}"' in html


def test_an_invalid_uplift_is_shown_on_the_form_and_nothing_changes(client):
    sign_in(client, locale="de")
    response = _edit(client, "CH", price_uplift="250")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="errors-price_uplift"' in html and "Muss zwischen 0 und 100 liegen." in html
    assert client.get("/api/v1/admin/markets/CH", headers=ADMIN).get_json()["price_uplift"] != "250"


def test_a_country_of_another_market_is_refused_as_the_api_refuses_it(client):
    sign_in(client)
    response = _edit(client, "CH", countries="CH, DE")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="errors-countries"' in html and "DE" in html


def test_a_change_is_saved_and_audited_as_the_api_does(client):
    sign_in(client)
    before = client.get("/api/v1/admin/markets/CH", headers=ADMIN).get_json()
    response = _edit(client, "CH", price_uplift="3")
    assert response.status_code == 302, response.get_data(as_text=True)
    assert client.get("/api/v1/admin/markets/CH", headers=ADMIN).get_json()["price_uplift"] == "3"
    entries = client.get("/api/v1/admin/audit?entity=market&entity_id=CH", headers=ADMIN).get_json()["items"]
    newest = entries[0]
    assert newest["actor"] == "bootstrap" and newest["action"] == "update"
    assert newest["before"]["price_uplift"] == before["price_uplift"] and newest["after"]["price_uplift"] == "3"


def test_markets_need_the_admin_role(client):
    sign_in(client, make_token(client, "pricing"))
    assert client.get("/console/markets").status_code == 403
    html = client.get("/console/").get_data(as_text=True)
    assert 'data-nav="console.markets"' not in html
