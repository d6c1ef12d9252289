"""Merchant API tokens: created once, shown once, stored as SHA-256."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Iterable

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from storefront.admin.errors import InvalidRoles, TokenNotFound
from storefront.admin.models import ApiToken

ROLES = ("admin", "catalog", "pricing", "orders")
PREFIX = "sf_"
# How often a token's last use is written at most: a write per request would
# turn every read into a write transaction.
LAST_USED_EVERY = timedelta(minutes=1)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(session: Session, name: str, roles: Iterable[str], created_by: str,
                 now: datetime) -> tuple[str, ApiToken]:
    roles = sorted(set(roles))
    if not roles or any(r not in ROLES for r in roles):
        raise InvalidRoles(roles=", ".join(roles) or "-", allowed=", ".join(ROLES))
    secret = PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(name=name.strip()[:100], token_hash=digest(secret), prefix=secret[:10], roles=roles,
                   created_by=created_by, created_at=now)
    session.add(row)
    session.flush()
    return secret, row


def find_active(session: Session, secret: str) -> ApiToken | None:
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == digest(secret)))
    if row is None or row.revoked_at is not None:
        return None
    return row


def find_active_by_id(session: Session, token_id: int) -> ApiToken | None:
    row = session.get(ApiToken, token_id)
    if row is None or row.revoked_at is not None:
        return None
    return row


def use_is_due(row: ApiToken, now: datetime) -> bool:
    """Whether ``row``'s last use is worth writing: unknown, or ``LAST_USED_EVERY`` old."""
    return row.last_used_at is None or not timedelta(0) <= now - row.last_used_at < LAST_USED_EVERY


def mark_used(session: Session, token_id: int, now: datetime) -> bool:
    """Record that the token was used at ``now``, unless another request just
    did (at most once per ``LAST_USED_EVERY``); True when it changed."""
    changed = session.execute(
        update(ApiToken)
        .where(ApiToken.id == token_id,
               or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at <= now - LAST_USED_EVERY,
                   ApiToken.last_used_at > now))
        .values(last_used_at=now)
    )
    return changed.rowcount > 0


def revoke(session: Session, token_id: int, now: datetime) -> ApiToken:
    row = session.get(ApiToken, token_id)
    if row is None:
        raise TokenNotFound(id=token_id)
    row.revoked_at = row.revoked_at or now
    session.flush()
    return row


def list_tokens(session: Session) -> list[ApiToken]:
    return list(session.scalars(select(ApiToken).order_by(ApiToken.id)).all())
