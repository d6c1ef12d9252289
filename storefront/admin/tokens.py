"""Merchant API tokens: created once, shown once, stored as SHA-256."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Iterable

from sqlalchemy import select
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


def mark_used(session: Session, row: ApiToken, now: datetime) -> bool:
    """Record that the token was used at ``now``, unless that was recorded less
    than ``LAST_USED_EVERY`` ago; True when it changed (the caller commits)."""
    if row.last_used_at is not None and timedelta(0) <= now - row.last_used_at < LAST_USED_EVERY:
        return False
    row.last_used_at = now
    session.flush()
    return True


def revoke(session: Session, token_id: int, now: datetime) -> ApiToken:
    row = session.get(ApiToken, token_id)
    if row is None:
        raise TokenNotFound(id=token_id)
    row.revoked_at = row.revoked_at or now
    session.flush()
    return row


def list_tokens(session: Session) -> list[ApiToken]:
    return list(session.scalars(select(ApiToken).order_by(ApiToken.id)).all())
