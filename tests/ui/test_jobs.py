"""Background runs: shared by sessions, stopped when superseded and unwatched, errors kept."""
from __future__ import annotations

import threading

import pytest

from risk.analysis.progress import Cancelled, Progress
from ui.jobs import Registry


def blocking(release: threading.Event, value, started: threading.Event | None = None):
    """A run that reports progress until `release` is set, then returns `value`."""
    def fn(report):
        if started is not None:
            started.set()
        done = 0
        while not release.wait(0.01):
            done += 1
            report(Progress("null_maps", done, 10_000))
        return value
    return fn


def test_two_sessions_asking_for_the_same_analysis_share_one_run():
    registry = Registry(workers=2)
    release = threading.Event()
    calls = []

    def fn(report):
        calls.append(1)
        release.wait(5)
        return 42

    a = registry.submit("hotspots", "k", fn, "session-a")
    b = registry.submit("hotspots", "k", fn, "session-b")
    assert a is b
    release.set()
    assert a.future.result(5) == 42 and len(calls) == 1
    again = registry.submit("priorities", "k", fn, "session-c")  # a finished run is kept for the next visitor
    assert again is a and len(calls) == 1


def test_a_superseded_run_nobody_watches_stops_at_its_next_report():
    registry = Registry(workers=1)
    release, started = threading.Event(), threading.Event()
    first = registry.submit("hotspots", "slider-at-2020", blocking(release, "old", started), "session-a")
    assert started.wait(5)
    registry.submit("hotspots", "slider-at-2021", lambda report: "new", "session-a")
    with pytest.raises(Cancelled):
        first.future.result(5)
    release.set()


def test_a_superseded_run_another_session_watches_goes_on():
    registry = Registry(workers=2)
    release = threading.Event()
    shared = registry.submit("hotspots", "period", blocking(release, "value"), "session-a")
    registry.submit("hotspots", "period", blocking(release, "value"), "session-b")
    registry.submit("hotspots", "other period", lambda report: "other", "session-a")
    release.set()
    assert shared.future.result(5) == "value" and not shared.cancelled


def test_a_queued_run_that_is_superseded_never_starts_and_can_be_asked_for_again():
    registry = Registry(workers=1)
    release = threading.Event()
    registry.submit("hotspots", "busy", blocking(release, "busy"), "session-b")
    ran = []
    queued = registry.submit("hotspots", "queued", lambda report: ran.append(1), "session-a")
    registry.submit("hotspots", "next", lambda report: "next", "session-a")
    assert queued.future.cancelled()
    release.set()
    again = registry.submit("hotspots", "queued", lambda report: "ran", "session-a")
    assert again is not queued and again.future.result(5) == "ran" and ran == []


def test_an_error_in_a_run_reaches_whoever_waits_for_it():
    registry = Registry(workers=1)

    def fails(report):
        raise ValueError("bad options")

    job = registry.submit("hotspots", "bad", fails, "session-a")
    with pytest.raises(ValueError, match="bad options"):
        job.future.result(5)


def test_only_the_latest_finished_runs_are_kept():
    registry = Registry(workers=1, keep=2)
    jobs = [registry.submit("hotspots", k, lambda report, k=k: k, f"s{k}") for k in range(4)]
    for job in jobs:
        job.future.result(5)
    assert registry.submit("hotspots", 0, lambda report: "recomputed", "s9").future.result(5) == "recomputed"
    assert registry.submit("hotspots", 3, lambda report: "recomputed", "s9").future.result(5) == 3
