"""Stripe's webhook events, as JSON on the wire, read into typed ``PaymentEvent``s.

Pure: no stripe import, so it is tested with literal dicts. Both gateways call
``parse_payload`` once the signature is verified (``StripeGateway`` on what
Stripe sends, ``FakeGateway`` on the Stripe-shaped events it signs), so both
read events the same way. Event shape: https://docs.stripe.com/api/events/object

Rules:

- The envelope must be an event: an ``id`` (a string of at most 255
  characters, Stripe's limit for ids) and a ``type`` (a string of at most 255),
  and ``data.object`` an object; otherwise InvalidWebhookSignature (400), as
  for a bad signature: there is nothing to record.
- ``payment_intent.succeeded`` / ``.payment_failed`` / ``.canceled`` are about
  ``object.id``; ``charge.refunded`` about ``object.payment_intent`` (an id, or
  the expanded PaymentIntent). Other types are ``UnhandledEvent``.
- Ids and amounts must be right, or the event is an ``UnhandledEvent`` with a
  ``problem``: ids are strings of 1-255 characters, amounts integers from 0 to
  999,999,999,999 (Stripe: at most 12 digits), currencies ISO codes py-moneyed
  knows. Amounts are converted from Stripe's minor units with
  ``storefront.money.from_stripe_minor`` in the currency the object names
  (``MinorUnits`` when it names none).
- Descriptive text (error code, refund status and reason) that is missing or
  not a string falls back to a default; it never makes an event unusable.
"""
from __future__ import annotations

import json
import re
from typing import Any, Callable

from moneyed import CurrencyDoesNotExist, get_currency

from storefront.money import from_stripe_minor
from storefront.payments.errors import InvalidWebhookSignature
from storefront.payments.gateway import (
    ChargeRefunded,
    MinorUnits,
    PaymentCanceled,
    PaymentEvent,
    PaymentFailed,
    PaymentSucceeded,
    ProviderRefund,
    ReportedAmount,
    UnhandledEvent,
)

__all__ = ["parse_payload", "parse_event", "MAX_ID_LENGTH", "MAX_AMOUNT"]

# Stripe: "IDs ... can be up to 255 characters long".
MAX_ID_LENGTH = 255
# Stripe: amount "up to twelve digits" (card payments; other methods allow fewer).
MAX_AMOUNT = 999_999_999_999

_CURRENCY = re.compile(r"[A-Za-z]{3}")


class _Unusable(ValueError):
    """The object of a handled event type cannot be read; the message says why."""


def parse_payload(payload: bytes | str) -> PaymentEvent:
    """The typed event of a webhook body (UTF-8 JSON) whose signature was verified.

    Raises InvalidWebhookSignature if the body is not JSON or not an event."""
    try:
        text = payload.decode("utf-8") if isinstance(payload, (bytes, bytearray)) else payload
        data = json.loads(text)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise InvalidWebhookSignature() from exc
    return parse_event(data)


def parse_event(data: object) -> PaymentEvent:
    """The typed event of Stripe's event JSON (already decoded).

    Raises InvalidWebhookSignature if ``data`` is not an event; any event is
    otherwise returned, an unusable one as ``UnhandledEvent`` with its problem."""
    if not isinstance(data, dict):
        raise InvalidWebhookSignature()
    event_id, event_type, body = data.get("id"), data.get("type"), data.get("data")
    obj = body.get("object") if isinstance(body, dict) else None
    if not _is_id(event_id) or not _is_id(event_type) or not isinstance(obj, dict):
        raise InvalidWebhookSignature()
    read = _READERS.get(event_type)
    if read is None:
        return UnhandledEvent(event_id, event_type, _intent_id_or_none(event_type, obj))
    try:
        return read(event_id, event_type, obj)
    except _Unusable as exc:
        return UnhandledEvent(event_id, event_type, _intent_id_or_none(event_type, obj), problem=str(exc))


# --- fields -------------------------------------------------------------------------


def _is_id(value: object) -> bool:
    return isinstance(value, str) and 0 < len(value) <= MAX_ID_LENGTH


def _id(value: object, name: str) -> str:
    if not _is_id(value):
        raise _Unusable(f"{name} is not an id")
    return value  # type: ignore[return-value]


def _intent_id(event_type: str, obj: dict[str, Any]) -> str:
    """``object.id`` for PaymentIntent events, ``object.payment_intent`` for the others."""
    if event_type.startswith("payment_intent."):
        return _id(obj.get("id"), "id")
    intent = obj.get("payment_intent")
    if isinstance(intent, dict):  # expanded
        intent = intent.get("id")
    return _id(intent, "payment_intent")


def _intent_id_or_none(event_type: str, obj: dict[str, Any]) -> str | None:
    try:
        return _intent_id(event_type, obj)
    except _Unusable:
        return None


def _minor(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_AMOUNT:
        raise _Unusable(f"{name} is not an amount in minor units")
    return value


def _currency(value: object, name: str = "currency") -> str | None:
    """The upper-case ISO code, or None when the object names no currency."""
    if value is None:
        return None
    if not isinstance(value, str) or not _CURRENCY.fullmatch(value):
        raise _Unusable(f"{name} is not a currency code")
    code = value.upper()
    try:
        get_currency(code)
    except CurrencyDoesNotExist:
        raise _Unusable(f"{name} {code} is not a known currency") from None
    return code


def _amount(minor: int, currency: str | None) -> ReportedAmount:
    return MinorUnits(minor) if currency is None else from_stripe_minor(minor, currency)


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


# --- event types --------------------------------------------------------------------


def _payment_succeeded(event_id: str, event_type: str, obj: dict[str, Any]) -> PaymentSucceeded:
    # amount_received is what was captured; amount the fallback for objects without it (localstripe).
    received = obj.get("amount_received") or obj.get("amount")
    if not received:
        raise _Unusable("no amount received")
    amount = _amount(_minor(received, "amount_received"), _currency(obj.get("currency")))
    return PaymentSucceeded(event_id, event_type, _intent_id(event_type, obj), amount)


def _payment_failed(event_id: str, event_type: str, obj: dict[str, Any]) -> PaymentFailed:
    error = obj.get("last_payment_error")
    if not isinstance(error, dict):
        error = {}
    text = _text(error.get("code")) or _text(error.get("message")) or "failed"
    return PaymentFailed(event_id, event_type, _intent_id(event_type, obj), text)


def _payment_canceled(event_id: str, event_type: str, obj: dict[str, Any]) -> PaymentCanceled:
    return PaymentCanceled(event_id, event_type, _intent_id(event_type, obj))


def _charge_refunded(event_id: str, event_type: str, obj: dict[str, Any]) -> ChargeRefunded:
    intent_id = _intent_id(event_type, obj)
    refunded = _minor(obj.get("amount_refunded") or 0, "amount_refunded")
    listed = obj.get("refunds") or {}
    entries = (listed.get("data") or []) if isinstance(listed, dict) else None
    if not isinstance(entries, list) or not all(isinstance(r, dict) for r in entries):
        raise _Unusable("refunds.data is not a list of refunds")
    entries = [r for r in entries if r.get("id")]  # as Stripe lists them, each has an id
    # A refund is in its charge's currency; any currency named must be the same one.
    named = {_currency(obj.get("currency"))} | {_currency(r.get("currency"), "refund currency") for r in entries}
    named.discard(None)
    if len(named) > 1:
        raise _Unusable(f"refunds in several currencies: {', '.join(sorted(named))}")  # type: ignore[arg-type]
    currency = named.pop() if named else None
    refunds = tuple(
        ProviderRefund(
            id=_id(r["id"], "refund id"),
            amount=_amount(_minor(r.get("amount") or 0, "refund amount"), currency),
            status=_text(r.get("status")) or "succeeded",
            reason=_text(r.get("reason")),
        )
        for r in entries
    )
    return ChargeRefunded(event_id, event_type, intent_id, _amount(refunded, currency), refunds)


_READERS: dict[str, Callable[[str, str, dict[str, Any]], PaymentEvent]] = {
    "payment_intent.succeeded": _payment_succeeded,
    "payment_intent.payment_failed": _payment_failed,
    "payment_intent.canceled": _payment_canceled,
    "charge.refunded": _charge_refunded,
}
