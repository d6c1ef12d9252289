"""An in-memory ``PaymentGateway`` for fast tests of checkout (no stripe import).

Behaves like Stripe where localstripe does not (DOMAIN.md 2.4):

- ids are deterministic: ``pi_fake_1``, ``ch_fake_1``, ``re_fake_1``, ``evt_fake_1``;
- idempotency keys: the same key with the same parameters returns the first
  result again (a decline is replayed as a decline); the same key with other
  parameters, or for another operation, is a ``PaymentProviderError``
  (``provider_code="idempotency_error"``). Refused requests (validation) and
  simulated outages are not saved, as with Stripe;
- ``create_payment_intent``: no payment method -> ``requires_payment_method``;
  a payment method without ``confirm`` -> ``requires_confirmation``; confirmed
  ``pm_card_visa`` (any unknown ``pm_...``) -> ``succeeded`` with a charge;
  Stripe's decline test methods (``pm_card_chargeDeclined``,
  ``pm_card_chargeDeclinedInsufficientFunds``, ... see ``DECLINES``) ->
  ``PaymentDeclined`` and the intent stays ``requires_payment_method``;
  3-D Secure ones (``REQUIRES_ACTION``) -> ``requires_action``;
- ``cancel_payment_intent`` only from the statuses Stripe allows (``CANCELABLE``);
- refunds only of a succeeded intent, in its currency, never above what is
  left (``provider_code="amount_too_large"``);
- outages: ``unavailable = True`` makes every API call raise
  ``PaymentProviderUnavailable`` until reset; ``fail_next(exc)`` raises
  ``exc`` (default ``PaymentProviderUnavailable()``) on the next call only,
  before it reaches the "provider"; ``lose_next_response()`` performs the next
  call and then raises ``PaymentProviderUnavailable`` (the response was lost:
  retrying with the same key must replay, not charge twice);
- webhooks: ``signed_event(type, obj, secret)`` returns ``(payload, header)``
  signed exactly like Stripe (``t=<ts>,v1=<hex HMAC-SHA256 of "t.payload">``),
  so the same pair is accepted by ``StripeGateway.construct_event`` too;
  ``construct_event`` verifies with the gateway's ``webhook_secret`` and a
  300 s tolerance, then reads the event with the same parser as
  ``StripeGateway`` (``storefront.payments.stripe_events``).

``calls`` records every API call as ``(operation, params)``.
"""
from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import threading
import time
from dataclasses import dataclass, replace
from typing import Any, Callable

from storefront.money import Money, to_stripe_minor
from storefront.payments.errors import (
    InvalidWebhookSignature,
    PaymentDeclined,
    PaymentProviderError,
    PaymentProviderUnavailable,
)
from storefront.payments.gateway import WEBHOOK_TOLERANCE_SECONDS, PaymentEvent, PaymentIntent, Refund
from storefront.payments.stripe_events import parse_payload

__all__ = ["FakeGateway", "sign_payload", "DECLINES", "REQUIRES_ACTION"]

# Stripe test PaymentMethods that decline, with the error code Stripe returns.
DECLINES: dict[str, str] = {
    "pm_card_chargeDeclined": "card_declined",
    "pm_card_visa_chargeDeclined": "card_declined",
    "pm_card_chargeDeclinedInsufficientFunds": "card_declined",
    "pm_card_chargeDeclinedFraudulent": "card_declined",
    "pm_card_chargeDeclinedLostCard": "card_declined",
    "pm_card_chargeDeclinedStolenCard": "card_declined",
    "pm_card_chargeCustomerFail": "card_declined",
    "pm_card_chargeDeclinedExpiredCard": "expired_card",
    "pm_card_chargeDeclinedIncorrectCvc": "incorrect_cvc",
    "pm_card_chargeDeclinedProcessingError": "processing_error",
}
# Stripe: a PaymentIntent can be canceled in these statuses (and, rarely, processing).
CANCELABLE = frozenset({"requires_payment_method", "requires_capture", "requires_confirmation", "requires_action"})
# Stripe test PaymentMethods that need 3-D Secure.
REQUIRES_ACTION = frozenset(
    {"pm_card_authenticationRequired", "pm_card_threeDSecure2Required", "pm_card_threeDSecureRequired"}
)


def sign_payload(payload: bytes | str, secret: str, timestamp: int | None = None) -> str:
    """A ``Stripe-Signature`` header for ``payload`` (same as
    ``stripe.WebhookSignature.generate_signature_header``)."""
    text = payload.decode("utf-8") if isinstance(payload, (bytes, bytearray)) else payload
    ts = int(time.time()) if timestamp is None else int(timestamp)
    digest = hmac.new(secret.encode("utf-8"), f"{ts}.{text}".encode("utf-8"), hashlib.sha256).hexdigest()
    return f"t={ts},v1={digest}"


@dataclass(frozen=True)
class _Saved:
    operation: str
    fingerprint: str
    result: Any  # the returned dataclass, or a callable building the exception to raise again


class _LoseResponse(Exception):
    pass


class FakeGateway:
    def __init__(self, webhook_secret: str = "whsec_fake", *, clock: Callable[[], float] = time.time) -> None:
        self.webhook_secret = webhook_secret
        self.unavailable = False
        self.intents: dict[str, PaymentIntent] = {}
        self.metadata: dict[str, dict[str, str]] = {}  # by PaymentIntent or Refund id
        self.refunds: dict[str, Refund] = {}
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self._clock = clock
        self._fail_next: list[BaseException] = []
        self._lose_next = 0
        self._saved: dict[str, _Saved] = {}
        self._ids: dict[str, itertools.count] = {}
        self._lock = threading.RLock()

    # --- switches ----------------------------------------------------------------

    def fail_next(self, exc: BaseException | None = None) -> None:
        """The next API call raises ``exc`` (default PaymentProviderUnavailable) without effect."""
        self._fail_next.append(exc if exc is not None else PaymentProviderUnavailable())

    def lose_next_response(self) -> None:
        """The next API call takes effect, then raises PaymentProviderUnavailable."""
        self._lose_next += 1

    def set_status(self, payment_intent_id: str, status: str) -> PaymentIntent:
        """Move an intent to ``status`` (e.g. after 3-D Secure); a charge is
        added when it becomes ``succeeded``."""
        with self._lock:
            pi = self._intent(payment_intent_id)
            charge = pi.latest_charge or (self._next_id("ch") if status == "succeeded" else None)
            self.intents[pi.id] = pi = replace(pi, status=status, latest_charge=charge)
            return pi

    # --- helpers -----------------------------------------------------------------

    def _next_id(self, prefix: str) -> str:
        counter = self._ids.setdefault(prefix, itertools.count(1))
        return f"{prefix}_fake_{next(counter)}"

    def _intent(self, payment_intent_id: str) -> PaymentIntent:
        try:
            return self.intents[payment_intent_id]
        except KeyError:
            raise PaymentProviderError(provider_code="resource_missing") from None

    def _enter(self, operation: str, params: dict[str, Any]) -> None:
        self.calls.append((operation, params))
        if self._fail_next:
            raise self._fail_next.pop(0)
        if self.unavailable:
            raise PaymentProviderUnavailable()

    def _idempotent(self, operation: str, key: str, params: dict[str, Any], perform: Callable[[], Any]) -> Any:
        if not key:
            raise PaymentProviderError(provider_code="idempotency_key_missing")
        fingerprint = json.dumps(params, sort_keys=True)
        saved = self._saved.get(key)
        if saved is not None:
            if saved.operation != operation or saved.fingerprint != fingerprint:
                raise PaymentProviderError(provider_code="idempotency_error")
            outcome = saved.result
        else:
            try:
                outcome = perform()
            except PaymentDeclined as exc:
                declined = (exc.provider_code, exc.payment_intent_id)
                outcome = lambda: PaymentDeclined(provider_code=declined[0], payment_intent_id=declined[1])  # noqa: E731
            self._saved[key] = _Saved(operation, fingerprint, outcome)
        if self._lose_next:
            self._lose_next -= 1
            raise PaymentProviderUnavailable()
        if callable(outcome):
            raise outcome()
        return outcome

    # --- PaymentGateway ----------------------------------------------------------

    def create_payment_intent(
        self,
        *,
        amount: Money,
        idempotency_key: str,
        metadata: dict[str, str],
        payment_method: str | None = None,
        confirm: bool = False,
    ) -> PaymentIntent:
        params = {
            "amount": to_stripe_minor(amount),
            "currency": amount.currency.code,
            "metadata": dict(metadata),
            "payment_method": payment_method,
            "confirm": bool(confirm),
        }
        with self._lock:
            self._enter("create_payment_intent", params)
            return self._idempotent(
                "create_payment_intent", idempotency_key, params, lambda: self._create(**params)
            )

    def _create(
        self, *, amount: int, currency: str, metadata: dict[str, str], payment_method: str | None, confirm: bool
    ) -> PaymentIntent:
        if amount <= 0:
            raise PaymentProviderError(provider_code="parameter_invalid_integer")
        if confirm and payment_method is None:
            raise PaymentProviderError(provider_code="payment_intent_unexpected_state")
        pi_id = self._next_id("pi")
        status, charge, declined = "requires_payment_method", None, None
        if payment_method is not None:
            status = "requires_confirmation"
            if confirm:
                if payment_method in DECLINES:
                    status, declined = "requires_payment_method", DECLINES[payment_method]
                    charge = self._next_id("ch")  # the failed charge
                elif payment_method in REQUIRES_ACTION:
                    status = "requires_action"
                else:
                    status, charge = "succeeded", self._next_id("ch")
        pi = PaymentIntent(
            id=pi_id,
            client_secret=f"{pi_id}_secret_fake",
            amount_minor=amount,
            currency=currency,
            status=status,
            latest_charge=charge,
        )
        self.intents[pi_id] = pi
        self.metadata[pi_id] = dict(metadata)
        if declined is not None:
            raise PaymentDeclined(provider_code=declined, payment_intent_id=pi_id)
        return pi

    def retrieve_payment_intent(self, payment_intent_id: str) -> PaymentIntent:
        with self._lock:
            self._enter("retrieve_payment_intent", {"id": payment_intent_id})
            pi = self._intent(payment_intent_id)
            if self._lose_next:
                self._lose_next -= 1
                raise PaymentProviderUnavailable()
            return pi

    def cancel_payment_intent(self, payment_intent_id: str) -> PaymentIntent:
        """Cancel an unpaid PaymentIntent; a succeeded or canceled one is a
        PaymentProviderError, as with Stripe."""
        with self._lock:
            if self._intent(payment_intent_id).status not in CANCELABLE:
                raise PaymentProviderError(provider_code="payment_intent_unexpected_state")
            return self.set_status(payment_intent_id, "canceled")

    def refund(
        self, *, payment_intent_id: str, amount: Money, idempotency_key: str, metadata: dict[str, str]
    ) -> Refund:
        params = {
            "payment_intent": payment_intent_id,
            "amount": to_stripe_minor(amount),
            "currency": amount.currency.code,
            "metadata": dict(metadata),
        }
        with self._lock:
            self._enter("refund", params)
            return self._idempotent("refund", idempotency_key, params, lambda: self._refund(**params))

    def find_refund(self, *, payment_intent_id: str, metadata: dict[str, str]) -> Refund | None:
        with self._lock:
            self._enter("find_refund", {"payment_intent": payment_intent_id, "metadata": dict(metadata)})
            for refund in self.refunds.values():
                found = self.metadata.get(refund.id, {})
                if refund.payment_intent_id == payment_intent_id and all(found.get(k) == v for k, v in metadata.items()):
                    return refund
            return None

    def refunded_minor(self, payment_intent_id: str) -> int:
        """The amount already refunded on an intent, in Stripe minor units."""
        return sum(
            r.amount_minor
            for r in self.refunds.values()
            if r.payment_intent_id == payment_intent_id and r.status in ("succeeded", "pending")
        )

    def _refund(self, *, payment_intent: str, amount: int, currency: str, metadata: dict[str, str]) -> Refund:
        pi = self._intent(payment_intent)
        if pi.status != "succeeded":
            raise PaymentProviderError(provider_code="charge_not_refundable")
        if currency != pi.currency:
            raise PaymentProviderError(provider_code="currency_mismatch")
        if amount <= 0:
            raise PaymentProviderError(provider_code="parameter_invalid_integer")
        if amount > pi.amount_minor - self.refunded_minor(pi.id):
            raise PaymentProviderError(provider_code="amount_too_large")
        refund = Refund(
            id=self._next_id("re"), payment_intent_id=pi.id, amount_minor=amount, currency=currency, status="succeeded"
        )
        self.refunds[refund.id] = refund
        self.metadata[refund.id] = dict(metadata)
        return refund

    # --- webhooks ----------------------------------------------------------------

    def payment_intent_object(self, payment_intent_id: str) -> dict[str, Any]:
        """The intent as Stripe serialises it in ``event.data.object``."""
        pi = self._intent(payment_intent_id)
        return {
            "id": pi.id,
            "object": "payment_intent",
            "amount": pi.amount_minor,
            "amount_received": pi.amount_minor if pi.status == "succeeded" else 0,
            "currency": pi.currency.lower(),
            "status": pi.status,
            "client_secret": pi.client_secret,
            "latest_charge": pi.latest_charge,
            "metadata": dict(self.metadata.get(pi.id, {})),
            "livemode": False,
        }

    def signed_event(
        self,
        type: str,
        obj: dict[str, Any],
        secret: str | None = None,
        *,
        timestamp: int | None = None,
        event_id: str | None = None,
    ) -> tuple[bytes, str]:
        """``(payload, Stripe-Signature header)`` of an event ``type`` about
        ``obj``, signed with ``secret`` (default: this gateway's)."""
        ts = int(self._clock()) if timestamp is None else int(timestamp)
        with self._lock:
            event_id = event_id or self._next_id("evt")
        event = {
            "id": event_id,
            "object": "event",
            "api_version": "2026-10-28.endive",
            "created": ts,
            "livemode": False,
            "type": type,
            "data": {"object": obj},
        }
        payload = json.dumps(event, indent=2, sort_keys=True).encode("utf-8")
        return payload, sign_payload(payload, self.webhook_secret if secret is None else secret, ts)

    def construct_event(self, payload: bytes, signature_header: str | None) -> PaymentEvent:
        try:
            text = payload.decode("utf-8") if isinstance(payload, (bytes, bytearray)) else str(payload)
            if not signature_header or not self.webhook_secret:
                raise ValueError("missing signature header or secret")
            timestamp, signatures = None, []
            for item in signature_header.split(","):
                name, _, value = item.strip().partition("=")
                if name == "t":
                    timestamp = int(value)
                elif name == "v1":
                    signatures.append(value)
            if timestamp is None or not signatures:
                raise ValueError("no timestamp or v1 signature")
            expected = sign_payload(text, self.webhook_secret, timestamp).rpartition("v1=")[2]
            if not any(hmac.compare_digest(expected, s) for s in signatures):
                raise ValueError("signature mismatch")
            if timestamp < self._clock() - WEBHOOK_TOLERANCE_SECONDS:
                raise ValueError("timestamp outside the tolerance zone")
        except Exception as exc:  # noqa: BLE001 - every failure to verify is an invalid webhook
            raise InvalidWebhookSignature() from exc
        return parse_payload(text)
