from storefront.errors import N_, StorefrontError


class Unauthorized(StorefrontError):
    code = "unauthorized"
    http_status = 401
    message = N_("A valid merchant API token is required.")


class Forbidden(StorefrontError):
    code = "forbidden"
    http_status = 403
    message = N_("Your API token does not have the “%(role)s” role.")
