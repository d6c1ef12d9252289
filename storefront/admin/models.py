"""Merchant API tokens (stored hashed), failed authentications and the audit trail."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from storefront.db import Base, UTCDateTime, utcnow


class ApiToken(Base):
    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    # SHA-256 of the secret: high-entropy tokens need no slow hash, and a
    # database leak does not reveal them. Only the prefix is ever shown again.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    roles: Mapped[list[str]] = mapped_column(JSON)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AuthFailure(Base):
    """One failed merchant authentication, counted by every worker and server
    alike (the window in storefront/admin/failures.py)."""

    __tablename__ = "auth_failure"

    id: Mapped[int] = mapped_column(primary_key=True)
    # SHA-256 of (client address, credential prefix): neither is stored as such.
    key: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        Index("ix_auth_failure_key_at", "key", "at"),
        Index("ix_auth_failure_at", "at"),
    )


class AuditEntry(Base):
    """Who changed what, when, with the state before and after."""

    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(32))  # create | update | delete | archive | ...
    entity: Mapped[str] = mapped_column(String(32))  # product, variant, price, market ...
    entity_id: Mapped[str] = mapped_column(String(100))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    request_id: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (
        Index("ix_audit_entity", "entity", "entity_id", "at"),
        Index("ix_audit_at", "at"),
        Index("ix_audit_actor", "actor", "at"),
    )
