"""A refund is recorded before the provider is asked: a refund the provider
made whose answer was lost stays counted (never refunded twice) and is
recorded from ``charge.refunded`` or by a retry; a refusal is recorded as failed."""
from __future__ import annotations

from decimal import Decimal

from storefront.payments.errors import PaymentProviderError
from tests.functional.shopping import ADMIN, checkout, deliver, ready_cart, token_for

BOOK = "BOK-MOBY-HC"


def paid(client, fake_gateway):
    _, placed, _ = checkout(client, ready_cart(client, "DE", "DE", [(BOOK, 1)], units=5)["token"])
    pi = placed["payment"]["payment_intent_id"]
    fake_gateway.set_status(pi, "succeeded")
    assert deliver(client, fake_gateway, "payment_intent.succeeded",
                   fake_gateway.payment_intent_object(pi)).status_code == 200
    return placed["order"]["id"], pi, placed["payment"]["amount_minor"]


def refunds_url(order_id):
    return f"/api/v1/admin/orders/{order_id}/refunds"


def test_a_refund_whose_answer_was_lost_is_recorded_from_charge_refunded(client, fake_gateway):
    order_id, pi, minor = paid(client, fake_gateway)
    fake_gateway.lose_next_response()  # the provider refunds, the answer never arrives
    response = client.post(refunds_url(order_id), json={}, headers=ADMIN)
    assert response.status_code == 503, response.get_json()
    assert fake_gateway.refunded_minor(pi) == minor
    detail = client.get(f"/api/v1/admin/orders/{order_id}", headers=ADMIN).get_json()
    assert [r["status"] for r in detail["refunds"]] == ["requested"]
    # still counted: a second attempt cannot refund it again
    response = client.post(refunds_url(order_id), json={}, headers=ADMIN)
    assert response.status_code == 422 and response.get_json()["error"]["code"] == "refund_exceeds_paid"
    (made,) = fake_gateway.refunds.values()
    charge = {"id": "ch_1", "object": "charge", "payment_intent": pi, "amount": minor, "currency": "eur",
              "amount_refunded": minor, "refunds": {"data": [{"id": made.id, "amount": minor, "currency": "eur",
                                                              "status": "succeeded"}]}}
    assert deliver(client, fake_gateway, "charge.refunded", charge).status_code == 200
    detail = client.get(f"/api/v1/admin/orders/{order_id}", headers=ADMIN).get_json()
    assert detail["status"] == "refunded"
    assert [(r["provider_refund_id"], r["status"]) for r in detail["refunds"]] == [(made.id, "succeeded")]
    assert Decimal(detail["totals"]["refunded"]["amount"]) * 100 == minor


def test_a_refused_refund_is_recorded_as_failed_and_frees_the_amount(client, fake_gateway):
    order_id, pi, minor = paid(client, fake_gateway)
    fake_gateway.fail_next(PaymentProviderError(provider_code="charge_disputed"))
    response = client.post(refunds_url(order_id), json={}, headers=ADMIN)
    assert response.status_code >= 400 and response.status_code != 500, response.get_json()
    detail = client.get(f"/api/v1/admin/orders/{order_id}", headers=ADMIN).get_json()
    assert [r["status"] for r in detail["refunds"]] == ["failed"] and detail["status"] == "paid"
    response = client.post(refunds_url(order_id), json={}, headers=ADMIN)
    assert response.status_code == 201, response.get_json()
    assert fake_gateway.refunded_minor(pi) == minor


def retry_url(order_id, refund_id):
    return f"/api/v1/admin/orders/{order_id}/refunds/{refund_id}/retry"


def test_a_refund_whose_answer_was_lost_is_recorded_by_a_retry(client, fake_gateway):
    order_id, pi, minor = paid(client, fake_gateway)
    fake_gateway.lose_next_response()  # the provider refunds, the answer never arrives
    assert client.post(refunds_url(order_id), json={}, headers=ADMIN).status_code == 503
    (lost,) = client.get(f"/api/v1/admin/orders/{order_id}", headers=ADMIN).get_json()["refunds"]
    assert lost["status"] == "requested"
    response = client.post(retry_url(order_id, lost["id"]), headers=ADMIN)
    assert response.status_code == 200, response.get_json()
    (made,) = fake_gateway.refunds.values()  # found, not made again
    assert response.get_json()["provider_refund_id"] == made.id
    detail = client.get(f"/api/v1/admin/orders/{order_id}", headers=ADMIN).get_json()
    assert detail["status"] == "refunded"
    assert [(r["id"], r["provider_refund_id"], r["status"]) for r in detail["refunds"]] == [
        (lost["id"], made.id, "succeeded")]
    response = client.post(retry_url(order_id, lost["id"]), headers=ADMIN)
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "refund_not_requested"


def test_a_refund_that_never_reached_the_provider_is_sent_again_with_the_same_key(client, fake_gateway):
    order_id, pi, minor = paid(client, fake_gateway)
    fake_gateway.fail_next()  # unavailable: nothing refunded
    assert client.post(refunds_url(order_id), json={}, headers=ADMIN).status_code == 503
    (lost,) = client.get(f"/api/v1/admin/orders/{order_id}", headers=ADMIN).get_json()["refunds"]
    fake_gateway.fail_next()  # still unavailable: the claim is given back
    response = client.post(retry_url(order_id, lost["id"]), headers=ADMIN)
    assert response.status_code == 503, response.get_json()
    response = client.post(retry_url(order_id, lost["id"]), headers=ADMIN)
    assert response.status_code == 200, response.get_json()
    assert fake_gateway.refunded_minor(pi) == minor
    # the first attempt; a retry that could not look; a retry that looked, found nothing and asked again
    assert [op for op, _ in fake_gateway.calls if "refund" in op] == ["refund", "find_refund", "find_refund", "refund"]
    assert "storefront-refund-%d" % lost["id"] in fake_gateway._saved  # the same idempotency key both times
    assert len(fake_gateway.refunds) == 1
    assert client.get(f"/api/v1/admin/orders/{order_id}", headers=ADMIN).get_json()["status"] == "refunded"


def test_the_retry_needs_the_orders_role_before_anything(client):
    response = client.post(retry_url(1, 1), headers=token_for(client, "catalog"))
    assert response.status_code == 403
    assert client.post(retry_url(1, 1)).status_code == 401
