"""Errors of the request's market and locale (negotiation, locale tags)."""
from storefront.errors import N_, StorefrontError


class InvalidLocale(StorefrontError):
    """A malformed BCP 47 tag: 422 in a request body; negotiation answers 400
    for the ``locale`` query parameter."""

    code = "invalid_locale"
    http_status = 422
    message = N_("“%(locale)s” is not a valid locale.")


class UnknownMarket(StorefrontError):
    """A market code that names no market: 422 in a request body; negotiation
    answers 404 for the shopper's ``market``/``X-Market``. ``details.markets``
    lists every unknown code when several were given."""

    code = "unknown_market"
    http_status = 422
    message = N_("Unknown market “%(market)s”.")
