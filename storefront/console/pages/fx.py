"""FX rates (role "pricing", as the merchant API's /admin/fx-rates): the rates
in force and one currency's history, the ECB reference rates imported from
their XML file, and a merchant rate previewed (what it would reprice) before
it is stored. Writes go through storefront.pricing.edits, as the API's."""
from __future__ import annotations

from datetime import date

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext, ngettext
from flask_babel import lazy_gettext as _l

from storefront import clock
from storefront.console import forms, nav
from storefront.console.blueprint import bp
from storefront.console.errors import message_of
from storefront.console.session import requires
from storefront.errors import StorefrontError
from storefront.extensions import db
from storefront.pricing import edits, services
from storefront.pricing.errors import PreviewOutdated

nav.register("console.fx", _l("FX rates"), role="pricing", order=40)


def _base() -> str:
    return current_app.config["BASE_CURRENCY"]


def _page(errors=None, status=200, **extra):
    base, today = _base(), clock.now().date()
    current = services.current_rates(db.session, base, today)
    currency = (request.args.get("currency") or "").upper() or None
    history = services.fx_rate_history(db.session, base, currency, limit=200) if currency else []
    sources = {(r.quote, r.rate_date, r.rate): r.source for r in services.fx_rate_history(db.session, base, limit=500)}
    return render_template("console/fx/index.html", base=base, current=sorted(current.values(), key=lambda q: q.quote),
                           sources=sources, currency=currency, history=history, errors=errors or {},
                           today=today, **extra), status


def _rate_form(form) -> tuple[dict, forms.Errors]:
    raw_date = form.get("date", "").strip()
    try:
        rate_date = date.fromisoformat(raw_date) if raw_date else clock.now().date()
    except ValueError:
        return {}, {"date": [gettext("Use a date such as 2026-12-31.")]}
    return {"currency": form.get("currency", "").strip().upper(), "rate": form.get("rate", "").strip(),
            "date": rate_date}, {}


@bp.route("/fx")
@requires("pricing")
def fx():
    return _page()


@bp.post("/fx/preview")
@requires("pricing")
def fx_preview():
    """What the rate would reprice (nothing is written)."""
    change, errors = _rate_form(request.form)
    if errors:
        return _page(errors, 422)
    try:
        preview = edits.preview_fx_rate(db.session, change["currency"], change["rate"], change["date"],
                                        base_currency=_base(), now=clock.now())
    except StorefrontError as exc:
        db.session.rollback()
        return _page(forms.domain_errors(exc), exc.http_status)
    db.session.rollback()
    return render_template("console/fx/preview.html", preview=preview, change=change, base=_base(), errors={})


@bp.post("/fx/apply")
@requires("pricing")
def fx_apply():
    change, errors = _rate_form(request.form)
    if errors:
        return _page(errors, 422)
    try:
        row, result = edits.apply_fx_rate(db.session, change["currency"], change["rate"], change["date"],
                                          base_currency=_base(), now=clock.now(),
                                          expected=request.form.get("token", ""))
        db.session.commit()
    except PreviewOutdated as exc:
        db.session.rollback()
        preview = edits.preview_fx_rate(db.session, change["currency"], change["rate"], change["date"],
                                        base_currency=_base(), now=clock.now())
        db.session.rollback()
        return render_template("console/fx/preview.html", preview=preview, change=change, base=_base(),
                               errors={"_form": [message_of(exc)]}), 409
    except StorefrontError as exc:
        db.session.rollback()
        return _page(forms.domain_errors(exc), exc.http_status)
    flash(gettext("Rate %(currency)s saved.", currency=row.quote) + " "
          + ngettext("%(num)s price repriced.", "%(num)s prices repriced.", result.changed))
    return redirect(url_for("console.fx", currency=row.quote))


@bp.post("/fx/ecb")
@requires("pricing")
def fx_ecb():
    """Import the ECB's euro reference rates from their XML file (eurofxref-daily.xml or -hist.xml)."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _page({"file": [gettext("Choose the ECB's XML file.")]}, 422)
    try:
        days, result = edits.import_ecb_rates(db.session, upload.read(), base_currency=_base(), now=clock.now(),
                                              latest_only=request.form.get("all_days") != "on")
        db.session.commit()
    except (StorefrontError, ValueError) as exc:
        db.session.rollback()
        message = message_of(exc) if isinstance(exc, StorefrontError) else str(exc)
        return _page({"file": [message]}, 422)
    flash(ngettext("%(num)s day of ECB rates imported.", "%(num)s days of ECB rates imported.", len(days)) + " "
          + ngettext("%(num)s price repriced.", "%(num)s prices repriced.", result.changed))
    return redirect(url_for("console.fx"))
