"""StripeGateway against a private localstripe (tests/localstripe_server.py),
plus error mapping, timeouts and idempotency headers against tiny local HTTP
servers. localstripe cannot test declines with the standard cards,
idempotency replays, currency rules or refund limits (DOMAIN.md 2.4): those
are covered by tests/unit/payments/test_fake_gateway.py.

Skipped when localstripe cannot start, except with CI=true (then it fails)."""
from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import stripe

from storefront.money import Money, StripeAmountError
from storefront.payments.errors import (
    InvalidWebhookSignature,
    PaymentDeclined,
    PaymentProviderError,
    PaymentProviderUnavailable,
)
from storefront.payments.fake_gateway import FakeGateway
from storefront.payments.gateway import ChargeRefunded, PaymentGateway, PaymentIntent, PaymentSucceeded
from storefront.payments.stripe_gateway import StripeGateway
from tests.integration.payments.conftest import WEBHOOK_SECRET
from tests.localstripe_server import API_KEY, LocalStripe


# --- fixtures (localstripe, stripe_gateway, raw: conftest.py) -------------------------


@pytest.fixture()
def gateway(stripe_gateway: StripeGateway) -> StripeGateway:
    return stripe_gateway


@dataclass
class Recorder:
    """A tiny HTTP server on a free loopback port that records requests and
    answers each with ``status``/``body`` (or never, with ``hang``)."""

    status: int = 200
    body: bytes = b"{}"
    hang: threading.Event | None = None
    requests: list[tuple[str, str, dict[str, str], bytes]] = field(default_factory=list)
    received: threading.Condition = field(default_factory=threading.Condition)

    def handler(self) -> type[BaseHTTPRequestHandler]:
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                with recorder.received:
                    recorder.requests.append((self.command, self.path, dict(self.headers.items()), body))
                    recorder.received.notify_all()
                if recorder.hang is not None:
                    recorder.hang.wait(10)
                    return
                self.send_response(recorder.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(recorder.body)))
                self.end_headers()
                self.wfile.write(recorder.body)

            do_GET = do_POST

            def log_message(self, format: str, *args: object) -> None:
                pass

        return Handler

    def wait_for(self, predicate, timeout: float):
        deadline = time.monotonic() + timeout
        with self.received:
            while True:
                for request in self.requests:
                    if predicate(request):
                        return request
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                self.received.wait(remaining)


@pytest.fixture()
def recorder() -> Iterator[tuple[Recorder, str]]:
    rec = Recorder()
    server = ThreadingHTTPServer(("127.0.0.1", 0), rec.handler())
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield rec, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        if rec.hang is not None:
            rec.hang.set()
        server.shutdown()
        server.server_close()
        thread.join(5)


# --- PaymentIntents -----------------------------------------------------------------


def test_stripe_gateway_satisfies_the_protocol(gateway: StripeGateway) -> None:
    assert isinstance(gateway, PaymentGateway)
    assert API_KEY not in repr(gateway)


@pytest.mark.parametrize(
    ("amount", "minor"),
    [
        (Money(Decimal("19.99"), "EUR"), 1999),
        (Money(Decimal("1980"), "JPY"), 1980),
        (Money(Decimal("12.350"), "KWD"), 12350),
    ],
    ids=["EUR", "JPY", "KWD"],
)
def test_create_confirm_and_retrieve(gateway: StripeGateway, raw: stripe.StripeClient, amount: Money, minor: int) -> None:
    code = amount.currency.code
    pi = gateway.create_payment_intent(
        amount=amount,
        idempotency_key=f"test-{code}-{time.time_ns()}",
        metadata={"order_id": "42", "market": code},
        payment_method="pm_card_visa",
        confirm=True,
    )
    assert isinstance(pi, PaymentIntent)
    assert pi.id.startswith("pi_") and pi.client_secret.startswith(pi.id + "_secret_")
    assert (pi.status, pi.amount_minor, pi.currency) == ("succeeded", minor, code)
    assert pi.amount == amount
    # localstripe returns an expanded Charge object; the gateway keeps its id.
    assert isinstance(pi.latest_charge, str) and pi.latest_charge.startswith("ch_")

    again = gateway.retrieve_payment_intent(pi.id)
    assert again == pi

    behind = raw.v1.payment_intents.retrieve(pi.id)
    assert behind.currency == code.lower()
    assert behind.metadata.to_dict() == {"order_id": "42", "market": code}


def test_kwd_amount_stripe_cannot_take_is_refused_before_sending(gateway: StripeGateway) -> None:
    with pytest.raises(StripeAmountError):
        gateway.create_payment_intent(
            amount=Money(Decimal("12.345"), "KWD"), idempotency_key="kwd-odd", metadata={}, payment_method="pm_card_visa"
        )


def test_unconfirmed_payment_intents(gateway: StripeGateway) -> None:
    bare = gateway.create_payment_intent(
        amount=Money(Decimal("25.00"), "EUR"), idempotency_key=f"bare-{time.time_ns()}", metadata={}
    )
    assert bare.status == "requires_payment_method"
    assert bare.latest_charge is None

    with_pm = gateway.create_payment_intent(
        amount=Money(Decimal("25.00"), "EUR"),
        idempotency_key=f"pm-{time.time_ns()}",
        metadata={},
        payment_method="pm_card_visa",
    )
    assert with_pm.status == "requires_confirmation"
    assert gateway.retrieve_payment_intent(with_pm.id).status == "requires_confirmation"


def test_partial_refunds(gateway: StripeGateway, raw: stripe.StripeClient) -> None:
    pi = gateway.create_payment_intent(
        amount=Money(Decimal("50.00"), "EUR"),
        idempotency_key=f"refund-pi-{time.time_ns()}",
        metadata={"order_id": "7"},
        payment_method="pm_card_visa",
        confirm=True,
    )
    first = gateway.refund(
        payment_intent_id=pi.id, amount=Money(Decimal("20.00"), "EUR"), idempotency_key=f"{pi.id}-r1",
        metadata={"return_id": "r1"},
    )
    assert first.id.startswith("re_")
    assert (first.payment_intent_id, first.amount_minor, first.currency, first.status) == (pi.id, 2000, "EUR", "succeeded")
    assert first.amount == Money(Decimal("20.00"), "EUR")

    second = gateway.refund(
        payment_intent_id=pi.id, amount=Money(Decimal("5.50"), "EUR"), idempotency_key=f"{pi.id}-r2", metadata={}
    )
    assert second.id != first.id and second.amount_minor == 550

    charge = raw.v1.charges.retrieve(pi.latest_charge)
    assert charge.amount_refunded == 2550
    assert raw.v1.refunds.retrieve(first.id).metadata.to_dict() == {"return_id": "r1"}
    assert gateway.retrieve_payment_intent(pi.id).status == "succeeded"


def test_decline_that_localstripe_supports(gateway: StripeGateway) -> None:
    # pm_card_visa_chargeDeclined *succeeds* on localstripe; this one declines.
    with pytest.raises(PaymentDeclined) as info:
        gateway.create_payment_intent(
            amount=Money(Decimal("10.00"), "EUR"),
            idempotency_key=f"decline-{time.time_ns()}",
            metadata={},
            payment_method="pm_card_chargeCustomerFail",
            confirm=True,
        )
    assert info.value.provider_code == "card_declined"
    assert info.value.http_status == 402


def test_unknown_payment_intent_is_a_provider_error(gateway: StripeGateway) -> None:
    with pytest.raises(PaymentProviderError):
        gateway.retrieve_payment_intent("pi_doesnotexist")


# --- webhooks -----------------------------------------------------------------------


def _event_payload(pi_id: str = "pi_123", created: int | None = None) -> str:
    return json.dumps(
        {
            "id": "evt_test_1",
            "object": "event",
            "type": "payment_intent.succeeded",
            "created": created or int(time.time()),
            "data": {"object": {"id": pi_id, "object": "payment_intent", "amount": 1999, "currency": "eur",
                                "metadata": {"order_id": "42"}, "charges": {"data": [{"id": "ch_1"}]}}},
        }
    )


def _offline_gateway() -> StripeGateway:
    return StripeGateway(API_KEY, "http://127.0.0.1:9", WEBHOOK_SECRET)


def test_construct_event_accepts_a_stripe_signature() -> None:
    payload = _event_payload()
    header = stripe.WebhookSignature.generate_signature_header(payload, WEBHOOK_SECRET)
    event = _offline_gateway().construct_event(payload.encode(), header)
    assert event == PaymentSucceeded("evt_test_1", "payment_intent.succeeded", "pi_123", Money(Decimal("19.99"), "EUR"))


def test_construct_event_accepts_the_fake_gateways_signature() -> None:
    fake = FakeGateway(WEBHOOK_SECRET)
    charge = {"id": "ch_1", "object": "charge", "payment_intent": "pi_1", "currency": "eur", "amount_refunded": 500}
    payload, header = fake.signed_event("charge.refunded", charge)
    event = _offline_gateway().construct_event(payload, header)
    assert event == ChargeRefunded("evt_fake_1", "charge.refunded", "pi_1", Money(Decimal("5.00"), "EUR"))


@pytest.mark.parametrize(
    "case", ["wrong_secret", "tampered_body", "missing_header", "empty_header", "garbage_header", "too_old", "not_json"]
)
def test_construct_event_rejects(case: str) -> None:
    payload = _event_payload()
    secret = WEBHOOK_SECRET
    timestamp = None
    if case == "wrong_secret":
        secret = "whsec_someone_else"
    if case == "too_old":
        timestamp = int(time.time()) - 301
    if case == "not_json":
        payload = "not json at all"
    header: str | None = stripe.WebhookSignature.generate_signature_header(payload, secret, timestamp=timestamp)
    body = payload.encode()
    if case == "tampered_body":
        body = payload.replace("1999", "1").encode()
    if case == "missing_header":
        header = None
    if case == "empty_header":
        header = ""
    if case == "garbage_header":
        header = "t=yesterday,v1"
    with pytest.raises(InvalidWebhookSignature) as info:
        _offline_gateway().construct_event(body, header)
    assert (info.value.code, info.value.http_status) == ("invalid_signature", 400)


def test_localstripe_delivers_a_verifiable_webhook(
    localstripe: LocalStripe, gateway: StripeGateway, recorder: tuple[Recorder, str]
) -> None:
    rec, url = recorder
    localstripe.register_webhook(url + "/webhooks/stripe", WEBHOOK_SECRET)
    pi = gateway.create_payment_intent(
        amount=Money(Decimal("19.99"), "EUR"),
        idempotency_key=f"webhook-{time.time_ns()}",
        metadata={"order_id": "99"},
        payment_method="pm_card_visa",
        confirm=True,
    )

    def is_ours(request) -> bool:
        try:
            data = json.loads(request[3])
        except ValueError:
            return False
        return data.get("type") == "payment_intent.succeeded" and data["data"]["object"].get("id") == pi.id

    delivered = rec.wait_for(is_ours, timeout=10)
    assert delivered is not None, f"no payment_intent.succeeded for {pi.id} within 10 s: {rec.requests!r}"
    method, path, headers, body = delivered
    assert (method, path) == ("POST", "/webhooks/stripe")
    event = gateway.construct_event(body, headers.get("Stripe-Signature"))
    assert event == PaymentSucceeded(
        json.loads(body)["id"], "payment_intent.succeeded", pi.id, Money(Decimal("19.99"), "EUR")
    )
    # Signed with another secret, the same delivery is refused.
    other = StripeGateway(API_KEY, localstripe.base_url, "whsec_other")
    with pytest.raises(InvalidWebhookSignature):
        other.construct_event(body, headers.get("Stripe-Signature"))


# --- outages, timeouts, idempotency headers, error mapping ---------------------------


def test_connection_refused_is_unavailable_quickly() -> None:
    # A bound but not listening socket: connecting is refused, and the port
    # stays ours for the duration of the test.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        gw = StripeGateway(API_KEY, f"http://127.0.0.1:{port}", WEBHOOK_SECRET, timeout=2.0, max_network_retries=0)
        started = time.monotonic()
        with pytest.raises(PaymentProviderUnavailable) as info:
            gw.create_payment_intent(amount=Money(Decimal("1.00"), "EUR"), idempotency_key="refused", metadata={})
        with pytest.raises(PaymentProviderUnavailable):
            gw.retrieve_payment_intent("pi_1")
        assert time.monotonic() - started < 2.0
        assert isinstance(info.value.__cause__, stripe.APIConnectionError)
        assert info.value.http_status == 503
        gw.close()


def test_read_timeout_is_unavailable(recorder: tuple[Recorder, str]) -> None:
    rec, url = recorder
    rec.hang = threading.Event()
    gw = StripeGateway(API_KEY, url, WEBHOOK_SECRET, timeout=0.5, max_network_retries=0)
    started = time.monotonic()
    with pytest.raises(PaymentProviderUnavailable):
        gw.retrieve_payment_intent("pi_slow")
    assert 0.4 < time.monotonic() - started < 3.0
    rec.hang.set()
    gw.close()


def test_retries_resend_the_callers_idempotency_key(recorder: tuple[Recorder, str]) -> None:
    rec, url = recorder
    rec.status = 500
    rec.body = json.dumps({"error": {"type": "api_error", "message": "boom"}}).encode()
    gw = StripeGateway(API_KEY, url, WEBHOOK_SECRET, timeout=2.0, max_network_retries=1)
    with pytest.raises(PaymentProviderUnavailable):
        gw.create_payment_intent(
            amount=Money(Decimal("12.34"), "EUR"), idempotency_key="order-17-pi", metadata={"order_id": "17"},
            payment_method="pm_card_visa", confirm=True,
        )
    gw.close()
    assert len(rec.requests) == 2
    for method, path, headers, body in rec.requests:
        assert (method, path) == ("POST", "/v1/payment_intents")
        assert headers["Idempotency-Key"] == "order-17-pi"
        assert API_KEY in headers["Authorization"]
    form = rec.requests[0][3].decode()
    assert "amount=1234" in form and "currency=eur" in form and "confirm=true" in form
    assert "payment_method_types[0]=card" in form and "metadata[order_id]=17" in form
    for forbidden in ("description", "automatic_payment_methods", "receipt_email"):
        assert forbidden not in form


def _error(cls: type[stripe.StripeError], status: int | None, code: str | None = None, **extra) -> stripe.StripeError:
    body = {"error": {"type": "x", "message": f"failure with {API_KEY}", "code": code, **extra}}
    if cls is stripe.CardError:
        return stripe.CardError(body["error"]["message"], "card", code, http_status=status, json_body=body)
    if cls is stripe.InvalidRequestError:
        return stripe.InvalidRequestError(body["error"]["message"], "amount", code, http_status=status, json_body=body)
    return cls(body["error"]["message"], http_status=status, json_body=body, code=code)


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (_error(stripe.APIConnectionError, None), PaymentProviderUnavailable),
        (_error(stripe.RateLimitError, 429, "rate_limit"), PaymentProviderUnavailable),
        (_error(stripe.APIError, 500), PaymentProviderUnavailable),
        (_error(stripe.APIError, 503), PaymentProviderUnavailable),
        (_error(stripe.APIError, None), PaymentProviderUnavailable),
        (_error(stripe.APIError, 400), PaymentProviderError),
        (_error(stripe.CardError, 402, "card_declined", payment_intent={"id": "pi_9"}), PaymentDeclined),
        (_error(stripe.InvalidRequestError, 400, "amount_too_large"), PaymentProviderError),
        (_error(stripe.IdempotencyError, 400, "idempotency_key_in_use"), PaymentProviderError),
        (_error(stripe.AuthenticationError, 401), PaymentProviderError),
    ],
    ids=lambda v: type(v).__name__ if isinstance(v, Exception) else v.__name__,
)
def test_error_mapping(error: stripe.StripeError, expected: type[Exception], caplog: pytest.LogCaptureFixture) -> None:
    gw = _offline_gateway()
    with caplog.at_level("WARNING", logger="storefront.payments.stripe_gateway"):
        with pytest.raises(expected) as info:
            gw._fail("op", error)
    assert info.value.__cause__ is error
    assert API_KEY not in caplog.text
    if error.code:
        assert f"code={error.code}" in caplog.text
    if expected is PaymentDeclined:
        assert info.value.provider_code == "card_declined"
        assert info.value.payment_intent_id == "pi_9"
