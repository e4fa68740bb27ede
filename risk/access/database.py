"""Where the accounts, sign-in sessions and sign-in throttle live: an SQLite file, or the
PostgreSQL database of the store.

Why two: the embedded case keeps one private SQLite file beside the store (RISK_ACCOUNTS_DB);
several app processes sharing a PostgreSQL store (RISK_STORE=postgresql://...) must also share
who is signed in, who is locked out and how fast a client may try, so those tables then live in
that database (created by its migrations, risk/store/postgis/migrations.py).

The callers (accounts.py, sessions.py, throttle.py) write their SQL once, with `?` placeholders
and rows read by column name or position; `AccountsDatabase.connect` gives a connection that
takes that SQL on either backend. What differs is here: how a write lock is taken (`lock`):
SQLite's BEGIN IMMEDIATE (the whole file), PostgreSQL's transaction-level advisory lock on a
key derived from a name (only writers of that name wait).
"""
from __future__ import annotations

import hashlib
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, Sequence

from risk.store import is_server_store

__all__ = ["ACCOUNTS_LOCK_CLASS", "AccountsDatabase", "PostgresDatabase", "SqliteDatabase", "accounts_database",
           "lock_key"]

# Advisory locks of the accounts tables: "risA" in ASCII, apart from the store's ("risk") and the
# result claims' ("risR").
ACCOUNTS_LOCK_CLASS = 0x72697341


def lock_key(name: str) -> int:
    """A signed 32-bit advisory-lock key for `name`, the same in every process."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:4], "big", signed=True)


class Connection(Protocol):
    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any: ...
    def close(self) -> None: ...
    def __enter__(self) -> "Connection": ...
    def __exit__(self, *exc: Any) -> Any: ...


class AccountsDatabase(Protocol):
    """One accounts database; `location` is a file path or a postgresql:// URL."""

    location: str
    is_server: bool

    def connect(self) -> Connection: ...
    def lock(self, con: Connection, name: str) -> None: ...


@dataclass(frozen=True)
class SqliteDatabase:
    """The accounts file of the embedded case (mode 0600, made by accounts.py)."""

    path: Path
    is_server: bool = False

    @property
    def location(self) -> str:
        return str(self.path)

    def connect(self) -> sqlite3.Connection:
        con = sqlite3.connect(self.path, timeout=10)
        con.row_factory = sqlite3.Row
        return con

    def lock(self, con: sqlite3.Connection, name: str) -> None:
        """Take the file's write lock now (the rest of the transaction then runs alone)."""
        con.execute("BEGIN IMMEDIATE")


class _Row(tuple):
    """A row readable by position (row[0]) and by column name (row["username"]), as sqlite3.Row."""

    names: tuple[str, ...] = ()

    def __getitem__(self, key):  # type: ignore[override]
        if isinstance(key, str):
            return tuple.__getitem__(self, self.names.index(key))
        return tuple.__getitem__(self, key)

    def keys(self) -> list[str]:
        return list(self.names)


def _row_factory(cursor: Any):
    names = tuple(column.name for column in cursor.description or ())
    row_type = type("Row", (_Row,), {"names": names})
    return lambda values: row_type(values)


class _PgConnection:
    """A psycopg connection that takes the callers' `?` placeholders; as a context manager it
    commits on success and rolls back on an error, as sqlite3's does (and then closes)."""

    def __init__(self, con: Any) -> None:
        self._con = con

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self._con.execute(sql.replace("%", "%%").replace("?", "%s"), tuple(params))

    def close(self) -> None:
        self._con.close()

    def __enter__(self) -> "_PgConnection":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self._con.commit()
        else:
            self._con.rollback()


@dataclass(frozen=True)
class PostgresDatabase:
    """The store's PostgreSQL database; its accounts tables come with its migrations."""

    url: str
    is_server: bool = True

    @property
    def location(self) -> str:
        return self.url

    def migrate(self) -> None:
        """Bring the database to the latest schema (the store's migrations, which hold these tables)."""
        from risk.store.postgis.connection import connect
        from risk.store.postgis.migrations import migrate

        with connect(self.url, autocommit=True) as con:
            migrate(con, self.url)

    def connect(self) -> _PgConnection:
        from risk.store.postgis.connection import connect

        return _PgConnection(connect(self.url, row_factory=_row_factory))

    def lock(self, con: _PgConnection, name: str) -> None:
        """Writers of `name` wait for each other until this transaction ends, in every process."""
        con.execute("SELECT pg_advisory_xact_lock(?, ?)", (ACCOUNTS_LOCK_CLASS, lock_key(name)))


def accounts_database(location: str | Path) -> SqliteDatabase | PostgresDatabase:
    """The database `location` names: a postgresql:// URL, else an SQLite file path."""
    if is_server_store(location):
        return PostgresDatabase(str(location).strip())
    return SqliteDatabase(Path(location))
