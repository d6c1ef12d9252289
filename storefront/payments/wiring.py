"""The payment gateway of the app: Stripe from the configuration, or one a
test installs (``app.extensions["payment_gateway"]``)."""
from __future__ import annotations

from flask import Flask, current_app

from storefront.payments.gateway import PaymentGateway
from storefront.payments.stripe_gateway import StripeGateway


def gateway() -> PaymentGateway:
    installed = current_app.extensions.get("payment_gateway")
    if installed is None:
        config = current_app.config
        installed = StripeGateway(
            api_key=config["STRIPE_SECRET_KEY"], api_base=config.get("STRIPE_API_BASE") or None,
            webhook_secret=config["STRIPE_WEBHOOK_SECRET"], timeout=config["STRIPE_TIMEOUT_SECONDS"],
        )
        current_app.extensions["payment_gateway"] = installed
    return installed


def install(app: Flask, gw: PaymentGateway) -> None:
    app.extensions["payment_gateway"] = gw
