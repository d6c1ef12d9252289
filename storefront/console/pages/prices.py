"""Prices (role "pricing", as the merchant API's pricing endpoints): the price
matrix of one product (every variant x every market with how each price was
made), explicit prices set or cleared per cell, a base price or a market's
uplift and rounding previewed before they are applied, and the CSV import
with its dry run. Every write goes through storefront.pricing.edits (the
API's own functions, with its audit entries); a market's pricing through
storefront.api.admin.markets.update_market (PATCH /admin/markets/{code})."""
from __future__ import annotations

from typing import Any

from flask import current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext, ngettext
from flask_babel import lazy_gettext as _l

from storefront import clock
from storefront.api.admin.auth import authorize
from storefront.api.admin.markets import update_market
from storefront.api.admin.schemas.markets import AdminMarketUpdateSchema
from storefront.catalog import services as catalog
from storefront.console import forms, nav
from storefront.console.blueprint import bp
from storefront.console.choosers import product_chooser
from storefront.console.errors import message_of
from storefront.console.session import requires
from storefront.errors import StorefrontError
from storefront.extensions import db
from storefront.markets import services as market_services
from storefront.pricing import edits, matrix
from storefront.pricing.errors import CsvImportFailed, PreviewOutdated

nav.register("console.prices", _l("Prices"), role="pricing", order=30)
nav.register("console.prices_import", _l("Import"), role="pricing", order=70)


def _base() -> str:
    return current_app.config["BASE_CURRENCY"]


def _matrix(product_id: int) -> matrix.Matrix:
    return matrix.price_matrix(db.session, product_id, base_currency=_base(), now=clock.now())


def _page(product_id: int, errors: forms.Errors | None = None, status: int = 200, **extra):
    m = _matrix(product_id)
    markets = market_services.all_markets(db.session)
    sold = set(catalog.snapshot(db.session, catalog.product(db.session, product_id))["markets"])
    cells = {(row.sku, c.market): c for row in m.variants for c in row.markets}
    return render_template("console/prices/matrix.html", m=m, markets={x.code: x for x in markets},
                           cells=cells, sold=sold, errors=errors or {}, **extra), status


@bp.route("/prices")
@requires("pricing")
def prices():
    return product_chooser(gettext("Prices"),
                           gettext("Pick a product to see its price in every market, side by side."),
                           "console.prices", "console.prices_matrix",
                           extra=("console.prices_import", gettext("Import prices from CSV")))


@bp.route("/prices/<int:product_id>")
@requires("pricing")
def prices_matrix(product_id: int):
    return _page(product_id)


@bp.post("/prices/<int:product_id>/cell")
@requires("pricing")
def prices_cell(product_id: int):
    """Set (amount given) or clear an explicit price; JSON with the cell's HTML for the page's script."""
    sku, market, action = request.form.get("sku", ""), request.form.get("market", ""), request.form.get("action")
    wants_json = request.accept_mimetypes.best == "application/json"
    try:
        if action == "clear":
            edits.clear_price(db.session, sku, market, base_currency=_base(), now=clock.now())
        else:
            edits.set_price(db.session, sku, market, request.form.get("amount", "").strip(), base_currency=_base(),
                            now=clock.now())
        db.session.commit()
    except StorefrontError as exc:
        db.session.rollback()
        if wants_json:
            return jsonify({"error": message_of(exc)}), exc.http_status
        return _page(product_id, {f"{sku}/{market.upper()}": [message_of(exc)]}, exc.http_status)
    message = gettext("Price of %(sku)s in %(market)s saved.", sku=sku, market=market.upper())
    if wants_json:
        m = _matrix(product_id)
        row = next(r for r in m.variants if r.sku == sku)
        cell = next(c for c in row.markets if c.market == market.upper())
        html = render_template("console/prices/_cell.html", m=m, row=row, c=cell, errors={})
        return jsonify({"html": html, "message": message})
    flash(message)
    return redirect(url_for("console.prices_matrix", product_id=product_id) + f"#cell-{sku}-{market.upper()}")


def _change(form) -> tuple[str, dict[str, Any], forms.Errors]:
    """The change the preview form describes: ("base", {sku, amount}) or ("market", {market, values})."""
    kind = form.get("kind")
    if kind == "market":
        loaded, errors = forms.load(AdminMarketUpdateSchema, forms.blank_to_none(form, "price_uplift",
                                                                                 "derived_rounding"))
        return kind, {"market": form.get("market", "").upper(), "values": loaded or {}}, errors
    return "base", {"sku": form.get("sku", ""), "amount": form.get("amount", "").strip()}, {}


def _preview(kind: str, change: dict[str, Any]) -> edits.Preview:
    now = clock.now()
    if kind == "market":
        return edits.preview_market_pricing(db.session, change["market"], change["values"], base_currency=_base(),
                                            now=now)
    return edits.preview_base_price(db.session, change["sku"], change["amount"], base_currency=_base(), now=now)


@bp.post("/prices/<int:product_id>/preview")
@requires("pricing")
def prices_preview(product_id: int):
    """What the change would write, before it is saved (nothing is written here)."""
    kind, change, errors = _change(request.form)
    if kind == "market":
        authorize("admin")  # a market's settings are the admin's, as PATCH /admin/markets
    if not errors and kind == "market" and not change["values"]:
        errors = {"_form": [gettext("Give a new uplift or rounding rule.")]}
    if errors:
        return _page(product_id, errors, 422)
    try:
        preview = _preview(kind, change)
    except StorefrontError as exc:
        db.session.rollback()
        return _page(product_id, forms.domain_errors(exc), exc.http_status)
    db.session.rollback()  # a preview never writes
    return render_template("console/prices/preview.html", product_id=product_id, preview=preview, kind=kind,
                           change=change, form=request.form, errors={})


@bp.post("/prices/<int:product_id>/apply")
@requires("pricing")
def prices_apply(product_id: int):
    """Apply exactly the previewed change: refused (nothing written) if the prices moved since."""
    kind, change, errors = _change(request.form)
    expected = request.form.get("token", "")
    if kind == "market":
        authorize("admin")  # a market's settings are the admin's, as PATCH /admin/markets
    if errors:
        return _page(product_id, errors, 422)
    try:
        if kind == "market":
            market_services.market_for_update(db.session, change["market"])  # no change slips in between
            if _preview(kind, change).token != expected:
                raise PreviewOutdated()
            result = update_market(change["market"], change["values"])
            changed = result["repriced_prices"]
        else:
            _, result = edits.apply_base_price(db.session, change["sku"], change["amount"], base_currency=_base(),
                                               now=clock.now(), expected=expected)
            changed = result.changed
        db.session.commit()
    except PreviewOutdated as exc:
        db.session.rollback()
        preview = _preview(kind, change)
        db.session.rollback()
        return render_template("console/prices/preview.html", product_id=product_id, preview=preview, kind=kind,
                               change=change, form=request.form, errors={"_form": [message_of(exc)]}), 409
    except StorefrontError as exc:
        db.session.rollback()
        return _page(product_id, forms.domain_errors(exc), exc.http_status)
    flash(ngettext("%(num)s price repriced.", "%(num)s prices repriced.", changed))
    return redirect(url_for("console.prices_matrix", product_id=product_id))


@bp.route("/prices/import", methods=["GET", "POST"])
@requires("pricing")
def prices_import():
    """CSV import (the API's format): a dry run shows the diff, then the same text is applied."""
    text, result, errors, row_errors, applied = "", None, {}, [], False
    if request.method == "POST":
        upload = request.files.get("file")
        text = upload.read().decode("utf-8-sig", errors="replace") if upload and upload.filename else \
            request.form.get("csv", "")
        dry_run = request.form.get("action") != "apply"
        try:
            result = edits.import_prices(db.session, text, dry_run=dry_run, base_currency=_base(), now=clock.now())
            if dry_run:
                db.session.rollback()
            else:
                db.session.commit()
                applied = True
        except CsvImportFailed as exc:
            db.session.rollback()
            errors = {"_form": [message_of(exc)]}
            row_errors = [(line, message_of(error)) for line, error in exc.row_errors]
        except StorefrontError as exc:
            db.session.rollback()
            errors = forms.domain_errors(exc)
    if applied:
        flash(ngettext("%(num)s price imported.", "%(num)s prices imported.", result.changed))
    status = 422 if errors else 200
    return render_template("console/prices/import.html", text=text, result=result, errors=errors,
                           row_errors=row_errors, applied=applied), status
