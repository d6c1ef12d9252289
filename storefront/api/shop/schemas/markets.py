from marshmallow import Schema, fields

from storefront.api.fields import ContextSchema


class MarketSchema(Schema):
    code = fields.String(required=True, metadata={"example": "CH"})
    name = fields.String(required=True, metadata={"example": "Schweiz"})
    currency = fields.String(required=True, metadata={"example": "CHF"})
    locales = fields.List(fields.String(), required=True, metadata={"description": "Primary first."})
    primary_locale = fields.String(required=True)
    countries = fields.List(fields.String(), required=True)
    prices_include_tax = fields.Boolean(required=True)
    is_default = fields.Boolean(required=True)


class MarketListSchema(Schema):
    items = fields.List(fields.Nested(MarketSchema), required=True)
    next_cursor = fields.String(allow_none=True, required=True)
    context = fields.Nested(ContextSchema, required=True)
