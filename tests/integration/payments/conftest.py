"""localstripe and a StripeGateway on it, shared by the gateway tests.

Skipped when localstripe cannot start, except with CI=true (then it fails)."""
from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
import stripe

from storefront.payments.stripe_gateway import StripeGateway
from tests.localstripe_server import API_KEY, LocalStripe, LocalStripeStartError, start_localstripe

WEBHOOK_SECRET = "whsec_test_storefront"
CI = os.environ.get("CI", "").lower() == "true"


@pytest.fixture(scope="module")
def localstripe() -> Iterator[LocalStripe]:
    try:
        server = start_localstripe()
    except LocalStripeStartError as exc:
        if CI:
            pytest.fail(f"CI=true requires localstripe: {exc}")
        pytest.skip(f"localstripe could not start: {exc}")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture()
def stripe_gateway(localstripe: LocalStripe) -> Iterator[StripeGateway]:
    """The StripeGateway on localstripe, webhooks signed with WEBHOOK_SECRET."""
    gw = StripeGateway(API_KEY, localstripe.base_url, WEBHOOK_SECRET, timeout=5.0, max_network_retries=0)
    yield gw
    gw.close()


@pytest.fixture()
def raw(localstripe: LocalStripe) -> Iterator[stripe.StripeClient]:
    """A plain StripeClient on the same localstripe, to look behind the gateway."""
    http = stripe.RequestsClient(timeout=5)
    yield stripe.StripeClient(API_KEY, base_addresses={"api": localstripe.base_url}, http_client=http)
    http.close()
