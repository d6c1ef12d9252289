"""Failed-authentication rate limiting, the pure parts.

``credential_key`` names what failures are counted by: the client and the
prefix of the credential it presented (the window every server shares is
storefront/admin/failures.py). ``FailureWindow`` is an in-process sliding
window that an embedding application may install as
``app.extensions["auth_failures"]`` for a strict lockout of a single process:
after ``limit`` failures within ``window`` seconds the key is refused until
the oldest failure leaves the window."""
from __future__ import annotations

import hashlib
import threading
from collections import defaultdict, deque

# As many characters as a stored token's prefix (admin/tokens.py): guesses at
# one token count together, and another token of the same client is unaffected.
CREDENTIAL_PREFIX = 10


def credential_key(client: str, credential: str) -> str:
    """The failure-count key of ``client`` presenting ``credential`` (hashed:
    neither the address nor any part of a credential is stored)."""
    return hashlib.sha256(f"{client}\0{credential[:CREDENTIAL_PREFIX]}".encode()).hexdigest()


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
