"""The failed-authentication window every worker and server shares: one row
of ``auth_failure`` per failure, keyed by the client and the presented
credential's prefix (``ratelimit.credential_key``), so one client's guesses
never lock out another client or another credential."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from storefront.admin.models import AuthFailure


def blocked_for(session: Session, key: str, now: datetime, limit: int, window: timedelta) -> float:
    """Seconds until ``key`` may fail again without 429 (0: not blocked):
    ``limit`` failures within ``window`` block it until the oldest leaves."""
    count, oldest = session.execute(
        select(func.count(AuthFailure.id), func.min(AuthFailure.at))
        .where(AuthFailure.key == key, AuthFailure.at > now - window)
    ).one()
    if count < limit or oldest is None:
        return 0.0
    if oldest.tzinfo is None:  # min() bypasses the column type on SQLite
        oldest = datetime.fromisoformat(str(oldest)).replace(tzinfo=now.tzinfo)
    return max((oldest + window - now).total_seconds(), 0.0)


def record(session: Session, key: str, now: datetime, window: timedelta) -> None:
    """One more failure for ``key``; failures older than the window go (all keys)."""
    session.execute(delete(AuthFailure).where(AuthFailure.at <= now - window))
    session.add(AuthFailure(key=key, at=now))
    session.flush()
