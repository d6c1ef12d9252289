"""Errors of shipping: addresses (pure), zones and methods.

A missing state or province is ``storefront.markets.errors.RegionRequired``
(taxes need one too)."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from storefront.errors import N_, Conflict, NotFound, StorefrontError


class AddressInvalid(StorefrontError):
    code = "invalid_address"
    http_status = 422
    message = N_("The address is not valid.")

    def __init__(self, errors: dict[str, StorefrontError]) -> None:
        super().__init__()
        self.errors = errors

    def render_details(self, translate: Callable[..., str]) -> dict[str, Any]:
        return {
            "fields": {
                field: [translate(error.message, **error.params)] for field, error in self.errors.items()
            }
        }


class MissingField(StorefrontError):
    code = "missing_field"
    http_status = 422
    message = N_("This field is required.")


class UnknownCountry(StorefrontError):
    code = "unknown_country"
    http_status = 422
    message = N_("“%(country)s” is not a country code.")


class UnknownRegion(StorefrontError):
    code = "unknown_region"
    http_status = 422
    message = N_("“%(region)s” is not a state, province or territory of %(country)s.")


class InvalidPostalCode(StorefrontError):
    code = "invalid_postal_code"
    http_status = 422
    message = N_("“%(postal_code)s” is not a valid postal code for %(country)s.")


class PostalCodeNotInRegion(StorefrontError):
    """A well-formed postal code that belongs to another state, province or
    prefecture than the address names (94103 with NY, M5V with QC)."""

    code = "postal_code_not_in_region"
    http_status = 422
    message = N_("“%(postal_code)s” is not a postal code of %(region)s (%(country)s).")


class InvalidEmail(StorefrontError):
    code = "invalid_email"
    http_status = 422
    message = N_("“%(email)s” is not a valid e-mail address.")


class TooLong(StorefrontError):
    code = "too_long"
    http_status = 422
    message = N_("At most %(max)s characters.")


class ZoneNotFound(NotFound):
    code = "shipping_zone_not_found"
    message = N_("There is no shipping zone %(id)s.")


class MethodNotFound(NotFound):
    code = "shipping_method_not_found"
    message = N_("There is no shipping method %(id)s.")


class CountryNotInMarket(StorefrontError):
    code = "country_not_in_market"
    http_status = 422
    message = N_("Market %(market)s does not include %(countries)s.")


class ZoneInUse(Conflict):
    code = "zone_in_use"
    message = N_("Open carts use a shipping method of this zone (%(carts)s); it cannot be deleted.")


class MethodCodeTaken(Conflict):
    code = "shipping_method_code_taken"
    message = N_("The zone already has a shipping method “%(code)s”.")


class InvalidDeliveryDays(StorefrontError):
    code = "invalid_delivery_days"
    http_status = 422
    message = N_("The minimum delivery time (%(min)s days) must not exceed the maximum (%(max)s days).")


class EnglishNameRequired(StorefrontError):
    """A shipping method's name in the catalog's source language is missing (the
    code dates from when that was always English)."""

    code = "english_name_required"
    http_status = 422
    message = N_("A shipping method needs a name in %(locale)s, the catalog's source language.")
