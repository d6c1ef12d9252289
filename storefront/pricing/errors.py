from storefront.errors import N_, Conflict, NotFound, StorefrontError


class NoExplicitPrice(NotFound):
    code = "price_not_found"
    message = N_("There is no explicit price for “%(sku)s” in market %(market)s.")


class InvalidSalePeriod(StorefrontError):
    code = "invalid_sale_period"
    http_status = 422
    message = N_("A sale must end after it starts.")


class InvalidSaleTime(StorefrontError):
    code = "invalid_sale_time"
    http_status = 422
    message = N_("“%(value)s” is outside the range of times a sale can have.")


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


class PreviewOutdated(Conflict):
    code = "preview_outdated"
    message = N_("The prices changed since the preview was made; look at the new preview before applying it.")


class InvalidFxDate(StorefrontError):
    code = "invalid_fx_date"
    http_status = 422
    message = N_("An exchange rate can apply from %(first)s up to tomorrow, not from %(date)s.")


class CsvImportFailed(StorefrontError):
    """The errors of the file by line (a file that is too large: 413)."""

    code = "invalid_csv"
    http_status = 422
    message = N_("The file has errors; nothing was imported.")

    def __init__(self, row_errors: list[tuple[int, StorefrontError]], *, http_status: int | None = None) -> None:
        super().__init__(http_status=http_status)
        self.row_errors = row_errors

    def render_details(self, translate):
        return {
            "errors": [
                {"line": line, "code": error.code, "message": translate(error.message, **error.params)}
                for line, error in self.row_errors
            ]
        }


class MissingColumns(StorefrontError):
    code = "invalid_csv_header"
    http_status = 422
    message = N_("The header must name the columns sku, market and amount (found: %(found)s).")


class DuplicateColumn(StorefrontError):
    code = "duplicate_csv_column"
    http_status = 422
    message = N_("The header names the column %(column)s more than once.")


class WrongFieldCount(StorefrontError):
    code = "wrong_field_count"
    http_status = 422
    message = N_("This line has %(found)s fields; the header has %(expected)s.")


class BadCsvValue(StorefrontError):
    code = "invalid_csv_value"
    http_status = 422
    message = N_("“%(value)s” is not a valid %(column)s.")


class DuplicateRow(StorefrontError):
    code = "duplicate_row"
    http_status = 422
    message = N_("The same price is already set on line %(line)s.")


class TooManyRows(StorefrontError):
    code = "too_many_rows"
    http_status = 413
    message = N_("The file has more than %(limit)s rows.")


class MalformedCsv(StorefrontError):
    code = "malformed_csv"
    http_status = 422
    message = N_("This line is not valid CSV (check its quotes and line breaks).")


class UnknownCurrency(StorefrontError):
    code = "unknown_currency"
    http_status = 422
    message = N_("“%(currency)s” is not a currency code this shop can price in.")


class FxRateMissing(StorefrontError):
    """An amount must be converted (a duty threshold, a flat duty) and no rate
    for the currency is stored: refuse rather than compare in the wrong
    currency. The merchant must import or set the rate."""

    code = "fx_rate_missing"
    http_status = 503
    message = N_("There is no exchange rate for %(currency)s at the moment, so the total cannot be calculated. "
                 "Please try again later.")


class InvalidEcbDocument(StorefrontError):
    code = "invalid_fx_document"
    http_status = 422
    message = N_("The file is not a valid ECB euro reference rate document: %(reason)s")
