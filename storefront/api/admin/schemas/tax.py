from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate

from storefront.api.duties import DutyDetailsSchema
from storefront.api.fields import MoneySchema, NoticeSchema, TaxLineSchema  # noqa: F401  (the preview's)


class RatesQueryArgsSchema(Schema):
    country = fields.String(metadata={"description": "ISO country code; all countries when absent."})
    date = fields.Date(metadata={"description": "The rates in force on this date (default today)."})


class RateSchema(Schema):
    jurisdiction = fields.String(required=True)
    name = fields.String(required=True)
    country = fields.String(required=True)
    region = fields.String(allow_none=True, required=True)
    tax = fields.String(required=True)
    category = fields.String(required=True)
    rate = fields.Function(lambda r: f"{r.rate.normalize():f}", required=True)
    valid_from = fields.Date(required=True)
    valid_to = fields.Date(allow_none=True, required=True)
    source = fields.String(required=True)
    origin = fields.String(required=True)


class RateListSchema(Schema):
    date = fields.Date(required=True)
    items = fields.List(fields.Nested(RateSchema), required=True)


class PreviewItemSchema(Schema):
    sku = fields.String(required=True)
    quantity = fields.Integer(required=True, validate=validate.Range(min=1, max=999, error=_l("Must be between {min} and {max}.")))


class PreviewAddressSchema(Schema):
    country = fields.String(required=True, validate=validate.Length(equal=2, error=_l("Must be a two-letter country code.")))
    region = fields.String(load_default=None)
    # territories outside the EU VAT area and Northern Ireland are found by postal code (storefront.tax.territories)
    postal_code = fields.String(load_default=None)
    city = fields.String(load_default=None)


class PreviewSchema(Schema):
    market = fields.String(required=True)
    items = fields.List(fields.Nested(PreviewItemSchema), required=True, validate=validate.Length(min=1, max=100))
    address = fields.Nested(PreviewAddressSchema, required=True)
    vat_id = fields.String(load_default=None)
    shipping = fields.Decimal(load_default=None, as_string=True)
    date = fields.Date(load_default=None)


class ComponentTaxSchema(Schema):
    name = fields.String(required=True)
    rate = fields.Function(lambda t: f"{t['rate'].normalize():f}", required=True)
    jurisdiction = fields.String(required=True)
    amount = fields.Nested(MoneySchema, required=True)


class TaxedLineSchema(Schema):
    key = fields.String(required=True)
    quantity = fields.Integer()
    net = fields.Nested(MoneySchema, required=True)
    tax = fields.Nested(MoneySchema, required=True)
    gross = fields.Nested(MoneySchema, required=True)
    taxes = fields.List(fields.Nested(ComponentTaxSchema), required=True)
    jurisdiction = fields.String(required=True)
    rule = fields.String(required=True)
    tax_code = fields.String(allow_none=True, metadata={
        "description": "The product's tax code (goods lines): the jurisdiction's taxability of it applied."})


class TotalsSchema(Schema):
    net = fields.Nested(MoneySchema, required=True)
    tax = fields.Nested(MoneySchema, required=True)
    gross = fields.Nested(MoneySchema, required=True)


class PreviewDutiesSchema(DutyDetailsSchema):
    crosses_border = fields.Boolean(required=True)
    rule = fields.String(required=True)
    incoterm = fields.String(required=True)
    estimated = fields.Nested(MoneySchema, required=True)
    charged = fields.Nested(MoneySchema, required=True, metadata={"description": "Charged at checkout (DDP)."})
    vat_at_border = fields.Boolean(
        required=True, metadata={"description": "Import VAT collected on delivery; under DAP checkout charges none."})


class PreviewResultSchema(Schema):
    market = fields.String(required=True)
    currency = fields.String(required=True)
    jurisdiction = fields.String(required=True)
    rule = fields.String(required=True)
    origin_country = fields.String(required=True)
    seller_vat_id = fields.String(allow_none=True, required=True)
    buyer_vat_id = fields.String(allow_none=True, required=True)
    tax_provider = fields.String(required=True, metadata={
        "description": "Who computed the taxes: builtin (the rate tables) or stripe (Stripe Tax, TAX_PROVIDER)."})
    tax_calculation_id = fields.String(allow_none=True, required=True, metadata={
        "description": "The provider's calculation (Stripe's taxcalc_...), null for the built-in tables."})
    lines = fields.List(fields.Nested(TaxedLineSchema), required=True)
    shipping = fields.List(fields.Nested(TaxedLineSchema), required=True)
    tax_lines = fields.List(fields.Nested(TaxLineSchema), required=True)
    notices = fields.List(fields.Nested(NoticeSchema), required=True)
    totals = fields.Nested(TotalsSchema, required=True)
    duties = fields.Nested(PreviewDutiesSchema, required=True)
