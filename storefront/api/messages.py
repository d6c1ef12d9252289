"""User-facing messages of the HTTP layer, marked for extraction.

The field messages of marshmallow and webargs are English; the ones listed
here are in our catalogs, so ``translate_messages`` can show them in the
response locale (others pass through unchanged)."""
from __future__ import annotations

from typing import Any

from flask_babel import gettext

from storefront.errors import N_

HTTP_ERRORS: dict[int, tuple[str, str]] = {
    400: ("bad_request", N_("The request is malformed.")),
    401: ("unauthorized", N_("Authentication is required.")),
    403: ("forbidden", N_("You are not allowed to do this.")),
    404: ("not_found", N_("The requested resource was not found.")),
    405: ("method_not_allowed", N_("This method is not allowed on this resource.")),
    406: ("not_acceptable", N_("The requested representation is not available.")),
    409: ("conflict", N_("The request conflicts with the current state of the resource.")),
    413: ("payload_too_large", N_("The request body is too large.")),
    414: ("uri_too_long", N_("The request URL is too long.")),
    415: ("unsupported_media_type", N_("Send the request body as application/json.")),
    422: ("validation_error", N_("The submitted data is not valid.")),
    429: ("too_many_requests", N_("Too many requests. Please slow down.")),
    431: ("headers_too_large", N_("The request headers are too large.")),
    500: ("internal_error", N_("Something went wrong on our side. Please try again.")),
    503: ("service_unavailable", N_("The service is temporarily unavailable.")),
}

# marshmallow / webargs field messages we translate.
FIELD_MESSAGES = (
    N_("Missing data for required field."),
    N_("Unknown field."),
    N_("Field may not be null."),
    N_("Not a valid string."),
    N_("Not a valid integer."),
    N_("Not a valid number."),
    N_("Not a valid boolean."),
    N_("Not a valid decimal."),
    N_("Not a valid email address."),
    N_("Not a valid datetime."),
    N_("Not a valid date."),
    N_("Invalid input type."),
    N_("Invalid value."),
    N_("Invalid JSON body."),
)


def translate_messages(messages: Any) -> Any:
    """Translate field messages recursively (lists, dicts, strings)."""
    if isinstance(messages, dict):
        return {key: translate_messages(value) for key, value in messages.items()}
    if isinstance(messages, (list, tuple)):
        return [translate_messages(m) for m in messages]
    if isinstance(messages, str):
        return gettext(messages)
    return messages
