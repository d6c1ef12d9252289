"""Catalog schemas: the shapes of API.md, documented in the OpenAPI spec."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate
from webargs.fields import DelimitedList

from storefront.api.fields import ContextSchema, ListArgsSchema, MoneySchema, ShopperArgsSchema
from storefront.browse.queries import SORTS


class PriceSchema(Schema):
    net = fields.Nested(MoneySchema, required=True)
    gross = fields.Nested(MoneySchema, required=True)
    tax = fields.Nested(MoneySchema, required=True)
    tax_rate = fields.Method("dump_rate", required=True, metadata={
        "type": "string", "example": "19.00", "pattern": r"^[0-9]+\.[0-9]{2}$",
        "description": "Percent with exactly two decimals, as API.md shows it (\"19.00\", \"2.60\"); "
                       "tax lines and duties write percentages normalized (\"2.6\")."})
    tax_included = fields.Boolean(required=True)
    compare_at = fields.Nested(MoneySchema, allow_none=True, required=True)
    prior_price = fields.Nested(MoneySchema, allow_none=True, required=True)

    def dump_rate(self, price) -> str:
        return f"{price.tax_rate:.2f}"


class VariantOptionSchema(Schema):
    option = fields.String(required=True, metadata={"example": "color"})
    name = fields.String(required=True, metadata={"example": "Farbe"})
    value = fields.String(required=True, metadata={"example": "black"})
    value_name = fields.String(required=True, metadata={"example": "Schwarz"})


class VariantSchema(Schema):
    sku = fields.String(required=True)
    name = fields.String(required=True)
    available = fields.Boolean(required=True)
    options = fields.List(fields.Nested(VariantOptionSchema), required=True)
    price = fields.Nested(PriceSchema, required=True)


class CategoryRefSchema(Schema):
    id = fields.Integer(required=True)
    slug = fields.String(required=True)
    name = fields.String(required=True)


class AlternateSchema(Schema):
    locale = fields.String(required=True)
    market = fields.String(required=True)
    href = fields.String(required=True)


class ProductSchema(Schema):
    id = fields.Integer(required=True)
    slug = fields.String(required=True)
    name = fields.String(required=True)
    description = fields.String(required=True)
    category = fields.Nested(CategoryRefSchema, allow_none=True, required=True)
    price = fields.Nested(PriceSchema, required=True, metadata={"description": "The lowest variant's price."})
    variants = fields.List(fields.Nested(VariantSchema), required=True)
    alternates = fields.List(fields.Nested(AlternateSchema), metadata={
        "description": "hreflang alternates: always on GET /products/{slug}; on lists only with ?include=alternates."})
    created_at = fields.DateTime(required=True)


class CatalogContextSchema(ContextSchema):
    tax_country = fields.String(
        allow_none=True, required=True, validate=validate.Regexp(r"^[A-Z]{2}$"), metadata={
            "example": "ES",
            "description": "The country (ISO 3166-1 alpha-2) whose taxes the prices include: the shipping country "
                           "of `?cart=`, else X-Country, else the locale's region, when the market sells there, else the market's own tax country. "
                           "A multi-country market (EU) shows each shopper their country's VAT, as the cart will "
                           "charge it. null where prices include no country's taxes (net prices: US, CA)."})


class ProductDetailSchema(ProductSchema):
    context = fields.Nested(CatalogContextSchema, required=True)


class ProductListSchema(Schema):
    items = fields.List(fields.Nested(ProductSchema), required=True)
    next_cursor = fields.String(allow_none=True, required=True)
    context = fields.Nested(CatalogContextSchema, required=True)


def _cart_field() -> fields.String:
    return fields.String(validate=validate.Length(max=128, error=_l("Must be at most {max} characters long.")),
                         metadata={"description": "A cart token: prices include the taxes of the cart's shipping "
                                                  "country (see `context.tax_country`); an unknown token is ignored."})


class ProductQueryArgsSchema(ListArgsSchema):
    cart = _cart_field()
    q = fields.String(
        validate=validate.Length(max=200, error=_l("Must be at most {max} characters long.")),
        metadata={"description": "Search in names and descriptions (any case, any accents) or an exact SKU."},
    )
    category = fields.String(metadata={"description": "Category slug (any locale) or key."})
    sort = fields.String(
        load_default="name",
        validate=validate.OneOf(SORTS, error=_l("Must be one of: {choices}.")),
        metadata={"description": "name, price, -price or newest."},
    )
    include = DelimitedList(
        fields.String(validate=validate.OneOf(["alternates"], error=_l("Must be one of: {choices}."))),
        load_default=[],  # (read, never changed: one list serves every request)
        metadata={"description": "Comma-separated extras for each product: `alternates` (hreflang links, "
                                 "one per market and locale selling it; always on the product detail)."},
    )


class CategorySchema(Schema):
    id = fields.Integer(required=True)
    key = fields.String(required=True)
    slug = fields.String(required=True)
    name = fields.String(required=True)
    parent_id = fields.Integer(allow_none=True, required=True)
    product_count = fields.Integer(required=True)


class CategoryListSchema(Schema):
    items = fields.List(fields.Nested(CategorySchema), required=True)
    next_cursor = fields.String(allow_none=True, required=True)
    context = fields.Nested(ContextSchema, required=True)


class DetailArgsSchema(ShopperArgsSchema):
    cart = _cart_field()
