"""Schemas of the merchant market endpoints (storefront.api.admin.markets).

The schemas check shapes (types, lengths, ranges, choices); the view checks
what needs data: CLDR currencies and countries, language tags, rounding
rules, tax jurisdictions and countries held by other markets."""
from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validate
from storefront.api.spec import COUNTRY_PATTERN

# What the schema promises (the values are stripped and upper-cased before their length is checked:
# "ß" would become "SS"): ASCII letters, ISO 4217 and ISO 3166-1/-2 shapes.
CURRENCY_PATTERN = "^[A-Za-z]{3}$"
JURISDICTION_PATTERN = "^[A-Za-z]{2}(-[A-Za-z0-9]{1,5})?$"

RANGE = _l("Must be between {min} and {max}.")
LENGTH = _l("Length must be between {min} and {max}.")
CHOICE = _l("Must be one of: {choices}.")
TAX_ROUNDINGS = ("line", "order")
INCOTERMS = ("DDP", "DAP")


class UpperString(fields.String):
    """A code (market, currency, country, jurisdiction) in capitals, whatever the case sent."""

    def _deserialize(self, value, attr, data, **kwargs):
        return super()._deserialize(value, attr, data, **kwargs).strip().upper()


def _four_places(value: Decimal) -> None:
    # Rates are stored exactly (scale 8); more than 4 places is a typo, never a rate.
    if value.is_finite() and value.normalize().as_tuple().exponent < -4:
        raise ValidationError(str(_l("At most 4 decimal places.")))  # a str, not a lazy one (a list of characters)


def _percent(**kwargs) -> fields.Decimal:
    # Numbers in the spec: apispec would write the Decimal bounds and default as strings.
    metadata = {"description": "Percent, 0 to 100, at most 4 decimal places.", "minimum": 0, "maximum": 100,
                "multipleOf": 0.0001}
    if "load_default" in kwargs:
        metadata["default"] = int(kwargs["load_default"])
    return fields.Decimal(validate=[validate.Range(min=0, max=100, error=RANGE), _four_places], metadata=metadata,
                          **kwargs)


def _code(**kwargs) -> UpperString:
    return UpperString(**kwargs, validate=validate.Regexp(r"^[A-Z]{2,8}$", error=_l("Must be 2 to 8 letters.")),
                       metadata={"description": "2 to 8 letters, stored in capitals.", "example": "NO"})


def _rule(**kwargs) -> fields.String:
    return fields.String(validate=validate.Length(min=1, max=32, error=LENGTH),
                         metadata={"description": "minor, cash, step:S or charm:E (storefront.markets.rounding)."},
                         **kwargs)


class AdminMarketSchema(Schema):
    code = fields.String(required=True, metadata={"example": "NO"})
    names = fields.Dict(keys=fields.String(), values=fields.String(), required=True,
                        metadata={"description": "Locale -> name.", "example": {"en": "Norway", "nb": "Norge"}})
    currency = fields.String(required=True, metadata={"example": "NOK"})
    countries = fields.List(fields.String(), required=True)
    locales = fields.List(fields.String(), required=True, metadata={"description": "Primary locale first."})
    prices_include_tax = fields.Boolean(required=True)
    rounding = fields.String(required=True, metadata={"description": "How shopper-facing prices are rounded."})
    derived_rounding = fields.String(required=True, metadata={"description": "How derived prices are rounded."})
    price_uplift = fields.String(required=True, metadata={"description": "Percent added to derived prices.",
                                                          "example": "5"})
    tax_rate = fields.String(required=True, metadata={"description": "Percent shown in listings.", "example": "25"})
    tax_name = fields.String(required=True)
    tax_jurisdiction = fields.String(allow_none=True, required=True)
    tax_rounding = fields.String(required=True, validate=validate.OneOf(TAX_ROUNDINGS))
    incoterm = fields.String(required=True, validate=validate.OneOf(INCOTERMS))
    is_default = fields.Boolean(required=True)


class AdminMarketListSchema(Schema):
    items = fields.List(fields.Nested(AdminMarketSchema), required=True)


class AdminMarketUpdatedSchema(AdminMarketSchema):
    repriced_carts = fields.Integer(required=True, metadata={"description": "Open carts moved to the new currency."})
    dropped_explicit_prices = fields.Integer(
        required=True, metadata={"description": "Explicit prices deleted because they were in the old currency."})
    ended_sales = fields.Integer(
        required=True, metadata={"description": "Sales in the old currency ended (running) or deleted (future)."})
    repriced_prices = fields.Integer(required=True, metadata={"description": "Resolved prices written anew."})


class AdminMarketUpdateSchema(Schema):
    """Every field optional: only those sent change. ``names``, ``countries``
    and ``locales`` replace the whole list."""

    names = fields.Dict(keys=fields.String(validate=validate.Length(min=1, max=35, error=LENGTH)),
                        values=fields.String(validate=validate.Length(min=1, max=100, error=LENGTH)))
    currency = UpperString(validate=validate.Length(min=1, max=3, error=LENGTH),
                           metadata={"description": "ISO 4217 code in use (CLDR).", "example": "NOK",
                                     "pattern": CURRENCY_PATTERN})
    countries = fields.List(UpperString(validate=validate.Length(min=1, max=2, error=LENGTH),
                                        metadata={"pattern": COUNTRY_PATTERN}),
                            validate=validate.Length(max=300, error=LENGTH),
                            metadata={"description": "ISO 3166-1 alpha-2 codes no other market holds."})
    locales = fields.List(fields.String(validate=validate.Length(min=1, max=35, error=LENGTH)),
                          validate=validate.Length(min=1, max=20, error=LENGTH),
                          metadata={"description": "BCP 47 tags, primary first.", "example": ["nb-NO", "en-NO"]})
    prices_include_tax = fields.Boolean()
    rounding = _rule()
    derived_rounding = _rule()
    price_uplift = _percent()
    tax_rate = _percent()
    tax_name = fields.String(validate=validate.Length(min=1, max=32, error=LENGTH))
    tax_jurisdiction = UpperString(allow_none=True, validate=validate.Length(min=1, max=8, error=LENGTH),
                                   metadata={"pattern": JURISDICTION_PATTERN})
    tax_rounding = fields.String(validate=validate.OneOf(TAX_ROUNDINGS, error=CHOICE))
    incoterm = UpperString(validate=validate.OneOf(INCOTERMS, error=CHOICE))
    is_default = fields.Boolean(metadata={"description": "true makes this the default market (there is always one)."})
    reprice_open_carts = fields.Boolean(
        load_default=False,
        metadata={"description": "With a new currency: move open carts to it instead of refusing the change."})


class AdminMarketCreateSchema(Schema):
    code = _code(required=True)
    names = fields.Dict(keys=fields.String(validate=validate.Length(min=1, max=35, error=LENGTH)),
                        values=fields.String(validate=validate.Length(min=1, max=100, error=LENGTH)),
                        load_default=dict)
    currency = UpperString(required=True, validate=validate.Length(min=1, max=3, error=LENGTH),
                           metadata={"description": "ISO 4217 code in use (CLDR).", "example": "NOK",
                                     "pattern": CURRENCY_PATTERN})
    countries = fields.List(UpperString(validate=validate.Length(min=1, max=2, error=LENGTH),
                                        metadata={"pattern": COUNTRY_PATTERN}),
                            validate=validate.Length(max=300, error=LENGTH), load_default=list,
                            metadata={"description": "ISO 3166-1 alpha-2 codes no other market holds."})
    locales = fields.List(fields.String(validate=validate.Length(min=1, max=35, error=LENGTH)), required=True,
                          validate=validate.Length(min=1, max=20, error=LENGTH),
                          metadata={"description": "BCP 47 tags, primary first.", "example": ["nb-NO", "en-NO"]})
    prices_include_tax = fields.Boolean(required=True)
    rounding = _rule(load_default="minor")
    derived_rounding = _rule(load_default="minor")
    price_uplift = _percent(load_default=Decimal(0))
    tax_rate = _percent(required=True)
    tax_name = fields.String(load_default="VAT", validate=validate.Length(min=1, max=32, error=LENGTH))
    tax_jurisdiction = UpperString(load_default=None, allow_none=True,
                                   validate=validate.Length(min=1, max=8, error=LENGTH),
                                   metadata={"pattern": JURISDICTION_PATTERN})
    tax_rounding = fields.String(load_default="line", validate=validate.OneOf(TAX_ROUNDINGS, error=CHOICE))
    incoterm = UpperString(load_default="DDP", validate=validate.OneOf(INCOTERMS, error=CHOICE))
    is_default = fields.Boolean(load_default=False)
