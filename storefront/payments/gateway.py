"""The payment-provider interface checkout depends on.

No stripe import here: checkout talks to a ``PaymentGateway``;
``storefront.payments.stripe_gateway.StripeGateway`` is the real one and
``storefront.payments.fake_gateway.FakeGateway`` the in-memory one for tests.

Amounts cross this boundary as ``Money`` going in (converted with
``storefront.money.to_stripe_minor``, which refuses amounts Stripe cannot take
exactly) and as Stripe's integer minor units coming back (``amount_minor``,
with ``.amount`` giving the ``Money``). Currencies are upper-case ISO codes.

Errors are those of ``storefront.payments.errors``:
``PaymentProviderUnavailable`` (retry with the same idempotency key),
``PaymentDeclined``, ``PaymentProviderError``, ``InvalidWebhookSignature``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from storefront.money import Money, from_stripe_minor

__all__ = ["PaymentIntent", "Refund", "WebhookEvent", "PaymentGateway", "WEBHOOK_TOLERANCE_SECONDS"]

# Stripe's default: a signature whose timestamp is older than this is refused.
WEBHOOK_TOLERANCE_SECONDS = 300


@dataclass(frozen=True)
class PaymentIntent:
    id: str
    client_secret: str
    amount_minor: int
    currency: str  # upper-case ISO 4217
    status: str  # Stripe's status string: requires_payment_method, ..., succeeded, canceled
    latest_charge: str | None = None  # charge id

    @property
    def amount(self) -> Money:
        return from_stripe_minor(self.amount_minor, self.currency)


@dataclass(frozen=True)
class Refund:
    id: str
    payment_intent_id: str
    amount_minor: int
    currency: str  # upper-case ISO 4217
    status: str  # pending, requires_action, succeeded, failed, canceled

    @property
    def amount(self) -> Money:
        return from_stripe_minor(self.amount_minor, self.currency)


@dataclass(frozen=True)
class WebhookEvent:
    id: str
    type: str
    created: int
    object: dict[str, Any] = field(hash=False)  # event.data.object as a plain dict


@runtime_checkable
class PaymentGateway(Protocol):
    def create_payment_intent(
        self,
        *,
        amount: Money,
        idempotency_key: str,
        metadata: dict[str, str],
        payment_method: str | None = None,
        confirm: bool = False,
    ) -> PaymentIntent:
        """Create (and with ``confirm=True`` confirm) a card PaymentIntent.

        The same ``idempotency_key`` returns the first result again (Stripe
        replays it); reusing it with other parameters is a PaymentProviderError.
        Raises PaymentDeclined when confirming fails on the card."""
        ...

    def retrieve_payment_intent(self, payment_intent_id: str) -> PaymentIntent: ...

    def cancel_payment_intent(self, payment_intent_id: str) -> PaymentIntent: ...

    def refund(
        self, *, payment_intent_id: str, amount: Money, idempotency_key: str, metadata: dict[str, str]
    ) -> Refund:
        """Refund ``amount`` (at most what is left) of a succeeded PaymentIntent."""
        ...

    def construct_event(self, payload: bytes, signature_header: str | None) -> WebhookEvent:
        """Verify the ``Stripe-Signature`` header against the RAW request body
        and parse the event; any failure is InvalidWebhookSignature."""
        ...
