"""In-process, thread-safe sliding-window limits for anonymous use (no streamlit here).

Two uses, both in ui/auth.py:

* `SlidingWindowLimiter` refuses a client's sign-in attempts beyond `limit` per
  `window` seconds, before any password is checked, and says how long to wait.
* `AuditGate` bounds how many audit rows anonymous events (failed sign-ins,
  demo visits) may write per client and window. Suppressed events are not lost:
  their number is handed to the next row that is written for the same key.

Embedded (an SQLite accounts file, one server process), the state lives in that process's
memory: a restart forgets it, which is acceptable for limits of a minute, and the number of keys
kept is capped so that a flood of distinct client keys cannot grow memory without bound.

With a PostgreSQL store several app processes serve the same users, and a per-process window
would give a client `limit` attempts per process (behind a load balancer, per process it reaches).
`SharedWindowLimiter` keeps the allowed hits in that database instead (table throttle_hits,
risk/store/postgis/migrations.py): each hit is one transaction holding an advisory lock for its
(scope, key), so concurrent hits from any process are counted one after another, and the time is
the server's clock, the same for every process. Expired rows are swept by one hit at a time
(a try-lock), so sweeping never waits or deadlocks. An `AuditGate` over a shared limiter admits
rows across processes; the count of rows it suppressed stays with the process that suppressed
them and goes into that process's next admitted row (none is lost, a total may be split).
"""
from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict, deque
from dataclasses import dataclass
from contextlib import closing
from typing import TYPE_CHECKING, Callable, Protocol

if TYPE_CHECKING:
    from risk.access.database import PostgresDatabase

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


class Limiter(Protocol):
    def hit(self, key: str) -> Verdict: ...


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


class SharedWindowLimiter:
    """SlidingWindowLimiter's rule for every app process on one PostgreSQL database.

    `scope` tells apart the limits kept in the one table (sign-in attempts, audit rows, ...).
    `clock`: seconds, for tests; None is the server's clock."""

    def __init__(self, db: "PostgresDatabase", scope: str, limit: int, window: float = 60.0,
                 clock: Clock | None = None) -> None:
        if limit < 1 or window <= 0:
            raise ValueError("limit must be >= 1 and window > 0")
        self.db = db
        self.scope = scope
        self.limit = limit
        self.window = float(window)
        self._clock = clock
        db.migrate()  # the table comes with the store's migrations (cheap when they are applied)

    def hit(self, key: str) -> Verdict:
        """Record an attempt for `key` if the window has room in every process; otherwise refuse it."""
        with closing(self.db.connect()) as con, con:
            self.db.lock(con, f"throttle:{self.scope}:{key}")  # this key's hits, one after another
            now = self._clock() if self._clock else float(
                con.execute("SELECT extract(epoch FROM clock_timestamp())::float8").fetchone()[0])
            if con.execute("SELECT pg_try_advisory_xact_lock(?, ?)", _sweep_lock()).fetchone()[0]:
                con.execute("DELETE FROM throttle_hits WHERE scope = ? AND at <= ?", (self.scope, now - self.window))
            hits = [float(r[0]) for r in con.execute(
                "SELECT at FROM throttle_hits WHERE scope = ? AND key = ? AND at > ? ORDER BY at LIMIT ?",
                (self.scope, key, now - self.window, self.limit))]
            if len(hits) >= self.limit:
                return Verdict(False, hits[0] + self.window - now)
            con.execute("INSERT INTO throttle_hits (scope, key, at) VALUES (?, ?, ?)", (self.scope, key, now))
            return Verdict(True)


def _sweep_lock() -> tuple[int, int]:
    from risk.access.database import ACCOUNTS_LOCK_CLASS, lock_key

    return ACCOUNTS_LOCK_CLASS, lock_key("throttle-sweep")


class AuditGate:
    """Lets through at most `limit` audit rows per key and window, counting the rest.

    `admit(key)` returns None when the row must be skipped, or the number of
    rows skipped for this key since the last admitted one (0 usually), which the
    caller records in the row's details. The first event after a quiet window is
    always admitted, so every burst leaves at least one row.
    """

    def __init__(self, limit: int, window: float = 60.0, clock: Clock | None = None,
                 max_keys: int = 10_000, limiter: Limiter | None = None) -> None:
        """`limiter`: where admitted rows are counted (a SharedWindowLimiter to count them in every
        process); None: this process's memory, `limit` per `window`."""
        self._limiter = limiter or SlidingWindowLimiter(limit, window, clock, max_keys)
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
