"""The console's orders pages and refund form (the fake gateway): the API's validation and audit entry."""
from __future__ import annotations

from decimal import Decimal

from tests.functional.console.helpers import ADMIN, csrf_of, make_token, sign_in
from tests.functional.shopping import checkout, deliver, ready_cart

BOOK = "BOK-PRIDE-PB"


def _paid_order(client, fake_gateway) -> dict:
    cart = ready_cart(client, "DE", "DE", [(BOOK, 2)], units=10)
    response, placed, _ = checkout(client, cart["token"])
    assert response.status_code == 201, placed
    pi = placed["payment"]["payment_intent_id"]
    fake_gateway.set_status(pi, "succeeded")
    assert deliver(client, fake_gateway, "payment_intent.succeeded", fake_gateway.payment_intent_object(pi)).status_code == 200
    return client.get(f"/api/v1/admin/orders/{placed['order']['id']}", headers=ADMIN).get_json()


def _refund(client, order_id: int, **form):
    page = client.get(f"/console/orders/{order_id}")
    assert page.status_code == 200
    return client.post(f"/console/orders/{order_id}/refunds",
                       data={"csrf_token": csrf_of(page.get_data(as_text=True)), **form})


def test_list_and_detail(client, fake_gateway):
    order = _paid_order(client, fake_gateway)
    sign_in(client)
    listing = client.get("/console/orders?market=DE&status=paid").get_data(as_text=True)
    assert f'data-order="{order["id"]}"' in listing
    assert f'data-order="{order["id"]}"' not in client.get("/console/orders?status=refunded").get_data(as_text=True)
    detail = client.get(f"/console/orders/{order['id']}").get_data(as_text=True)
    assert BOOK in detail and 'id="refund-form"' in detail
    # the refundable amount as the API writes it (the currency's minor digits), not the stored 44.7000
    assert f'placeholder="{order["totals"]["total"]["amount"]}"' in detail
    # money in the merchant's locale and the order's currency: 1.234,56 € style in German
    sign_in(client, locale="de")
    german = client.get(f"/console/orders/{order['id']}").get_data(as_text=True)
    total = order["totals"]["total"]["amount"].replace(".", ",")
    assert f"{total}\xa0€" in german


def test_a_refund_over_what_was_paid_is_shown_on_the_form(client, fake_gateway):
    order = _paid_order(client, fake_gateway)
    sign_in(client, locale="fr")
    response = _refund(client, order["id"], amount="100000", reason="requested_by_customer")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="errors-amount"' in html
    assert client.get(f"/api/v1/admin/orders/{order['id']}", headers=ADMIN).get_json()["refunds"] == []
    bad = _refund(client, order["id"], amount="abc")
    assert bad.status_code == 422 and 'id="errors-amount"' in bad.get_data(as_text=True)


def test_a_partial_refund_is_made_and_audited_as_the_api_does(client, fake_gateway):
    order = _paid_order(client, fake_gateway)
    sign_in(client)
    response = _refund(client, order["id"], amount="5.00", reason="requested_by_customer")
    assert response.status_code == 302, response.get_data(as_text=True)
    after = client.get(f"/api/v1/admin/orders/{order['id']}", headers=ADMIN).get_json()
    assert [(r["amount"]["amount"], r["reason"]) for r in after["refunds"]] == [("5.00", "requested_by_customer")]
    entry = client.get("/api/v1/admin/audit", query_string={"entity": "order", "entity_id": str(order["id"])},
                       headers=ADMIN).get_json()["items"][0]
    assert entry["action"] == "refund" and entry["actor"] == "bootstrap"
    assert Decimal(entry["after"]["amount"]) == Decimal("5.00") and entry["after"]["currency"] == "EUR"


def test_a_pricing_token_cannot_see_or_post_a_refund(client, fake_gateway):
    order = _paid_order(client, fake_gateway)
    sign_in(client, make_token(client, "pricing"))
    home = client.get("/console/")
    assert 'data-nav="console.orders"' not in home.get_data(as_text=True)
    assert client.get(f"/console/orders/{order['id']}").status_code == 403
    refused = client.post(f"/console/orders/{order['id']}/refunds",
                          data={"csrf_token": csrf_of(home.get_data(as_text=True)), "amount": "1.00"})
    assert refused.status_code == 403
    assert client.get(f"/api/v1/admin/orders/{order['id']}", headers=ADMIN).get_json()["refunds"] == []


def test_a_refund_whose_answer_was_lost_is_shown_and_retried(client, fake_gateway):
    order = _paid_order(client, fake_gateway)
    sign_in(client)
    fake_gateway.lose_next_response()  # the provider refunds, the answer never arrives
    response = _refund(client, order["id"], amount="3.00")
    assert response.status_code == 503 and 'id="form-errors"' in response.get_data(as_text=True)
    (lost,) = client.get(f"/api/v1/admin/orders/{order['id']}", headers=ADMIN).get_json()["refunds"]
    assert lost["status"] == "requested"
    page = client.get(f"/console/orders/{order['id']}").get_data(as_text=True)
    assert f'id="retry-{lost["id"]}"' in page
    retried = client.post(f"/console/orders/{order['id']}/refunds/{lost['id']}/retry",
                          data={"csrf_token": csrf_of(page)})
    assert retried.status_code == 302
    (made,) = fake_gateway.refunds.values()  # found at the provider, not made again
    (after,) = client.get(f"/api/v1/admin/orders/{order['id']}", headers=ADMIN).get_json()["refunds"]
    assert (after["provider_refund_id"], after["status"]) == (made.id, "succeeded")
    again = client.post(f"/console/orders/{order['id']}/refunds/{lost['id']}/retry",
                        data={"csrf_token": csrf_of(page)})
    assert again.status_code == 409
    entry = client.get("/api/v1/admin/audit", query_string={"entity": "order", "action": "refund_retry"},
                       headers=ADMIN).get_json()["items"][0]
    assert entry["entity_id"] == str(order["id"]) and entry["after"]["status"] == "succeeded"
