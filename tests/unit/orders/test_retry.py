from datetime import datetime, timedelta, timezone

import pytest

from storefront.orders.retry import Outcome, RetryPolicy, after_failure

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=timezone.utc)
POLICY = RetryPolicy(max_attempts=5, base_seconds=30, factor=2, cap_seconds=100)


@pytest.mark.parametrize(("attempts", "seconds"), [(1, 30), (2, 60), (3, 100), (4, 100)])
def test_each_failure_waits_twice_as_long_up_to_the_cap(attempts, seconds):
    assert POLICY.delay(attempts) == timedelta(seconds=seconds)
    assert after_failure(POLICY, attempts, NOW) == Outcome("pending", NOW + timedelta(seconds=seconds))


def test_the_last_attempt_gives_up():
    assert after_failure(POLICY, 5, NOW) == Outcome("failed", None)
    assert after_failure(POLICY, 6, NOW) == Outcome("failed", None)


def test_a_permanent_failure_gives_up_at_once():
    assert after_failure(POLICY, 1, NOW, permanent=True) == Outcome("failed", None)


def test_the_default_schedule_spans_hours_not_seconds():
    policy = RetryPolicy()
    total = sum((policy.delay(n) for n in range(1, policy.max_attempts)), timedelta())
    assert timedelta(hours=1) < total < timedelta(days=1)
