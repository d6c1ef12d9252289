from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate

from storefront.catalog.services import STATUSES, TAX_CATEGORIES
from storefront.tax.taxability import product_codes

_TAX_CODE = ("A product tax code: Stripe's (txcd_...) or a project sub-code (sf_...), listed with their rules in "
             "storefront/tax/data/taxability.json. Sets tax_category to the category the code stands for.")

_LEN = _l("Length must be between {min} and {max}.")


class TranslationInputSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=255, error=_LEN))
    slug = fields.String(load_default=None, validate=validate.Length(min=1, max=200, error=_LEN), metadata={
        "description": "Optional: without one a translation keeps its slug, a new one gets a slug derived from "
                       "the name (ASCII, lower case, hyphens; -2, -3 ... when taken in the locale)."})
    description = fields.String(load_default="", validate=validate.Length(max=10_000))


class VariantInputSchema(Schema):
    sku = fields.String(required=True, validate=validate.Regexp(r"^[A-Z0-9][A-Z0-9._-]{0,63}$",
                                                               error=_l("Use upper-case letters, digits, . _ and -.")))
    base_price = fields.String(load_default=None)
    options = fields.Dict(keys=fields.String(), values=fields.String(), load_default=dict)


class ProductCreateSchema(Schema):
    key = fields.String(required=True, validate=validate.Regexp(r"^[a-z0-9][a-z0-9-]{0,99}$",
                                                               error=_l("Use lower-case letters, digits and -.")))
    category = fields.String(required=True)
    status = fields.String(load_default="active", validate=validate.OneOf(STATUSES))
    tax_category = fields.String(validate=validate.OneOf(TAX_CATEGORIES), metadata={"default": "standard"})
    tax_code = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(product_codes()),
                             metadata={"description": _TAX_CODE})
    hs_code = fields.String(load_default=None, validate=validate.Regexp(r"^\d{4,10}$"))
    origin = fields.String(load_default=None, validate=validate.Regexp(r"^[A-Z]{2}$"))
    weight_grams = fields.Integer(load_default=None, validate=validate.Range(min=0, max=1_000_000))
    markets = fields.List(fields.String(), load_default=None)
    options = fields.List(fields.String(), load_default=list)
    translations = fields.Dict(keys=fields.String(), values=fields.Nested(TranslationInputSchema), required=True)
    variants = fields.List(fields.Nested(VariantInputSchema), required=True, validate=validate.Length(min=1, max=200))


class ProductUpdateSchema(Schema):
    category = fields.String()
    status = fields.String(validate=validate.OneOf(STATUSES))
    tax_category = fields.String(validate=validate.OneOf(TAX_CATEGORIES), metadata={
        "description": "Alone, on a product with a tax code of another category: clears the code."})
    tax_code = fields.String(allow_none=True, validate=validate.OneOf(product_codes()),
                             metadata={"description": _TAX_CODE + " null: taxed by tax_category alone."})
    hs_code = fields.String(allow_none=True, validate=validate.Regexp(r"^\d{4,10}$"))
    origin = fields.String(allow_none=True, validate=validate.Regexp(r"^[A-Z]{2}$"))
    weight_grams = fields.Integer(allow_none=True, validate=validate.Range(min=0, max=1_000_000))


class MarketsSetSchema(Schema):
    markets = fields.List(fields.String(), required=True)


class AdminProductSchema(Schema):
    id = fields.Integer(required=True)
    key = fields.String(required=True)
    status = fields.String(required=True)
    category = fields.String(allow_none=True, required=True)
    tax_category = fields.String(required=True)
    tax_code = fields.String(allow_none=True)
    hs_code = fields.String(allow_none=True)
    origin = fields.String(allow_none=True)
    weight_grams = fields.Integer(allow_none=True)
    markets = fields.List(fields.String(), required=True)
    options = fields.List(fields.String(), required=True)
    translations = fields.Dict(required=True)
    variants = fields.List(fields.Dict(), required=True)


class AdminProductListSchema(Schema):
    items = fields.List(fields.Nested(AdminProductSchema), required=True)
    next_cursor = fields.String(allow_none=True, required=True)


class AdminProductArgsSchema(Schema):
    status = fields.String(validate=validate.OneOf(STATUSES))
    q = fields.String()
    limit = fields.Integer(load_default=24, validate=validate.Range(min=1, max=100))
    cursor = fields.String()


class DeleteResultSchema(Schema):
    result = fields.String(required=True, metadata={"description": "deleted, or archived when it has orders"})


class VariantUpdateSchema(Schema):
    base_price = fields.String(allow_none=True)
    position = fields.Integer(validate=validate.Range(min=0, max=10_000))


class StatusRowSchema(Schema):
    product_id = fields.Integer(required=True)
    key = fields.String(required=True)
    market = fields.String(required=True)
    locale = fields.String(required=True)
    state = fields.String(required=True, validate=validate.OneOf(["missing", "outdated"]))
    falls_back_to = fields.String(allow_none=True, required=True)


class CategoryStatusRowSchema(Schema):
    category_id = fields.Integer(required=True)
    key = fields.String(required=True)
    locale = fields.String(required=True)
    state = fields.String(required=True, validate=validate.OneOf(["missing", "outdated"]))
    falls_back_to = fields.String(allow_none=True, required=True)


class StatusReportSchema(Schema):
    missing = fields.Integer(required=True)
    outdated = fields.Integer(required=True)
    items = fields.List(fields.Nested(StatusRowSchema), required=True)
    categories = fields.List(fields.Nested(CategoryStatusRowSchema), metadata={
        "description": "Categories lacking a locale of the market(s), or translated before their source text changed."})


class CustomsRowSchema(Schema):
    product_id = fields.Integer(required=True)
    key = fields.String(required=True)
    missing = fields.List(fields.String(validate=validate.OneOf(["hs_code", "origin"])), required=True)
    markets = fields.List(fields.String(), required=True)


class CustomsReportSchema(Schema):
    missing_tariff_code = fields.Integer(required=True, metadata={
        "description": "Products without an HS code: checkout across a customs border refuses them."})
    missing_origin = fields.Integer(required=True, metadata={
        "description": "Products without a country of origin: no preferential rate applies."})
    items = fields.List(fields.Nested(CustomsRowSchema), required=True)


class CustomsArgsSchema(Schema):
    market = fields.String()


class StatusArgsSchema(Schema):
    market = fields.String()
    state = fields.String(validate=validate.OneOf(["missing", "outdated"]))
