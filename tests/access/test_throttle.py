"""Sliding-window limits: refuse beyond the limit, let in again when the window moves, thread-safe."""
from __future__ import annotations

import threading

import pytest

from risk.access.throttle import AuditGate, SlidingWindowLimiter, Verdict


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_limit_refuses_the_next_hit_and_says_how_long_to_wait():
    clock = FakeClock()
    limiter = SlidingWindowLimiter(3, 60, clock=clock)
    assert [limiter.hit("a").allowed for _ in range(3)] == [True, True, True]
    clock.now += 10
    refused = limiter.hit("a")
    assert not refused.allowed and refused.retry_after == pytest.approx(50)
    assert refused.wait_seconds == 50
    assert limiter.hit("b").allowed  # another client is not affected


def test_the_window_slides_rather_than_resetting():
    clock = FakeClock()
    limiter = SlidingWindowLimiter(2, 60, clock=clock)
    limiter.hit("a")
    clock.now += 30
    limiter.hit("a")
    clock.now += 31  # the first hit has left the window, the second has not
    assert limiter.hit("a").allowed
    assert not limiter.hit("a").allowed
    clock.now += 29.5
    assert limiter.hit("a").allowed


def test_refused_hits_are_not_remembered():
    """A client that keeps hammering is let in as soon as its oldest allowed hit expires."""
    clock = FakeClock()
    limiter = SlidingWindowLimiter(1, 60, clock=clock)
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


def test_bad_limits_are_refused():
    with pytest.raises(ValueError):
        SlidingWindowLimiter(0, 60)
    with pytest.raises(ValueError):
        SlidingWindowLimiter(1, 0)


def test_concurrent_hits_never_exceed_the_limit():
    limiter = SlidingWindowLimiter(50, 3600)
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


def test_audit_gate_counts_what_it_suppresses_and_hands_it_to_the_next_row():
    clock = FakeClock()
    gate = AuditGate(2, 60, clock=clock)
    assert gate.admit("c") == 0
    assert gate.admit("c") == 0
    assert [gate.admit("c") for _ in range(5)] == [None] * 5
    assert gate.admit("other") == 0
    clock.now += 61  # a new burst: its first row is written and says 5 were skipped
    assert gate.admit("c") == 5
    assert gate.admit("c") == 0
