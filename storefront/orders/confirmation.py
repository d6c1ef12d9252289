"""The order confirmation, written in the shopper's language to the outbox in
the same transaction that marks the order paid (delivered by a worker)."""
from __future__ import annotations

from pathlib import Path

from babel.dates import format_date
from flask import render_template
from flask_babel import force_locale, gettext
from moneyed import Money

from storefront.orders.notices import NOTICES, notice_message
from storefront.money import babel_locale, format_money
from storefront.orders.models import Order, OutboxMessage

# The e-mail templates; the app's template search path includes this folder.
TEMPLATES = Path(__file__).resolve().parent / "templates"


def queue_confirmation(order: Order) -> OutboxMessage:
    locale = order.locale
    with force_locale(str(babel_locale(locale))):
        def fmt(amount) -> str:
            return format_money(Money(amount, order.currency), locale)

        totals = {k: fmt(getattr(order, k)) for k in ("subtotal", "shipping", "tax", "duties", "total")}
        lines = [{"quantity": line.quantity, "name": line.name, "sku": line.sku, "total": fmt(line.gross)}
                 for line in order.lines]
        country = babel_locale(locale).territories.get(order.address.get("country"), order.address.get("country"))
        notices = []
        for code in order.notices:
            message, params = notice_message(code, order.tax_rule, seller_vat_id=order.seller_vat_id,
                                             buyer_vat_id=order.buyer_vat_id)
            if code in NOTICES and code != "market_changed" and ("%(" not in message or params):
                notices.append(gettext(message, **params) if params else gettext(message))
        body = render_template(
            "email/order_confirmation.txt", order=order, lines=lines, totals=totals, has_duties=order.duties > 0,
            notices=notices, country=country, order_date=format_date(order.created_at, "long", locale=babel_locale(locale)),
        )
        subject = gettext("Your order %(number)s", number=order.id)
    message = OutboxMessage(kind="order_confirmation", order_id=order.id, recipient=order.email, locale=locale,
                            subject=subject, body=body)
    return message
