"""What the store tests do behind the application's back, on either backend: raw SQL as anyone
who can open the GeoPackage file or connect to the database could run it."""
from __future__ import annotations

import sqlite3

from risk.store import is_server_store
from risk.store.shared import StoreBase

GEOPACKAGE, POSTGIS = "geopackage", "postgis"
BACKENDS = (GEOPACKAGE, POSTGIS)


def backend_of(store: StoreBase) -> str:
    return POSTGIS if is_server_store(store.location) else GEOPACKAGE


def tamper(store: StoreBase, *sql: str) -> None:
    """Run statements directly on the store, outside the application (each in its own transaction)."""
    if backend_of(store) == POSTGIS:
        import psycopg

        with psycopg.connect(store.location, autocommit=True) as con:
            for statement in sql:
                con.execute(statement)
        return
    con = sqlite3.connect(store.location, isolation_level=None)
    try:
        for statement in sql:
            con.execute(statement)
    finally:
        con.close()


def query(store: StoreBase, sql: str) -> list[tuple]:
    """Rows of one SELECT run directly on the store."""
    if backend_of(store) == POSTGIS:
        import psycopg

        with psycopg.connect(store.location) as con:
            return [tuple(r) for r in con.execute(sql).fetchall()]
    con = sqlite3.connect(store.location)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def drop_trigger(store: StoreBase, name: str, table: str = "audit_log") -> str:
    """The statement that removes one protecting trigger, in the backend's dialect."""
    return f"DROP TRIGGER {name} ON {table}" if backend_of(store) == POSTGIS else f"DROP TRIGGER {name}"


def refused_errors(store: StoreBase) -> tuple[type[BaseException], ...]:
    """What the backend raises when a trigger refuses a change."""
    if backend_of(store) == POSTGIS:
        import psycopg

        return (psycopg.errors.IntegrityError,)
    return (sqlite3.IntegrityError,)
