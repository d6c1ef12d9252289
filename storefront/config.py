"""Layered configuration: config/default.toml -> config/<env>.toml ->
environment variables -> explicit overrides, validated before the app starts.

The environment is named by ``STOREFRONT_ENV`` (development, test, production).
An environment variable overrides a key of the same name and is parsed to the
type of the default (int, bool, list as comma-separated text). Secrets never
live in the TOML files; ``REQUIRED`` lists the keys an environment must get
from somewhere, and a missing one stops start-up with a clear message.
"""
from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Mapping

ROOT = Path(__file__).resolve().parent.parent  # the project: config/, migrations/, translations/
CONFIG_DIR = Path(os.environ.get("STOREFRONT_CONFIG_DIR", ROOT / "config"))
ENVIRONMENTS = ("development", "test", "production")


class ConfigError(RuntimeError):
    """The configuration is incomplete or malformed; the app must not start."""


def _read(name: str) -> dict[str, Any]:
    path = CONFIG_DIR / f"{name}.toml"
    if not path.exists():
        raise ConfigError(f"configuration file {path} is missing")
    with path.open("rb") as fh:
        return tomllib.load(fh)


def _parse_env(key: str, raw: str, default: Any) -> Any:
    if isinstance(default, bool):
        lowered = raw.strip().lower()
        if lowered in {"1", "true", "yes", "on"}:
            return True
        if lowered in {"0", "false", "no", "off", ""}:
            return False
        raise ConfigError(f"{key}={raw!r} is not a boolean (use true or false)")
    if isinstance(default, (int, type(0.5))):  # seconds may be fractional; never money
        try:
            return type(default)(raw)
        except ValueError:
            raise ConfigError(f"{key}={raw!r} is not a number") from None
    if isinstance(default, list):
        return [item.strip() for item in raw.split(",") if item.strip()]
    return raw


def load_config(
    env: str | None = None,
    overrides: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    environ = os.environ if environ is None else environ
    env = env or environ.get("STOREFRONT_ENV", "development")
    if env not in ENVIRONMENTS:
        raise ConfigError(f"STOREFRONT_ENV={env!r}; expected one of {', '.join(ENVIRONMENTS)}")
    settings = _read("default")
    settings.update(_read(env))
    defaults = dict(settings)
    for key, default in defaults.items():
        if key in environ and key != "REQUIRED":
            settings[key] = _parse_env(key, environ[key], default)
    settings.update(overrides or {})
    settings["ENV"] = env
    _validate(settings)
    return settings


def _validate(settings: dict[str, Any]) -> None:
    missing = [key for key in settings.get("REQUIRED", []) if not settings.get(key)]
    if missing:
        raise ConfigError(
            f"missing required setting(s) for {settings['ENV']}: {', '.join(missing)} "
            "(set them as environment variables)"
        )
    for key in ("PAGE_SIZE_DEFAULT", "PAGE_SIZE_MAX", "PORT", "MAX_CONTENT_LENGTH", "CACHE_MAX_ENTRIES",
                "CACHE_MAX_CHARS"):
        if not isinstance(settings.get(key), int) or settings[key] <= 0:
            raise ConfigError(f"{key} must be a positive integer, got {settings.get(key)!r}")
    if settings.get("SMTP_STARTTLS") and settings.get("SMTP_SSL"):
        raise ConfigError("SMTP_STARTTLS and SMTP_SSL exclude each other (SSL for port 465, STARTTLS for 587)")
    if not isinstance(settings.get("PROXY_HOPS"), int) or settings["PROXY_HOPS"] < 0:
        raise ConfigError(f"PROXY_HOPS must be 0 or a positive integer, got {settings.get('PROXY_HOPS')!r}")
    if settings["PAGE_SIZE_DEFAULT"] > settings["PAGE_SIZE_MAX"]:
        raise ConfigError("PAGE_SIZE_DEFAULT must not exceed PAGE_SIZE_MAX")
    if settings["ENV"] == "production" and len(settings.get("SECRET_KEY") or "") < 32:
        raise ConfigError("SECRET_KEY must be at least 32 characters in production (it signs the console's "
                          "session cookie): set it to a long random string, e.g. `python -c 'import secrets; "
                          "print(secrets.token_urlsafe(48))'`")
    if not isinstance(settings.get("CONSOLE_SESSION_HOURS"), int) or settings["CONSOLE_SESSION_HOURS"] <= 0:
        raise ConfigError(f"CONSOLE_SESSION_HOURS must be a positive integer, got {settings.get('CONSOLE_SESSION_HOURS')!r}")
    if settings["DEFAULT_LOCALE"] not in settings["UI_LANGUAGES"]:
        raise ConfigError("DEFAULT_LOCALE must be one of UI_LANGUAGES")
