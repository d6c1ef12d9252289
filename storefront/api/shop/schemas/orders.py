from datetime import timezone

from marshmallow import Schema, fields, validate

from storefront.api.fields import ContextSchema, MoneySchema, NoticeSchema, ShopperArgsSchema, TaxLineSchema


class LineTaxSchema(Schema):
    name = fields.String(required=True, metadata={"description": "The tax's name in the response locale."})
    tax = fields.String(metadata={"description": "The tax's identifier (VAT, GST, QST ...), as in tax_lines."})
    rate = fields.String(required=True)
    jurisdiction = fields.String(required=True)
    amount = fields.Nested(MoneySchema, required=True)


class OrderLineSchema(Schema):
    sku = fields.String(required=True)
    name = fields.String(required=True)
    quantity = fields.Integer(required=True)
    unit_price = fields.Nested(MoneySchema, required=True)
    net = fields.Nested(MoneySchema, required=True)
    tax = fields.Nested(MoneySchema, required=True)
    total = fields.Nested(MoneySchema, required=True)
    taxes = fields.List(fields.Nested(LineTaxSchema), required=True)


class OrderTotalsSchema(Schema):
    subtotal = fields.Nested(MoneySchema, required=True)
    shipping = fields.Nested(MoneySchema, required=True)
    tax = fields.Nested(MoneySchema, required=True)
    duties = fields.Nested(MoneySchema, required=True)
    total = fields.Nested(MoneySchema, required=True)
    tax_included = fields.Boolean(required=True)
    tax_lines = fields.List(fields.Nested(TaxLineSchema), required=True)
    notices = fields.List(fields.Nested(NoticeSchema), required=True)
    paid = fields.Nested(MoneySchema, required=True)
    refunded = fields.Nested(MoneySchema, required=True)


class FxSnapshotSchema(Schema):
    base = fields.String(required=True)
    rate = fields.String(allow_none=True, required=True)


class OrderSchema(Schema):
    id = fields.Integer(required=True)
    token = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(
        ["pending_payment", "paid", "canceled", "refunded", "partially_refunded"]))
    market = fields.String(required=True)
    currency = fields.String(required=True)
    locale = fields.String(required=True)
    lines = fields.List(fields.Nested(OrderLineSchema), required=True)
    totals = fields.Nested(OrderTotalsSchema, required=True)
    address = fields.Dict(required=True)
    shipping_method = fields.Dict(allow_none=True, required=True, metadata={
        "description": "`{id, code, name, min_days, max_days, delivery_days: {min, max}}` as at checkout "
                       "(`delivery_days` as carts spell it).",
        "example": {"id": 1, "code": "standard", "name": "Standard", "min_days": 2, "max_days": 4,
                    "delivery_days": {"min": 2, "max": 4}}})
    tax = fields.Dict(required=True)
    duties = fields.Dict(required=True)
    fx_rate = fields.Nested(FxSnapshotSchema, required=True)
    created_at = fields.DateTime(required=True)
    paid_at = fields.DateTime(allow_none=True, required=True)


class PaymentSchema(Schema):
    provider = fields.String(required=True)
    client_secret = fields.String(required=True)
    payment_intent_id = fields.String(required=True)
    amount_minor = fields.Integer(required=True)
    currency = fields.String(required=True)


class CheckoutResultSchema(Schema):
    order = fields.Nested(OrderSchema, required=True)
    payment = fields.Nested(PaymentSchema, required=True)


class OrderDetailSchema(OrderSchema):
    context = fields.Nested(ContextSchema)


class OrderArgsSchema(ShopperArgsSchema):
    pass


class RefundCreateSchema(Schema):
    amount = fields.String(load_default=None, metadata={"description": "Default: everything not yet refunded."})
    reason = fields.String(load_default=None, validate=validate.OneOf(["duplicate", "fraudulent", "requested_by_customer"]))


class RefundSchema(Schema):
    id = fields.Integer(required=True)
    provider_refund_id = fields.String(allow_none=True, required=True)
    amount = fields.Nested(MoneySchema, required=True)
    status = fields.String(required=True)
    reason = fields.String(allow_none=True, required=True)


class AdminOrderSchema(OrderSchema):
    email = fields.String(required=True)
    payment_intent_id = fields.String(allow_none=True, required=True)
    flag = fields.String(allow_none=True, required=True,
                         metadata={"description": "Why the merchant must look at the order: refund_required "
                                   "(paid after it was canceled, stock gone), amount_mismatch, currency_mismatch."})
    flagged_at = fields.DateTime(allow_none=True, required=True)
    refunds = fields.List(fields.Nested(RefundSchema), required=True)


class AdminOrderListSchema(Schema):
    items = fields.List(fields.Nested(AdminOrderSchema), required=True)
    next_cursor = fields.String(allow_none=True, required=True)


class AdminOrderArgsSchema(Schema):
    market = fields.String()
    status = fields.String(validate=validate.OneOf(["pending_payment", "paid", "canceled", "refunded", "partially_refunded"]))
    since = fields.AwareDateTime(default_timezone=timezone.utc)  # naive: UTC
    until = fields.AwareDateTime(default_timezone=timezone.utc)
    flagged = fields.Boolean(metadata={"description": "Only flagged (true) or unflagged (false) orders."})
    limit = fields.Integer(load_default=24, validate=validate.Range(min=1, max=100))
    cursor = fields.String()
