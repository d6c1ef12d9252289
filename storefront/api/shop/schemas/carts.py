"""Cart schemas (API.md "Carts")."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate

from storefront.api.duties import DutyDetailsSchema
from storefront.api.fields import ContextSchema, MoneySchema, NoticeSchema, ShopperArgsSchema, TaxLineSchema


class CartCreateSchema(Schema):
    pass


class ItemAddSchema(Schema):
    sku = fields.String(required=True, validate=validate.Length(min=1, max=64))
    quantity = fields.Integer(load_default=1, strict=True, validate=validate.Range(min=1, max=99, error=_l("Must be between {min} and {max}.")))


class ItemUpdateSchema(Schema):
    quantity = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=99, error=_l("Must be between {min} and {max}.")))


class AddressInputSchema(Schema):
    email = fields.String(required=True)
    name = fields.String(required=True)
    line1 = fields.String(required=True)
    line2 = fields.String(load_default=None)
    city = fields.String(required=True)
    postal_code = fields.String(load_default="")
    region = fields.String(load_default=None)
    country = fields.String(required=True)
    vat_id = fields.String(load_default=None)
    company = fields.String(load_default=None)


class ShippingMethodSetSchema(Schema):
    id = fields.Integer(required=True)


class CartTotalsSchema(Schema):
    subtotal = fields.Nested(MoneySchema, required=True)
    shipping = fields.Nested(MoneySchema, required=True)
    tax = fields.Nested(MoneySchema, required=True)
    duties = fields.Nested(MoneySchema, required=True)
    total = fields.Nested(MoneySchema, required=True)
    tax_included = fields.Boolean(required=True)
    tax_lines = fields.List(fields.Nested(TaxLineSchema), required=True)
    notices = fields.List(fields.Nested(NoticeSchema), required=True)


class CartItemSchema(Schema):
    sku = fields.String(required=True)
    name = fields.String(required=True)
    product_slug = fields.String(required=True)
    quantity = fields.Integer(required=True)
    unit_price = fields.Nested(MoneySchema, required=True)
    total = fields.Nested(MoneySchema, required=True)
    available = fields.Boolean(required=True)


class AddressSchema(Schema):
    email = fields.String()
    name = fields.String()
    company = fields.String(allow_none=True)
    line1 = fields.String()
    line2 = fields.String(allow_none=True)
    city = fields.String()
    postal_code = fields.String()
    region = fields.String(allow_none=True)
    country = fields.String()
    vat_id = fields.String(allow_none=True)


class DeliveryDaysSchema(Schema):
    min = fields.Integer(required=True, validate=validate.Range(min=0), metadata={"example": 2})
    max = fields.Integer(required=True, validate=validate.Range(min=0), metadata={"example": 4})


class ShippingMethodSchema(Schema):
    id = fields.Integer(required=True)
    code = fields.String(required=True)
    name = fields.String(required=True)
    price = fields.Nested(MoneySchema, required=True, metadata={
        "description": "What this cart pays for the method: `rate`, or 0 once the goods reach `free_over`."})
    rate = fields.Nested(MoneySchema, required=True, metadata={
        "description": "The method's base rate, whatever the cart (as merchants set it)."})
    free_over = fields.Nested(MoneySchema, allow_none=True, required=True, metadata={
        "description": "Goods subtotal from which the method is free; null: never free."})
    delivery_days = fields.Nested(DeliveryDaysSchema, required=True, metadata={
        "description": "Business days to delivery, as `{min, max}` (same figures as `min_days`/`max_days`)."})
    min_days = fields.Integer(required=True, validate=validate.Range(min=0), metadata={
        "description": "Fewest business days to delivery (as orders spell it)."})
    max_days = fields.Integer(required=True, validate=validate.Range(min=0), metadata={
        "description": "Most business days to delivery (as orders spell it)."})


class ShippingMethodListSchema(Schema):
    items = fields.List(fields.Nested(ShippingMethodSchema), required=True)
    next_cursor = fields.String(allow_none=True, required=True)
    context = fields.Nested(ContextSchema, required=True)


class CartTaxSchema(Schema):
    jurisdiction = fields.String(allow_none=True, required=True)
    rule = fields.String(allow_none=True, required=True)
    buyer_vat_id = fields.String(allow_none=True, required=True)
    seller_vat_id = fields.String(allow_none=True, required=True)


class CartDutiesSchema(DutyDetailsSchema):
    crosses_border = fields.Boolean(required=True)
    rule = fields.String(required=True)
    incoterm = fields.String(required=True)
    estimated = fields.Nested(MoneySchema, required=True, metadata={
        "description": "The estimated customs duties (DDP: charged at checkout; DAP: due on delivery)."})
    import_vat = fields.Nested(MoneySchema, required=True, metadata={
        "description": "DAP with import VAT collected at the border: the estimated import VAT due on delivery, "
                       "at the destination's rates on the goods' net value, the shipping and the duties "
                       "(Switzerland: MWSTG SR 641.20 Art. 54, 8.1 % / 2.6 %, collected by BAZG); 0 otherwise."})
    due_on_delivery = fields.Nested(MoneySchema, required=True, metadata={
        "description": "What the shopper pays on delivery: DAP duties plus import VAT (the carrier's "
                       "clearance fee comes on top); 0 under DDP."})


class CartSchema(Schema):
    token = fields.String(required=True)
    market = fields.String(required=True)
    currency = fields.String(required=True)
    locale = fields.String(required=True)
    items = fields.List(fields.Nested(CartItemSchema), required=True)
    address = fields.Nested(AddressSchema, allow_none=True, required=True)
    shipping_method = fields.Nested(ShippingMethodSchema, allow_none=True, required=True)
    totals = fields.Nested(CartTotalsSchema, required=True)
    tax = fields.Nested(CartTaxSchema, required=True)
    duties = fields.Nested(CartDutiesSchema, allow_none=True, required=True)
    expires_at = fields.DateTime(required=True)
    context = fields.Nested(ContextSchema, required=True)


class CartArgsSchema(ShopperArgsSchema):
    pass


from storefront.api.shop.schemas.orders import CheckoutResultSchema  # noqa: E402,F401  (the checkout response)
