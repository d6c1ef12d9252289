"""Errors of markets."""
from storefront.errors import N_, Conflict, NotFound, StorefrontError


class MarketNotFound(NotFound):
    code = "market_not_found"
    message = N_("There is no market “%(market)s”.")


class MarketExists(Conflict):
    code = "market_exists"
    message = N_("A market “%(market)s” already exists.")


class CountryTaken(Conflict):
    code = "country_taken"
    message = N_("%(country)s already belongs to market %(market)s.")


class InvalidCurrency(StorefrontError):
    code = "invalid_currency"
    http_status = 422
    message = N_("“%(currency)s” is not an ISO 4217 currency in use.")


class InvalidCountry(StorefrontError):
    code = "invalid_country"
    http_status = 422
    message = N_("“%(country)s” is not an ISO 3166 country code.")


class RegionRequired(StorefrontError):
    """A country whose addresses and taxes need a state, province or territory
    (shipping addresses, tax rules)."""

    code = "region_required"
    http_status = 422
    message = N_("A state, province or territory is required in %(country)s.")


class CurrencyMismatch(StorefrontError):
    """A price or a cart in another currency than its market's (a price import
    line, a cart whose market changed currency)."""

    code = "currency_mismatch"
    http_status = 409
    message = N_("Market %(market)s sells in %(expected)s, not %(currency)s.")


class UnsupportedLocale(StorefrontError):
    code = "unsupported_locale"
    http_status = 422
    message = N_("There is no CLDR data to format prices in “%(locale)s”.")


class InvalidRoundingRule(StorefrontError):
    code = "invalid_rounding_rule"
    http_status = 422
    message = N_("“%(rule)s” is not a valid rounding rule.")


class DuplicateValue(StorefrontError):
    code = "duplicate_value"
    http_status = 422
    message = N_("“%(value)s” is listed more than once.")


class DefaultMarketRequired(Conflict):
    code = "default_market_required"
    message = N_("%(market)s is the default market; make another market the default instead.")


class MarketHasOpenCarts(Conflict):
    code = "market_has_open_carts"
    message = N_("Market %(market)s has %(carts)s open carts; send “reprice_open_carts”: true to move them to "
                 "%(currency)s.")
