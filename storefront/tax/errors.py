from typing import Any, Callable

from storefront.errors import N_, Conflict, NotFound, StorefrontError


class NoTaxData(StorefrontError):
    """No rates for the destination (GU, VI, AS, MP: no sales tax data, refused
    before checkout). ``territory``: the ISO code the message names in the
    shopper's language ("Guam"); ``details.destination`` keeps the jurisdiction."""

    code = "no_tax_data"
    http_status = 422
    message = N_("Taxes for deliveries to %(destination)s are not known.")

    def __init__(self, *, destination: str, territory: str | None = None) -> None:
        super().__init__(details={"destination": destination}, destination=destination)
        self.territory = territory

    def display_params(self, territory_name: Callable[[str], str | None]) -> dict[str, Any]:
        name = territory_name(self.territory) if self.territory else None
        return {**self.params, "destination": name} if name else self.params


class JurisdictionNotFound(NotFound):
    code = "jurisdiction_not_found"
    message = N_("There are no tax rates for “%(country)s”.")


class UnknownTaxJurisdiction(StorefrontError):
    code = "unknown_tax_jurisdiction"
    http_status = 422
    message = N_("There is no tax jurisdiction “%(jurisdiction)s”.")


class InvalidVatId(StorefrontError):
    code = "invalid_vat_id"
    http_status = 422
    message = N_("“%(vat_id)s” is not a valid VAT number.")


class OverrideNotFound(NotFound):
    code = "tax_override_not_found"
    message = N_("There is no tax override %(id)s.")


class InvalidTaxRate(StorefrontError):
    code = "invalid_tax_rate"
    http_status = 422
    message = N_("“%(rate)s” is not a valid tax rate: a percentage from 0 to 100 with at most 8 decimals.")


class InvalidOverridePeriod(StorefrontError):
    code = "invalid_override_period"
    http_status = 422
    message = N_("An override must end after it starts.")


class OverrideOverlaps(Conflict):
    code = "override_overlaps"
    message = N_("Override %(id)s of %(tax)s (%(category)s) in %(jurisdiction)s already applies in this period.")


class TaxCodeCategoryMismatch(StorefrontError):
    code = "tax_code_category_mismatch"
    http_status = 422
    message = N_("Tax code “%(tax_code)s” stands for tax category “%(expected)s”, not “%(category)s”.")


class TaxProviderUnavailable(StorefrontError):
    """The tax provider did not answer (connection error, timeout, 5xx): never a silent state-only rate."""

    code = "tax_provider_unavailable"
    http_status = 503
    message = N_("Taxes cannot be calculated right now. Please try again in a moment.")


class TaxProviderRefused(StorefrontError):
    """The tax provider refused the request (an address it cannot place, a bad tax code)."""

    code = "tax_provider_refused"
    http_status = 422
    message = N_("Taxes cannot be calculated for this delivery address. Please check the address.")
