"""The payment-provider interface checkout depends on.

No stripe import here: checkout talks to a ``PaymentGateway``;
``storefront.payments.stripe_gateway.StripeGateway`` is the real one and
``storefront.payments.fake_gateway.FakeGateway`` the in-memory one for tests.

Amounts cross this boundary as ``Money`` going in (converted with
``storefront.money.to_stripe_minor``, which refuses amounts Stripe cannot take
exactly) and as Stripe's integer minor units coming back (``amount_minor``,
with ``.amount`` giving the ``Money``). Currencies are upper-case ISO codes.

Webhooks come back as typed events (``PaymentEvent``): the provider's wire
format stops at the gateway (``storefront.payments.stripe_events`` reads
Stripe's), so what checkout and orders see is an intent id and ``Money``.

Errors are those of ``storefront.payments.errors``:
``PaymentProviderUnavailable`` (retry with the same idempotency key),
``PaymentDeclined``, ``PaymentProviderError``, ``InvalidWebhookSignature``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, TypeAlias, runtime_checkable

from storefront.money import Money, from_stripe_minor

__all__ = [
    "PaymentIntent",
    "Refund",
    "MinorUnits",
    "ReportedAmount",
    "PaymentSucceeded",
    "PaymentFailed",
    "PaymentCanceled",
    "ProviderRefund",
    "ChargeRefunded",
    "UnhandledEvent",
    "PaymentEvent",
    "PaymentGateway",
    "WEBHOOK_TOLERANCE_SECONDS",
]

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


# --- webhook events -----------------------------------------------------------------


@dataclass(frozen=True)
class MinorUnits:
    """Stripe minor units of a currency the event did not name.

    Stripe names the currency of every PaymentIntent, charge and refund, but
    hand-built events (tests) may leave it out. The amount is then in the
    PaymentIntent's own currency, which only the order knows:
    ``in_currency(order.currency)``."""

    value: int

    def in_currency(self, currency: str) -> Money:
        return from_stripe_minor(self.value, currency)


# An amount as the provider reported it: Money in the currency it named, or
# MinorUnits when it named none.
ReportedAmount: TypeAlias = Money | MinorUnits


@dataclass(frozen=True)
class _Event:
    """What every event carries: the provider's event id (webhooks arrive at
    least once: the key to apply each once) and its type string as reported
    (``payment_intent.succeeded``), kept beside the id."""

    event_id: str
    type: str


@dataclass(frozen=True)
class PaymentSucceeded(_Event):
    """The PaymentIntent succeeded; ``amount`` is what the provider received."""

    intent_id: str
    amount: ReportedAmount


@dataclass(frozen=True)
class PaymentFailed(_Event):
    """An attempt to pay the PaymentIntent failed; ``error`` is the provider's
    error code (``card_declined``), else its message, else ``"failed"``."""

    intent_id: str
    error: str


@dataclass(frozen=True)
class PaymentCanceled(_Event):
    intent_id: str


@dataclass(frozen=True)
class ProviderRefund:
    """One refund of a charge as the provider lists it."""

    id: str
    amount: ReportedAmount
    status: str  # pending, requires_action, succeeded, failed, canceled
    reason: str | None = None  # duplicate, fraudulent, requested_by_customer, expired_uncaptured_charge


@dataclass(frozen=True)
class ChargeRefunded(_Event):
    """Part or all of the PaymentIntent's charge was refunded: ``refunded`` is
    the charge's refunded total so far, ``refunds`` the refunds it lists (all
    in the same currency)."""

    intent_id: str
    refunded: ReportedAmount
    refunds: tuple[ProviderRefund, ...] = ()


@dataclass(frozen=True)
class UnhandledEvent(_Event):
    """An event checkout does not act on: another type, or (``problem`` set) a
    type it handles whose object is unusable (an amount that is not an
    integer, an unknown currency...). ``intent_id`` when one could be read."""

    intent_id: str | None = None
    problem: str | None = None


PaymentEvent: TypeAlias = PaymentSucceeded | PaymentFailed | PaymentCanceled | ChargeRefunded | UnhandledEvent


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

    def find_refund(self, *, payment_intent_id: str, metadata: dict[str, str]) -> Refund | None:
        """The refund of ``payment_intent_id`` made with all of ``metadata``
        (what ``refund`` was given), or None: the provider's own record of a
        refund whose answer was lost."""
        ...

    def construct_event(self, payload: bytes, signature_header: str | None) -> PaymentEvent:
        """Verify the ``Stripe-Signature`` header against the RAW request body
        and read the event into a typed ``PaymentEvent``.

        A bad or stale signature, or a body that is not an event (no id or
        type, no object), is InvalidWebhookSignature; an event whose object
        cannot be read is an ``UnhandledEvent`` with its ``problem``."""
        ...
