"""``PaymentGateway`` on Stripe (stripe-python >= 12, written against 16.1).

The only module that imports ``stripe``. It uses a ``StripeClient`` of its own
(never the global ``stripe.api_key`` / ``stripe.api_base``), so several
gateways (tests, localstripe) can coexist in one process.

- Timeouts: ONE budget per call, retries and their back-off included
  (``STRIPE_TIMEOUT_SECONDS``), so a slow Stripe answers the shopper a JSON
  503 within it instead of outliving gunicorn's worker timeout. stripe-python's
  sync HTTP client (``stripe.RequestsClient``) hands its ``_timeout`` to
  ``requests`` for every attempt; ``_BudgetedClient`` makes that the time left
  of the call, shortens the back-off to it and stops retrying when it is spent.
- Retries: ``max_network_retries`` retries connection errors, timeouts, 409
  and 5xx, resending the same ``Idempotency-Key``.
- Every POST carries the caller's idempotency key, so a retry of *ours* is
  replayed by Stripe instead of charging twice (localstripe ignores keys).
- Only parameters localstripe also accepts are sent: amount, currency,
  payment_method_types, metadata, payment_method, confirm (no description,
  automatic_payment_methods, receipt_email).
"""
from __future__ import annotations

import logging
import threading
import time
from typing import Any, NoReturn

import stripe

from storefront.money import Money, to_stripe_minor
from storefront.payments.errors import (
    InvalidWebhookSignature,
    PaymentDeclined,
    PaymentProviderError,
    PaymentProviderUnavailable,
)
from storefront.payments.gateway import WEBHOOK_TOLERANCE_SECONDS, PaymentEvent, PaymentIntent, Refund
from storefront.payments.stripe_events import parse_payload

__all__ = ["StripeGateway"]

log = logging.getLogger(__name__)


def _field(obj: Any, name: str) -> Any:
    """A field of a StripeObject (not a dict in stripe-python 16) or of a dict; None if absent."""
    if isinstance(obj, dict):
        return obj.get(name)
    return getattr(obj, name, None)


def _charge_id(value: Any) -> str | None:
    """``latest_charge`` is an id, or an expanded Charge (always with localstripe)."""
    if value is None or isinstance(value, str):
        return value
    return _field(value, "id")


def _payment_intent(obj: Any) -> PaymentIntent:
    return PaymentIntent(
        id=obj.id,
        client_secret=_field(obj, "client_secret") or "",
        amount_minor=int(obj.amount),
        currency=str(obj.currency).upper(),
        status=obj.status,
        latest_charge=_charge_id(_field(obj, "latest_charge")),
    )


def _refund(obj: Any, payment_intent_id: str) -> Refund:
    return Refund(
        id=obj.id,
        payment_intent_id=_charge_id(_field(obj, "payment_intent")) or payment_intent_id,
        amount_minor=int(obj.amount),
        currency=str(obj.currency).upper(),
        status=_field(obj, "status") or "pending",
    )


class _BudgetedClient(stripe.RequestsClient):
    """``RequestsClient`` whose attempts share one deadline per call."""

    MIN_ATTEMPT_SECONDS = 0.25  # not worth retrying with less time than this left

    def __init__(self, budget: float) -> None:
        self._budget = float(budget)
        self._call = threading.local()  # requests are per thread (gunicorn sync workers, test threads)
        super().__init__(timeout=self._budget)

    @property  # type: ignore[override]
    def _timeout(self) -> tuple[float, float]:
        left = max(self._left(), 0.001)
        return (left, left)  # (connect, read) for the next attempt

    @_timeout.setter
    def _timeout(self, _value: Any) -> None:  # RequestsClient.__init__ sets it; the budget decides
        pass

    def _left(self) -> float:
        deadline = getattr(self._call, "deadline", None)
        return self._budget if deadline is None else deadline - time.monotonic()

    def _within_budget(self, send, *args: Any, **kwargs: Any) -> Any:
        self._call.deadline = time.monotonic() + self._budget
        try:
            return send(*args, **kwargs)
        finally:
            self._call.deadline = None

    def request_with_retries(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        return self._within_budget(super().request_with_retries, *args, **kwargs)

    def request_stream_with_retries(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        return self._within_budget(super().request_stream_with_retries, *args, **kwargs)

    def _should_retry(self, response, api_connection_error, num_retries, max_network_retries) -> bool:  # type: ignore[override]
        if self._left() < self.MIN_ATTEMPT_SECONDS + self.INITIAL_DELAY:
            return False
        return super()._should_retry(response, api_connection_error, num_retries, max_network_retries)

    def _sleep_time_seconds(self, num_retries: int) -> float:
        return max(0.0, min(super()._sleep_time_seconds(num_retries), self._left() - self.MIN_ATTEMPT_SECONDS))


class StripeGateway:
    def __init__(
        self,
        api_key: str,
        api_base: str | None,
        webhook_secret: str,
        timeout: float = 10.0,
        max_network_retries: int = 2,
    ) -> None:
        self._api_key = api_key
        self._api_base = api_base
        self._webhook_secret = webhook_secret
        # ``timeout``: seconds for a whole call, every attempt included (the SDK's default is 80 per attempt).
        self._http_client = _BudgetedClient(timeout)
        self._client = stripe.StripeClient(
            api_key,
            base_addresses={"api": api_base} if api_base else None,
            max_network_retries=max_network_retries,
            http_client=self._http_client,
        )

    def __repr__(self) -> str:  # never show the key
        return f"<StripeGateway api_base={self._api_base!r}>"

    def close(self) -> None:
        """Close the HTTP session of the calling thread (requests keeps one per thread)."""
        self._http_client.close()

    # --- errors ------------------------------------------------------------------

    def _fail(self, operation: str, err: stripe.StripeError) -> NoReturn:
        code = getattr(err, "code", None)
        status = err.http_status
        message = err._message or ""
        if self._api_key:
            message = message.replace(self._api_key, "***")
        log.warning(
            "stripe %s failed: %s http_status=%s code=%s request_id=%s: %s",
            operation, type(err).__name__, status, code, err.request_id, message,
        )
        if isinstance(err, stripe.CardError):
            payment_intent = ((err.json_body or {}).get("error") or {}).get("payment_intent") or {}
            raise PaymentDeclined(
                provider_code=code,
                payment_intent_id=payment_intent.get("id") if isinstance(payment_intent, dict) else None,
            ) from err
        if isinstance(err, (stripe.APIConnectionError, stripe.RateLimitError)) or (
            isinstance(err, stripe.APIError) and (status is None or status >= 500)
        ):
            raise PaymentProviderUnavailable() from err
        raise PaymentProviderError(provider_code=code) from err

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
        params: dict[str, Any] = {
            "amount": to_stripe_minor(amount),
            "currency": amount.currency.code.lower(),
            "payment_method_types": ["card"],
            "metadata": dict(metadata),
        }
        if payment_method is not None:
            params["payment_method"] = payment_method
        if confirm:
            params["confirm"] = True
        try:
            obj = self._client.v1.payment_intents.create(
                params=params,  # type: ignore[arg-type]
                options={"idempotency_key": idempotency_key},
            )
        except stripe.StripeError as err:
            self._fail("create_payment_intent", err)
        return _payment_intent(obj)

    def retrieve_payment_intent(self, payment_intent_id: str) -> PaymentIntent:
        try:
            obj = self._client.v1.payment_intents.retrieve(payment_intent_id)
        except stripe.StripeError as err:
            self._fail("retrieve_payment_intent", err)
        return _payment_intent(obj)

    def cancel_payment_intent(self, payment_intent_id: str) -> PaymentIntent:
        """Cancel an unpaid PaymentIntent (stock ran out, or the reservation expired)."""
        try:
            obj = self._client.v1.payment_intents.cancel(payment_intent_id)
        except stripe.StripeError as err:
            self._fail("cancel_payment_intent", err)
        return _payment_intent(obj)

    def refund(
        self, *, payment_intent_id: str, amount: Money, idempotency_key: str, metadata: dict[str, str]
    ) -> Refund:
        params: dict[str, Any] = {
            "payment_intent": payment_intent_id,
            "amount": to_stripe_minor(amount),
            "metadata": dict(metadata),
        }
        try:
            obj = self._client.v1.refunds.create(
                params=params,  # type: ignore[arg-type]
                options={"idempotency_key": idempotency_key},
            )
        except stripe.StripeError as err:
            self._fail("refund", err)
        refund = _refund(obj, payment_intent_id)
        if refund.currency != amount.currency.code:
            log.error(
                "refund %s of %s is in %s, asked for %s", refund.id, payment_intent_id, refund.currency,
                amount.currency.code,
            )
        return refund

    def find_refund(self, *, payment_intent_id: str, metadata: dict[str, str]) -> Refund | None:
        try:
            listed = self._client.v1.refunds.list(params={"payment_intent": payment_intent_id, "limit": 100})
            for obj in listed.auto_paging_iter():
                found = _field(obj, "metadata")
                found = found.to_dict() if hasattr(found, "to_dict") else dict(found or {})
                if all(found.get(k) == v for k, v in metadata.items()):
                    return _refund(obj, payment_intent_id)
        except stripe.StripeError as err:
            self._fail("find_refund", err)
        return None

    def construct_event(self, payload: bytes, signature_header: str | None) -> PaymentEvent:
        """Stripe verifies the signature; the wire JSON itself (not the SDK's
        ``Event``) is read by ``stripe_events``, as in ``FakeGateway``."""
        try:
            stripe.WebhookSignature.verify_header(
                payload, signature_header, self._webhook_secret, tolerance=WEBHOOK_TOLERANCE_SECONDS
            )
        except Exception as exc:  # noqa: BLE001 - bad header, bad secret, too old, not UTF-8
            log.info("webhook refused: %s: %s", type(exc).__name__, exc)
            raise InvalidWebhookSignature() from exc
        try:
            return parse_payload(payload)
        except InvalidWebhookSignature as exc:
            log.info("webhook refused: not an event: %s", exc.__cause__ or "no id, type or object")
            raise
