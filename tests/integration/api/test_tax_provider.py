"""US local sales tax through the tax-provider seam (storefront.tax.providers):
Stripe Tax with the real stripe SDK against a local fake of
``POST /v1/tax/calculations`` (storefront/devtools/fake_stripe_tax.py: Seattle WA 98101,
WA 6.5 % + local 3.85 % = 10.35 %), its outage as 503, and the built-in
tables' state rate as an estimate."""
from __future__ import annotations

import socket
import time
from decimal import ROUND_HALF_UP, Decimal

import pytest

from storefront.tax import wiring
from storefront.tax.stripe_tax import StripeTaxProvider
from storefront.devtools.fake_stripe_tax import FakeStripeTax
from tests.functional.shopping import checkout, new_cart, stock

D = Decimal
HOODIE = "APP-HOD-ORG-GRY-M"  # txcd_30011000 clothing (taxed in WA)
BACKPACK = "BAG-HLV-22-BLK"  # txcd_99999999 general goods
SEATTLE = {"email": "sam@example.com", "name": "Sam Lee", "line1": "400 Pine St", "city": "Seattle",
           "postal_code": "98101", "region": "WA", "country": "US"}


@pytest.fixture(scope="module")
def fake():
    server = FakeStripeTax().start()
    yield server
    server.stop()


@pytest.fixture
def stripe_tax(app, fake):
    fake.mode, fake.requests[:] = "ok", []
    wiring.install(app, StripeTaxProvider("sk_test_fake", fake.url, timeout=1.0))
    yield fake
    app.extensions.pop("tax_provider", None)


@pytest.fixture
def builtin(app):
    app.extensions.pop("tax_provider", None)  # TAX_PROVIDER=builtin (the default)
    yield
    app.extensions.pop("tax_provider", None)


def percent(amount, rate):
    return (amount * D(rate) / 100).quantize(D("0.01"), rounding=ROUND_HALF_UP)


def seattle_cart(client, items, **headers):
    token = new_cart(client, "US", **headers)["token"]
    for sku, quantity in items:
        stock(client, sku, "US-RNO", 50)
        assert client.post(f"/api/v1/carts/{token}/items", json={"sku": sku, "quantity": quantity}).status_code == 200
    response = client.put(f"/api/v1/carts/{token}/address", json=SEATTLE, headers=headers)
    assert response.status_code == 200, response.get_json()
    methods = client.get(f"/api/v1/carts/{token}/shipping-methods").get_json()["items"]
    response = client.put(f"/api/v1/carts/{token}/shipping-method", json={"id": methods[0]["id"]}, headers=headers)
    assert response.status_code == 200, response.get_json()
    return token, response.get_json()


def rates(cart):
    return [(x["name"], x["rate"]) for x in cart["totals"]["tax_lines"]]


def codes(cart):
    return [n["code"] for n in cart["totals"]["notices"]]


def test_seattle_gets_the_local_rate_through_stripe_tax(client, stripe_tax):
    token, cart = seattle_cart(client, [(HOODIE, 2), (BACKPACK, 1)])
    assert rates(cart) == [("Local sales tax", "3.85"), ("Sales tax", "6.5")]  # 10.35 % in all
    amounts = [D(i["total"]["amount"]) for i in cart["items"]] + [D(cart["totals"]["shipping"]["amount"])]
    expected = sum(percent(a, "6.5") + percent(a, "3.85") for a in amounts)  # per line, each component rounded once
    assert D(cart["totals"]["tax"]["amount"]) == expected
    taxed = sum(amounts)
    assert abs(D(cart["totals"]["tax"]["amount"]) - taxed * D("0.1035")) <= D("0.02") * len(amounts)
    assert "tax_estimate" not in codes(cart)
    # What the SDK sent: minor units, Stripe tax codes, exclusive, shipping, the customer's address.
    sent = stripe_tax.requests[-1]
    lines = {x["reference"]: x for x in sent["line_items"]}
    hoodie = next(i for i in cart["items"] if i["sku"] == HOODIE)
    assert lines[HOODIE] == {"amount": str(int(D(hoodie["total"]["amount"]) * 100)), "quantity": "2",
                             "reference": HOODIE, "tax_code": "txcd_30011000", "tax_behavior": "exclusive"}
    assert lines[BACKPACK]["tax_code"] == "txcd_99999999"
    assert sent["customer_details"] == {"address": {"country": "US", "state": "WA", "postal_code": "98101",
                                                    "city": "Seattle", "line1": "400 Pine St"},
                                        "address_source": "shipping"}
    if D(cart["totals"]["shipping"]["amount"]):
        assert sent["shipping_cost"]["amount"] == str(int(D(cart["totals"]["shipping"]["amount"]) * 100))


def test_the_order_records_the_provider_and_its_calculation(client, stripe_tax, fake_gateway):
    token, cart = seattle_cart(client, [(HOODIE, 1)])
    response, body, _ = checkout(client, token)
    assert response.status_code == 201, body
    order = body["order"]
    assert order["tax"]["provider"] == "stripe"
    assert order["tax"]["calculation_id"].startswith("taxcalc_fake")
    assert order["totals"]["tax"] == cart["totals"]["tax"]
    assert {x["name"] for x in order["totals"]["tax_lines"]} == {"Sales tax", "Local sales tax"}


@pytest.mark.parametrize("outage", ["error", "refused", "slow"])
def test_a_provider_outage_is_503_never_the_state_rate(app, client, stripe_tax, fake_gateway, outage):
    token, _ = seattle_cart(client, [(HOODIE, 1)])
    if outage == "refused":  # nothing listens there
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        wiring.install(app, StripeTaxProvider("sk_test_fake", f"http://127.0.0.1:{port}", timeout=1.0))
    else:
        stripe_tax.mode, stripe_tax.delay = outage, 3.0
    started = time.monotonic()
    response = client.get(f"/api/v1/carts/{token}")
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "tax_provider_unavailable"
    assert time.monotonic() - started < 2.5  # within the 1 s budget (one attempt), not the fake's 3 s
    response, body, _ = checkout(client, token)
    assert response.status_code == 503 and body["error"]["code"] == "tax_provider_unavailable"
    stripe_tax.mode = "ok"
    wiring.install(app, StripeTaxProvider("sk_test_fake", stripe_tax.url, timeout=1.0))
    response, body, _ = checkout(client, token)  # nothing was written: the cart still checks out
    assert response.status_code == 201, body
    assert body["order"]["tax"]["provider"] == "stripe"


def test_builtin_tables_say_the_us_tax_is_an_estimate(client, builtin):
    _, cart = seattle_cart(client, [(HOODIE, 1)])
    assert rates(cart) == [("Sales tax", "6.5")]  # WA's state base rate only
    notice = next(n for n in cart["totals"]["notices"] if n["code"] == "tax_estimate")
    assert "estimate" in notice["message"]


def test_the_estimate_notice_is_translated(client, builtin):
    _, cart = seattle_cart(client, [(HOODIE, 1)], **{"Accept-Language": "es"})
    if not cart["locale"].startswith("es"):
        pytest.skip("the US market does not offer Spanish")
    notice = next(n for n in cart["totals"]["notices"] if n["code"] == "tax_estimate")
    assert "estimate" not in notice["message"] and notice["message"]


def test_builtin_outside_the_us_says_nothing(client, builtin):
    token = new_cart(client, "DE")["token"]
    stock(client, HOODIE, "DE-LEJ", 5)
    client.post(f"/api/v1/carts/{token}/items", json={"sku": HOODIE, "quantity": 1})
    address = {"email": "max@example.de", "name": "Max", "line1": "Unter den Linden 1", "city": "Berlin",
               "postal_code": "10117", "country": "DE"}
    cart = client.put(f"/api/v1/carts/{token}/address", json=address).get_json()
    assert "tax_estimate" not in codes(cart)


def test_the_provider_comes_from_the_configuration(fake):
    from flask import Flask

    from storefront.config import ConfigError

    with pytest.raises(ConfigError):
        wiring.check_settings({"TAX_PROVIDER": "avalara"})
    with pytest.raises(ConfigError):
        wiring.check_settings({"TAX_PROVIDER": "stripe", "STRIPE_SECRET_KEY": ""})
    app = Flask("config-test")
    app.config.update(TAX_PROVIDER="stripe", STRIPE_SECRET_KEY="sk_test_fake", STRIPE_API_BASE=fake.url,
                      TAX_PROVIDER_TIMEOUT_SECONDS=1.0, TAX_PROVIDER_COUNTRIES=["US"])
    with app.app_context():
        provider = wiring.tax_provider()
        assert isinstance(provider, StripeTaxProvider) and provider.applies_to("US") and not provider.applies_to("CA")
        assert "sk_test" not in repr(provider)
    # STRIPE_TAX_API_BASE takes the tax calls only (localstripe, at STRIPE_API_BASE, has no Stripe Tax)
    assert wiring.tax_api_base({"STRIPE_API_BASE": "http://ls", "STRIPE_TAX_API_BASE": fake.url}) == fake.url
    assert wiring.tax_api_base({"STRIPE_API_BASE": "http://ls", "STRIPE_TAX_API_BASE": ""}) == "http://ls"
    assert wiring.tax_api_base({"STRIPE_API_BASE": "", "STRIPE_TAX_API_BASE": ""}) is None  # Stripe's host
    app = Flask("config-split")
    app.config.update(TAX_PROVIDER="stripe", STRIPE_SECRET_KEY="sk_test_fake", STRIPE_API_BASE="http://127.0.0.1:9",
                      STRIPE_TAX_API_BASE=fake.url, TAX_PROVIDER_TIMEOUT_SECONDS=1.0)
    with app.app_context():
        assert repr(wiring.tax_provider()) == f"<StripeTaxProvider api_base={fake.url!r} countries=['US']>"
    app = Flask("config-builtin")
    app.config.update(TAX_PROVIDER="builtin")
    with app.app_context():
        assert wiring.tax_provider() is None


class ChangingCart:
    """Stripe Tax that, after each answer, adds a unit to the cart (as a
    shopper's second tab would; here through the test's one session, the
    served tests in tests/integration/checkout/test_served_tax_quote.py race
    real requests): every quote is stale by the time checkout takes the lock."""

    def __init__(self, provider, token):
        self.provider, self.token, self.name, self.calls = provider, token, provider.name, 0

    def applies_to(self, country):
        return self.provider.applies_to(country)

    def calculate(self, request):
        import sqlalchemy as sa

        from storefront.extensions import db

        result = self.provider.calculate(request)
        self.calls += 1
        db.session.execute(sa.text("UPDATE cart_line SET quantity = quantity + 1 WHERE cart_id = "
                                   "(SELECT id FROM cart WHERE token = :t)"), {"t": self.token})
        db.session.commit()
        return result


def test_a_cart_that_keeps_changing_during_checkout_is_409_and_nothing_is_written(app, client, stripe_tax,
                                                                                  fake_gateway):
    token, _ = seattle_cart(client, [(HOODIE, 1)])
    changing = ChangingCart(StripeTaxProvider("sk_test_fake", stripe_tax.url, timeout=1.0), token)
    wiring.install(app, changing)
    response, body, _ = checkout(client, token)
    assert response.status_code == 409, body
    assert body["error"]["code"] == "cart_changed" and body["error"]["message"]
    assert changing.calls == 3  # quoted three times (placement.QUOTE_ATTEMPTS), never charged a stale quote
    wiring.install(app, StripeTaxProvider("sk_test_fake", stripe_tax.url, timeout=1.0))
    cart = client.get(f"/api/v1/carts/{token}").get_json()
    assert cart["items"][0]["quantity"] == 4  # the three changes, and the cart still open
    response, body, _ = checkout(client, token)
    assert response.status_code == 201, body
    assert body["order"]["lines"][0]["quantity"] == 4 and body["order"]["totals"]["tax"] == cart["totals"]["tax"]


def test_the_merchant_preview_uses_the_provider(client, stripe_tax):
    from tests.functional.shopping import ADMIN

    preview = {"market": "US", "address": {"country": "US", "region": "WA", "postal_code": "98101", "city": "Seattle"},
               "items": [{"sku": HOODIE, "quantity": 1}], "shipping": "10.00"}
    response = client.post("/api/v1/admin/tax/preview", json=preview, headers=ADMIN)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["tax_provider"] == "stripe" and body["tax_calculation_id"].startswith("taxcalc_fake")
    assert [(x["name"], x["rate"]) for x in body["tax_lines"]] == [("Local sales tax", "3.85"), ("Sales tax", "6.5")]
    net = D(body["lines"][0]["net"]["amount"])
    # the US market rounds once per rate over the order (tax_rounding "order")
    assert D(body["totals"]["tax"]["amount"]) == percent(net + 10, "6.5") + percent(net + 10, "3.85")
    assert "tax_estimate" not in [n["code"] for n in body["notices"]]
    sent = stripe_tax.requests[-1]
    assert sent["customer_details"]["address"] == {"country": "US", "state": "WA", "postal_code": "98101",
                                                   "city": "Seattle"}
    assert sent["shipping_cost"]["amount"] == "1000"


def test_the_merchant_preview_with_builtin_tables_says_estimate(client, builtin):
    from tests.functional.shopping import ADMIN

    preview = {"market": "US", "address": {"country": "US", "region": "WA", "postal_code": "98101"},
               "items": [{"sku": HOODIE, "quantity": 1}]}
    body = client.post("/api/v1/admin/tax/preview", json=preview, headers=ADMIN).get_json()
    assert body["tax_provider"] == "builtin" and body["tax_calculation_id"] is None
    assert [(x["name"], x["rate"]) for x in body["tax_lines"]] == [("Sales tax", "6.5")]
    notice = next(n for n in body["notices"] if n["code"] == "tax_estimate")
    assert "estimate" in notice["message"]
