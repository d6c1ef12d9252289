from storefront.errors import N_, StorefrontError


class Unauthorized(StorefrontError):
    code = "unauthorized"
    http_status = 401
    message = N_("A valid merchant API token is required.")


class Forbidden(StorefrontError):
    code = "forbidden"
    http_status = 403
    message = N_("Your API token does not have the “%(role)s” role.")


class TooManyFailures(StorefrontError):
    code = "too_many_requests"
    http_status = 429
    message = N_("Too many failed attempts. Try again in %(seconds)s seconds.")


class InvalidRoles(StorefrontError):
    code = "invalid_roles"
    http_status = 422
    message = N_("“%(roles)s” are not valid roles (allowed: %(allowed)s).")


class TokenNotFound(StorefrontError):
    code = "token_not_found"
    http_status = 404
    message = N_("There is no API token %(id)s.")
