from storefront.errors import N_, Conflict, NotFound, StorefrontError


class CartNotFound(NotFound):
    code = "cart_not_found"
    message = N_("This cart does not exist.")


class CartExpired(StorefrontError):
    code = "cart_expired"
    http_status = 410
    message = N_("This cart has expired. Please start a new one.")


class CartClosed(Conflict):
    code = "cart_checked_out"
    message = N_("This cart has already been checked out.")


class CartChangedDuringCheckout(Conflict):
    code = "cart_changed"
    message = N_("This cart kept changing while the order was being placed. Please review it and try again.")


class ItemNotAvailable(StorefrontError):
    code = "item_not_available"
    http_status = 422
    message = N_("“%(sku)s” is not sold in this market.")


class ItemNotInCart(NotFound):
    code = "item_not_in_cart"
    message = N_("“%(sku)s” is not in the cart.")


class QuantityOutOfRange(StorefrontError):
    code = "invalid_quantity"
    http_status = 422
    message = N_("The quantity must be between %(min)s and %(max)s.")


class OutOfStock(Conflict):
    code = "out_of_stock"
    message = N_("Only %(available)s of “%(sku)s” are available.")


class NotShippingToCountry(StorefrontError):
    code = "not_shipping_to_country"
    http_status = 422
    message = N_("We do not ship to %(country)s.")


class InvalidShippingMethod(StorefrontError):
    code = "invalid_shipping_method"
    http_status = 422
    message = N_("This shipping method is not available for this cart.")


class CartIncomplete(StorefrontError):
    code = "cart_incomplete"
    http_status = 422
    message = N_("The cart needs items, an address and a shipping method before checkout.")


class IdempotencyKeyRequired(StorefrontError):
    code = "idempotency_key_required"
    http_status = 400
    message = N_("Send an Idempotency-Key header with the checkout request.")


class IdempotencyKeyReused(Conflict):
    code = "idempotency_key_reused"
    message = N_("This Idempotency-Key was already used for another cart.")


class AboveMaximumAmount(StorefrontError):
    code = "above_maximum_amount"
    http_status = 422
    message = N_("The order total is above the maximum amount that can be charged (%(maximum)s).")


class BelowMinimumAmount(StorefrontError):
    code = "below_minimum_amount"
    http_status = 422
    message = N_("The order total is below the minimum amount that can be charged (%(minimum)s).")



class TariffCodeMissing(StorefrontError):
    """A product without a tariff (HS) code crossing a customs border: a
    merchant data error (the merchant's customs report lists them); its
    duties are not guessed."""

    code = "tariff_code_missing"
    http_status = 422
    message = N_("Some items cannot be shipped to this address: their customs tariff code is missing (%(skus)s).")
