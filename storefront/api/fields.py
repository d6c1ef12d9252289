"""Schemas shared by every endpoint: money, context, list envelopes and arguments."""
from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, pre_dump, validate
from moneyed import Money

from storefront.api.spec import LOCALE_PATTERN
from storefront.i18n.wiring import current_locale
from storefront.money import amount_str, format_money


class MoneySchema(Schema):
    """API.md money: ``{"amount": "1234.50", "currency": "EUR", "formatted": "1.234,50 €"}``."""

    amount = fields.String(required=True, metadata={"example": "1234.50"})
    currency = fields.String(required=True, metadata={"example": "EUR"})
    formatted = fields.String(required=True, metadata={"example": "1.234,50\u00a0€"})

    @pre_dump
    def from_money(self, value, **_kwargs):
        if isinstance(value, Money):
            return {
                "amount": amount_str(value),
                "currency": value.currency.code,
                "formatted": format_money(value, current_locale()),
            }
        return value


class SuggestionSchema(Schema):
    market = fields.String(required=True)
    locale = fields.String(required=True)


class ContextSchema(Schema):
    market = fields.String(required=True, metadata={"example": "CH"})
    currency = fields.String(required=True, metadata={"example": "CHF"})
    locale = fields.String(required=True, metadata={"example": "fr-CH"})
    selected_by = fields.String(
        required=True,
        validate=validate.OneOf(["market", "locale", "accept-language", "country", "default", "cart", "order"]),
        metadata={"description": "What chose the market: the `market` or `locale` argument (or X-Market), "
                                 "Accept-Language, X-Country, the default market, or the resource itself: a cart "
                                 "(`cart`) answers in its own market and locale, an order (`order`) in its own "
                                 "market, and in its own locale unless the request asks for another of that "
                                 "market's locales."},
    )
    suggestion = fields.Nested(SuggestionSchema)


class ShopperArgsSchema(Schema):
    """Market and locale selection (API.md); headers X-Market, Accept-Language and X-Country also count."""

    market = fields.String(metadata={"description": "Market code (case-insensitive); same as the X-Market header."})
    locale = fields.String(metadata={"description": "BCP 47 locale, e.g. fr-CH.", "pattern": LOCALE_PATTERN})


def _limit_field() -> fields.Integer:
    return fields.Integer(
        validate=validate.Range(min=1, max=100, error=_l("Must be between {min} and {max}.")),
        metadata={"description": "Page size (default 24, max 100)."},
    )


class ListArgsSchema(ShopperArgsSchema):
    limit = _limit_field()
    cursor = fields.String(
        validate=validate.Length(max=512, error=_l("Must be at most {max} characters long.")),
        metadata={"description": "The next_cursor of the previous page."},
    )


def page_size(requested: int | None) -> int:
    return requested or current_app.config["PAGE_SIZE_DEFAULT"]


# Shared by carts, orders and the merchant's tax preview.
class TaxLineSchema(Schema):
    name = fields.String(required=True, metadata={
        "description": "The tax's name in the response locale (MwSt., MWST, TVA, TPS, 消費税 ...)."})
    tax = fields.String(metadata={"description": "The tax's identifier, the same in every locale "
                                                 "(VAT, GST, HST, QST, PST, RST, JCT, Sales tax)."})
    rate = fields.String(required=True, metadata={
        "description": "Percent as a normalized decimal string (\"2.6\", \"10\", \"8.1\"): every `rate` "
                       "percentage is written so; only the catalog's `tax_rate` keeps two decimals (API.md).",
        "example": "8.1", "pattern": r"^[0-9]+(\.[0-9]+)?$"})
    amount = fields.Nested(MoneySchema, required=True)


class NoticeSchema(Schema):
    code = fields.String(required=True)
    message = fields.String(required=True)
    details = fields.Dict(metadata={"description": "Machine-readable facts, e.g. the old and new market."})
