"""Connections to the PostgreSQL store: which locations are URLs, how a URL is shown without its
password, the advisory-lock keys, and one error for a server that cannot be reached."""
from __future__ import annotations

from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict

from risk.store.shared import StoreError

__all__ = ["LOCK_CLASS", "Lock", "connect", "redacted"]

CONNECT_TIMEOUT_S = 10
# Advisory locks: (LOCK_CLASS, key). LOCK_CLASS is "risk" in ASCII, so the application's locks
# are told apart from any other program's on the same database.
LOCK_CLASS = 0x7269736B


class Lock:
    """The keys under LOCK_CLASS, one per thing that must happen one at a time."""

    MIGRATE = 1  # applying migrations (session lock, risk/store/postgis/migrations.py)
    VERSIONS = 2  # an import or an activation (transaction lock)
    AUDIT = 3  # extending the audit log's hash chain (transaction lock)


def redacted(url: str) -> str:
    """The URL as shown in messages and repr: user, host, port and database, never the password."""
    try:
        parts = conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "postgresql://?"
    user = f"{parts['user']}@" if parts.get("user") else ""
    host = parts.get("host") or ""
    port = f":{parts['port']}" if parts.get("port") else ""
    return f"postgresql://{user}{host}{port}/{parts.get('dbname') or ''}"


def connect(url: str, **options: Any) -> psycopg.Connection:
    """A new connection; a server that cannot be reached is a StoreError naming the (redacted) URL."""
    try:
        return psycopg.connect(url, connect_timeout=CONNECT_TIMEOUT_S, **options)
    except psycopg.OperationalError as err:
        reason = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise StoreError("store.unreachable", location=redacted(url), reason=reason) from err
    except psycopg.ProgrammingError as err:  # a malformed URL
        raise StoreError("store.unreachable", location=redacted(url), reason=str(err)) from err
