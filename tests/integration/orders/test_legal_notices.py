"""The legal wording of reverse-charge sales (issue 16): an EU B2B sale of
goods is an exempt intra-Community supply under Art. 138 of Directive
2006/112/EC (not Art. 196, the reverse charge on services), stated with both
VAT numbers in the cart, the order and the confirmation e-mail, in the
shopper's language; a UK B2B sale of at most GBP 135 carries HMRC's wording."""
from __future__ import annotations

from sqlalchemy import select

from storefront.orders.models import OutboxMessage
from tests.functional.shopping import ADMIN, ADDRESSES, WAREHOUSE, checkout, deliver, new_cart, stock

BOOK = "BOK-PRIDE-PB"
IT_VAT = "IT00743110157"


def b2b_cart(client, locale: str):
    token = client.post(f"/api/v1/carts?market=EU&locale={locale}").get_json()["token"]
    stock(client, BOOK, WAREHOUSE["EU"], 5)
    client.post(f"/api/v1/carts/{token}/items", json={"sku": BOOK, "quantity": 1})
    body = client.put(f"/api/v1/carts/{token}/address",
                      json={**ADDRESSES["IT"], "company": "Rossi S.p.A.", "vat_id": IT_VAT}).get_json()
    methods = client.get(f"/api/v1/carts/{token}/shipping-methods").get_json()["items"]
    client.put(f"/api/v1/carts/{token}/shipping-method", json={"id": methods[0]["id"]})
    return token, body


def reverse_charge(notices):
    return next(n["message"] for n in notices if n["code"] == "reverse_charge")


def test_an_eu_b2b_sale_of_goods_cites_art_138_with_both_vat_numbers(client, fake_gateway, app, db_session):
    token, cart = b2b_cart(client, "it-IT")
    assert cart["tax"]["rule"] == "eu_reverse_charge"
    message = reverse_charge(cart["totals"]["notices"])
    assert "art. 138" in message and "196" not in message, message
    assert "DE136695976" in message and IT_VAT in message, message
    assert "cessione intracomunitaria" in message.lower(), message
    response, placed, _ = checkout(client, token)
    assert response.status_code == 201, placed
    order = client.get(f"/api/v1/orders/{placed['order']['token']}?locale=nl-NL").get_json()
    message = reverse_charge(order["totals"]["notices"])
    assert "art. 138" in message and "DE136695976" in message and IT_VAT in message, message
    assert "intracommunautaire levering" in message, message  # the order answered in Dutch, as asked
    pi = placed["payment"]["payment_intent_id"]
    fake_gateway.set_status(pi, "succeeded")
    assert deliver(client, fake_gateway, "payment_intent.succeeded", fake_gateway.payment_intent_object(pi)
                   ).status_code == 200
    with app.app_context():
        mail = db_session.scalar(select(OutboxMessage).where(OutboxMessage.order_id == placed["order"]["id"]))
    assert "art. 138" in mail.body and IT_VAT in mail.body and "DE136695976" in mail.body, mail.body


def test_german_and_french_wording(client):
    """The wording the issue asks for, through the merchant's tax preview (it answers in the request's language)."""
    texts = {}
    for language in ("de", "fr", "en"):
        response = client.post("/api/v1/admin/tax/preview", headers={**ADMIN, "Accept-Language": language}, json={
            "market": "EU", "address": {"country": "IT"}, "items": [{"sku": BOOK, "quantity": 1}],
            "vat_id": IT_VAT})
        assert response.status_code == 200, response.get_json()
        texts[language] = reverse_charge(response.get_json()["notices"])
    assert texts["de"].startswith("Steuerfreie innergemeinschaftliche Lieferung (Art. 138"), texts["de"]
    assert texts["fr"].startswith("Exonération de TVA, art. 138 de la directive 2006/112/CE"), texts["fr"]
    assert texts["en"].startswith("VAT-exempt intra-Community supply of goods (Art. 138"), texts["en"]
    assert all("DE136695976" in t and IT_VAT in t and "196" not in t for t in texts.values()), texts


def test_a_uk_business_gets_hmrcs_wording(client):
    token = new_cart(client, "GB")["token"]
    stock(client, BOOK, WAREHOUSE["GB"], 5)
    client.post(f"/api/v1/carts/{token}/items", json={"sku": BOOK, "quantity": 1})
    address = {"email": "buyer@example.co.uk", "name": "A Buyer", "company": "Buyer Ltd", "line1": "1 High St",
               "city": "London", "postal_code": "SW1A 1AA", "country": "GB", "vat_id": "GB980780684"}
    body = client.put(f"/api/v1/carts/{token}/address", json=address).get_json()
    assert body["tax"]["rule"] == "uk_reverse_charge", body["tax"]  # a GBP 10 book shipped from Leipzig
    assert reverse_charge(body["totals"]["notices"]) == (
        "Reverse charge: customer to account for VAT to HMRC. No VAT is charged.")
