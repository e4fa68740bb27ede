"""Long analyses run in a worker thread, so a page shows a progress bar and its user can move on.

Why. At 10,600 communes the hotspot scan takes 15–30 s. Run in the page's
script, it blocks that page with a spinner and restarts from nothing when the
user touches a widget. Here it runs once per (kind, dataset, options) in a
process-wide worker pool; the page polls it, drawing its progress, and a user
who leaves and comes back finds it finished. Sessions asking for the same run
share it.

Superseded runs stop. When a session asks for another run of the same kind
(it moved a slider), it stops watching its previous one; a run that nobody
watches any more stops at its next progress report (risk.analysis.progress.
Cancelled), so a few slider moves do not queue minutes of work on a two-core
server. Finished runs are kept, the latest `KEEP` of them, like st.cache_data.
"""
from __future__ import annotations

import threading
import time
import uuid
from collections import OrderedDict
from concurrent import futures
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Callable, Hashable

import streamlit as st

from risk.analysis.progress import Cancelled, Progress, Report
from ui import session as slots

__all__ = ["Job", "Registry", "run", "run_in_background", "wait"]

WORKERS = 2  # the machine this is sized for has two cores
KEEP = 16  # finished runs kept for the next visitor
POLL_SECONDS = 0.3
QUICK_SECONDS = 0.25  # waited before a progress bar is drawn


class Job:
    """One run: its latest progress, who waits for it, and its future result."""

    def __init__(self, key: Hashable) -> None:
        self.key = key
        self.latest = Progress("queued", 0, 1)
        self.watchers: set[str] = set()
        self.cancelled = False
        self.future: Future | None = None

    def report(self, progress: Progress) -> None:
        """The engine's `Report`: keeps the latest progress, and stops the run nobody waits for."""
        if self.cancelled:
            raise Cancelled()
        self.latest = progress

    @property
    def done(self) -> bool:
        return self.future is not None and self.future.done()

    def result(self) -> Any:
        """The run's value; re-raises what the run raised (a LocalisedError the page shows)."""
        assert self.future is not None
        return self.future.result()


class Registry:
    """Every run in this server process (one instance, from `_registry`)."""

    def __init__(self, workers: int = WORKERS, keep: int = KEEP) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="analysis")
        self._jobs: OrderedDict[Hashable, Job] = OrderedDict()
        self._watching: dict[tuple[str, str], Hashable] = {}
        self._lock = threading.RLock()  # a future cancelled under it calls back into it
        self._keep = keep

    def submit(self, kind: str, key: Hashable, fn: Callable[[Report], Any], watcher: str) -> Job:
        """The run of `fn` for `key`, started unless one is running or kept; `watcher` waits for it
        and stops waiting for its previous run of this `kind` (what it was for: a page's analysis)."""
        full_key = key  # shared across kinds: two pages asking for the same analysis share its run
        with self._lock:
            previous = self._watching.get((watcher, kind))
            if previous is not None and previous != full_key:
                self._release(previous, watcher)
            job = self._jobs.get(full_key)
            if job is None or job.cancelled:
                job = Job(full_key)
                self._jobs[full_key] = job
                job.future = self._pool.submit(fn, job.report)
                job.future.add_done_callback(lambda _f, k=full_key: self._finished(k))
            self._jobs.move_to_end(full_key)
            job.watchers.add(watcher)
            self._watching[(watcher, kind)] = full_key
            return job

    def _release(self, full_key: Hashable, watcher: str) -> None:
        job = self._jobs.get(full_key)
        if job is None:
            return
        job.watchers.discard(watcher)
        if not job.watchers and not job.done:
            job.cancelled = True
            job.future.cancel()  # a run still queued never starts

    def _finished(self, full_key: Hashable) -> None:
        with self._lock:
            job = self._jobs.get(full_key)
            if job is not None and job.cancelled:
                del self._jobs[full_key]  # asked for again, it runs again
            done = [k for k, j in self._jobs.items() if j.done]
            for k in done[: max(0, len(done) - self._keep)]:
                del self._jobs[k]


@st.cache_resource(show_spinner=False)
def _registry() -> Registry:
    return Registry()


def _watcher() -> str:
    token = slots.JOB_WATCHER.get()
    if token is None:
        token = uuid.uuid4().hex
        slots.JOB_WATCHER.set(token)
    return token


def run(kind: str, key: Hashable, fn: Callable[[Report], Any]) -> Job:
    """This session's run of `fn` (called with a `Report`) for `key`; see the module docstring."""
    return _registry().submit(kind, key, fn, _watcher())


SERVER = "server"  # the watcher of runs no session asked for (a dataset's default analyses)


def run_in_background(kind: str, key: Hashable, fn: Callable[[Report], Any]) -> Job:
    """A run the server itself wants (no session waits for it). It goes on when sessions end; a newer
    run of the same `kind` (the next dataset's defaults) stops it, unless a session watches it."""
    return _registry().submit(kind, key, fn, SERVER)


def wait(job: Job, describe: Callable[[Progress], str]) -> Any:
    """Draw the run's progress until it ends, then return its value (or raise what it raised).

    Each redraw is a Streamlit call, so a widget change or a page switch interrupts the wait
    at once; the run goes on in its worker."""
    if not job.done:
        futures.wait([job.future], timeout=QUICK_SECONDS)  # a quick run (one year's scores) shows no bar
    if not job.done:
        bar = st.progress(0.0, text=describe(job.latest))
        while not job.done:
            time.sleep(POLL_SECONDS)
            bar.progress(job.latest.fraction, text=describe(job.latest))
        bar.empty()
    return job.result()
