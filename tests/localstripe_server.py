"""Start a private localstripe for tests (a helper module, not a test).

The launcher lives in ``storefront.devtools.localstripe`` (shared with
``make run-local-payments``); ``start_localstripe()`` without arguments binds a
free port and keeps its state in a fresh temp directory removed by ``stop()``.

Usage::

    ls = start_localstripe()
    client = stripe.StripeClient("sk_test_12345", base_addresses={"api": ls.base_url})
    ls.register_webhook("http://127.0.0.1:9999/hook", "whsec_test")
    ls.flush()
    ls.stop()
"""
from __future__ import annotations

from storefront.devtools.localstripe import (
    API_KEY,
    LocalStripe,
    LocalStripeStartError,
    pay_payment_intent,
    start_localstripe,
)

__all__ = ["LocalStripe", "LocalStripeStartError", "start_localstripe", "pay_payment_intent", "API_KEY"]
