"""Signatures of webhook payloads, the way Stripe signs its own. Pure.

``Storefront-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.payload">``
with the subscription's secret. The receiver recomputes the HMAC over the
timestamp, a dot and the raw body, compares in constant time, and refuses a
timestamp older than its tolerance (replays). See Stripe's "Verify webhook
signatures manually" (https://docs.stripe.com/webhooks#verify-manually).
"""
from __future__ import annotations

import hashlib
import hmac

HEADER = "Storefront-Signature"


def signature(secret: str, timestamp: int, payload: bytes) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256).hexdigest()


def signature_header(secret: str, timestamp: int, payload: bytes) -> str:
    return f"t={timestamp},v1={signature(secret, timestamp, payload)}"


def verify(secret: str, header: str, payload: bytes, now: int, tolerance: int = 300) -> bool:
    """Whether ``header`` signs ``payload`` with ``secret`` within ``tolerance`` seconds of ``now``."""
    parts = [p.partition("=") for p in header.split(",")]
    stamps = [v for k, _, v in parts if k == "t"]
    if len(stamps) != 1 or not stamps[0].isdigit():
        return False
    timestamp = int(stamps[0])
    if abs(now - timestamp) > tolerance:
        return False
    expected = signature(secret, timestamp, payload)
    return any(k == "v1" and hmac.compare_digest(v, expected) for k, _, v in parts)
