"""The PaymentGateway contract, checked on both gateways: FakeGateway and
StripeGateway on localstripe (fixtures in conftest.py).

The same calls give the same results, and the same Stripe webhook events,
signed as Stripe signs them, read into the same typed events with the same
Money. Where localstripe cannot show Stripe's behaviour (declines, idempotency
replays, refund limits: DOMAIN.md 2.4) the fake alone is tested, in
tests/unit/payments/test_fake_gateway.py."""
from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
import stripe

from storefront.money import Money
from storefront.payments.errors import InvalidWebhookSignature, PaymentProviderError
from storefront.payments.fake_gateway import FakeGateway
from storefront.payments.gateway import (
    ChargeRefunded,
    MinorUnits,
    PaymentCanceled,
    PaymentEvent,
    PaymentFailed,
    PaymentGateway,
    PaymentIntent,
    PaymentSucceeded,
    ProviderRefund,
    Refund,
    UnhandledEvent,
)
from tests.integration.payments.conftest import WEBHOOK_SECRET

AMOUNTS = [Money(Decimal("19.99"), "EUR"), Money(Decimal("1980"), "JPY"), Money(Decimal("12.350"), "KWD")]
IDS = ["EUR", "JPY", "KWD"]


@dataclass
class Side:
    """One gateway, how to sign an event for it, and an intent as Stripe serialises it."""

    gateway: PaymentGateway
    sign: Callable[..., tuple[bytes, str]]
    wire_intent: Callable[[str], dict[str, Any]]


def stripe_sign(event_type: str, obj: dict[str, Any], secret: str = WEBHOOK_SECRET, *, event_id: str,
                timestamp: int | None = None) -> tuple[bytes, str]:
    payload = json.dumps({"id": event_id, "object": "event", "api_version": "2026-10-28.endive",
                          "created": int(time.time()), "livemode": False, "type": event_type, "data": {"object": obj}})
    return payload.encode(), stripe.WebhookSignature.generate_signature_header(payload, secret, timestamp=timestamp)


@pytest.fixture(params=["fake", "stripe"])
def side(request: pytest.FixtureRequest) -> Side:
    if request.param == "fake":
        fake = FakeGateway(WEBHOOK_SECRET)
        return Side(fake, fake.signed_event, fake.payment_intent_object)
    gateway = request.getfixturevalue("stripe_gateway")
    raw: stripe.StripeClient = request.getfixturevalue("raw")
    return Side(gateway, stripe_sign, lambda pi_id: raw.v1.payment_intents.retrieve(pi_id).to_dict(recursive=True))


def key(name: str) -> str:
    return f"contract-{name}-{time.time_ns()}"


def paid(gateway: PaymentGateway, amount: Money) -> PaymentIntent:
    return gateway.create_payment_intent(
        amount=amount, idempotency_key=key("paid"), metadata={"order_id": "7"}, payment_method="pm_card_visa",
        confirm=True,
    )


# --- PaymentIntents and refunds ------------------------------------------------------


def test_is_a_payment_gateway(side: Side) -> None:
    assert isinstance(side.gateway, PaymentGateway)


@pytest.mark.parametrize("amount", AMOUNTS, ids=IDS)
def test_create_confirm_and_retrieve(side: Side, amount: Money) -> None:
    pi = paid(side.gateway, amount)
    assert pi.id.startswith("pi_") and pi.client_secret.startswith(pi.id + "_secret_")
    assert (pi.status, pi.amount, pi.currency) == ("succeeded", amount, amount.currency.code)
    assert pi.latest_charge is not None and pi.latest_charge.startswith("ch_")
    assert side.gateway.retrieve_payment_intent(pi.id) == pi


def test_unconfirmed_intents_and_cancel(side: Side) -> None:
    amount = Money(Decimal("25.00"), "EUR")
    bare = side.gateway.create_payment_intent(amount=amount, idempotency_key=key("bare"), metadata={})
    assert (bare.status, bare.latest_charge, bare.amount) == ("requires_payment_method", None, amount)
    pending = side.gateway.create_payment_intent(
        amount=amount, idempotency_key=key("pm"), metadata={}, payment_method="pm_card_visa"
    )
    assert pending.status == "requires_confirmation"

    canceled = side.gateway.cancel_payment_intent(bare.id)
    assert (canceled.id, canceled.status, canceled.amount) == (bare.id, "canceled", amount)
    assert side.gateway.retrieve_payment_intent(bare.id).status == "canceled"
    assert side.gateway.cancel_payment_intent(pending.id).status == "canceled"


def test_a_succeeded_intent_cannot_be_canceled(side: Side) -> None:
    pi = paid(side.gateway, Money(Decimal("25.00"), "EUR"))
    with pytest.raises(PaymentProviderError):
        side.gateway.cancel_payment_intent(pi.id)
    assert side.gateway.retrieve_payment_intent(pi.id).status == "succeeded"


def test_unknown_intents_are_provider_errors(side: Side) -> None:
    with pytest.raises(PaymentProviderError):
        side.gateway.retrieve_payment_intent("pi_doesnotexist")
    with pytest.raises(PaymentProviderError):
        side.gateway.cancel_payment_intent("pi_doesnotexist")


@pytest.mark.parametrize(
    ("amount", "part"),
    [(AMOUNTS[0], Decimal("5.50")), (AMOUNTS[1], Decimal("500")), (AMOUNTS[2], Decimal("2.470"))],
    ids=IDS,
)
def test_partial_refunds(side: Side, amount: Money, part: Decimal) -> None:
    pi = paid(side.gateway, amount)
    code = amount.currency.code
    first = side.gateway.refund(payment_intent_id=pi.id, amount=Money(part, code), idempotency_key=key("r1"),
                                metadata={"return_id": "r1"})
    assert isinstance(first, Refund) and first.id.startswith("re_")
    assert (first.payment_intent_id, first.amount, first.currency, first.status) == (
        pi.id, Money(part, code), code, "succeeded"
    )
    second = side.gateway.refund(payment_intent_id=pi.id, amount=Money(part, code), idempotency_key=key("r2"),
                                 metadata={})
    assert second.id != first.id and second.amount == first.amount
    assert side.gateway.retrieve_payment_intent(pi.id).status == "succeeded"


def test_a_refund_is_found_by_the_metadata_it_was_made_with(side: Side) -> None:
    pi = paid(side.gateway, AMOUNTS[0])
    other = paid(side.gateway, AMOUNTS[0])
    assert side.gateway.find_refund(payment_intent_id=pi.id, metadata={"refund": "41"}) is None
    made = side.gateway.refund(payment_intent_id=pi.id, amount=Money(Decimal("5.00"), "EUR"),
                               idempotency_key=key("found"), metadata={"order": "7", "refund": "41"})
    side.gateway.refund(payment_intent_id=pi.id, amount=Money(Decimal("1.00"), "EUR"),
                        idempotency_key=key("other"), metadata={"order": "7", "refund": "42"})
    assert side.gateway.find_refund(payment_intent_id=pi.id, metadata={"refund": "41"}) == made
    assert side.gateway.find_refund(payment_intent_id=pi.id, metadata={"order": "7", "refund": "43"}) is None
    assert side.gateway.find_refund(payment_intent_id=other.id, metadata={"refund": "41"}) is None


def test_an_unpaid_intent_cannot_be_refunded(side: Side) -> None:
    bare = side.gateway.create_payment_intent(amount=AMOUNTS[0], idempotency_key=key("bare"), metadata={})
    with pytest.raises(PaymentProviderError):
        side.gateway.refund(payment_intent_id=bare.id, amount=AMOUNTS[0], idempotency_key=key("r"), metadata={})


# --- webhooks -----------------------------------------------------------------------


@pytest.mark.parametrize("amount", AMOUNTS, ids=IDS)
def test_the_success_of_an_intent_reads_as_its_amount(side: Side, amount: Money) -> None:
    pi = paid(side.gateway, amount)
    obj = side.wire_intent(pi.id)
    assert (obj["id"], obj["currency"], obj["metadata"]) == (pi.id, amount.currency.code.lower(), {"order_id": "7"})
    event = side.gateway.construct_event(*side.sign("payment_intent.succeeded", obj, event_id="evt_paid"))
    assert event == PaymentSucceeded("evt_paid", "payment_intent.succeeded", pi.id, amount)


def test_the_cancellation_of_an_intent(side: Side) -> None:
    bare = side.gateway.create_payment_intent(amount=AMOUNTS[1], idempotency_key=key("bare"), metadata={})
    side.gateway.cancel_payment_intent(bare.id)
    event = side.gateway.construct_event(*side.sign("payment_intent.canceled", side.wire_intent(bare.id),
                                                    event_id="evt_canceled"))
    assert event == PaymentCanceled("evt_canceled", "payment_intent.canceled", bare.id)


def refund_list(*refunds: tuple[str, int, str]) -> dict[str, Any]:
    return {"object": "list", "has_more": False,
            "data": [{"id": i, "object": "refund", "amount": a, "currency": c, "status": "succeeded",
                      "reason": "requested_by_customer"} for i, a, c in refunds]}


def jpy(value: str) -> Money:
    return Money(Decimal(value), "JPY")


# (type, data.object, the typed event of id "evt_1")
EVENTS: list[tuple[str, dict[str, Any], PaymentEvent]] = [
    ("payment_intent.succeeded",
     {"id": "pi_1", "object": "payment_intent", "amount": 1999, "amount_received": 1999, "currency": "eur"},
     PaymentSucceeded("evt_1", "payment_intent.succeeded", "pi_1", Money(Decimal("19.99"), "EUR"))),
    ("payment_intent.succeeded",
     {"id": "pi_1", "object": "payment_intent", "amount": 1980, "amount_received": 1980, "currency": "jpy"},
     PaymentSucceeded("evt_1", "payment_intent.succeeded", "pi_1", jpy("1980"))),
    ("payment_intent.succeeded",
     {"id": "pi_1", "object": "payment_intent", "amount": 12350, "amount_received": 12350, "currency": "kwd"},
     PaymentSucceeded("evt_1", "payment_intent.succeeded", "pi_1", Money(Decimal("12.350"), "KWD"))),
    ("payment_intent.payment_failed",
     {"id": "pi_1", "object": "payment_intent", "last_payment_error": {"code": "card_declined", "type": "card_error"}},
     PaymentFailed("evt_1", "payment_intent.payment_failed", "pi_1", "card_declined")),
    ("payment_intent.canceled", {"id": "pi_1", "object": "payment_intent", "status": "canceled"},
     PaymentCanceled("evt_1", "payment_intent.canceled", "pi_1")),
    ("charge.refunded",
     {"id": "ch_1", "object": "charge", "payment_intent": "pi_1", "amount": 1980, "amount_refunded": 1500,
      "currency": "jpy", "refunds": refund_list(("re_1", 1000, "jpy"), ("re_2", 500, "jpy"))},
     ChargeRefunded("evt_1", "charge.refunded", "pi_1", jpy("1500"),
                    (ProviderRefund("re_1", jpy("1000"), "succeeded", "requested_by_customer"),
                     ProviderRefund("re_2", jpy("500"), "succeeded", "requested_by_customer")))),
    ("charge.refunded",
     {"id": "ch_1", "object": "charge", "payment_intent": "pi_1", "amount": 12350, "amount_refunded": 2470,
      "currency": "kwd", "refunds": refund_list(("re_1", 2470, "kwd"))},
     ChargeRefunded("evt_1", "charge.refunded", "pi_1", Money(Decimal("2.470"), "KWD"),
                    (ProviderRefund("re_1", Money(Decimal("2.470"), "KWD"), "succeeded", "requested_by_customer"),))),
    ("charge.refunded", {"id": "ch_1", "object": "charge", "payment_intent": "pi_1", "amount_refunded": 500},
     ChargeRefunded("evt_1", "charge.refunded", "pi_1", MinorUnits(500))),
    ("customer.created", {"id": "cus_1", "object": "customer"}, UnhandledEvent("evt_1", "customer.created")),
    ("payment_intent.succeeded", {"id": "pi_1", "amount_received": "abc", "currency": "eur"},
     UnhandledEvent("evt_1", "payment_intent.succeeded", "pi_1", "amount_received is not an amount in minor units")),
    ("payment_intent.succeeded", {"id": "pi_1", "amount_received": 100, "currency": "xyz"},
     UnhandledEvent("evt_1", "payment_intent.succeeded", "pi_1", "currency XYZ is not a known currency")),
    ("charge.refunded", {"id": "ch_1", "payment_intent": "p" * 300, "amount_refunded": 100, "currency": "eur"},
     UnhandledEvent("evt_1", "charge.refunded", None, "payment_intent is not an id")),
]


@pytest.mark.parametrize(("event_type", "obj", "expected"), EVENTS,
                         ids=[f"{i}-{t}" for i, (t, _, _) in enumerate(EVENTS)])
def test_events_read_the_same(side: Side, event_type: str, obj: dict[str, Any], expected: PaymentEvent) -> None:
    assert side.gateway.construct_event(*side.sign(event_type, obj, event_id="evt_1")) == expected


@pytest.mark.parametrize("case", ["wrong_secret", "tampered", "too_old", "no_header", "garbage_header", "not_an_event",
                                  "id_too_long", "object_not_an_object"])
def test_bad_webhooks_are_refused(side: Side, case: str) -> None:
    obj: Any = {"id": "pi_1", "object": "payment_intent", "amount": 1999, "currency": "eur"}
    secret, timestamp, event_id = WEBHOOK_SECRET, None, "evt_1"
    if case == "wrong_secret":
        secret = "whsec_someone_else"
    elif case == "too_old":
        timestamp = int(time.time()) - 301
    elif case == "id_too_long":
        event_id = "e" * 256
    elif case == "object_not_an_object":
        obj = "pi_1"
    payload, header = side.sign("payment_intent.succeeded", obj, secret, event_id=event_id, timestamp=timestamp)
    body: bytes = payload
    if case == "tampered":
        body = payload.replace(b"1999", b"1")
    elif case == "no_header":
        header = None  # type: ignore[assignment]
    elif case == "garbage_header":
        header = "t=yesterday,v1"
    elif case == "not_an_event":
        body = b'{"data": {"object": {}}}'
        header = stripe.WebhookSignature.generate_signature_header(body.decode(), WEBHOOK_SECRET)
    with pytest.raises(InvalidWebhookSignature) as info:
        side.gateway.construct_event(body, header)
    assert (info.value.code, info.value.http_status) == ("invalid_signature", 400)
