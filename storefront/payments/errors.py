"""Payment-provider errors, raised by every ``PaymentGateway`` implementation.

Pure: no Flask, no stripe import. ``StripeGateway`` maps stripe-python's
exceptions onto these; ``FakeGateway`` raises them directly."""
from __future__ import annotations

from typing import Any

from storefront.errors import N_, StorefrontError

__all__ = [
    "PaymentProviderUnavailable",
    "PaymentDeclined",
    "InvalidWebhookSignature",
    "PaymentProviderError",
]


class PaymentProviderUnavailable(StorefrontError):
    """The provider could not be reached (connection, timeout, rate limit, 5xx).

    Safe to retry with the same idempotency key."""

    code = "payment_provider_unavailable"
    http_status = 503
    message = N_("The payment provider is not reachable. Please try again in a moment.")


class PaymentDeclined(StorefrontError):
    """The card was declined. ``provider_code`` is the provider's error code
    (e.g. ``card_declined``, ``expired_card``); ``payment_intent_id`` the
    PaymentIntent it happened on, when known."""

    code = "payment_declined"
    http_status = 402
    message = N_("The payment was declined.")

    def __init__(
        self,
        message: str | None = None,
        *,
        provider_code: str | None = None,
        payment_intent_id: str | None = None,
        details: dict[str, Any] | None = None,
        **params: Any,
    ) -> None:
        super().__init__(message, details=details, **params)
        self.provider_code = provider_code
        self.payment_intent_id = payment_intent_id


class InvalidWebhookSignature(StorefrontError):
    """A webhook's signature header is missing, malformed, wrong or too old,
    or its body is not an event."""

    code = "invalid_signature"
    http_status = 400
    message = N_("The webhook signature is not valid.")


class PaymentProviderError(StorefrontError):
    """The provider refused the request (invalid parameters, unknown object,
    idempotency key reused with other parameters, authentication...).

    ``provider_code`` is the provider's error code when it gave one."""

    code = "payment_provider_error"
    http_status = 502
    message = N_("The payment provider refused the request.")

    def __init__(
        self,
        message: str | None = None,
        *,
        provider_code: str | None = None,
        details: dict[str, Any] | None = None,
        **params: Any,
    ) -> None:
        super().__init__(message, details=details, **params)
        self.provider_code = provider_code


class PaymentsNotConfigured(PaymentProviderUnavailable):
    """No provider key is configured (STRIPE_SECRET_KEY): answered at once,
    without calling anybody."""

    code = "payments_not_configured"
    message = N_("Payments are not set up for this shop yet.")
