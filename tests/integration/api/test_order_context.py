"""An order speaks in its own market and locale (issue 16): a CHF/de-CH order
read without headers answers CH/CHF/de-CH with Swiss formatting, not the
default market's; a request for another locale of that market gets it."""
from __future__ import annotations

from tests.functional.shopping import checkout, ready_cart


def placed_order(client, fake_gateway, market="CH", address="CH", sku="BOK-PRIDE-PB"):
    cart = ready_cart(client, market, address, [(sku, 1)])
    response, body, _ = checkout(client, cart["token"])
    assert response.status_code == 201, body
    return body["order"]


def test_an_order_read_without_headers_speaks_its_own_market_and_locale(client, fake_gateway):
    order = placed_order(client, fake_gateway)
    assert (order["market"], order["locale"]) == ("CH", "de-CH"), order
    response = client.get(f"/api/v1/orders/{order['token']}")
    body = response.get_json()
    assert response.headers["X-Market"] == "CH" and response.headers["Content-Language"] == "de-CH"
    assert body["context"] == {"market": "CH", "currency": "CHF", "locale": "de-CH", "selected_by": "order"}
    assert body["totals"]["total"]["formatted"].startswith("CHF\u00a0"), body["totals"]["total"]


def test_an_order_answers_in_another_locale_of_its_market_when_asked(client, fake_gateway):
    order = placed_order(client, fake_gateway)
    body = client.get(f"/api/v1/orders/{order['token']}", headers={"Accept-Language": "fr"}).get_json()
    assert (body["context"]["market"], body["context"]["locale"]) == ("CH", "fr-CH"), body["context"]
    assert body["totals"]["total"]["formatted"].endswith("\u00a0CHF"), body["totals"]["total"]
    # A language the market does not speak keeps the order's own.
    body = client.get(f"/api/v1/orders/{order['token']}?locale=ja-JP").get_json()
    assert body["context"]["locale"] == "de-CH", body["context"]


def test_a_cart_says_that_it_chose_its_market_and_locale(client):
    """Carts used to say selected_by "default" whatever chose them (issue 16)."""
    token = client.post("/api/v1/carts?market=CH&locale=fr-CH").get_json()["token"]
    body = client.get(f"/api/v1/carts/{token}", headers={"Accept-Language": "ja"}).get_json()
    assert body["context"] == {"market": "CH", "currency": "CHF", "locale": "fr-CH", "selected_by": "cart"}


def test_cart_errors_speak_as_the_cart_does(client):
    """Errors of a cart request used to follow the request's language while its notices
    followed the cart's (issue 16): both follow the cart, or the locale of the cart's
    market the request asks for."""
    token = client.post("/api/v1/carts?market=CH&locale=de-CH").get_json()["token"]
    response = client.post(f"/api/v1/carts/{token}/items", json={"sku": "NO-SUCH-SKU", "quantity": 1})
    german = response.get_json()["error"]
    assert response.status_code == 422 and response.headers["Content-Language"] == "de-CH", german
    response = client.post(f"/api/v1/carts/{token}/items", json={"sku": "NO-SUCH-SKU", "quantity": 1},
                           headers={"Accept-Language": "fr-FR, fr;q=0.9"})
    french = response.get_json()["error"]
    assert response.headers["Content-Language"] == "fr-CH" and french["code"] == german["code"]
    assert french["message"] != german["message"], (german, french)
    # A language the cart's market does not speak: the cart's own.
    response = client.post(f"/api/v1/carts/{token}/items", json={"sku": "NO-SUCH-SKU", "quantity": 1},
                           headers={"Accept-Language": "ja"})
    assert response.get_json()["error"]["message"] == german["message"]
    # The same request's answer and its notices speak the same language as its errors.
    body = client.get(f"/api/v1/carts/{token}", headers={"Accept-Language": "fr"}).get_json()
    assert body["context"] == {"market": "CH", "currency": "CHF", "locale": "fr-CH", "selected_by": "cart"}


def test_checkout_errors_speak_as_the_cart_does(client, fake_gateway):
    token = client.post("/api/v1/carts?market=CH&locale=de-CH").get_json()["token"]
    response = client.post(f"/api/v1/carts/{token}/checkout", headers={"Idempotency-Key": "k-1"})
    assert response.status_code >= 400 and response.headers["Content-Language"] == "de-CH", response.get_json()
    french = client.post(f"/api/v1/carts/{token}/checkout",
                         headers={"Idempotency-Key": "k-2", "Accept-Language": "fr"})
    assert french.headers["Content-Language"] == "fr-CH"
    assert french.get_json()["error"]["message"] != response.get_json()["error"]["message"]
