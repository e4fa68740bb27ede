"""Moving a store, PostgreSQL side: reading a database store as neutral rows (risk/store/transfer.py)
and filling an empty one from them.

Why one transaction: the whole copy (versions, parts, model runs, the audit log and the entry
recording the move) is written in ONE transaction, under the advisory locks an import and an audit
entry take (Lock.VERSIONS, Lock.AUDIT), after checking that the database holds no version and no
audit entry. A failure anywhere rolls everything back: nobody ever sees half a store, and the
database stays empty. Ids are kept: versions and audit entries carry their own, model runs are
inserted with OVERRIDING SYSTEM VALUE and their identity moved past the highest.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

import psycopg
import shapely

from risk.store.postgis import audit as audit_log
from risk.store.postgis.connection import LOCK_CLASS, Lock, redacted
from risk.store.postgis.versions import PostgisStore, _ewkb
from risk.store.shared import StoreError
from risk.store.transfer import (ALL_PARTS, AUDIT_FIELDS, GEOMETRY_PARTS, MODEL_RUN_FIELDS, PART_FIELDS,
                                 VERSION_FIELDS, quoted)

__all__ = ["PostgisReader", "PostgisWriter", "reading", "writing"]


def _selected(part: str) -> str:
    """The part's columns as the neutral rows have them: dates as ISO text, geometry as WKB."""
    names = ['"date"::text' if name == "date" else f'"{name}"' for name in PART_FIELDS[part]]
    geometry = ", ST_AsBinary(geom)" if part in GEOMETRY_PARTS else ""
    return f"version_id, {', '.join(names)}{geometry}"


class PostgisReader:
    """A database store's rows, inside one REPEATABLE READ transaction (one snapshot)."""

    def __init__(self, con: psycopg.Connection):
        self.con = con

    def versions(self) -> list[tuple]:
        return [tuple(r) for r in self.con.execute(f"SELECT {quoted(VERSION_FIELDS)} FROM versions ORDER BY id")]

    def part_rows(self, part: str, version: int) -> list[tuple]:
        rows = self.con.execute(f"SELECT {_selected(part)} FROM {part} WHERE version_id = %s ORDER BY fid",
                                (int(version),)).fetchall()
        if part not in GEOMETRY_PARTS:
            return [tuple(r) for r in rows]
        shapes = shapely.from_wkb([None if r[-1] is None else bytes(r[-1]) for r in rows])
        return [(*r[:-1], shape) for r, shape in zip(rows, shapes)]

    def part_counts(self) -> dict[str, dict[int, int]]:
        return {part: {int(v): int(n) for v, n in self.con.execute(
            f"SELECT version_id, count(*) FROM {part} GROUP BY version_id")} for part in ALL_PARTS}

    def model_runs(self) -> list[tuple]:
        return [tuple(r) for r in self.con.execute(f"SELECT {quoted(MODEL_RUN_FIELDS)} FROM model_runs ORDER BY id")]

    def audit_rows(self) -> list[tuple]:
        return [tuple(r) for r in self.con.execute(f"SELECT {quoted(AUDIT_FIELDS)} FROM audit_log ORDER BY id")]

    def audit_counter(self) -> int:
        row = self.con.execute("SELECT last_id FROM audit_counter").fetchone()
        return 0 if row is None else int(row[0])


@contextmanager
def reading(store: PostgisStore) -> Iterator[PostgisReader]:
    """The database store read in one snapshot (StoreError store.missing when it holds no store)."""
    with store._read() as con:
        if con is None:
            raise StoreError("store.missing", path=str(store))
        yield PostgisReader(con)


class PostgisWriter:
    """Rows into an empty database store, inside its one write transaction."""

    def __init__(self, con: psycopg.Connection):
        self.con = con

    def write_versions(self, rows: list[tuple]) -> None:
        marks = ", ".join(["%s"] * len(VERSION_FIELDS))
        with self.con.cursor() as cur:
            cur.executemany(f"INSERT INTO versions ({quoted(VERSION_FIELDS)}) VALUES ({marks})", rows)

    def write_part(self, part: str, version: int, rows: list[tuple]) -> None:
        if not rows:
            return
        names = ["version_id", *PART_FIELDS[part]]
        if part in GEOMETRY_PARTS:
            hexes = _ewkb(row[-1] for row in rows)
            rows = [(*row[:-1], geom) for row, geom in zip(rows, hexes)]
            names.append("geom")
        with self.con.cursor().copy(f"COPY {part} ({quoted(names)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)

    def write_model_runs(self, rows: list[tuple]) -> None:
        if not rows:
            return
        marks = ", ".join(["%s"] * len(MODEL_RUN_FIELDS))
        with self.con.cursor() as cur:
            cur.executemany(f"INSERT INTO model_runs ({quoted(MODEL_RUN_FIELDS)}) OVERRIDING SYSTEM VALUE "
                            f"VALUES ({marks})", rows)
        self.con.execute("SELECT setval(pg_get_serial_sequence('model_runs', 'id'), (SELECT max(id) FROM model_runs))")

    def copy_audit(self, rows: list[tuple], counter: int) -> None:
        audit_log.copy_entries(self.con, rows, counter)

    def append_audit(self, user: str, action: str, details: dict, rows: int | None) -> int:
        return audit_log.write_entry(self.con, user, action, details, rows)


@contextmanager
def writing(store: PostgisStore) -> Iterator[PostgisWriter]:
    """One transaction into the database store (created if the database holds none yet), committed
    when the with-block ends without an error; StoreError store.migrate.not_empty when it holds
    any version or audit entry."""
    with store._write(Lock.VERSIONS) as con:
        con.execute("SELECT pg_advisory_xact_lock(%s, %s)", (LOCK_CLASS, Lock.AUDIT))
        versions = int(con.execute("SELECT count(*) FROM versions").fetchone()[0])
        entries = int(con.execute("SELECT count(*) FROM audit_log").fetchone()[0])
        if versions or entries:
            raise StoreError("store.migrate.not_empty", location=redacted(store.url), versions=versions,
                             entries=entries)
        yield PostgisWriter(con)
