"""FakeGateway: Stripe's idempotency, refund limits, outages and signed webhooks, in memory."""
from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from storefront.money import Money, StripeAmountError
from storefront.payments.errors import (
    InvalidWebhookSignature,
    PaymentDeclined,
    PaymentProviderError,
    PaymentProviderUnavailable,
)
from storefront.payments.fake_gateway import FakeGateway, sign_payload
from storefront.payments.gateway import (
    PaymentGateway,
    PaymentIntent,
    PaymentSucceeded,
    Refund,
    UnhandledEvent,
)

ROOT = Path(__file__).resolve().parents[3]
SECRET = "whsec_unit"
NOW = 1_800_000_000


def eur(value: str) -> Money:
    return Money(Decimal(value), "EUR")


@pytest.fixture()
def fake() -> FakeGateway:
    return FakeGateway(SECRET, clock=lambda: NOW)


def paid(fake: FakeGateway, amount: Money = eur("30.00"), key: str = "order-1-pi") -> PaymentIntent:
    return fake.create_payment_intent(
        amount=amount, idempotency_key=key, metadata={"order_id": "1"}, payment_method="pm_card_visa", confirm=True
    )


def test_is_a_payment_gateway(fake: FakeGateway) -> None:
    assert isinstance(fake, PaymentGateway)


def test_imports_no_stripe() -> None:
    code = "import sys, storefront.payments.fake_gateway, storefront.payments.gateway, storefront.payments.errors, " \
           "storefront.payments.stripe_events; " \
           "print('stripe' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


# --- PaymentIntents -----------------------------------------------------------------


def test_deterministic_ids_and_statuses(fake: FakeGateway) -> None:
    bare = fake.create_payment_intent(amount=eur("10.00"), idempotency_key="a", metadata={})
    pending = fake.create_payment_intent(amount=eur("10.00"), idempotency_key="b", metadata={}, payment_method="pm_card_visa")
    done = paid(fake, Money(Decimal("1980"), "JPY"), key="c")
    three_ds = fake.create_payment_intent(
        amount=eur("10.00"), idempotency_key="d", metadata={}, payment_method="pm_card_authenticationRequired", confirm=True
    )
    assert [pi.id for pi in (bare, pending, done, three_ds)] == ["pi_fake_1", "pi_fake_2", "pi_fake_3", "pi_fake_4"]
    assert [pi.status for pi in (bare, pending, done, three_ds)] == [
        "requires_payment_method", "requires_confirmation", "succeeded", "requires_action",
    ]
    assert done == PaymentIntent("pi_fake_3", "pi_fake_3_secret_fake", 1980, "JPY", "succeeded", "ch_fake_1")
    assert done.amount == Money(Decimal("1980"), "JPY")
    assert fake.retrieve_payment_intent("pi_fake_3") == done
    assert fake.set_status(three_ds.id, "succeeded").latest_charge == "ch_fake_2"


def test_stripe_minor_units(fake: FakeGateway) -> None:
    kwd = paid(fake, Money(Decimal("12.350"), "KWD"), key="kwd")
    assert (kwd.amount_minor, kwd.currency) == (12350, "KWD")
    with pytest.raises(StripeAmountError):
        paid(fake, Money(Decimal("12.345"), "KWD"), key="kwd-odd")


def test_decline_keeps_the_intent_and_is_replayed(fake: FakeGateway) -> None:
    def attempt(key: str = "order-2-pi") -> PaymentIntent:
        return fake.create_payment_intent(
            amount=eur("10.00"), idempotency_key=key, metadata={}, payment_method="pm_card_chargeDeclined", confirm=True
        )

    with pytest.raises(PaymentDeclined) as first:
        attempt()
    assert (first.value.provider_code, first.value.payment_intent_id) == ("card_declined", "pi_fake_1")
    assert fake.retrieve_payment_intent("pi_fake_1").status == "requires_payment_method"
    with pytest.raises(PaymentDeclined) as again:
        attempt()
    assert again.value is not first.value and again.value.payment_intent_id == "pi_fake_1"
    assert len(fake.intents) == 1


def test_unknown_intent_and_confirm_without_payment_method(fake: FakeGateway) -> None:
    with pytest.raises(PaymentProviderError) as info:
        fake.retrieve_payment_intent("pi_nope")
    assert info.value.provider_code == "resource_missing"
    with pytest.raises(PaymentProviderError):
        fake.create_payment_intent(amount=eur("10.00"), idempotency_key="x", metadata={}, confirm=True)
    with pytest.raises(PaymentProviderError):
        fake.create_payment_intent(amount=eur("0.00"), idempotency_key="y", metadata={})


def test_only_unpaid_intents_can_be_canceled(fake: FakeGateway) -> None:
    bare = fake.create_payment_intent(amount=eur("10.00"), idempotency_key="bare", metadata={})
    assert fake.cancel_payment_intent(bare.id).status == "canceled"
    for pi_id in (bare.id, paid(fake).id):  # canceled already, succeeded
        with pytest.raises(PaymentProviderError) as info:
            fake.cancel_payment_intent(pi_id)
        assert info.value.provider_code == "payment_intent_unexpected_state"
    assert fake.retrieve_payment_intent(bare.id).status == "canceled"


# --- idempotency --------------------------------------------------------------------


def test_same_key_same_parameters_replays(fake: FakeGateway) -> None:
    first = paid(fake)
    second = paid(fake)
    assert second == first
    assert len(fake.intents) == 1
    # 30.00 and 30.0 EUR are the same request to Stripe (amount=3000).
    assert paid(fake, eur("30.0")) == first


@pytest.mark.parametrize(
    "change",
    [
        {"amount": eur("31.00")},
        {"amount": Money(Decimal("30"), "JPY")},
        {"metadata": {"order_id": "2"}},
        {"payment_method": "pm_card_mastercard"},
        {"confirm": False},
    ],
)
def test_same_key_other_parameters_is_an_error(fake: FakeGateway, change: dict) -> None:
    paid(fake)
    params = {
        "amount": eur("30.00"), "idempotency_key": "order-1-pi", "metadata": {"order_id": "1"},
        "payment_method": "pm_card_visa", "confirm": True, **change,
    }
    with pytest.raises(PaymentProviderError) as info:
        fake.create_payment_intent(**params)
    assert info.value.provider_code == "idempotency_error"
    assert len(fake.intents) == 1


def test_key_reused_for_another_operation_is_an_error(fake: FakeGateway) -> None:
    pi = paid(fake)
    with pytest.raises(PaymentProviderError) as info:
        fake.refund(payment_intent_id=pi.id, amount=eur("1.00"), idempotency_key="order-1-pi", metadata={})
    assert info.value.provider_code == "idempotency_error"


def test_refused_requests_are_not_saved(fake: FakeGateway) -> None:
    pi = paid(fake)
    with pytest.raises(PaymentProviderError):
        fake.refund(payment_intent_id=pi.id, amount=eur("99.00"), idempotency_key="r", metadata={})
    fake.refund(payment_intent_id=pi.id, amount=eur("1.00"), idempotency_key="r-2", metadata={})
    # Same key as the refused request, same parameters: tried again, refused again.
    with pytest.raises(PaymentProviderError) as info:
        fake.refund(payment_intent_id=pi.id, amount=eur("99.00"), idempotency_key="r", metadata={})
    assert info.value.provider_code == "amount_too_large"


# --- refunds ------------------------------------------------------------------------


def test_partial_refunds_up_to_the_amount(fake: FakeGateway) -> None:
    pi = paid(fake)
    r1 = fake.refund(payment_intent_id=pi.id, amount=eur("10.00"), idempotency_key="r1", metadata={"return": "1"})
    assert r1 == Refund("re_fake_1", pi.id, 1000, "EUR", "succeeded")
    assert fake.refund(payment_intent_id=pi.id, amount=eur("10.00"), idempotency_key="r1", metadata={"return": "1"}) == r1
    assert fake.refunded_minor(pi.id) == 1000

    with pytest.raises(PaymentProviderError) as info:
        fake.refund(payment_intent_id=pi.id, amount=eur("20.01"), idempotency_key="r2", metadata={})
    assert (info.value.provider_code, info.value.http_status) == ("amount_too_large", 502)

    r2 = fake.refund(payment_intent_id=pi.id, amount=eur("20.00"), idempotency_key="r3", metadata={})
    assert r2.amount_minor == 2000 and fake.refunded_minor(pi.id) == 3000
    with pytest.raises(PaymentProviderError):
        fake.refund(payment_intent_id=pi.id, amount=eur("0.01"), idempotency_key="r4", metadata={})
    assert fake.metadata[r1.id] == {"return": "1"}


@pytest.mark.parametrize(
    ("setup", "amount", "provider_code"),
    [
        ("unconfirmed", eur("1.00"), "charge_not_refundable"),
        ("unknown", eur("1.00"), "resource_missing"),
        ("paid", Money(Decimal("1"), "JPY"), "currency_mismatch"),
        ("paid", eur("0.00"), "parameter_invalid_integer"),
    ],
)
def test_refunds_refused(fake: FakeGateway, setup: str, amount: Money, provider_code: str) -> None:
    if setup == "unconfirmed":
        pi_id = fake.create_payment_intent(amount=eur("5.00"), idempotency_key="u", metadata={}).id
    elif setup == "paid":
        pi_id = paid(fake).id
    else:
        pi_id = "pi_nope"
    with pytest.raises(PaymentProviderError) as info:
        fake.refund(payment_intent_id=pi_id, amount=amount, idempotency_key="rx", metadata={})
    assert info.value.provider_code == provider_code
    assert fake.refunds == {}


# --- outages ------------------------------------------------------------------------


def test_unavailable_switch(fake: FakeGateway) -> None:
    fake.unavailable = True
    with pytest.raises(PaymentProviderUnavailable) as info:
        paid(fake)
    assert (info.value.code, info.value.http_status) == ("payment_provider_unavailable", 503)
    with pytest.raises(PaymentProviderUnavailable):
        fake.retrieve_payment_intent("pi_fake_1")
    assert fake.intents == {}
    fake.unavailable = False
    assert paid(fake).id == "pi_fake_1"


def test_fail_next_fails_once_without_effect(fake: FakeGateway) -> None:
    fake.fail_next()
    fake.fail_next(PaymentDeclined(provider_code="card_declined"))
    with pytest.raises(PaymentProviderUnavailable):
        paid(fake)
    with pytest.raises(PaymentDeclined):
        paid(fake)
    assert fake.intents == {}
    assert paid(fake).id == "pi_fake_1"
    assert [op for op, _ in fake.calls] == ["create_payment_intent"] * 3


def test_lost_response_then_retry_with_the_same_key_does_not_charge_twice(fake: FakeGateway) -> None:
    fake.lose_next_response()
    with pytest.raises(PaymentProviderUnavailable):
        paid(fake)
    assert len(fake.intents) == 1  # it happened
    retried = paid(fake)
    assert retried.status == "succeeded" and len(fake.intents) == 1

    fake.lose_next_response()
    with pytest.raises(PaymentProviderUnavailable):
        fake.refund(payment_intent_id=retried.id, amount=eur("30.00"), idempotency_key="full", metadata={})
    refund = fake.refund(payment_intent_id=retried.id, amount=eur("30.00"), idempotency_key="full", metadata={})
    assert refund.amount_minor == 3000 and len(fake.refunds) == 1


# --- webhooks -----------------------------------------------------------------------


def test_signed_event_round_trip(fake: FakeGateway) -> None:
    pi = paid(fake)
    payload, header = fake.signed_event("payment_intent.succeeded", fake.payment_intent_object(pi.id))
    assert header.startswith(f"t={NOW},v1=")
    event = fake.construct_event(payload, header)
    assert event == PaymentSucceeded("evt_fake_1", "payment_intent.succeeded", pi.id, eur("30.00"))
    assert json.loads(payload)["data"]["object"]["metadata"] == {"order_id": "1"}
    assert fake.signed_event("charge.refunded", {"id": "ch_1"})[0] != payload  # next id: evt_fake_2


def test_signature_is_stripes(fake: FakeGateway) -> None:
    stripe = pytest.importorskip("stripe")
    payload, header = fake.signed_event("payment_intent.succeeded", {"id": "pi_1"}, timestamp=NOW)
    assert header == stripe.WebhookSignature.generate_signature_header(payload.decode(), SECRET, timestamp=NOW)
    assert sign_payload(payload, SECRET, NOW) == header
    assert stripe.WebhookSignature.verify_header(payload, header, SECRET, tolerance=None)


def test_accepts_several_v1_signatures_during_a_secret_roll(fake: FakeGateway) -> None:
    payload, header = fake.signed_event("payment_intent.succeeded", {"id": "pi_1"})
    old = sign_payload(payload, "whsec_old", NOW).rpartition("v1=")[2]
    assert fake.construct_event(payload, f"{header},v1={old},v0=legacy").event_id == "evt_fake_1"


@pytest.mark.parametrize(
    "case",
    ["wrong_secret", "tampered", "missing", "empty", "garbage", "no_v1", "too_old", "not_json", "not_an_event", "not_utf8"],
)
def test_construct_event_rejects(fake: FakeGateway, case: str) -> None:
    payload, header = fake.signed_event("payment_intent.succeeded", {"id": "pi_1", "amount": 1999})
    if case == "wrong_secret":
        payload, header = fake.signed_event("payment_intent.succeeded", {"id": "pi_1"}, "whsec_other")
    elif case == "tampered":
        payload = payload.replace(b"1999", b"1")
    elif case == "missing":
        header = None
    elif case == "empty":
        header = ""
    elif case == "garbage":
        header = "t=soon,v1"
    elif case == "no_v1":
        header = header.replace("v1=", "v0=")
    elif case == "too_old":
        payload, header = fake.signed_event("payment_intent.succeeded", {"id": "pi_1"}, timestamp=NOW - 301)
    elif case == "not_json":
        payload = b"{not json"
        header = sign_payload(payload, SECRET, NOW)
    elif case == "not_an_event":
        payload = json.dumps({"data": {"object": "pi_1"}}).encode()
        header = sign_payload(payload, SECRET, NOW)
    elif case == "not_utf8":
        payload = b"\xff\xfe"
        header = f"t={NOW},v1=00"
    with pytest.raises(InvalidWebhookSignature) as info:
        fake.construct_event(payload, header)
    assert (info.value.code, info.value.http_status) == ("invalid_signature", 400)


def test_within_tolerance_is_accepted(fake: FakeGateway) -> None:
    payload, header = fake.signed_event("payment_intent.succeeded", {"id": "pi_1"}, timestamp=NOW - 300)
    assert fake.construct_event(payload, header).event_id == "evt_fake_1"


def test_outages_do_not_affect_webhook_verification(fake: FakeGateway) -> None:
    fake.unavailable = True
    payload, header = fake.signed_event("payment_intent.succeeded", {"id": "pi_1"})
    assert fake.construct_event(payload, header) == UnhandledEvent(
        "evt_fake_1", "payment_intent.succeeded", "pi_1", problem="no amount received"
    )
