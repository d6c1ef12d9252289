"""The flask-smorest Api: OpenAPI document at /api/v1/openapi.json."""
from __future__ import annotations

from flask import Flask

from storefront.extensions import api

API_PREFIX = "/api/v1"


def init_app(app: Flask) -> None:
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
    api.init_app(app)
