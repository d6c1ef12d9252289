from datetime import timezone

from marshmallow import Schema, fields, validate

ROLE_CHOICES = ["admin", "catalog", "pricing", "orders"]


class TokenCreateSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    roles = fields.List(fields.String(validate=validate.OneOf(ROLE_CHOICES)), required=True,
                        validate=validate.Length(min=1))


class TokenSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    prefix = fields.String(required=True)
    roles = fields.List(fields.String(), required=True)
    created_by = fields.String(required=True)
    created_at = fields.DateTime(required=True)
    last_used_at = fields.DateTime(allow_none=True, required=True)
    revoked_at = fields.DateTime(allow_none=True, required=True)


class TokenCreatedSchema(TokenSchema):
    token = fields.String(required=True, metadata={"description": "Shown once; store it now."})


class TokenListSchema(Schema):
    items = fields.List(fields.Nested(TokenSchema), required=True)


class AuditEntrySchema(Schema):
    id = fields.Integer(required=True)
    at = fields.DateTime(required=True)
    actor = fields.String(required=True)
    action = fields.String(required=True)
    entity = fields.String(required=True)
    entity_id = fields.String(required=True)
    before = fields.Dict(allow_none=True, required=True)
    after = fields.Dict(allow_none=True, required=True)


class AuditListSchema(Schema):
    items = fields.List(fields.Nested(AuditEntrySchema), required=True)
    next_cursor = fields.String(allow_none=True, required=True)


class AuditArgsSchema(Schema):
    entity = fields.String()
    entity_id = fields.String()
    actor = fields.String()
    action = fields.String()
    since = fields.AwareDateTime(default_timezone=timezone.utc)  # naive: UTC
    until = fields.AwareDateTime(default_timezone=timezone.utc)
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    cursor = fields.String()
