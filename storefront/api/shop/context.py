"""The shop context of a request: its market and locale, negotiated once.

Shopper blueprints call ``negotiate_request`` before their views; responses
then carry ``Content-Language``, ``X-Market`` and ``Vary`` (API.md)."""
from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache

from flask import Flask, Response, current_app, g, request
from flask_babel import refresh

from storefront.checkout import services as checkout
from storefront.extensions import db
from storefront.i18n.fallback import fallback_chain
from storefront.i18n.wiring import current_locale
from storefront.i18n.negotiation import Negotiated, RequestHints, Suggestion, negotiate, requested_locale
from storefront.cache import memoized
from storefront.markets import cache
from storefront.markets.cache import MARKETS
from storefront.markets.services import MarketView
from storefront.pricing.display import display_country, display_jurisdiction

VARY = "Accept-Language, X-Market, X-Country"


@dataclass(frozen=True)
class ShopContext:
    market: MarketView
    locale: str
    selected_by: str
    suggestion: Suggestion | None
    chain: tuple[str, ...]  # content fallback chain, e.g. ("fr-CA", "fr", "en")
    markets: tuple[MarketView, ...]
    # The country whose taxes shelf prices include (see ``tax_country_for``), None where they include none.
    tax_country: str | None = None

    @property
    def tax_jurisdiction(self) -> str | None:
        """Whose rates the catalog shows: the display country's jurisdiction."""
        return display_jurisdiction(self.tax_country, self.market.tax_jurisdiction)

    def catalog_json(self) -> dict:
        """The context of catalog answers: also the country whose taxes the prices include."""
        return self.as_json() | {"tax_country": self.tax_country}

    def as_json(self) -> dict:
        body = {
            "market": self.market.code,
            "currency": self.market.currency,
            "locale": self.locale,
            "selected_by": self.selected_by,
        }
        if self.suggestion is not None:
            body["suggestion"] = {"market": self.suggestion.market, "locale": self.suggestion.locale}
        return body


def markets() -> tuple[MarketView, ...]:
    """All markets: this process's cached copy while the version is unchanged."""
    if "markets" not in g:
        g.markets = cache.markets(db.session)
    return g.markets


def tax_country_for(market: MarketView, locale: str, cart_country: str | None = None, *,
                    header: str | None | bool = False) -> str | None:
    """The country whose taxes the shelf prices include: the cart's shipping
    country (``?cart=``), else X-Country (``header``, else the request's), else
    the locale's region, when the market holds it; else the market's jurisdiction."""
    region = locale.rsplit("-", 1)[-1] if "-" in locale else None
    if header is False:
        header = request.headers.get("X-Country")
    return display_country(market.countries, market.tax_jurisdiction, (cart_country, header, region))


def display_for_cart() -> None:
    """``before_request`` of the catalog (after negotiation, before the micro-cache): with
    ``?cart={token}``, prices carry the taxes of the cart's shipping country. An unknown token
    changes nothing (a stale cart never breaks the catalog)."""
    token = request.args.get("cart")
    if not token or len(token) > 128:
        return
    country = checkout.shipping_country(db.session, token)
    if country is not None:
        ctx = shop()
        g.shop = replace(ctx, tax_country=tax_country_for(ctx.market, ctx.locale, country))


@lru_cache(maxsize=8192)
def _negotiate(infos: tuple, hints: RequestHints) -> Negotiated:
    """Pure and deterministic, so the same markets and hints give the same answer."""
    return negotiate(infos, hints)


def negotiate_request() -> None:
    """``before_request`` of shopper blueprints: resolve market and locale into ``g.shop``."""
    g.vary = True
    g.shop = negotiated(request.args, request.headers)


def negotiated(args, headers) -> ShopContext:
    """The market and locale a request's query ``args`` and ``headers`` ask for
    (in a request, or below Flask: storefront.api.lane). Raises the negotiation's
    errors (unknown market, invalid locale)."""
    hints = RequestHints(
        market=args.get("market") or headers.get("X-Market"),
        locale=args.get("locale"),
        accept_language=headers.get("Accept-Language"),
        country=headers.get("X-Country"),
    )
    default = current_app.config["DEFAULT_LOCALE"]
    # A pure function of the markets and the hints: kept under the markets' version, like the markets.
    return memoized(db.session, MARKETS, ("shop context", hints, default), lambda: _context(hints, default))


def _context(hints: RequestHints, default_locale: str) -> ShopContext:
    all_markets = markets()
    country = hints.country
    result: Negotiated = _negotiate(cache.infos(db.session), hints)
    market = next(m for m in all_markets if m.code == result.market)
    return ShopContext(
        market=market,
        locale=result.locale,
        selected_by=result.selected_by,
        suggestion=result.suggestion,
        chain=fallback_chain(result.locale, default_locale),
        markets=all_markets,
        tax_country=tax_country_for(market, result.locale, header=country),
    )


def shop() -> ShopContext:
    return g.shop


def speak_as(market_code: str, locale: str, selected_by: str | None = None) -> None:
    """Answer in this market and locale (a cart's, an order's) whatever the
    request negotiated: its prices, its money formatting, its headers."""
    ctx = shop()
    if ctx.market.code == market_code and ctx.locale == locale and selected_by in (None, ctx.selected_by):
        return
    market = next(m for m in ctx.markets if m.code == market_code)
    g.shop = replace(ctx, market=market, locale=locale, suggestion=None,
                     selected_by=selected_by or ctx.selected_by, tax_country=tax_country_for(market, locale),
                     chain=fallback_chain(locale, current_app.config["DEFAULT_LOCALE"]))
    refresh()


def requested_locale_within(market: MarketView) -> str | None:
    """The locale of ``market`` the request asks for (``?locale=``, then
    Accept-Language, matched as negotiation matches them), if any."""
    info = next(i for i in cache.infos(db.session) if i.code == market.code)
    return requested_locale(info, RequestHints(locale=request.args.get("locale"),
                                               accept_language=request.headers.get("Accept-Language")))


def _decorate_response(response: Response) -> Response:
    if g.get("vary"):
        if "Vary" in response.headers:
            response.vary.update(v.strip() for v in VARY.split(","))
        else:  # the usual case: the header as text, not a parsed HeaderSet (~15 µs)
            response.headers["Vary"] = VARY
    context = g.get("shop")
    if context is not None:
        response.headers["Content-Language"] = context.locale
        response.headers["X-Market"] = context.market.code
    elif g.get("vary") and "Content-Language" not in response.headers:
        # Negotiation itself failed (unknown_market, invalid_locale): the language the error speaks.
        response.headers["Content-Language"] = current_locale()
    return response


def init_app(app: Flask) -> None:
    app.after_request(_decorate_response)
