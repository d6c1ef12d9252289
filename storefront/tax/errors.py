from storefront.errors import N_, NotFound, StorefrontError


class NoTaxData(StorefrontError):
    code = "no_tax_data"
    http_status = 422
    message = N_("Taxes for deliveries to %(destination)s are not known.")


class JurisdictionNotFound(NotFound):
    code = "jurisdiction_not_found"
    message = N_("There are no tax rates for “%(country)s”.")


class UnknownTaxJurisdiction(StorefrontError):
    code = "unknown_tax_jurisdiction"
    http_status = 422
    message = N_("There is no tax jurisdiction “%(jurisdiction)s”.")
