"""Sliding-window limits: refuse beyond the limit, let in again when the window moves, thread-safe.

The rule's tests run on both limiters: this process's memory (an SQLite accounts file) and the
accounts' PostgreSQL database (SharedWindowLimiter), where two processes share one window."""
from __future__ import annotations

import threading

import pytest

from risk.access.database import accounts_database
from risk.access.throttle import AuditGate, SharedWindowLimiter, SlidingWindowLimiter, Verdict
from tests.access.backends import SQLITE


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def make_limiter(accounts_backend, request):
    """limiter(limit, window, clock=None): one in memory, or one in a fresh PostgreSQL database."""
    if accounts_backend == SQLITE:
        return lambda limit, window, clock=None: SlidingWindowLimiter(limit, window, clock=clock)
    db = accounts_database(request.getfixturevalue("postgis_url"))
    return lambda limit, window, clock=None: SharedWindowLimiter(db, "test", limit, window, clock=clock)


def test_the_limit_refuses_the_next_hit_and_says_how_long_to_wait(make_limiter):
    clock = FakeClock()
    limiter = make_limiter(3, 60, clock=clock)
    assert [limiter.hit("a").allowed for _ in range(3)] == [True, True, True]
    clock.now += 10
    refused = limiter.hit("a")
    assert not refused.allowed and refused.retry_after == pytest.approx(50)
    assert refused.wait_seconds == 50
    assert limiter.hit("b").allowed  # another client is not affected


def test_the_window_slides_rather_than_resetting(make_limiter):
    clock = FakeClock()
    limiter = make_limiter(2, 60, clock=clock)
    limiter.hit("a")
    clock.now += 30
    limiter.hit("a")
    clock.now += 31  # the first hit has left the window, the second has not
    assert limiter.hit("a").allowed
    assert not limiter.hit("a").allowed
    clock.now += 29.5
    assert limiter.hit("a").allowed


def test_refused_hits_are_not_remembered(make_limiter):
    """A client that keeps hammering is let in as soon as its oldest allowed hit expires."""
    clock = FakeClock()
    limiter = make_limiter(1, 60, clock=clock)
    limiter.hit("a")
    for _ in range(100):
        clock.now += 0.5
        assert not limiter.hit("a").allowed
    clock.now = 1060.0
    assert limiter.hit("a").allowed


def test_wait_seconds_rounds_up_and_is_never_zero_when_refused():
    assert Verdict(False, 0.2).wait_seconds == 1
    assert Verdict(False, 4.01).wait_seconds == 5
    assert Verdict(True).wait_seconds == 0


def test_memory_is_bounded_by_max_keys():
    limiter = SlidingWindowLimiter(1, 60, clock=FakeClock(), max_keys=10)
    for i in range(1000):
        limiter.hit(f"client-{i}")
    assert len(limiter._hits) == 10


def test_bad_limits_are_refused(make_limiter):
    with pytest.raises(ValueError):
        make_limiter(0, 60)
    with pytest.raises(ValueError):
        make_limiter(1, 0)


def test_concurrent_hits_never_exceed_the_limit(make_limiter):
    limiter = make_limiter(50, 3600)
    allowed = []
    barrier = threading.Barrier(8)

    def worker() -> None:
        barrier.wait()
        allowed.extend(limiter.hit("same").allowed for _ in range(100))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert sum(allowed) == 50 and len(allowed) == 800


def test_audit_gate_counts_what_it_suppresses_and_hands_it_to_the_next_row(make_limiter):
    clock = FakeClock()
    gate = AuditGate(2, 60, limiter=make_limiter(2, 60, clock=clock))
    assert gate.admit("c") == 0
    assert gate.admit("c") == 0
    assert [gate.admit("c") for _ in range(5)] == [None] * 5
    assert gate.admit("other") == 0
    clock.now += 61  # a new burst: its first row is written and says 5 were skipped
    assert gate.admit("c") == 5
    assert gate.admit("c") == 0


def _hit_in_process(url: str, barrier, results) -> None:
    limiter = SharedWindowLimiter(accounts_database(url), "sign-in", 5, 60)
    barrier.wait(30)
    results.extend([limiter.hit("203.0.113.9").allowed for _ in range(4)])


def test_processes_share_one_window_on_postgresql(postgis_url):
    """Three app processes, four attempts each from one client, at once: five in all get through,
    not five per process; and a fourth process then sees the window full."""
    import multiprocessing

    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(3)
    with context.Manager() as manager:
        results = manager.list()
        workers = [context.Process(target=_hit_in_process, args=(postgis_url, barrier, results)) for _ in range(3)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(60)
        assert [w.exitcode for w in workers] == [0, 0, 0]
        assert len(results) == 12 and sum(results) == 5
    later = SharedWindowLimiter(accounts_database(postgis_url), "sign-in", 5, 60).hit("203.0.113.9")
    assert not later.allowed and 0 < later.retry_after <= 60
    assert SharedWindowLimiter(accounts_database(postgis_url), "other-scope", 5, 60).hit("203.0.113.9").allowed


def test_expired_hits_are_swept_from_the_database(postgis_url):
    import psycopg

    clock = FakeClock()
    limiter = SharedWindowLimiter(accounts_database(postgis_url), "sign-in", 3, 60, clock=clock)
    for i in range(20):
        limiter.hit(f"client-{i}")
    clock.now += 61
    limiter.hit("someone")
    with psycopg.connect(postgis_url) as con:
        assert con.execute("SELECT key FROM throttle_hits").fetchall() == [("someone",)]
