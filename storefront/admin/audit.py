"""The audit trail: every merchant change, with who, when, what, before and after."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import g, has_request_context
from sqlalchemy import select
from sqlalchemy.orm import Session

from storefront import clock
from storefront.admin.models import AuditEntry


def jsonable(value: Any) -> Any:
    """Decimals as strings (exact), dates ISO, containers recursively."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [jsonable(v) for v in value]
    return value


def current_actor() -> str:
    """Who is acting: the authenticated merchant principal of the request, else the system (CLI, jobs)."""
    principal = g.get("principal") if has_request_context() else None
    return principal.name if principal is not None else "system"


def record(session: Session, action: str, entity: str, entity_id: object, before: dict | None = None,
           after: dict | None = None) -> AuditEntry:
    entry = AuditEntry(
        at=clock.now(), actor=current_actor(), action=action, entity=entity, entity_id=str(entity_id),
        before=jsonable(before) if before is not None else None, after=jsonable(after) if after is not None else None,
        request_id=g.get("request_id") if has_request_context() else None,
    )
    session.add(entry)
    return entry


def search_statement(*, entity: str | None = None, entity_id: str | None = None, actor: str | None = None,
                     action: str | None = None, since: datetime | None = None, until: datetime | None = None):
    """Audit entries matching the filters (unordered: the caller pages them)."""
    stmt = select(AuditEntry)
    for column, value in ((AuditEntry.entity, entity), (AuditEntry.entity_id, entity_id),
                          (AuditEntry.actor, actor), (AuditEntry.action, action)):
        if value:
            stmt = stmt.where(column == value)
    if since:
        stmt = stmt.where(AuditEntry.at >= since)
    if until:
        stmt = stmt.where(AuditEntry.at < until)
    return stmt


def filter_choices(session: Session) -> dict[str, list[str]]:
    """The actors, entities and actions the trail holds, for a filter form."""
    return {name: list(session.scalars(select(column).distinct().order_by(column)))
            for name, column in (("actors", AuditEntry.actor), ("entities", AuditEntry.entity),
                                 ("actions", AuditEntry.action))}


def changes(before: dict | None, after: dict | None) -> list[tuple[str, Any, Any]]:
    """(field, before, after) of every top-level field that differs (a creation: all of ``after``)."""
    before, after = before or {}, after or {}
    return [(key, before.get(key), after.get(key)) for key in sorted(set(before) | set(after))
            if before.get(key) != after.get(key)]
