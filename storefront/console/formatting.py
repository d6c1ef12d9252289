"""Template filters: money with CLDR formatting in the merchant's locale and
the value's currency (storefront.money.format_amount, as the shop API), and
dates and numbers in the merchant's locale."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from flask import Flask
from flask_babel import format_datetime, format_decimal
from moneyed import Money

from storefront.console.locale import current
from storefront.money import format_amount, quantize


def money(value: Money | Decimal | str | int | None, currency: str | None = None) -> str:
    """``{{ price|money }}`` for a Money, ``{{ amount|money(currency) }}`` for an amount."""
    if value is None or value == "":
        return "–"
    if isinstance(value, Money):
        amount, code = value.amount, value.currency.code
    else:
        if currency is None:
            raise ValueError("money: an amount needs its currency")
        amount, code = Decimal(str(value)), currency
    return format_amount(quantize(amount, code), code, current())


def when(value: datetime | None, fmt: str = "medium") -> str:
    return format_datetime(value, fmt) if value is not None else "–"


def number(value: Decimal | int | None) -> str:
    return format_decimal(value) if value is not None else "–"


def init_app(app: Flask) -> None:
    app.jinja_env.filters.setdefault("money", money)
    app.jinja_env.filters.setdefault("when", when)
    app.jinja_env.filters.setdefault("number", number)
