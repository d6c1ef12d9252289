from marshmallow import Schema, fields, validate

from storefront.orders.subscriptions import EVENTS


class WebhookSubscriptionCreateSchema(Schema):
    url = fields.String(required=True, validate=validate.Length(min=1, max=2048),
                        metadata={"description": "HTTPS endpoint receiving signed POSTs."})
    events = fields.List(fields.String(validate=validate.OneOf(EVENTS)), required=True,
                         validate=validate.Length(min=1))
    description = fields.String(validate=[validate.Length(max=255), validate.Regexp(r"^[^\x00-\x1f\x7f]*$")],
                                allow_none=True)


class WebhookSubscriptionSchema(Schema):
    id = fields.Integer(required=True)
    url = fields.String(required=True)
    events = fields.List(fields.String(), required=True)
    description = fields.String(allow_none=True, required=True)
    created_by = fields.String(required=True)
    created_at = fields.DateTime(required=True)
    disabled_at = fields.DateTime(allow_none=True, required=True)


class WebhookSubscriptionCreatedSchema(WebhookSubscriptionSchema):
    secret = fields.String(required=True, metadata={
        "description": "Signs every payload (Storefront-Signature); shown once, store it now."})


class WebhookSubscriptionListSchema(Schema):
    items = fields.List(fields.Nested(WebhookSubscriptionSchema), required=True)


class WebhookDeliverySchema(Schema):
    id = fields.Integer(required=True)
    event = fields.String(required=True)
    order_id = fields.Integer(allow_none=True, required=True)
    status = fields.String(required=True, metadata={"description": "pending, sending, sent or failed"})
    attempts = fields.Integer(required=True)
    created_at = fields.DateTime(required=True)
    last_attempt_at = fields.DateTime(allow_none=True, required=True)
    next_attempt_at = fields.DateTime(allow_none=True, required=True)
    sent_at = fields.DateTime(allow_none=True, required=True)
    last_error = fields.String(allow_none=True, required=True)
    payload = fields.Dict(required=True)


class WebhookDeliveryListSchema(Schema):
    items = fields.List(fields.Nested(WebhookDeliverySchema), required=True)
    next_cursor = fields.String(allow_none=True, required=True)


class WebhookDeliveryArgsSchema(Schema):
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    cursor = fields.String()
