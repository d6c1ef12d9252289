"""Merchant shipping schemas: the zones of a market and their methods."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate

from storefront.api.fields import MoneySchema

MAX_DAYS = 90
CODE_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,31}$"


def _name(**kwargs) -> fields.String:
    return fields.String(validate=validate.Length(min=1, max=100), **kwargs)


def _countries(**kwargs) -> fields.List:
    country = fields.String(validate=validate.Length(equal=2, error=_l("Must be a two-letter country code.")))
    return fields.List(country, metadata={"description": "Countries of the market; [] for the whole market."},
                       **kwargs)


def _code(**kwargs) -> fields.String:
    return fields.String(validate=validate.Regexp(CODE_PATTERN),
                         metadata={"example": "express", "description": "Lower case letters, digits, - and _ (max 32)."},
                         **kwargs)


def _names(**kwargs) -> fields.Dict:
    return fields.Dict(keys=fields.String(validate=validate.Length(min=2, max=35)), values=_name(),
                       metadata={"example": {"en": "Express", "de": "Expressversand"},
                                 "description": "The name per locale; \"en\" is required."}, **kwargs)


def _days(**kwargs) -> fields.Integer:
    return fields.Integer(validate=validate.Range(min=0, max=MAX_DAYS, error=_l("Must be between {min} and {max}.")),
                          **kwargs)


def _position(**kwargs) -> fields.Integer:
    return fields.Integer(validate=validate.Range(min=0, max=1000, error=_l("Must be between {min} and {max}.")),
                          metadata={"description": "Order among the zone's methods (default: last)."}, **kwargs)


class AdminShippingMethodSchema(Schema):
    id = fields.Integer(required=True)
    zone_id = fields.Integer(required=True)
    code = fields.String(required=True)
    names = fields.Dict(keys=fields.String(), values=fields.String(), required=True)
    rate = fields.Nested(MoneySchema, required=True)
    free_over = fields.Nested(MoneySchema, allow_none=True, required=True)
    min_days = fields.Integer(required=True)
    max_days = fields.Integer(required=True)
    position = fields.Integer(required=True)


class AdminShippingZoneSchema(Schema):
    id = fields.Integer(required=True)
    market = fields.String(required=True)
    name = fields.String(required=True)
    countries = fields.List(fields.String(), required=True,
                            metadata={"description": "Empty: every country of the market."})
    methods = fields.List(fields.Nested(AdminShippingMethodSchema), required=True)


class AdminShippingZoneListSchema(Schema):
    market = fields.String(required=True)
    currency = fields.String(required=True)
    items = fields.List(fields.Nested(AdminShippingZoneSchema), required=True)


class ShippingZoneCreateSchema(Schema):
    name = _name(required=True)
    countries = _countries(required=True)


class ShippingZoneUpdateSchema(Schema):
    name = _name()
    countries = _countries()


class ShippingMethodCreateSchema(Schema):
    code = _code(required=True)
    names = _names(required=True)
    rate = fields.String(required=True, metadata={"example": "9.90", "description": "Decimal string in the market currency."})
    free_over = fields.String(allow_none=True, load_default=None,
                              metadata={"example": "100.00", "description": "Free from this goods subtotal; null: never."})
    min_days = _days(required=True)
    max_days = _days(required=True)
    position = _position()


class ShippingMethodUpdateSchema(Schema):
    code = _code()
    names = _names()
    rate = fields.String(metadata={"example": "9.90", "description": "Decimal string in the market currency."})
    free_over = fields.String(allow_none=True, metadata={"description": "null: never free."})
    min_days = _days()
    max_days = _days()
    position = _position()


class ShippingMethodDeletedSchema(Schema):
    id = fields.Integer(required=True)
    deleted = fields.Boolean(required=True)
    carts_updated = fields.Integer(required=True,
                                   metadata={"description": "Carts that had chosen this method and now have none."})
