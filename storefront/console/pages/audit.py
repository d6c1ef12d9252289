"""The audit trail (role "admin", as GET /admin/audit): who changed what and
when, filtered by actor, resource, action and date, with each change's
fields before and after."""
from __future__ import annotations

from flask import render_template, request
from flask_babel import lazy_gettext as _l

from storefront.admin import audit
from storefront.admin.models import AuditEntry
from storefront.api.admin.schemas.tokens import AuditArgsSchema
from storefront.console import forms, nav
from storefront.console.blueprint import bp
from storefront.console.session import requires
from storefront.db import newest_first
from storefront.errors import StorefrontError
from storefront.extensions import db

nav.register("console.audit_trail", _l("Audit trail"), role="admin", order=90)
FILTERS = ("actor", "entity", "entity_id", "action", "since", "until")


@bp.route("/audit")
@requires("admin")
def audit_trail():
    raw = forms.blank_to_none(request.args, *FILTERS, "cursor", "limit")
    for name in ("since", "until"):  # a date input sends 2026-12-01: midnight UTC
        if name in raw and len(raw[name]) == 10:
            raw[name] += "T00:00:00"
    args, errors = forms.load(AuditArgsSchema, raw)
    args = args or {"limit": 50}
    stmt = audit.search_statement(entity=args.get("entity"), entity_id=args.get("entity_id"), actor=args.get("actor"),
                                  action=args.get("action"), since=args.get("since"), until=args.get("until"))
    try:
        rows, next_cursor = newest_first(db.session, stmt, AuditEntry.id, kind="audit", cursor=args.get("cursor"),
                                         limit=args["limit"])
    except StorefrontError as exc:
        errors = forms.domain_errors(exc)
        rows, next_cursor = newest_first(db.session, stmt, AuditEntry.id, kind="audit", cursor=None,
                                         limit=args["limit"])
    entries = [{"entry": row, "changes": audit.changes(row.before, row.after)} for row in rows]
    filters = {name: request.args.get(name, "") for name in FILTERS}
    return render_template("console/audit.html", entries=entries, next_cursor=next_cursor, errors=errors,
                           filters=filters, choices=audit.filter_choices(db.session))
