"""Without STRIPE_SECRET_KEY, checkout answers at once (issue 16): 503
payments_not_configured in the shopper's language, nothing written, no call
to Stripe's host (which used to cost 1.4 s with an empty key)."""
from __future__ import annotations

import logging
import socket
import time

import pytest

from storefront.payments import wiring
from tests.functional.shopping import checkout, ready_cart


@pytest.fixture
def unconfigured(app):
    key, installed = app.config["STRIPE_SECRET_KEY"], app.extensions.pop("payment_gateway", None)
    app.config["STRIPE_SECRET_KEY"] = ""
    yield app
    app.config["STRIPE_SECRET_KEY"] = key
    if installed is not None:
        app.extensions["payment_gateway"] = installed


def test_checkout_without_a_stripe_key_answers_503_at_once_and_writes_nothing(client, unconfigured, monkeypatch):
    cart = ready_cart(client, "DE", "DE", [("BOK-PRIDE-PB", 1)])
    dialled = []
    connect = socket.socket.connect

    def no_remote_calls(sock, address):  # before: 1.4 s dialling api.stripe.com with an empty key
        if isinstance(address, tuple) and address[0] not in ("127.0.0.1", "::1", "localhost"):
            dialled.append(address)
            raise OSError("the test forbids calls off this machine")
        return connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", no_remote_calls)
    started = time.monotonic()
    response = client.post(f"/api/v1/carts/{cart['token']}/checkout",
                           headers={"Idempotency-Key": "k-1", "Accept-Language": "de"})
    took = time.monotonic() - started
    assert response.status_code == 503, response.get_json()
    assert response.json["error"]["code"] == "payments_not_configured"
    assert response.json["error"]["message"] == "Zahlungen sind für diesen Shop noch nicht eingerichtet."
    assert dialled == [] and took < 2, (dialled, took)  # nothing dialled; the time bound only a backstop
    again = client.get(f"/api/v1/carts/{cart['token']}")
    assert again.status_code == 200, again.json  # still open: a closed cart would be 409 cart_checked_out
    assert client.post(f"/api/v1/carts/{cart['token']}/items", json={"sku": "BOK-PRIDE-PB", "quantity": 1}).status_code == 200
    assert checkout(client, cart["token"])[0].status_code == 503  # a retry: the same answer, still nothing written


def test_start_up_warns_when_payments_are_not_configured(unconfigured, caplog):
    with caplog.at_level(logging.WARNING, logger="storefront.payments"):
        wiring.warn_if_unconfigured(unconfigured)
    assert "STRIPE_SECRET_KEY is not set" in caplog.text
