"""One error envelope for everything (API.md):
``{"error": {"code", "message", "details"}}`` with a translated message.

Domain errors (StorefrontError), webargs/marshmallow validation errors and
werkzeug HTTP errors all end here; the catch-all 500 logs and leaks nothing."""
from __future__ import annotations

import logging
import re
from typing import Any

from flask import Flask, Response, jsonify, request
from flask_babel import get_locale, gettext
from werkzeug.exceptions import HTTPException, RequestHeaderFieldsTooLarge, RequestURITooLarge

from storefront.api.messages import HTTP_ERRORS, translate_messages
from storefront.errors import StorefrontError

log = logging.getLogger("storefront.errors")


def error_response(status: int, code: str, message: str, details: dict[str, Any] | None = None) -> Response:
    response = jsonify({"error": {"code": code, "message": message, "details": details or {}}})
    response.status_code = status
    return response


def handle_storefront_error(err: StorefrontError) -> Response:
    params = err.display_params(_territory_name)
    message = gettext(err.message, **params) if params else gettext(err.message)
    response = error_response(err.http_status, err.code, message, err.render_details(_translate))
    if err.http_status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="storefront"'
    if err.http_status == 429 and "seconds" in err.params:
        response.headers["Retry-After"] = str(err.params["seconds"])
    return response


def _territory_name(code: str) -> str | None:
    """A country's or territory's name in the response locale (CLDR, via Babel): "Guam"."""
    locale = get_locale()
    return locale.territories.get(code.upper()) if locale is not None else None


def _translate(message: str, **params: Any) -> str:
    return gettext(message, **params) if params else gettext(message)


def handle_http_exception(err: HTTPException) -> Response:
    status = err.code or 500
    data = getattr(err, "data", None) or {}
    messages = data.get("messages")
    if messages is not None and status in (400, 422):
        return _validation_error(status, messages, data.get("schema"))
    code, message = HTTP_ERRORS.get(status, ("http_error", None))
    response = error_response(status, code, gettext(message) if message else err.name)
    for header, value in err.get_headers():
        if header.lower() in ("allow", "retry-after", "www-authenticate"):
            response.headers[header] = value
    return response


def _validation_error(status: int, messages: dict[str, Any], schema: Any = None) -> Response:
    """webargs puts field errors under their location (query, json, headers).

    A query parameter that does not parse (``limit=abc``: not an integer) is
    malformed, 400; one that parses but breaks a documented constraint
    (``limit=1000``: at most 100; a ``sort`` not among the choices) fails
    validation, 422 (API.md: "400 malformed, 422 validation"). The code is
    ``invalid_parameter`` either way."""
    locations = set(messages)
    details = {"fields": translate_messages(_merge(messages))}
    if "json" in locations and _is_malformed_json(messages["json"]):
        return error_response(400, "malformed_json", gettext("The request body is not valid JSON."))
    if locations <= {"query", "querystring", "headers", "view_args"}:
        status = 400 if _malformed(_merge(messages), schema) else 422
        return error_response(status, "invalid_parameter", gettext("A query parameter is not valid."), details)
    return error_response(422, "validation_error", gettext("The submitted data is not valid."), details)


# Field error messages that say a value does not parse as its type (marshmallow's own keys).
_TYPE_ERRORS = ("invalid", "invalid_utf8", "too_large", "special", "format", "type")


def _malformed(by_field: dict[str, Any], schema: Any) -> bool:
    """Whether any error says a value does not parse (rather than breaking a validator).
    Unknown parameters and fields the schema does not name count as malformed."""
    fields = {f.data_key or name: f for name, f in getattr(schema, "fields", {}).items()}
    for name, errors in by_field.items():
        field = fields.get(name)
        if field is None:
            return True
        inner = getattr(field, "inner", None)
        typed = [_template(f.error_messages[k]) for f in (field, inner) if f is not None
                 for k in _TYPE_ERRORS if k in f.error_messages]
        if any(t.fullmatch(str(message)) for t in typed for message in _flatten(errors)):
            return True
    return False


def _template(message: Any) -> re.Pattern:
    """A marshmallow message template ("Not a valid {obj_type}.") as a pattern of what it renders."""
    return re.compile(".*".join(re.escape(part) for part in re.split(r"\{[^}]*\}", str(message))), re.S)


def _flatten(errors: Any) -> list[Any]:
    if isinstance(errors, dict):
        return [m for value in errors.values() for m in _flatten(value)]
    if isinstance(errors, (list, tuple)):
        return [m for value in errors for m in _flatten(value)]
    return [errors]


def _merge(messages: dict[str, Any]) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for by_field in messages.values():
        if isinstance(by_field, dict):
            merged.update(by_field)
        else:
            merged.setdefault("_schema", by_field)
    return merged


def _is_malformed_json(by_field: Any) -> bool:
    """webargs reports an unparsable body as ``{"json": ["Invalid JSON body."]}``
    (or under ``_schema``)."""
    values = by_field.values() if isinstance(by_field, dict) else [by_field]
    return any("Invalid JSON body." in (v if isinstance(v, list) else [v]) for v in values)


def handle_database_error(err: Exception) -> Response:
    """SQLite's one write lock still taken after ``busy_timeout``: the shop is busy
    (503, try again in a moment), not broken. Any other database error is unexpected."""
    orig = getattr(err, "orig", None)
    if type(orig).__module__ == "sqlite3" and "database is locked" in str(orig):
        log.warning("SQLite write lock still taken after busy_timeout")
        response = error_response(503, "service_unavailable", gettext("The service is temporarily unavailable."))
        response.headers["Retry-After"] = "1"
        return response
    return handle_unexpected(err)


def handle_unexpected(err: Exception) -> Response:
    if isinstance(err, HTTPException):
        return handle_http_exception(err)
    log.exception("unhandled error")
    return error_response(500, "internal_error", gettext("Something went wrong on our side. Please try again."))


# What the app accepts of a request's head (config/gunicorn.conf.py lets larger
# heads through, so that it is the app that refuses them, in the envelope).
MAX_URL_BYTES = 8192
MAX_HEADER_FIELD_BYTES = 8190
MAX_HEADER_FIELDS = 100


def refuse_oversized_head() -> Response | None:
    """``before_request``: 414 for a URL, 431 for headers larger than the app
    accepts, with the error envelope (gunicorn's own answers are HTML)."""
    environ = request.environ
    uri = environ.get("RAW_URI") or environ.get("REQUEST_URI") or request.full_path
    if len(uri.encode("latin-1", "replace")) > MAX_URL_BYTES:
        return handle_http_exception(RequestURITooLarge())
    fields = [(k, v) for k, v in request.headers.items()]
    if len(fields) > MAX_HEADER_FIELDS or any(len(k) + len(v) + 2 > MAX_HEADER_FIELD_BYTES for k, v in fields):
        return handle_http_exception(RequestHeaderFieldsTooLarge())
    return None


def init_app(app: Flask) -> None:
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_oversized_head)
    app.register_error_handler(StorefrontError, handle_storefront_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(Exception, handle_unexpected)
