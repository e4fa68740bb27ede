"""In-process, thread-safe sliding-window limits for anonymous use (no streamlit here).

Two uses, both in ui/auth.py:

* `SlidingWindowLimiter` refuses a client's sign-in attempts beyond `limit` per
  `window` seconds, before any password is checked, and says how long to wait.
* `AuditGate` bounds how many audit rows anonymous events (failed sign-ins,
  demo visits) may write per client and window. Suppressed events are not lost:
  their number is handed to the next row that is written for the same key.

State lives in memory of one server process: a restart forgets it, which is
acceptable for limits of a minute. The number of keys kept is capped so that a
flood of distinct client keys cannot grow memory without bound.
"""
from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict, deque
from dataclasses import dataclass
from typing import Callable

Clock = Callable[[], float]


def _monotonic() -> float:
    """The default clock, looked up at each call so tests can move time for a running app."""
    return time.monotonic()


@dataclass(frozen=True)
class Verdict:
    """Whether one attempt may go ahead; if not, how many seconds until one may."""

    allowed: bool
    retry_after: float = 0.0

    @property
    def wait_seconds(self) -> int:
        """The wait rounded up to whole seconds (at least 1 when refused), for messages."""
        if self.allowed:
            return 0
        return max(1, math.ceil(self.retry_after))


class SlidingWindowLimiter:
    """At most `limit` allowed hits per key within any `window` seconds.

    Only allowed hits are remembered, so a client that keeps hammering after a
    refusal costs no memory and is let in again as soon as its oldest allowed
    hit leaves the window.
    """

    def __init__(self, limit: int, window: float = 60.0, clock: Clock | None = None,
                 max_keys: int = 10_000) -> None:
        if limit < 1 or window <= 0:
            raise ValueError("limit must be >= 1 and window > 0")
        self.limit = limit
        self.window = float(window)
        self._clock = clock
        self._max_keys = max_keys
        self._hits: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def hit(self, key: str) -> Verdict:
        """Record an attempt for `key` if the window has room; otherwise refuse it."""
        with self._lock:  # read the clock inside, so each deque stays in time order
            now = (self._clock or _monotonic)()
            hits = self._hits.get(key)
            if hits is None:
                hits = deque()
                self._hits[key] = hits
                self._evict()
            else:
                self._hits.move_to_end(key)
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            if len(hits) >= self.limit:
                return Verdict(False, hits[0] + self.window - now)
            hits.append(now)
            return Verdict(True)

    def _evict(self) -> None:
        """Drop the least recently used keys beyond `max_keys` (their windows are forgotten)."""
        while len(self._hits) > self._max_keys:
            self._hits.popitem(last=False)


class AuditGate:
    """Lets through at most `limit` audit rows per key and window, counting the rest.

    `admit(key)` returns None when the row must be skipped, or the number of
    rows skipped for this key since the last admitted one (0 usually), which the
    caller records in the row's details. The first event after a quiet window is
    always admitted, so every burst leaves at least one row.
    """

    def __init__(self, limit: int, window: float = 60.0, clock: Clock | None = None,
                 max_keys: int = 10_000) -> None:
        self._limiter = SlidingWindowLimiter(limit, window, clock, max_keys)
        self._max_keys = max_keys
        self._suppressed: OrderedDict[str, int] = OrderedDict()
        self._lock = threading.Lock()

    def admit(self, key: str) -> int | None:
        with self._lock:
            if self._limiter.hit(key).allowed:
                return self._suppressed.pop(key, 0)
            self._suppressed[key] = self._suppressed.get(key, 0) + 1
            self._suppressed.move_to_end(key)
            while len(self._suppressed) > self._max_keys:
                self._suppressed.popitem(last=False)
            return None
