"""Flask-Babel wiring: the locale of messages is the negotiated one."""
from __future__ import annotations

from flask import Flask, current_app, g, has_request_context, request

from storefront.config import ROOT
from storefront.extensions import babel
from storefront.money import babel_locale


def select_locale() -> str:
    """Babel locale for gettext and formatting.

    The negotiated shopper locale when the request has one (``de-CH`` ->
    ``de_CH``; gettext falls back to the ``de`` catalog); otherwise the best
    UI language from Accept-Language; otherwise the default. A part of the
    app with its own choice of language (the merchant console) sets it with
    ``set_ui_locale``, and it wins for that request."""
    if has_request_context() and g.get("ui_locale"):
        return g.ui_locale
    shop = g.get("shop") if has_request_context() else None
    if shop is not None:
        return str(babel_locale(shop.locale))  # en-KW -> en: a locale CLDR knows
    languages = current_app.config["UI_LANGUAGES"]
    if has_request_context():
        explicit = request.args.get("locale", "").replace("_", "-").split("-")[0].lower()
        if explicit in languages:
            return explicit
        best = request.accept_languages.best_match(languages)
        if best:
            return best
    return current_app.config["DEFAULT_LOCALE"]


def set_ui_locale(language: str) -> None:
    """This request's messages and formatting in ``language`` (one of UI_LANGUAGES)."""
    g.ui_locale = language


def current_locale() -> str:
    """The BCP 47 tag responses are written in ('de-CH')."""
    shop = g.get("shop") if has_request_context() else None
    if shop is not None and not g.get("ui_locale"):
        return shop.locale
    return select_locale().replace("_", "-")


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(ROOT / "translations"))
    app.config.setdefault("BABEL_DEFAULT_LOCALE", app.config["DEFAULT_LOCALE"])
    babel.init_app(app, locale_selector=select_locale)
