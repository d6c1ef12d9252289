"""Domain errors: a stable snake_case ``code`` and an ``http_status``.

Pure: no Flask import. Messages are English gettext msgids marked with ``N_``
so ``pybabel extract -k N_`` collects them; the API edge translates them in the
response locale (``storefront/api/errors.py``) and interpolates ``params``.
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
        **params: Any,
    ) -> None:
        if message is not None:
            self.message = message
        self.details = details or {}
        self.params = params
        super().__init__(self.message % params if params else self.message)

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
