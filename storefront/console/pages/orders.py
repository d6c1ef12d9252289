"""Orders (role "orders", as the merchant API's /admin/orders): the list with
filters, an order's lines, taxes, duties, payment and refunds, and the refund
form, which goes through the API's schema and its one refund function
(storefront.api.admin.orders.refund_order: the amount checked against what
was paid, the provider asked, the audit entry written)."""
from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from storefront.api.admin.orders import admin_order_json, refund_order, retry_refund
from storefront.api.shop.schemas.orders import AdminOrderArgsSchema, RefundCreateSchema
from storefront.console import forms, nav
from storefront.console.blueprint import bp
from storefront.console.formatting import money, state
from storefront.console.session import requires
from storefront.db import newest_first
from storefront.errors import StorefrontError
from storefront.extensions import db
from storefront.markets import services as market_services
from storefront.money import amount_str
from storefront.orders import services
from storefront.orders.models import Order

nav.register("console.orders", _l("Orders"), role="orders", order=80)

STATUSES = ("pending_payment", "paid", "partially_refunded", "refunded", "canceled")
REASONS = ("requested_by_customer", "duplicate", "fraudulent")
REASON_LABELS = {"requested_by_customer": _l("Requested by the customer"), "duplicate": _l("Duplicate"),
                 "fraudulent": _l("Fraudulent")}


def _query_args() -> tuple[dict[str, Any], forms.Errors]:
    raw = forms.blank_to_none(request.args, "market", "status", "cursor", "limit", "since", "until", "flagged")
    for name in ("since", "until"):  # a date input sends 2026-12-01: midnight UTC
        if name in raw and len(raw[name]) == 10:
            raw[name] += "T00:00:00"
    loaded, errors = forms.load(AdminOrderArgsSchema, raw)
    return loaded or {"limit": 24}, errors


@bp.route("/orders")
@requires("orders")
def orders():
    args, errors = _query_args()
    stmt = services.search_statement(market=args.get("market"), status=args.get("status"),
                                     flagged=args.get("flagged"), since=args.get("since"), until=args.get("until"))
    try:
        rows, next_cursor = newest_first(db.session, stmt, Order.id, kind="orders", cursor=args.get("cursor"),
                                         limit=args["limit"])
    except StorefrontError as exc:
        errors = forms.domain_errors(exc)
        rows, next_cursor = newest_first(db.session, stmt, Order.id, kind="orders", cursor=None, limit=args["limit"])
    filters = {name: request.args.get(name, "") for name in ("market", "status", "since", "until", "flagged")}
    return render_template("console/orders.html", orders=[admin_order_json(o) for o in rows], next_cursor=next_cursor,
                           errors=errors, filters=filters, statuses=STATUSES,
                           markets=market_services.all_markets(db.session))


def _order_page(order_id: int, errors: forms.Errors | None = None, form: dict | None = None, status: int = 200):
    order = admin_order_json(services.order_by_id(db.session, order_id))
    refundable = order["totals"]["paid"] - order["totals"]["refunded"]
    return render_template("console/order.html", order=order, errors=errors or {}, form=form or {},
                           reasons=[(r, REASON_LABELS[r]) for r in REASONS],
                           refundable=refundable, refundable_amount=amount_str(refundable),
                           refundable_text=money(refundable)), status


@bp.route("/orders/<int:order_id>")
@requires("orders")
def orders_show(order_id: int):
    return _order_page(order_id)


@bp.post("/orders/<int:order_id>/refunds")
@requires("orders")
def orders_refund(order_id: int):
    form = {"amount": request.form.get("amount", "").strip(), "reason": request.form.get("reason", "")}
    data, errors = forms.load(RefundCreateSchema, forms.blank_to_none(form))
    status = 422
    if not errors:
        try:
            refund = refund_order(order_id, data.get("amount") or None, data.get("reason"))
        except StorefrontError as exc:
            db.session.rollback()
            field = "amount" if exc.code in ("refund_exceeds_paid", "invalid_amount") else None
            errors, status = forms.domain_errors(exc, field), exc.http_status
        else:
            flash(gettext("Refund of %(amount)s: %(status)s.", amount=money(refund.amount, refund.currency),
                          status=state(refund.status)))
            return redirect(url_for("console.orders_show", order_id=order_id))
    return _order_page(order_id, errors, form, status)


@bp.post("/orders/<int:order_id>/refunds/<int:refund_id>/retry")
@requires("orders")
def orders_refund_retry(order_id: int, refund_id: int):
    """A refund still ``requested`` (the provider's answer was lost): asked again, never refunded twice."""
    try:
        refund = retry_refund(order_id, refund_id)
    except StorefrontError as exc:
        db.session.rollback()
        return _order_page(order_id, forms.domain_errors(exc), status=exc.http_status)
    flash(gettext("Refund of %(amount)s: %(status)s.", amount=money(refund.amount, refund.currency),
                  status=state(refund.status)))
    return redirect(url_for("console.orders_show", order_id=order_id))
