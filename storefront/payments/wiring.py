"""The payment gateway of the app: Stripe from the configuration, or one a
test installs (``app.extensions["payment_gateway"]``)."""
from __future__ import annotations

import logging
from typing import Any, Mapping, NoReturn

from flask import Flask, current_app

from storefront.config import ConfigError
from storefront.payments.errors import PaymentsNotConfigured
from storefront.payments.gateway import PaymentGateway
from storefront.payments.limits import is_settlement_currency
from storefront.payments.stripe_gateway import StripeGateway

log = logging.getLogger("storefront.payments")


class UnconfiguredGateway:
    """Without STRIPE_SECRET_KEY every payment operation fails at once with 503
    ``payments_not_configured`` (the SDK would first wait on Stripe's host
    with an empty key)."""

    def __getattr__(self, operation: str) -> Any:
        if operation.startswith("_"):
            raise AttributeError(operation)

        def refuse(*_args: Any, **_kwargs: Any) -> NoReturn:
            raise PaymentsNotConfigured()

        return refuse


def warn_if_unconfigured(app: Flask) -> None:
    """At start-up: say once that checkout cannot take payments."""
    if not app.config["STRIPE_SECRET_KEY"] and "payment_gateway" not in app.extensions:
        log.warning("STRIPE_SECRET_KEY is not set: checkout and refunds answer 503 payments_not_configured "
                    "(README, \"Paying locally\", runs localstripe)")


def gateway() -> PaymentGateway:
    installed = current_app.extensions.get("payment_gateway")
    if installed is None and not current_app.config["STRIPE_SECRET_KEY"]:
        return UnconfiguredGateway()  # type: ignore[return-value]
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


def settlement_currency(config: Mapping[str, Any] | None = None) -> str:
    """STRIPE_SETTLEMENT_CURRENCY, or the base currency when it is empty."""
    config = current_app.config if config is None else config
    return (config.get("STRIPE_SETTLEMENT_CURRENCY") or config["BASE_CURRENCY"]).strip().upper()


def check_settings(config: Mapping[str, Any]) -> None:
    """Refuse to start with a settlement currency Stripe has no minimum for."""
    code = settlement_currency(config)
    if not is_settlement_currency(code):
        raise ConfigError(f"STRIPE_SETTLEMENT_CURRENCY={code!r} is not a currency Stripe settles in "
                          "(storefront.money.STRIPE_MINIMUMS); set it to your Stripe account's payout currency")
