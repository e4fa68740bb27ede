"""The embedded store: one GeoPackage (SQLite) file holding dataset versions,
model runs and the audit log. No server; QGIS opens it.

`Store` here keeps and reads versions and model runs; the rest is split by job:
the file's layout and creation in risk/store/schema.py, the GeoPackage geometry
encoding and the ST_* SQL functions in risk/store/codec.py, the hash-chained
audit log in risk/store/audit.py (and risk/store/audit_chain.py).

Atomicity: a version is written in ONE SQLite transaction (all rows, the
versions row, the active flag and the audit entry), with the rollback journal
and synchronous=FULL. A failure or a SIGKILL at any point leaves the previous
version intact and active: SQLite rolls the hot journal back when the file is
next opened. The rollback journal (not WAL) keeps the store a single
self-contained file that can be copied to QGIS at any time and works on
network shares; readers see the previous version until the commit.
"""
from __future__ import annotations

import json
import sqlite3
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Mapping

import geopandas as gpd
import pandas as pd

from risk.store import audit as audit_log
from risk.store.audit import _seal_audit_log, append_audit  # by name: tests patch versions._seal_audit_log
from risk.store.audit_chain import AuditCheck
from risk.store.codec import _filters, _json, _now, _register_functions, decode_geometries, encode_geometries
from risk.store.schema import _COUNT_COLUMNS, PART_NAMES, STORE_LAYERS, _create_file, _restrict_mode, \
    _update_extents, ensure_crosswalk_tables, ensure_patrols_table
from risk.store import shared
from risk.store.shared import CHANGE_ROWS, MAX_LABEL_CHARS, StoreBase, StoreError
from risk.contracts.report import ImportReport
from risk.contracts.dataset import BOUNDARY_TEXT_COLUMNS, CASE_COLUMNS, CROSSWALK_COLUMNS, Dataset, StoredVersion

__all__ = ["CHANGE_ROWS", "MAX_LABEL_CHARS", "PART_NAMES", "STORE_LAYERS", "Store", "StoreError", "append_audit"]

BUSY_TIMEOUT_S = 30.0
# Page cache of a write transaction: large, so an import rarely spills pages into the file
# before its commit (a spill takes the exclusive lock and blocks readers until the commit).
WRITE_CACHE_KIB = 65536


def _checkpoint(stage: str) -> None:
    """Called inside the import transaction after each stage (tests replace it to
    pause or kill an import midway); does nothing in production."""


# --- the store ------------------------------------------------------------------------------------------


class Store(StoreBase):
    """One store file (the GeoPackage backend). Cheap to construct; every call opens its own short
    connection, so one Store can be shared by threads and processes."""

    def __init__(self, path: str | Path | None = None):
        if path is None:
            from risk.access.settings import load_settings

            path = load_settings().store_path
        self.path = Path(path)

    @property
    def location(self) -> str:
        """What RISK_STORE or --store names: the file's path."""
        return str(self.path)

    def stamp(self) -> float:
        """Changes whenever the store does (the file's modification time); 0.0 without a file."""
        try:
            return self.path.stat().st_mtime
        except OSError:
            return 0.0

    def __repr__(self) -> str:
        return f"Store({str(self.path)!r})"

    def __str__(self) -> str:
        return str(self.path)

    # -- connections --

    def exists(self) -> bool:
        return self.path.is_file()

    def _connect(self, create: bool = False) -> sqlite3.Connection:
        if not self.path.is_file():
            if not create:
                raise StoreError("store.missing", path=str(self.path))
            _create_file(self.path)
        _restrict_mode(self.path)
        uri = f"{self.path.resolve().as_uri()}?mode=rw"  # never creates an empty file by accident
        con = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        try:
            con.execute("PRAGMA synchronous = FULL")
            con.execute("PRAGMA foreign_keys = ON")
            _register_functions(con)
            info = dict(con.execute("SELECT key, value FROM store_info").fetchall())
        except sqlite3.DatabaseError as err:
            con.close()
            raise StoreError("store.not_a_store", path=str(self.path), reason=str(err)) from err
        if info.get("application") != "risk":
            con.close()
            raise StoreError("store.not_a_store", path=str(self.path), reason="store_info")
        try:
            _seal_audit_log(con)
        except BaseException:
            con.close()
            raise
        return con

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: everything inside commits together or not at all."""
        con = self._connect(create=True)
        try:
            con.execute(f"PRAGMA cache_size = -{int(WRITE_CACHE_KIB)}")
            con.execute("BEGIN IMMEDIATE")
            try:
                yield con
            except BaseException:
                con.execute("ROLLBACK")
                raise
            con.execute("COMMIT")
        finally:
            con.close()

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        """One read transaction, so every part comes from the same committed state."""
        con = self._connect()
        try:
            con.execute("BEGIN")
            yield con
            con.execute("COMMIT")
        finally:
            con.close()

    # -- versions --

    def _version_with_checksum(self, checksum: str) -> int | None:
        with self._read() as con:
            row = con.execute("SELECT max(id) FROM versions WHERE checksum = ?", (checksum,)).fetchone()
        return row[0] if row and row[0] is not None else None

    def add_version(self, dataset: Dataset, *, label: str, user: str, source: Mapping[str, str] | None = None,
                    checksum: str = "", report: ImportReport | None = None, activate: bool = True) -> int:
        """Store a validated Dataset as a new version, in one transaction; returns its id."""
        plan = shared.plan_version(dataset, label=label, source=source, checksum=checksum, report=report)
        with self._write() as con:
            now = _now()
            cur = con.execute(
                f'INSERT INTO versions (created_at, label, source, "user", checksum, '
                f'{", ".join(_COUNT_COLUMNS.values())}, years, active, meta, schema, report) '
                f"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?)",
                (now, plan.label, _json(plan.source), user, plan.checksum, *plan.counts, plan.years,
                 _json(plan.meta), _json(plan.schema), _json(plan.report)))
            version = int(cur.lastrowid)
            _checkpoint("version")
            self._insert_boundaries(con, version, dataset.boundaries)
            _checkpoint("boundaries")
            self._insert_indicators(con, version, dataset.indicators)
            _checkpoint("indicators")
            self._insert_cases(con, version, dataset.cases)
            _checkpoint("cases")
            if dataset.border is not None:
                self._insert_border(con, version, dataset.border, plan.schema["border"])
            if dataset.gates is not None:
                self._insert_gates(con, version, dataset.gates)
            if dataset.patrols is not None:
                ensure_patrols_table(con)
                con.executemany("INSERT INTO patrols (version_id, commune_id, year, effort, unit) VALUES (?, ?, ?, ?, ?)",
                                ((version, *row) for row in shared.patrol_rows(dataset.patrols)))
            if dataset.crosswalk is not None or dataset.vintage is not None:
                ensure_crosswalk_tables(con)
                self._insert_reform(con, version, dataset)
            _update_extents(con, now)
            if activate:
                con.execute("UPDATE versions SET active = 0 WHERE active = 1")
                con.execute("UPDATE versions SET active = 1 WHERE id = ?", (version,))
            audit_log.write_entry(con, user, "import", shared.import_audit_details(version, plan, activate),
                                  plan.total_rows)
            _checkpoint("commit")
        return version

    @staticmethod
    def _insert_boundaries(con: sqlite3.Connection, version: int, frame: gpd.GeoDataFrame) -> None:
        rows = list(shared.boundary_rows(frame))
        blobs = encode_geometries([row[0] for row in rows])
        columns = ", ".join(BOUNDARY_TEXT_COLUMNS)
        con.executemany(
            f'INSERT INTO boundaries (geom, version_id, {columns}) VALUES (?, ?{", ?" * len(BOUNDARY_TEXT_COLUMNS)})',
            ((blob, version, *row[1:]) for blob, row in zip(blobs, rows)))

    @staticmethod
    def _insert_indicators(con: sqlite3.Connection, version: int, frame: pd.DataFrame) -> None:
        con.executemany("INSERT INTO indicators (version_id, position, commune_id, year, indicator, value)"
                        " VALUES (?, ?, ?, ?, ?, ?)", ((version, *row) for row in shared.indicator_rows(frame)))

    @staticmethod
    def _insert_cases(con: sqlite3.Connection, version: int, frame: pd.DataFrame) -> None:
        rows = list(shared.case_rows(frame))
        blobs = encode_geometries([row[0] for row in rows])
        con.executemany(
            f'INSERT INTO cases (geom, version_id, "date", {", ".join(shared.CASE_FIELDS)}) '
            f'VALUES (?, ?, ?{", ?" * len(shared.CASE_FIELDS)})',
            ((blob, version, *row[1:]) for blob, row in zip(blobs, rows)))

    @staticmethod
    def _insert_reform(con: sqlite3.Connection, version: int, dataset: Dataset) -> None:
        """The crosswalk a version was converted with, and which of its rows were converted (vintage)."""
        if dataset.crosswalk is not None:
            con.executemany("INSERT INTO crosswalk (version_id, old_commune_id, old_name, old_district, new_commune_id,"
                            " weight) VALUES (?, ?, ?, ?, ?, ?)",
                            ((version, *row) for row in shared.crosswalk_rows(dataset.crosswalk)))
        if dataset.vintage is not None:
            con.executemany('INSERT INTO vintage (version_id, part, commune_id, year, old_units, "rows", unweighted)'
                            " VALUES (?, ?, ?, ?, ?, ?, ?)",
                            ((version, *row[:5], int(row[5])) for row in shared.vintage_rows(dataset.vintage)))

    @staticmethod
    def _insert_border(con: sqlite3.Connection, version: int, frame: gpd.GeoDataFrame, columns: list[str]) -> None:
        rows = list(shared.border_rows(frame, columns))
        blobs = encode_geometries([row[0] for row in rows])
        con.executemany("INSERT INTO border (geom, version_id, properties) VALUES (?, ?, ?)",
                        ((blob, version, _json(row[1])) for blob, row in zip(blobs, rows)))

    @staticmethod
    def _insert_gates(con: sqlite3.Connection, version: int, frame: gpd.GeoDataFrame) -> None:
        rows = list(shared.gate_rows(frame))
        blobs = encode_geometries([row[0] for row in rows])
        con.executemany(f"INSERT INTO gates (geom, version_id, {', '.join(shared.GATE_FIELDS)}) VALUES (?, ?, ?, ?, ?, ?)",
                        ((blob, version, *row[1:]) for blob, row in zip(blobs, rows)))

    def versions(self) -> pd.DataFrame:
        """Every version, newest first: id, created_at (UTC), label, user, active,
        rows per part, years, checksum, source files."""
        if not self.exists():
            return shared.empty_frame(shared.VERSION_COLUMNS)
        with self._read() as con:
            rows = con.execute(
                f'SELECT id, created_at, label, "user", active, {", ".join(_COUNT_COLUMNS.values())}, '
                f"years, checksum, source FROM versions ORDER BY id DESC").fetchall()
        return shared.versions_frame(rows)

    def active_version(self) -> int | None:
        """The id of the active version, or None (no store yet, or nothing imported)."""
        if not self.exists():
            return None
        with self._read() as con:
            row = con.execute("SELECT id FROM versions WHERE active = 1").fetchone()
        return None if row is None else int(row[0])

    def activate(self, version_id: int, user: str) -> None:
        """Make an earlier (or any) version the active one; audited."""
        with self._write() as con:
            row = con.execute("SELECT label FROM versions WHERE id = ?", (int(version_id),)).fetchone()
            if row is None:
                raise StoreError("store.version_unknown", version=version_id)
            previous = con.execute("SELECT id FROM versions WHERE active = 1").fetchone()
            con.execute("UPDATE versions SET active = 0 WHERE active = 1")
            con.execute("UPDATE versions SET active = 1 WHERE id = ?", (int(version_id),))
            audit_log.write_entry(con, user, "activate", {"version": int(version_id), "label": row[0],
                                                          "previous": None if previous is None else previous[0]},
                                  None)

    def load(self, version_id: int | None = None) -> Dataset:
        """A stored version (default: the active one) as the Dataset the pages use."""
        if not self.exists():
            raise StoreError("store.no_active_version", path=str(self.path))
        with self._read() as con:
            if version_id is None:
                row = con.execute("SELECT id FROM versions WHERE active = 1").fetchone()
                if row is None:
                    raise StoreError("store.no_active_version", path=str(self.path))
                version_id = int(row[0])
            row = con.execute("SELECT label, created_at, meta, schema FROM versions WHERE id = ?",
                              (int(version_id),)).fetchone()
            if row is None:
                raise StoreError("store.version_unknown", version=version_id)
            label, created_at, meta, schema = row[0], row[1], json.loads(row[2]), json.loads(row[3])
            boundaries = _read_boundaries(con, version_id, schema["boundaries"])
            indicators = _read_indicators(con, version_id, schema["indicators"])
            cases = _read_cases(con, version_id)
            border = None if schema.get("border") is None else _read_border(con, version_id, schema["border"])
            gates = _read_gates(con, version_id) if schema.get("gates") else None
            patrols = _read_patrols(con, version_id) if schema.get("patrols") is not None else None
            crosswalk = _read_crosswalk(con, version_id) if schema.get("crosswalk") is not None else None
            vintage = _read_vintage(con, version_id) if schema.get("vintage") is not None else None
        stored = StoredVersion(int(version_id), str(label), str(created_at), self.location)
        return Dataset(self.path, boundaries, indicators, cases, border, gates, meta, stored, patrols, crosswalk, vintage)

    def compare(self, v1: int, v2: int) -> pd.DataFrame:
        """Counts per part of two versions side by side, with communes added and removed, and what
        changed with the same counts: indicator values, cases (by case_id) and communes (name or
        shape) that differ between the two (a row count alone said "change 0" for edited values)."""
        with self._read() as con:
            counts = {}
            for version in (v1, v2):
                row = con.execute(f"SELECT {', '.join(_COUNT_COLUMNS.values())} FROM versions WHERE id = ?",
                                  (int(version),)).fetchone()
                if row is None:
                    raise StoreError("store.version_unknown", version=version)
                counts[version] = list(row)
            ids = {v: {r[0] for r in con.execute("SELECT commune_id FROM boundaries WHERE version_id = ?", (int(v),))}
                   for v in (v1, v2)}
            changed = _changed_rows(con, int(v1), int(v2))
        return shared.compare_frame(v1, v2, counts, ids, changed)

    # -- model runs --

    def record_model_run(self, version_id: int, kind: str, config: Mapping, metrics: Mapping,
                         user: str = "") -> int:
        """Keep a model run's configuration and metrics with the version it ran on."""
        with self._write() as con:
            if con.execute("SELECT 1 FROM versions WHERE id = ?", (int(version_id),)).fetchone() is None:
                raise StoreError("store.version_unknown", version=version_id)
            cur = con.execute('INSERT INTO model_runs (version_id, created_at, kind, "user", config, metrics)'
                              " VALUES (?, ?, ?, ?, ?, ?)",
                              (int(version_id), _now(), kind, user, _json(dict(config)), _json(dict(metrics))))
            return int(cur.lastrowid)

    def model_runs(self, version_id: int | None = None, kind: str | None = None) -> pd.DataFrame:
        """Model runs, newest first; config and metrics as dicts."""
        if not self.exists():
            return shared.empty_frame(shared.MODEL_RUN_COLUMNS)
        where, params = _filters({"version_id": version_id, "kind": kind})
        with self._read() as con:
            rows = con.execute(f'SELECT id, version_id, created_at, kind, "user", config, metrics FROM model_runs'
                               f"{where} ORDER BY id DESC", params).fetchall()
        return shared.model_runs_frame(rows)

    # -- audit log (risk/store/audit.py) --

    def append_audit(self, user: str, action: str, details: Mapping | None = None, rows: int | None = None) -> int:
        """Append one audit entry (who, what, details, how many rows); entries are never changed or removed."""
        with self._write() as con:
            return audit_log.write_entry(con, user, action, details or {}, rows)

    def verify_audit(self) -> AuditCheck:
        """Walk the audit log's hash chain: intact with its row count, or the first broken row and why."""
        with self._read() as con:
            return audit_log.verify(con)

    def audit(self, user: str | None = None, action: str | None = None, since: str | None = None,
              until: str | None = None, limit: int | None = None) -> pd.DataFrame:
        """Audit entries, newest first, filtered by user, action and UTC time range (ISO text, `until` exclusive)."""
        if not self.exists():
            return pd.DataFrame({c: [] for c in audit_log.COLUMNS})
        with self._read() as con:
            return audit_log.entries(con, user, action, since, until, limit)

    # -- health --

    def integrity_check(self) -> list[str]:
        """SQLite's integrity and foreign-key checks: ["ok"] when the file is sound."""
        with self._read() as con:
            result = [r[0] for r in con.execute("PRAGMA integrity_check").fetchall()]
            broken = con.execute("PRAGMA foreign_key_check").fetchall()
        return result + [f"foreign key: {row}" for row in broken]

_COMPARED = {
    "indicator_values_changed": ("indicators", "commune_id || '|' || year || '|' || coalesce(indicator, '')",
                                 "value"),
    "cases_changed": ("cases", "case_id", "\"date\", lon, lat, commune_id, form, victims, destination, detected_by"),
    "communes_changed": ("boundaries", "commune_id", "name, former_district, province, type, hex(geom)"),
}


def _changed_rows(con: sqlite3.Connection, v1: int, v2: int) -> dict[str, int]:
    """Per CHANGE_ROWS: keys present in both versions whose fields differ, plus keys in only one."""
    out = {}
    for row, (table, key, fields) in _COMPARED.items():
        rows = {v: dict(con.execute(f"SELECT {key}, json_array({fields}) FROM {table} WHERE version_id = ?",
                                    (v,)).fetchall()) for v in (v1, v2)}
        out[row] = shared.differing(rows[v1], rows[v2])
    return out


# --- reading parts back --------------------------------------------------------------------------------


def _read_boundaries(con: sqlite3.Connection, version: int, columns: list[str]) -> gpd.GeoDataFrame:
    names = ", ".join(f'"{c}"' for c in columns)
    rows = con.execute(f"SELECT geom, {names} FROM boundaries WHERE version_id = ? ORDER BY fid",
                       (version,)).fetchall()
    return shared.boundaries_frame(decode_geometries([r[0] for r in rows]), [r[1:] for r in rows], columns)


def _read_indicators(con: sqlite3.Connection, version: int, keys: list[str]) -> pd.DataFrame:
    rows = con.execute("SELECT position, commune_id, year, indicator, value FROM indicators "
                       "WHERE version_id = ? ORDER BY position, fid", (version,)).fetchall()
    return shared.indicators_frame(rows, keys)


def _read_cases(con: sqlite3.Connection, version: int) -> pd.DataFrame:
    names = ", ".join(f'"{c}"' for c in CASE_COLUMNS)
    return shared.cases_frame(con.execute(f"SELECT {names} FROM cases WHERE version_id = ? ORDER BY fid",
                                          (version,)).fetchall())


def _read_border(con: sqlite3.Connection, version: int, columns: list[str]) -> gpd.GeoDataFrame:
    rows = con.execute("SELECT geom, properties FROM border WHERE version_id = ? ORDER BY fid", (version,)).fetchall()
    return shared.border_frame(decode_geometries([r[0] for r in rows]), [json.loads(r[1]) for r in rows], columns)


def _read_patrols(con: sqlite3.Connection, version: int) -> pd.DataFrame:
    return shared.patrols_frame(con.execute("SELECT commune_id, year, effort, unit FROM patrols WHERE version_id = ?"
                                            " ORDER BY fid", (version,)).fetchall())


def _read_crosswalk(con: sqlite3.Connection, version: int) -> pd.DataFrame:
    names = ", ".join(CROSSWALK_COLUMNS)
    return shared.crosswalk_frame(con.execute(f"SELECT {names} FROM crosswalk WHERE version_id = ? ORDER BY fid",
                                              (version,)).fetchall())


def _read_vintage(con: sqlite3.Connection, version: int) -> pd.DataFrame:
    return shared.vintage_frame(con.execute('SELECT part, commune_id, year, old_units, "rows", unweighted FROM vintage'
                                            " WHERE version_id = ? ORDER BY fid", (version,)).fetchall())


def _read_gates(con: sqlite3.Connection, version: int) -> gpd.GeoDataFrame:
    return shared.gates_frame(con.execute("SELECT name, kind, lon, lat FROM gates WHERE version_id = ? ORDER BY fid",
                                          (version,)).fetchall())
