from storefront.errors import N_, Conflict, NotFound, StorefrontError


class VariantNotFound(NotFound):
    code = "variant_not_found"
    message = N_("There is no variant with SKU “%(sku)s”.")


class MarketNotFound(NotFound):
    code = "market_not_found"
    message = N_("There is no market “%(market)s”.")


class InvalidAmount(StorefrontError):
    code = "invalid_amount"
    http_status = 422
    message = N_("“%(amount)s” is not a valid price in %(currency)s: %(reason)s")


class NoExplicitPrice(NotFound):
    code = "price_not_found"
    message = N_("There is no explicit price for “%(sku)s” in market %(market)s.")


class InvalidSalePeriod(StorefrontError):
    code = "invalid_sale_period"
    http_status = 422
    message = N_("A sale must end after it starts.")


class SaleNotFound(NotFound):
    code = "sale_not_found"
    message = N_("There is no sale price %(id)s.")


class OverlappingSale(Conflict):
    code = "overlapping_sale"
    message = N_("Another sale of “%(sku)s” in market %(market)s starts at the same time.")


class InvalidFxRate(StorefrontError):
    code = "invalid_fx_rate"
    http_status = 422
    message = N_("“%(rate)s” is not a valid exchange rate for %(currency)s.")


class CsvImportFailed(StorefrontError):
    code = "invalid_csv"
    http_status = 422
    message = N_("The file has errors; nothing was imported.")
