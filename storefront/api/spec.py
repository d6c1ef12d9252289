"""The flask-smorest Api: OpenAPI document at /api/v1/openapi.json."""
from __future__ import annotations

from flask import Flask

from marshmallow import Schema, fields
from werkzeug.routing import BaseConverter, IntegerConverter

from storefront.extensions import api

API_PREFIX = "/api/v1"


class ErrorBodySchema(Schema):
    code = fields.String(required=True, metadata={"example": "out_of_stock"})
    message = fields.String(required=True, metadata={"description": "In the response locale."})
    details = fields.Dict(required=True)


class ErrorSchema(Schema):
    """The one error envelope (API.md)."""

    error = fields.Nested(ErrorBodySchema, required=True)


class IdConverter(IntegerConverter):
    """``<int:id>`` bounded to the database's 32-bit ids: a larger number is a
    404 like any unknown id, never an overflow in the driver."""

    def __init__(self, map, *args, **kwargs):  # noqa: A002 - werkzeug's signature
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


#: What every string of a request may hold (storefront.api.observability refuses a NUL
#: anywhere with 400 invalid_characters), documented on each string without a pattern.
NO_NUL = "^[^\\u0000]*$"
#: A well-formed language tag the API reads: language[-Script][-Region] (storefront.i18n.fallback
#: request_tag accepts more: variants, truncated extensions; this is what a client should send).
LOCALE_PATTERN = "^[A-Za-z]{2,3}(-[A-Z][a-z]{3})?(-([A-Z]{2}|[0-9]{3}))?$"
COUNTRY_PATTERN = "^[A-Za-z]{2}$"


class LocaleConverter(BaseConverter):
    """``<locale:locale>``: any path segment (a malformed tag is the view's 422
    invalid_locale, not a 404), documented with the tag's pattern."""


def _string_constraints(self, field, ret, **_kwargs) -> dict:
    """apispec attribute function: the NUL refusal on every string that has no pattern of its own."""
    if isinstance(field, fields.String) and "pattern" not in ret and "enum" not in ret:
        return {"pattern": NO_NUL}
    return {}


def init_app(app: Flask) -> None:
    app.url_map.converters["int"] = IdConverter
    app.url_map.converters["locale"] = LocaleConverter
    app.config.setdefault("API_TITLE", "Storefront API")
    app.config.setdefault("API_VERSION", "v1")
    app.config.setdefault("OPENAPI_VERSION", "3.0.3")
    app.config.setdefault("OPENAPI_URL_PREFIX", API_PREFIX)
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    app.config.setdefault(
        "API_SPEC_OPTIONS",
        {
            "info": {
                "description": (
                    "One product catalog, many markets. Every shopper endpoint resolves a market "
                    "and a locale from `market`/`X-Market`, `locale`, `Accept-Language`, "
                    "`X-Country` and the default market, in that order."
                )
            },
            "components": {
                "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}
            },
        },
    )
    api.ERROR_SCHEMA = ErrorSchema
    api.init_app(app)
    api.register_converter(LocaleConverter, lambda _converter: {"type": "string", "pattern": LOCALE_PATTERN})
    if _string_constraints not in getattr(api.ma_plugin.converter, "_storefront_added", ()):
        api.ma_plugin.converter.add_attribute_function(_string_constraints)
        api.ma_plugin.converter._storefront_added = (_string_constraints,)
