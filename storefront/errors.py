"""Domain errors: a stable snake_case ``code`` and an ``http_status``.

Pure: no Flask import. Messages are English gettext msgids marked with ``N_``
so ``pybabel extract -k N_`` collects them; the API edge translates them in the
response locale (``storefront/api/errors.py``) and interpolates ``params``.

Every error class lives in an ``errors`` module: this one for the generic
errors of the core (money, pagination), ``storefront/<domain>/errors.py`` for
a domain's. One class per ``code`` (tests/unit/test_errors.py).
"""
from __future__ import annotations

from typing import Any, Callable


def N_(message: str) -> str:
    """Mark a string for extraction without translating it (gettext_noop)."""
    return message


class StorefrontError(Exception):
    code = "error"
    http_status = 400
    message = N_("The request could not be processed.")

    def __init__(
        self,
        message: str | None = None,
        *,
        details: dict[str, Any] | None = None,
        http_status: int | None = None,
        **params: Any,
    ) -> None:
        if message is not None:
            self.message = message
        if http_status is not None:
            # The same problem in another part of the request: a malformed query
            # parameter is 400, the same value in a request body 422.
            self.http_status = http_status
        self.details = details or {}
        self.params = params
        super().__init__(self.message % params if params else self.message)

    def display_params(self, territory_name: Callable[[str], str | None]) -> dict[str, Any]:
        """The message's parameters as the shopper reads them; ``territory_name(code)``
        is the edge's name of a country or territory in the response locale."""
        return self.params

    def render_details(self, translate: Callable[..., str]) -> dict[str, Any]:
        """The ``details`` of the error envelope; ``translate(msgid, **params)``
        is the edge's gettext, for errors that carry further messages."""
        return self.details


class NotFound(StorefrontError):
    code = "not_found"
    http_status = 404
    message = N_("The requested resource was not found.")


class Conflict(StorefrontError):
    code = "conflict"
    http_status = 409
    message = N_("The request conflicts with the current state of the resource.")


class ValidationFailed(StorefrontError):
    code = "validation_error"
    http_status = 422
    message = N_("The submitted data is not valid.")


class InvalidAmount(StorefrontError):
    code = "invalid_amount"
    http_status = 422
    message = N_("“%(amount)s” is not a valid price in %(currency)s: %(reason)s")


class InvalidCursor(StorefrontError):
    code = "invalid_cursor"
    http_status = 400
    message = N_("The cursor is not valid for this list. Start again from the first page.")


class RequestTimedOut(StorefrontError):
    """The request ran past REQUEST_TIMEOUT_SECONDS (storefront/api/deadline.py),
    or past gunicorn's worker timeout (storefront/serving.py)."""
    code = "request_timeout"
    http_status = 503
    message = N_("The request took too long and was stopped. Please try again.")
