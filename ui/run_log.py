"""The server's own time per script run, appended to RISK_RUN_LOG when it is set.

Why. On one machine a load test's browsers and the app share the cores, so a browser's "map drawn"
time mixes both. The server's own seconds per rerun (wall, and CPU of the run's thread) tell them
apart (issue 15, bench/load.py). One tab-separated line per run: process id, page, wall seconds,
CPU seconds. No user, no data. Writes are single `O_APPEND` lines, so several processes can share
the file.
"""
from __future__ import annotations

import os
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator
from urllib.parse import urlsplit

__all__ = ["RunTime", "page_of", "read_run_log", "timed_run"]


@contextmanager
def timed_run(log: Path | None, page: Callable[[], str]) -> Iterator[None]:
    """Time the enclosed script run, also when it stops or reruns (Streamlit raises to do so)."""
    if log is None:
        yield
        return
    wall, cpu = time.perf_counter(), time.thread_time()
    try:
        yield
    finally:
        try:
            name = page().replace("\t", " ").replace("\n", " ")
        except Exception:  # no page known (a run without a browser): still count the run
            name = "?"
        line = f"{os.getpid()}\t{name}\t{time.perf_counter() - wall:.4f}\t{time.thread_time() - cpu:.4f}\n"
        _append(log, line)


def _append(log: Path, line: str) -> None:
    """One line at the end of the log; a log that cannot be written must not break the page it times
    (nor swallow the stop or rerun the run ends with), so it is reported on stderr instead."""
    try:
        fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    except OSError as err:
        print(f"RISK_RUN_LOG {log}: not written ({err.strerror})", file=sys.stderr, flush=True)
        return
    try:
        os.write(fd, line.encode("utf-8"))
    finally:
        os.close(fd)


def page_of(url: str, base_path: str = "/") -> str:
    """The page a script run drew, from the browser's address: "hotspots" for
    http://host/prefix/hotspots?year=2024, and "risk-map" (the default page) for the bare address."""
    path = urlsplit(url).path
    if path.startswith(base_path):
        path = path[len(base_path):]
    return path.strip("/").rsplit("/", 1)[-1] or "risk-map"


@dataclass(frozen=True)
class RunTime:
    """One logged run."""

    pid: int
    page: str
    wall_s: float
    cpu_s: float


def read_run_log(log: Path) -> list[RunTime]:
    """Every complete line of the log."""
    if not log.exists():
        return []
    runs = []
    for line in log.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) == 4:
            runs.append(RunTime(int(parts[0]), parts[1], float(parts[2]), float(parts[3])))
    return runs
