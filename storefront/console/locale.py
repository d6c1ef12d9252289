"""The merchant's language in the console: the one chosen at sign-in or with
the switcher (kept in the session), else the best of the shipped UI languages
(UI_LANGUAGES) for Accept-Language, else DEFAULT_LOCALE. It is set as
``g.ui_locale``, which storefront.i18n.wiring's locale selector puts before
anything else, so inside /console it decides every message and number."""
from __future__ import annotations

from flask import current_app, g, request, session
from flask_babel import refresh

from storefront.i18n.wiring import set_ui_locale

RTL = frozenset({"ar", "he", "fa", "ur"})
# Each language named in itself, for the switcher.
NATIVE_NAMES = {"en": "English", "de": "Deutsch", "fr": "Français", "es": "Español", "it": "Italiano",
                "nl": "Nederlands", "ja": "日本語", "ar": "العربية"}


def languages() -> list[str]:
    return list(current_app.config["UI_LANGUAGES"])


def valid(language: str | None) -> str | None:
    return language if language in languages() else None


def choose() -> None:
    language = (valid(session.get("locale")) or request.accept_languages.best_match(languages())
                or current_app.config["DEFAULT_LOCALE"])
    set_ui_locale(language)
    refresh()  # anything formatted before this request reached the console used another locale


def remember(language: str) -> None:
    if valid(language):
        session["locale"] = language
        set_ui_locale(language)
        refresh()


def current() -> str:
    return g.get("ui_locale") or current_app.config["DEFAULT_LOCALE"]


def direction() -> str:
    return "rtl" if current().split("-")[0] in RTL else "ltr"


def choices() -> list[tuple[str, str]]:
    return [(code, NATIVE_NAMES.get(code, code)) for code in languages()]
