"""What Stripe can charge, through the HTTP API (issue 13, "Payments and rounding"):
the minimum follows the settlement currency, three-decimal totals under DDP end
in 0, Japanese orders round the consumption tax once per rate, and a market in
XCG (the Caribbean guilder) is created and checks out."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest
from sqlalchemy import select

from tests.functional.shopping import ADMIN, admin_api as admin, checkout, ready_cart

D = Decimal
BOOK = "BOK-PRIDE-PB"


@pytest.fixture(autouse=True)
def fresh_market_cache():
    """Version bumps are rolled back with each test: forget markets cached at a reused version."""
    from storefront.markets import cache

    cache.clear_local()
    yield
    cache.clear_local()


def set_price(client, sku, market, amount):
    response = client.put(f"/api/v1/admin/variants/{sku}/prices/{market}", json={"amount": amount}, headers=ADMIN)
    assert response.status_code == 200, response.get_json()


def free_shipping(db_session, app, currency):
    from storefront.shipping.models import ShippingMethod

    with app.app_context():
        for method in db_session.scalars(select(ShippingMethod).where(ShippingMethod.currency == currency)):
            method.rate = D(0)
        db_session.commit()


# --- the minimum charge follows the settlement currency -----------------------------------------


def test_a_jpy_total_worth_less_than_eur_0_50_is_refused_with_the_minimum_in_yen(client, fake_gateway, db_session,
                                                                                  app):
    """Stripe's minimum with EUR settlement is EUR 0.50 (docs.stripe.com/currencies, "Minimum and maximum charge
    amounts"); at the demo's ECB rate 178.04 JPY per EUR that is JPY 89.02, so JPY 90. Before, the JPY table's
    own 50 applied: JPY 60 (EUR 0.34) was sent to Stripe."""
    free_shipping(db_session, app, "JPY")
    set_price(client, BOOK, "JP", "60")
    cart = ready_cart(client, "JP", "JP", [(BOOK, 1)])
    assert cart["totals"]["total"]["amount"] == "60"
    response, body, _ = checkout(client, cart["token"])
    assert response.status_code == 422 and body["error"]["code"] == "below_minimum_amount", body
    assert "90 JPY" in body["error"]["message"]
    assert body["error"]["details"] == {"minimum": "90", "currency": "JPY", "settlement_currency": "EUR"}
    assert fake_gateway.intents == {}
    set_price(client, BOOK, "JP", "90")
    cart = ready_cart(client, "JP", "JP", [(BOOK, 1)])
    response, body, _ = checkout(client, cart["token"])
    assert response.status_code == 201, body


def test_the_settlement_currency_is_a_setting(client, fake_gateway, db_session, app, monkeypatch):
    """An account settling in JPY has Stripe's JPY minimum, 50: JPY 60 is charged."""
    monkeypatch.setitem(app.config, "STRIPE_SETTLEMENT_CURRENCY", "JPY")
    free_shipping(db_session, app, "JPY")
    set_price(client, BOOK, "JP", "60")
    cart = ready_cart(client, "JP", "JP", [(BOOK, 1)])
    response, body, _ = checkout(client, cart["token"])
    assert response.status_code == 201, body
    assert body["payment"]["amount_minor"] == 60


def test_without_the_rate_of_the_presentment_currency_the_minimum_cannot_be_checked(client, fake_gateway, db_session,
                                                                                   app):
    """Never a minimum compared in the wrong currency: 503 fx_rate_missing, no PaymentIntent."""
    from sqlalchemy import delete

    from storefront.pricing.models import FxRate
    from storefront.pricing.services import FX

    cart = ready_cart(client, "JP", "JP", [(BOOK, 1)])
    with app.app_context():
        db_session.execute(delete(FxRate).where(FxRate.quote == "JPY"))
        FX.invalidate(db_session)
        db_session.commit()
    response, body, _ = checkout(client, cart["token"])
    assert response.status_code == 503 and body["error"]["code"] == "fx_rate_missing", body
    assert fake_gateway.intents == {}


# --- KW under DDP: every component chargeable ---------------------------------------------------


def test_kuwait_ddp_checkout_charges_a_whole_number_of_ten_fils(client, fake_gateway):
    """5 % duty on a KWD 102.250 bag (Kuwait, above the KWD 100 threshold: customs.json) is 5.1125: before,
    5.113 and a total Stripe refuses (three-decimal amounts end in 0: docs.stripe.com/currencies), so the
    checkout failed; now 5.110."""
    response, body = admin(client, "patch", "/markets/KW", json={"incoterm": "DDP"})
    assert response.status_code == 200 and body["incoterm"] == "DDP", body
    set_price(client, "BAG-ARD-MSG-OLV", "KW", "102.250")
    cart = ready_cart(client, "KW", "KW", [("BAG-ARD-MSG-OLV", 1)])
    totals = cart["totals"]
    assert totals["duties"]["amount"] == "5.110"
    for part in ("subtotal", "shipping", "tax", "duties", "total"):
        assert D(totals[part]["amount"]) % D("0.010") == 0, (part, totals[part])
    response, body, _ = checkout(client, cart["token"])
    assert response.status_code == 201, body
    assert body["payment"]["currency"] == "KWD"
    assert body["payment"]["amount_minor"] == int(D(totals["total"]["amount"]) * 1000)
    assert body["payment"]["amount_minor"] % 10 == 0


# --- JP: one rounding per rate per order ---------------------------------------------------------


def test_the_japanese_market_rounds_tax_per_order(client):
    response, body = admin(client, "get", "/markets/JP")
    assert response.status_code == 200 and body["tax_rounding"] == "order"  # before: "line"


def test_a_japanese_order_rounds_consumption_tax_once_per_rate(client, fake_gateway):
    """Qualified invoices (適格請求書; 消費税法施行令 Art. 70-10, NTA インボイス制度 Q&A on 端数処理): three items at
    JPY 1,380 incl. 10 % carry 125 each rounded per line (1,380 x 10/110 = 125.45), but the order's tax is
    rounded once on the 10 % total (with the shipping, taxed at the goods' rate): with JPY 600 shipping
    4,740 x 10/110 = 430.9 -> 431, where per line 3 x 125 + 55 = 430 (before)."""
    skus = ["KIT-WOK-32-CS", "KIT-BRD-OLW-40", "KIT-FLS-350-SND"]
    for sku in skus:
        set_price(client, sku, "JP", "1380")
    cart = ready_cart(client, "JP", "JP", [(sku, 1) for sku in skus])
    totals = cart["totals"]
    gross = D(totals["total"]["amount"])
    shipping = D(totals["shipping"]["amount"])
    once = gross - (gross * 100 / 110).quantize(D(1), ROUND_HALF_UP)

    def per_line(amount):
        return amount - (amount * 100 / 110).quantize(D(1), ROUND_HALF_UP)

    assert D(totals["tax"]["amount"]) == once
    assert once != per_line(D(1380)) * 3 + per_line(shipping)  # the rounding per line would differ
    response, body, _ = checkout(client, cart["token"])
    assert response.status_code == 201, body
    order = body["order"]
    assert D(order["totals"]["tax"]["amount"]) == once
    assert [line["amount"]["amount"] for line in order["totals"]["tax_lines"]] == [str(once)]


# --- XCG, the Caribbean guilder ---------------------------------------------------------------


CURACAO = {"code": "CW", "names": {"en": "Curaçao and Sint Maarten", "nl": "Curaçao en Sint Maarten"},
           "currency": "XCG", "countries": ["CW", "SX"], "locales": ["nl-CW", "en-GB"], "prices_include_tax": True,
           "tax_rate": "6", "tax_name": "OB", "derived_rounding": "minor", "price_uplift": "0"}


def test_a_market_in_xcg_is_created_and_priced(client):
    """py-moneyed 3.0 has no XCG (ANG's successor since 2025-03-31): before, 422 invalid_currency."""
    # 1.79 XCG per USD (the peg, Centrale Bank van Curaçao en Sint Maarten) x 1.16 USD per EUR (demo ECB)
    response, body = admin(client, "put", "/fx-rates/XCG", json={"rate": "2.0764"})
    assert response.status_code == 200, body
    response, body = admin(client, "post", "/markets", json=CURACAO)
    assert response.status_code == 201, body
    assert body["currency"] == "XCG"
    product_id = client.get("/api/v1/products/pride-and-prejudice-illustrated-edition?market=DE").get_json()["id"]
    response, matrix = admin(client, "get", f"/products/{product_id}/price-matrix")
    cells = [c for row in matrix["variants"] for c in row["markets"] if c["market"] == "CW"]
    assert cells and all(c["currency"] == "XCG" and c["source"] == "derived" for c in cells)
    assert all(len(c["gross"]["amount"].split(".")[1]) == 2 for c in cells)
    listing = client.get("/api/v1/products?market=CW&locale=en-GB&limit=1").get_json()
    assert listing["context"]["currency"] == "XCG", listing


def test_an_xcg_order_checks_out(client, fake_gateway):
    """The KW market (its warehouse, shipping and tax data) moved to XCG: cart, checkout and PaymentIntent."""
    response, body = admin(client, "put", "/fx-rates/XCG", json={"rate": "2.0764"})
    assert response.status_code == 200, body
    response, body = admin(client, "patch", "/markets/KW", json={"currency": "XCG"})
    assert response.status_code == 200 and body["currency"] == "XCG", body
    cart = ready_cart(client, "KW", "KW", [(BOOK, 2)])
    assert cart["currency"] == "XCG" and cart["totals"]["total"]["currency"] == "XCG"
    response, body, _ = checkout(client, cart["token"])
    assert response.status_code == 201, body
    payment = body["payment"]
    assert payment["currency"] == "XCG"
    assert payment["amount_minor"] == int(D(cart["totals"]["total"]["amount"]) * 100) > 0
