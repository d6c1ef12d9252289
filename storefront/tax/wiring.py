"""The tax provider of the app (``storefront.tax.providers``): from the
configuration (``TAX_PROVIDER``), or one a test installs
(``app.extensions["tax_provider"]``). ``None``: the built-in tables."""
from __future__ import annotations

from typing import Any, Mapping

from flask import Flask, current_app

from storefront.config import ConfigError
from storefront.tax.providers import BUILTIN, TaxProvider
from storefront.tax.stripe_tax import StripeTaxProvider

PROVIDERS = (BUILTIN, "stripe")
_KEY = "tax_provider"


def check_settings(config: Mapping[str, Any]) -> None:
    """Refuse to start with an unknown provider, or Stripe Tax without a key."""
    name = str(config.get("TAX_PROVIDER") or BUILTIN).strip().lower()
    if name not in PROVIDERS:
        raise ConfigError(f"TAX_PROVIDER={name!r}; expected one of {', '.join(PROVIDERS)}")
    if name == "stripe" and not config.get("STRIPE_SECRET_KEY"):
        raise ConfigError("TAX_PROVIDER=stripe needs STRIPE_SECRET_KEY (Stripe Tax is called with it)")


def tax_api_base(config: Mapping[str, Any]) -> str | None:
    """Where Stripe Tax calls go: ``STRIPE_TAX_API_BASE``, else ``STRIPE_API_BASE``
    (the payments' host), else None (Stripe's own host)."""
    return str(config.get("STRIPE_TAX_API_BASE") or config.get("STRIPE_API_BASE") or "").strip() or None


def tax_provider() -> TaxProvider | None:
    """The configured provider (built once per app), or None for the built-in tables."""
    app = current_app
    if _KEY in app.extensions:
        return app.extensions[_KEY]
    config = app.config
    provider: TaxProvider | None = None
    if str(config.get("TAX_PROVIDER") or BUILTIN).strip().lower() == "stripe":
        provider = StripeTaxProvider(config["STRIPE_SECRET_KEY"], tax_api_base(config),
                                     timeout=float(config.get("TAX_PROVIDER_TIMEOUT_SECONDS") or 3.0),
                                     countries=config.get("TAX_PROVIDER_COUNTRIES") or ("US",))
    app.extensions[_KEY] = provider
    return provider


def install(app: Flask, provider: TaxProvider | None) -> None:
    app.extensions[_KEY] = provider
