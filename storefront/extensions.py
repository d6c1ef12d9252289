"""Flask extensions, created unbound; ``create_app`` binds them."""
from __future__ import annotations

from urllib.parse import parse_qsl

import marshmallow as ma
from flask import Request
from flask_babel import Babel
from flask_migrate import Migrate
from flask_smorest import Api
from flask_smorest.arguments import ArgumentsMixin
from flask_sqlalchemy import SQLAlchemy
from webargs.flaskparser import FlaskParser
from werkzeug.datastructures import ImmutableMultiDict

from storefront.db import Base


class SchemaOnceParser(FlaskParser):
    """webargs builds the schema class given to ``@blp.arguments`` anew for
    every request (~0.3 ms: marshmallow deep-copies its declared fields);
    loading never changes a schema, so one instance per class serves them all."""

    def _get_schema(self, argmap, req):
        if isinstance(argmap, type) and issubclass(argmap, ma.Schema):
            return schema_instance(argmap)
        return super()._get_schema(argmap, req)


_built: dict[type, ma.Schema] = {}


def schema_instance(schema: type[ma.Schema]) -> ma.Schema:
    """The one instance of an arguments schema class (built once: ~0.3 ms)."""
    instance = _built.get(schema)
    if instance is None:
        instance = _built[schema] = schema()
    return instance


# Before any blueprint is declared: @blp.arguments binds the parser when it decorates a view.
ArgumentsMixin.ARGUMENTS_PARSER = SchemaOnceParser()

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
babel = Babel()
api = Api()


class QueryArgs(ImmutableMultiDict):
    """``request.args`` whose ``get`` of a missing key returns the default
    without raising: werkzeug's goes through ``self[key]``, which builds a
    ``BadRequestKeyError`` (an HTTP exception) to catch it again, and webargs
    asks for every field of a query schema (~25 µs a listing request)."""

    def get(self, key, default=None, type=None):  # noqa: A002 - werkzeug's signature
        values = dict.get(self, key)
        if not values:
            return default
        if type is None:
            return values[0]
        try:
            return type(values[0])
        except (ValueError, TypeError):
            return default


class StorefrontRequest(Request):
    parameter_storage_class = QueryArgs


def query_args(environ: dict) -> QueryArgs:
    """``request.args`` of a WSGI environ, parsed as werkzeug parses it, without a Request object."""
    query = environ.get("QUERY_STRING", "").encode("latin1").decode()
    return QueryArgs(parse_qsl(query, keep_blank_values=True, errors="werkzeug.url_quote"))
