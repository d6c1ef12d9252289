"""Merchant tax override schemas."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate

# food_general: other food where the food rate covers only staples (AT, LV, ES; storefront/tax/data/rates.json).
CATEGORIES = ("standard", "reduced", "super_reduced", "zero", "books", "food", "food_general", "beverage_alcohol")
TAXES = ("VAT", "GST", "HST", "PST", "QST", "RST", "JCT", "Sales tax")


class TaxOverrideCreateSchema(Schema):
    jurisdiction = fields.String(required=True, validate=validate.Length(min=2, max=8),
                                 metadata={"example": "DE", "description": "A country or state/province: DE, CA-QC, US-CA."})
    tax = fields.String(required=True, validate=validate.OneOf(TAXES, error=_l("Must be one of: {choices}.")),
                        metadata={"example": "VAT"})
    category = fields.String(required=True,
                             validate=validate.OneOf(CATEGORIES, error=_l("Must be one of: {choices}.")),
                             metadata={"example": "books"})
    rate = fields.String(required=True, metadata={"example": "5.5", "description": "Percent, 0 to 100, as a decimal string."})
    valid_from = fields.Date(required=True)
    valid_to = fields.Date(allow_none=True, load_default=None,
                           metadata={"description": "Exclusive; null: until further notice."})


class TaxOverrideSchema(Schema):
    id = fields.Integer(required=True)
    jurisdiction = fields.String(required=True)
    tax = fields.String(required=True)
    category = fields.String(required=True)
    rate = fields.Function(lambda r: f"{r.rate.normalize():f}", required=True, metadata={"example": "5.5"})
    valid_from = fields.Date(required=True)
    valid_to = fields.Date(allow_none=True, required=True)
    source = fields.String(required=True)
    origin = fields.String(required=True)


class TaxOverrideListSchema(Schema):
    items = fields.List(fields.Nested(TaxOverrideSchema), required=True)


class TaxOverrideArgsSchema(Schema):
    jurisdiction = fields.String(metadata={"description": "Only this jurisdiction's overrides."})
