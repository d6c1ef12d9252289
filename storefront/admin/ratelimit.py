"""Failed-authentication rate limiting: a sliding window per client address.

Pure (no Flask): the window keeps failure times per key; after ``limit``
failures within ``window`` seconds the key is refused until the oldest
failure leaves the window. In-process, so each app server counts its own
(a shared Redis-backed counter is the production answer; see README)."""
from __future__ import annotations

import threading
from collections import defaultdict, deque


class FailureWindow:
    def __init__(self, limit: int = 10, window: float = 60.0, max_keys: int = 10_000) -> None:
        self.limit, self.window, self.max_keys = limit, window, max_keys
        self._failures: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _trim(self, key: str, now: float) -> deque[float]:
        times = self._failures[key]
        while times and times[0] <= now - self.window:
            times.popleft()
        return times

    def blocked_for(self, key: str, now: float) -> float:
        """Seconds until ``key`` may try again (0: allowed)."""
        with self._lock:
            times = self._trim(key, now)
            if len(times) < self.limit:
                return 0.0
            return max(times[0] + self.window - now, 0.0)

    def fail(self, key: str, now: float) -> None:
        with self._lock:
            if len(self._failures) >= self.max_keys and key not in self._failures:
                self._failures.clear()  # bounded memory under a spray of addresses
            self._trim(key, now).append(now)

    def reset(self, key: str) -> None:
        with self._lock:
            self._failures.pop(key, None)


class RedisFailureWindow:
    """The same sliding window shared by every app server through Redis: a
    sorted set of failure times per key, trimmed on each look."""

    def __init__(self, client, limit: int = 10, window: float = 60.0, prefix: str = "storefront:authfail:") -> None:
        self.client, self.limit, self.window, self.prefix = client, limit, window, prefix

    def _trimmed(self, key: str, now: float):
        pipe = self.client.pipeline()
        pipe.zremrangebyscore(self.prefix + key, "-inf", now - self.window)
        pipe.zrange(self.prefix + key, 0, 0, withscores=True)
        pipe.zcard(self.prefix + key)
        _, oldest, count = pipe.execute()
        return oldest, count

    def blocked_for(self, key: str, now: float) -> float:
        oldest, count = self._trimmed(key, now)
        if count < self.limit or not oldest:
            return 0.0
        return max(oldest[0][1] + self.window - now, 0.0)

    def fail(self, key: str, now: float) -> None:
        pipe = self.client.pipeline()
        pipe.zadd(self.prefix + key, {f"{now!r}:{id(pipe)}": now})
        pipe.expire(self.prefix + key, int(self.window) + 1)
        pipe.execute()

    def reset(self, key: str) -> None:
        self.client.delete(self.prefix + key)
