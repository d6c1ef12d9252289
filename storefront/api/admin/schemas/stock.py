"""Schemas of the merchant stock and warehouse endpoints."""
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate


class StockItemSchema(Schema):
    warehouse = fields.String(required=True)
    quantity = fields.Integer(required=True)
    reserved = fields.Integer(required=True)
    available = fields.Integer(required=True)


class StockListSchema(Schema):
    sku = fields.String(required=True)
    items = fields.List(fields.Nested(StockItemSchema), required=True)


class StockSetSchema(Schema):
    quantity = fields.Integer(required=True, validate=validate.Range(min=0, max=10_000_000,
                                                                     error=_l("Must be between {min} and {max}.")))


class WarehouseSchema(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    country = fields.String(required=True)
    markets = fields.List(fields.String(), required=True)


class WarehouseListSchema(Schema):
    items = fields.List(fields.Nested(WarehouseSchema), required=True)


class WarehouseCreateSchema(Schema):
    code = fields.String(required=True, validate=validate.Regexp(r"^[A-Z0-9-]{2,32}$",
                                                                error=_l("Use upper-case letters, digits and -.")))
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    country = fields.String(required=True, validate=validate.Regexp(r"^[A-Z]{2}$"))
    markets = fields.List(fields.String(), load_default=list)


class WarehouseUpdateSchema(Schema):
    name = fields.String(validate=validate.Length(min=1, max=100))
    markets = fields.List(fields.String())
