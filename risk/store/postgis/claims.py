"""Claiming a background analysis on the PostgreSQL server: one worker at a time per result,
across every app process and machine that uses the same database.

Why: with the GeoPackage store the result directory is local and a lock file (fcntl.flock, see
risk/store/results.py) makes a second process wait for the first one's result. App processes on
several machines sharing a PostgreSQL store cannot rely on flock (network file systems do not keep
it reliably), so the claim is a session-level advisory lock on the server: pg_try_advisory_lock,
polled so the waiting caller can report progress or give up, held by one connection for the
computation and released when that connection closes, also when the worker process dies.
"""
from __future__ import annotations

import hashlib
import time
from contextlib import contextmanager
from typing import Callable, Iterator

from risk.store.postgis.connection import connect

__all__ = ["CLAIM_CLASS", "claim_key", "claims_for"]

CLAIM_CLASS = 0x72697352  # "risR": advisory locks of result claims, apart from the store's own (LOCK_CLASS)
POLL_SECONDS = 0.25


def claim_key(name: str) -> int:
    """A signed 32-bit key for a claim's name (SHA-256 based, the same in every process)."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:4], "big", signed=True)


def claims_for(url: str) -> Callable[[str, Callable[[], None] | None], "contextmanager[None]"]:
    """The claim function ResultStore takes (`claims=`): hold `name`'s claim for a with-block,
    calling `waiting` about four times a second while another worker holds it (it may raise)."""

    @contextmanager
    def claim(name: str, waiting: Callable[[], None] | None = None) -> Iterator[None]:
        con = connect(url, autocommit=True)
        try:
            while not con.execute("SELECT pg_try_advisory_lock(%s, %s)", (CLAIM_CLASS, claim_key(name))).fetchone()[0]:
                if waiting is not None:
                    waiting()
                time.sleep(POLL_SECONDS)
            yield
        finally:
            con.close()  # ends the session, and the claim with it

    return claim
