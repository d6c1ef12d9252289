"""Merchant pricing schemas (API.md "Merchant endpoints")."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from storefront.api.fields import MoneySchema


class PriceSetSchema(Schema):
    amount = fields.String(required=True, metadata={"example": "19.90", "description": "Decimal string in the market currency."})


class SaleInForceSchema(Schema):
    id = fields.Integer(required=True)
    amount = fields.Nested(MoneySchema, required=True)
    starts_at = fields.DateTime(required=True)
    ends_at = fields.DateTime(allow_none=True, required=True)
    prior_price = fields.Nested(MoneySchema, allow_none=True, required=True)


class MatrixCellSchema(Schema):
    market = fields.String(required=True)
    currency = fields.String(required=True)
    source = fields.String(required=True, validate=validate.OneOf(["explicit", "derived"]))
    net = fields.Function(lambda c: MoneySchema().dump(c.price.net), required=True)
    gross = fields.Function(lambda c: MoneySchema().dump(c.price.gross), required=True)
    tax = fields.Function(lambda c: MoneySchema().dump(c.price.tax), required=True)
    tax_rate = fields.Function(lambda c: f"{c.price.tax_rate:.2f}", required=True)
    tax_included = fields.Boolean(required=True)
    base = fields.Nested(MoneySchema, allow_none=True, required=True)
    fx_rate = fields.Function(lambda c: None if c.fx_rate is None else format(c.fx_rate.normalize(), "f"), allow_none=True)
    fx_date = fields.Date(allow_none=True, required=True)
    uplift = fields.Function(lambda c: None if c.uplift is None else f"{c.uplift:.2f}", allow_none=True)
    rule = fields.String(allow_none=True, required=True)
    sale = fields.Nested(SaleInForceSchema, allow_none=True, required=True)


class MatrixRowSchema(Schema):
    sku = fields.String(required=True)
    base_price = fields.Nested(MoneySchema, allow_none=True, required=True)
    markets = fields.List(fields.Nested(MatrixCellSchema), required=True)


class MatrixProductSchema(Schema):
    id = fields.Integer(required=True)
    key = fields.String(required=True)


class PriceMatrixSchema(Schema):
    product = fields.Nested(MatrixProductSchema, required=True)
    variants = fields.List(fields.Nested(MatrixRowSchema), required=True)


class FxRateSchema(Schema):
    base = fields.String(required=True)
    currency = fields.String(required=True)
    rate = fields.String(required=True)
    date = fields.Date(required=True)
    source = fields.String(required=True)


class FxRateListSchema(Schema):
    base = fields.String(required=True)
    items = fields.List(fields.Nested(FxRateSchema), required=True)


class FxRateQueryArgsSchema(Schema):
    currency = fields.String(metadata={"description": "Show this currency's history instead of the current rates."})


class FxRateSetSchema(Schema):
    rate = fields.String(required=True, metadata={"example": "0.3561", "description": "Units of the currency per 1 base unit."})
    date = fields.Date(metadata={"description": "Date the rate applies from (default today)."})


class FxRateSetResultSchema(FxRateSchema):
    repriced = fields.Integer(required=True, metadata={"description": "Derived prices that changed."})


class SaleCreateSchema(Schema):
    market = fields.String(required=True)
    amount = fields.String(required=True)
    starts_at = fields.AwareDateTime(required=True, default_timezone=None)
    ends_at = fields.AwareDateTime(allow_none=True, load_default=None)


class SaleSchema(Schema):
    id = fields.Integer(required=True)
    sku = fields.String(required=True)
    market = fields.String(required=True)
    amount = fields.Nested(MoneySchema, required=True)
    starts_at = fields.DateTime(required=True)
    ends_at = fields.DateTime(allow_none=True, required=True)


class SaleListSchema(Schema):
    items = fields.List(fields.Nested(SaleSchema), required=True)


class ExportArgsSchema(Schema):
    market = fields.String()


class ImportArgsSchema(Schema):
    dry_run = fields.Boolean(load_default=False)


class ChangeSchema(Schema):
    line = fields.Integer(required=True)
    sku = fields.String(required=True)
    market = fields.String(required=True)
    kind = fields.String(required=True)
    before = fields.String(allow_none=True, required=True)
    after = fields.String(allow_none=True, required=True)
    starts_at = fields.String(allow_none=True)
    ends_at = fields.String(allow_none=True)


class ImportResultSchema(Schema):
    changed = fields.Integer(required=True)
    dry_run = fields.Boolean(required=True)
    errors = fields.List(fields.Dict(), required=True)
    changes = fields.List(fields.Nested(ChangeSchema), required=True)

