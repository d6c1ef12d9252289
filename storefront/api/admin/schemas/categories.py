"""Schemas of the merchant category endpoints (storefront.api.admin.categories)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validate

# Not blank as str.strip() sees it (ECMA's \s, which JSON Schema means, lacks \x1c-\x1f and \x85), no NUL.
NOT_BLANK = r"^[^\u0000]*[^\s\u0000\u001c-\u001f\u0085][^\u0000]*$"
LENGTH = _l("Length must be between {min} and {max}.")
RANGE = _l("Must be between {min} and {max}.")


def _not_blank(value: str) -> None:
    if not value.strip():
        raise ValidationError(str(_l("Must not be blank.")))  # a str: a lazy one would be read as a list of characters


def _key(**kwargs) -> fields.String:
    return fields.String(
        validate=[validate.Length(min=1, max=64, error=LENGTH),
                  validate.Regexp(r"^[a-z0-9]+(?:-[a-z0-9]+)*$", error=_l("Use lower-case letters, digits and -."))],
        metadata={"description": "The merchant's stable handle.", "example": "garden"}, **kwargs)


def _translations(**kwargs) -> fields.Dict:
    return fields.Dict(keys=fields.String(validate=validate.Length(min=1, max=35, error=LENGTH)),
                       values=fields.Nested("AdminCategoryTranslationSchema"),
                       metadata={"description": "Locale (BCP 47) -> name and slug.",
                                 "example": {"en": {"name": "Garden", "slug": "garden"}}}, **kwargs)


def _position(**kwargs) -> fields.Integer:
    return fields.Integer(validate=validate.Range(min=0, max=1_000_000, error=RANGE),
                          metadata={"description": "Order among its siblings (default: last)."}, **kwargs)


class AdminCategoryTranslationSchema(Schema):
    name = fields.String(required=True, validate=[validate.Length(min=1, max=255, error=LENGTH), _not_blank],
                         metadata={"pattern": NOT_BLANK})
    slug = fields.String(load_default=None, validate=validate.Length(min=1, max=200, error=LENGTH),
                         metadata={"description": "Lower-case words (any script) joined by hyphens. Optional: "
                                                  "without one a translation keeps its slug, a new one gets a slug "
                                                  "derived from the name (ASCII; -2, -3 ... when taken).",
                                   "example": "garden-tools"})


class AdminCategorySchema(Schema):
    id = fields.Integer(required=True)
    key = fields.String(required=True)
    parent_id = fields.Integer(allow_none=True, required=True)
    position = fields.Integer(required=True)
    translations = fields.Dict(keys=fields.String(), values=fields.Nested(AdminCategoryTranslationSchema),
                               required=True)
    product_count = fields.Integer(required=True, metadata={"description": "Products in it, any status."})


class AdminCategoryListSchema(Schema):
    items = fields.List(fields.Nested(AdminCategorySchema), required=True)


class AdminCategoryCreateSchema(Schema):
    key = _key(required=True)
    parent_id = fields.Integer(load_default=None, allow_none=True)
    position = _position(load_default=None)
    translations = _translations(required=True)


class AdminCategoryUpdateSchema(Schema):
    """Only the fields sent change; ``translations`` sets the locales given and keeps the others."""

    key = _key()
    parent_id = fields.Integer(allow_none=True, metadata={"description": "null moves it to the top level."})
    position = _position()
    translations = _translations()
