"""Template filters: money with CLDR formatting in the merchant's locale and
the value's currency (storefront.money.format_amount, as the shop API), and
dates and numbers in the merchant's locale."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from flask import Flask
from flask_babel import format_datetime, format_decimal
from flask_babel import lazy_gettext as _l
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
    """A moment in the merchant's locale, in UTC (Flask-Babel's time zone), saying so."""
    return f"{format_datetime(value, fmt)} UTC" if value is not None else "–"


def number(value: Decimal | int | None) -> str:
    return format_decimal(value) if value is not None else "–"


# The states of orders, refunds and products, as the merchant reads them (the API keeps the codes).
STATES = {
    "pending_payment": _l("Awaiting payment"), "paid": _l("Paid"), "partially_refunded": _l("Partially refunded"),
    "refunded": _l("Refunded"), "canceled": _l("Canceled"), "requested": _l("Requested"),
    "succeeded": _l("Succeeded"), "failed": _l("Failed"), "active": _l("Active"), "draft": _l("Draft"),
    "archived": _l("Archived"),
}


def state(code: str | None) -> str:
    """``{{ order.status|state }}``: a state code in the merchant's language (unknown codes as they are)."""
    if not code:
        return "–"
    label = STATES.get(code)
    return str(label) if label is not None else code


def init_app(app: Flask) -> None:
    app.jinja_env.filters.setdefault("state", state)
    app.jinja_env.filters.setdefault("money", money)
    app.jinja_env.filters.setdefault("when", when)
    app.jinja_env.filters.setdefault("number", number)
