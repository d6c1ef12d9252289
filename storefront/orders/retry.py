"""When to try a failed outbox delivery again. Pure.

Exponential backoff with a cap, as Stripe retries its own webhooks: the n-th
failure waits ``base * factor**(n-1)`` seconds (at most ``cap``), and after
``max_attempts`` failures the message is given up (``failed``, its last
reason kept for the operator). A permanent failure (the server refused the
recipient, the endpoint answered 410 Gone) is given up at once.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 8
    base_seconds: float = 30
    factor: float = 2
    cap_seconds: float = 6 * 3600

    def delay(self, attempts: int) -> timedelta:
        """The wait after the ``attempts``-th failed attempt (1 for the first)."""
        seconds = self.base_seconds * self.factor ** max(attempts - 1, 0)
        return timedelta(seconds=min(seconds, self.cap_seconds))


@dataclass(frozen=True)
class Outcome:
    status: str  # "pending" (try again at next_attempt_at) or "failed" (given up)
    next_attempt_at: datetime | None


def after_failure(policy: RetryPolicy, attempts: int, now: datetime, *, permanent: bool = False) -> Outcome:
    """What becomes of a message whose ``attempts``-th attempt (counting this one) just failed."""
    if permanent or attempts >= policy.max_attempts:
        return Outcome("failed", None)
    return Outcome("pending", now + policy.delay(attempts))
