"""The console's settings: SECRET_KEY is required, and long, in production."""
import pytest

from storefront.config import ConfigError, load_config

PRODUCTION = {"DATABASE_URL": "postgresql://x/y", "STRIPE_SECRET_KEY": "sk", "STRIPE_WEBHOOK_SECRET": "wh",
              "STOREFRONT_ADMIN_TOKEN": "t"}


def test_production_requires_a_secret_key():
    with pytest.raises(ConfigError, match="missing required setting.*SECRET_KEY"):
        load_config(env="production", environ=PRODUCTION)


def test_a_short_secret_key_stops_production():
    with pytest.raises(ConfigError, match="SECRET_KEY must be at least 32 characters"):
        load_config(env="production", environ={**PRODUCTION, "SECRET_KEY": "short"})


def test_a_long_secret_key_starts_production():
    assert load_config(env="production", environ={**PRODUCTION, "SECRET_KEY": "k" * 40})["SECRET_KEY"] == "k" * 40


def test_development_needs_none():
    assert load_config(env="development", environ={})["SECRET_KEY"] == ""


def test_console_session_hours_must_be_positive():
    with pytest.raises(ConfigError, match="CONSOLE_SESSION_HOURS"):
        load_config(env="test", environ={"CONSOLE_SESSION_HOURS": "0"})
