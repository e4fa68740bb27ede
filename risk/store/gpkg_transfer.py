"""Moving a store, GeoPackage side: reading a store file as neutral rows (risk/store/transfer.py)
and building a new store file from them.

Why the new file is built aside: a half-built store must never be seen under the destination's
name. The file is created with the store's own creation code (risk/store/schema.py, `_create_file`)
in a private temporary folder next to the destination, filled in ONE SQLite transaction, made
0600 and synced, and only then linked into place (a file that appeared there meanwhile is never
overwritten). An existing destination is accepted only when it is an empty store (no version,
no audit entry); it is then replaced atomically while its write lock is held, after a last look
that it is still empty.
"""
from __future__ import annotations

import json
import os
import shutil
import sqlite3
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from risk.store import audit as audit_log
from risk.store.codec import _now, decode_geometries, encode_geometries
from risk.store.schema import PRIVATE_FILE_MODE, _create_file, _fsync_dir, _update_extents, \
    ensure_crosswalk_tables, ensure_patrols_table
from risk.store.shared import StoreError
from risk.store.transfer import (ALL_PARTS, AUDIT_FIELDS, GEOMETRY_PARTS, MODEL_RUN_FIELDS, PART_FIELDS,
                                 VERSION_FIELDS, quoted)
from risk.store.versions import Store

__all__ = ["GpkgReader", "GpkgWriter", "reading", "writing"]

_ACTIVE = VERSION_FIELDS.index("active")


class GpkgReader:
    """A store file's rows, inside one read transaction (one consistent state)."""

    def __init__(self, con: sqlite3.Connection):
        self.con = con
        self.tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}

    def versions(self) -> list[tuple]:
        rows = self.con.execute(f"SELECT {quoted(VERSION_FIELDS)} FROM versions ORDER BY id").fetchall()
        return [(*row[:_ACTIVE], bool(row[_ACTIVE]), *row[_ACTIVE + 1:]) for row in rows]

    def part_rows(self, part: str, version: int) -> list[tuple]:
        if part not in self.tables:
            return []
        geometry = ", geom" if part in GEOMETRY_PARTS else ""
        rows = self.con.execute(f"SELECT version_id, {quoted(PART_FIELDS[part])}{geometry} FROM {part} "
                                "WHERE version_id = ? ORDER BY fid", (int(version),)).fetchall()
        if part == "vintage":
            return [(*row[:-1], bool(row[-1])) for row in rows]
        if part in GEOMETRY_PARTS:
            shapes = decode_geometries([row[-1] for row in rows])
            return [(*row[:-1], shape) for row, shape in zip(rows, shapes)]
        return rows

    def part_counts(self) -> dict[str, dict[int, int]]:
        return {part: dict(self.con.execute(f"SELECT version_id, count(*) FROM {part} GROUP BY version_id").fetchall())
                if part in self.tables else {} for part in ALL_PARTS}

    def model_runs(self) -> list[tuple]:
        return self.con.execute(f"SELECT {quoted(MODEL_RUN_FIELDS)} FROM model_runs ORDER BY id").fetchall()

    def audit_rows(self) -> list[tuple]:
        return self.con.execute(f"SELECT {quoted(AUDIT_FIELDS)} FROM audit_log ORDER BY id").fetchall()

    def audit_counter(self) -> int:
        row = self.con.execute("SELECT seq FROM sqlite_sequence WHERE name = 'audit_log'").fetchone()
        return 0 if row is None else int(row[0])


@contextmanager
def reading(store: Store) -> Iterator[GpkgReader]:
    """The store file read in one transaction (StoreError store.missing when there is no file)."""
    with store._read() as con:
        yield GpkgReader(con)


class GpkgWriter:
    """Rows into a new store file, inside its one write transaction."""

    def __init__(self, con: sqlite3.Connection):
        self.con = con

    def write_versions(self, rows: list[tuple]) -> None:
        reform = any(json.loads(row[VERSION_FIELDS.index("schema")]).get(part) is not None
                     for row in rows for part in ("crosswalk", "vintage"))
        patrols = any(json.loads(row[VERSION_FIELDS.index("schema")]).get("patrols") is not None for row in rows)
        marks = ", ".join("?" * len(VERSION_FIELDS))
        self.con.executemany(f"INSERT INTO versions ({quoted(VERSION_FIELDS)}) VALUES ({marks})",
                             [(*row[:_ACTIVE], int(bool(row[_ACTIVE])), *row[_ACTIVE + 1:]) for row in rows])
        if patrols:  # made on first use, as an import does: a version that had the part reads its table
            ensure_patrols_table(self.con)
        if reform:
            ensure_crosswalk_tables(self.con)

    def write_part(self, part: str, version: int, rows: list[tuple]) -> None:
        if not rows:
            return
        if part == "patrols":
            ensure_patrols_table(self.con)
        elif part in ("crosswalk", "vintage"):
            ensure_crosswalk_tables(self.con)
        names = ["version_id", *PART_FIELDS[part]]
        if part in GEOMETRY_PARTS:
            blobs = encode_geometries([row[-1] for row in rows])
            rows = [(*row[:-1], blob) for row, blob in zip(rows, blobs)]
            names.append("geom")
        elif part == "vintage":
            rows = [(*row[:-1], int(bool(row[-1]))) for row in rows]
        marks = ", ".join("?" * len(names))
        self.con.executemany(f"INSERT INTO {part} ({quoted(names)}) VALUES ({marks})", rows)

    def write_model_runs(self, rows: list[tuple]) -> None:
        marks = ", ".join("?" * len(MODEL_RUN_FIELDS))
        self.con.executemany(f"INSERT INTO model_runs ({quoted(MODEL_RUN_FIELDS)}) VALUES ({marks})", rows)

    def copy_audit(self, rows: list[tuple], counter: int) -> None:
        audit_log.copy_entries(self.con, rows, counter)

    def append_audit(self, user: str, action: str, details: dict, rows: int | None) -> int:
        return audit_log.write_entry(self.con, user, action, details, rows)


def _counts(store: Store) -> tuple[int, int]:
    """(versions, audit entries) of an existing store file."""
    with store._read() as con:
        return (int(con.execute("SELECT count(*) FROM versions").fetchone()[0]),
                int(con.execute("SELECT count(*) FROM audit_log").fetchone()[0]))


def _refuse_unless_empty(store: Store) -> None:
    versions, entries = _counts(store)
    if versions or entries:
        raise StoreError("store.migrate.not_empty", location=str(store.path), versions=versions, entries=entries)


@contextmanager
def writing(store: Store) -> Iterator[GpkgWriter]:
    """A new store file for `store.path`, filled inside the with-block and moved into place when it
    ends without an error (StoreError store.migrate.not_empty when the destination holds anything)."""
    path = store.path
    existed = path.exists()
    if existed:
        _refuse_unless_empty(store)  # also StoreError store.not_a_store for a file that is not a store
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".migrating", dir=path.parent))
    try:
        built = Store(work / path.name)
        _create_file(built.path)
        with built._write() as con:
            yield GpkgWriter(con)
            _update_extents(con, _now())
        os.chmod(built.path, PRIVATE_FILE_MODE)
        with open(built.path, "rb+") as handle:
            os.fsync(handle.fileno())
        _place(built.path, store, existed)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _place(built: Path, store: Store, existed: bool) -> None:
    """The built file under the destination's name, atomically, never over a store holding data."""
    path = store.path
    if not existed:
        try:
            os.link(built, path)  # fails when a file appeared there meanwhile: it is kept
        except FileExistsError:
            _refuse_unless_empty(store)
            raise StoreError("store.migrate.not_empty", location=str(path), versions=0, entries=0)
        except OSError:  # file systems without hard links
            if path.exists():
                raise StoreError("store.migrate.not_empty", location=str(path), versions=0, entries=0)
            os.replace(built, path)
    else:
        with store._write() as con:  # its write lock: nobody adds to it while it is replaced
            versions = int(con.execute("SELECT count(*) FROM versions").fetchone()[0])
            entries = int(con.execute("SELECT count(*) FROM audit_log").fetchone()[0])
            if versions or entries:
                raise StoreError("store.migrate.not_empty", location=str(path), versions=versions, entries=entries)
            os.replace(built, path)
    _fsync_dir(path.parent)
