"""The flask-smorest Api: OpenAPI document at /api/v1/openapi.json."""
from __future__ import annotations

from flask import Flask

from marshmallow import Schema, fields
from werkzeug.routing import IntegerConverter

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


def init_app(app: Flask) -> None:
    app.url_map.converters["int"] = IdConverter
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
