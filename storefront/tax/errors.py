from storefront.errors import N_, NotFound, StorefrontError


class NoTaxData(StorefrontError):
    code = "no_tax_data"
    http_status = 422
    message = N_("Taxes for deliveries to %(destination)s are not known.")


class JurisdictionNotFound(NotFound):
    code = "jurisdiction_not_found"
    message = N_("There are no tax rates for “%(country)s”.")


NOTICES = {
    "reverse_charge": N_("Reverse charge: the buyer accounts for the VAT (VAT Directive Art. 196). No VAT is charged."),
}
