"""Delivering the outbox: claim due messages, send each once, record the outcome.

Messages are written in the transaction that changes the order, so none is
lost; a worker then claims a batch of due ones by setting them ``sending``
with a lease, in one UPDATE that commits before anything is sent. On
PostgreSQL the candidates are picked ``FOR UPDATE SKIP LOCKED``, so
concurrent workers take disjoint batches without waiting; on SQLite the
single UPDATE runs under the database's write lock and re-checks
``status = 'pending'``, so a row goes to exactly one claimant. The outcome is
recorded only by the claim's owner (same lease), so each message is sent at
most once by live workers. A worker killed mid-send leaves its claim to
expire; after the lease the message is due again (the one case where a
message may be sent twice: the SMTP server took it but the worker died
before recording it).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from storefront.orders.models import OutboxMessage, WebhookSubscription
from storefront.orders.retry import RetryPolicy, after_failure
from storefront.orders.transports import DeliveryFailed, Mail, MailTransport, Post, PostTransport


@dataclass(frozen=True)
class Transports:
    mail: MailTransport
    post: PostTransport


@dataclass(frozen=True)
class Claim:
    message_id: int
    lease_until: datetime
    attempts: int  # before this one


def _claimable(now: datetime):
    due = and_(OutboxMessage.status == "pending",
               or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= now))
    abandoned = and_(OutboxMessage.status == "sending", OutboxMessage.lease_until <= now)
    return or_(due, abandoned)


def claim(session: Session, now: datetime, *, limit: int, lease: timedelta) -> list[Claim]:
    """Claim up to ``limit`` due messages for this worker until ``now + lease`` (the caller commits at once)."""
    lease_until = now + lease
    picked = select(OutboxMessage.id).where(_claimable(now)).order_by(OutboxMessage.id).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        # Lock the batch first, skipping rows other workers hold (a LIMIT ... SKIP LOCKED
        # subquery inside the UPDATE may be re-run per row and take far more than ``limit``).
        ids = list(session.scalars(picked.with_for_update(skip_locked=True)))
        if not ids:
            return []
        picked = ids
    else:  # SQLite: one statement under the write lock, no read-then-write lock upgrade
        picked = picked.scalar_subquery()
    stmt = (update(OutboxMessage).where(OutboxMessage.id.in_(picked), _claimable(now))
            .values(status="sending", lease_until=lease_until).returning(OutboxMessage.id, OutboxMessage.attempts)
            .execution_options(synchronize_session=False))
    return [Claim(mid, lease_until, attempts) for mid, attempts in sorted(session.execute(stmt).all())]


def envelope(session: Session, message_id: int) -> Mail | Post | None:
    """What to send for a claimed message, or None when its webhook subscription was disabled."""
    m = session.get(OutboxMessage, message_id)
    if m.kind != "webhook":
        return Mail(m.id, m.recipient, m.subject, m.body, m.locale)
    sub = session.get(WebhookSubscription, m.subscription_id) if m.subscription_id else None
    if sub is None or sub.disabled_at is not None:
        return None
    return Post(m.id, sub.url, sub.secret, m.subject, m.body)


def send(transports: Transports, item: Mail | Post) -> DeliveryFailed | None:
    """Send one message; the failure, if any (never raised)."""
    try:
        (transports.post if isinstance(item, Post) else transports.mail).send(item)
    except DeliveryFailed as exc:
        return exc
    return None


def record(session: Session, claimed: Claim, failure: DeliveryFailed | None, policy: RetryPolicy,
           now: datetime) -> str:
    """Record the outcome of a claimed message's attempt: ``sent``, ``pending`` (retry later) or
    ``failed``; ``lost`` when the claim had expired and another worker holds the message now."""
    attempts = claimed.attempts + 1
    values: dict = {"attempts": attempts, "last_attempt_at": now, "lease_until": None}
    if failure is None:
        values.update(status="sent", sent_at=now, next_attempt_at=None)
    else:
        outcome = after_failure(policy, attempts, now, permanent=failure.permanent)
        values.update(status=outcome.status, next_attempt_at=outcome.next_attempt_at, last_error=failure.reason[:500])
    # One guarded UPDATE, no read first: the claim's owner only (and no SQLite lock upgrade).
    result = session.execute(update(OutboxMessage).where(OutboxMessage.id == claimed.message_id,
                                                         OutboxMessage.status == "sending",
                                                         OutboxMessage.lease_until == claimed.lease_until)
                             .values(**values).execution_options(synchronize_session=False))
    return values["status"] if result.rowcount == 1 else "lost"


def give_up(session: Session, claimed: Claim, reason: str, now: datetime) -> str:
    session.execute(update(OutboxMessage).where(OutboxMessage.id == claimed.message_id,
                                                OutboxMessage.lease_until == claimed.lease_until)
                    .values(status="failed", lease_until=None, last_attempt_at=now, last_error=reason)
                    .execution_options(synchronize_session=False))
    return "failed"


def release(session: Session, claimed: Claim) -> None:
    """Hand an unsent claimed message back (a worker stopping)."""
    session.execute(update(OutboxMessage).where(OutboxMessage.id == claimed.message_id,
                                                OutboxMessage.status == "sending",
                                                OutboxMessage.lease_until == claimed.lease_until)
                    .values(status="pending", lease_until=None).execution_options(synchronize_session=False))

