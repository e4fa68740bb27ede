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
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from risk.store import audit as audit_log
from risk.store.audit import _seal_audit_log, append_audit  # by name: tests patch versions._seal_audit_log
from risk.store.audit_chain import AuditCheck
from risk.store.codec import _filters, _json, _multi, _now, _register_functions, _single, _value, \
    decode_geometries, encode_geometries
from risk.store.schema import _COUNT_COLUMNS, PART_NAMES, STORE_LAYERS, _create_file, _restrict_mode, \
    _update_extents, ensure_crosswalk_tables, ensure_patrols_table
from risk.i18n import LocalisedError
from risk.contracts.report import ImportReport
from risk.contracts import text as text_rule
from risk.contracts.dataset import (
    BOUNDARY_TEXT_COLUMNS, CASE_COLUMNS, CROSSWALK_COLUMNS, PATROL_COLUMNS, VINTAGE_COLUMNS, WGS84, Dataset,
    StoredVersion, dataset_checksum, empty_cases,
)
from risk.contracts.problems import Problem

__all__ = ["CHANGE_ROWS", "PART_NAMES", "STORE_LAYERS", "Store", "StoreError", "append_audit"]

BUSY_TIMEOUT_S = 30.0
# Page cache of a write transaction: large, so an import rarely spills pages into the file
# before its commit (a spill takes the exclusive lock and blocks readers until the commit).
WRITE_CACHE_KIB = 65536


class StoreError(LocalisedError):
    """A store operation that cannot be done; `message(lang)` says why."""



MAX_LABEL_CHARS = 200


def _check_label(label: str) -> None:
    """A version label is shown on pages and in exports: the loaders' text rule applies."""
    text = str(label or "").strip()
    if len(text) > MAX_LABEL_CHARS:
        raise StoreError("store.label_too_long", limit=MAX_LABEL_CHARS)
    reason = text_rule.unsafe_reason(text)
    if reason:
        raise StoreError("store.label_unsafe", label=text[:60])


def _checkpoint(stage: str) -> None:
    """Called inside the import transaction after each stage (tests replace it to
    pause or kill an import midway); does nothing in production."""


# --- the store ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Counts:
    boundaries: int
    indicators: int
    cases: int
    border: int
    gates: int


class Store:
    """One store file. Cheap to construct; every call opens its own short
    connection, so one Store can be shared by threads and processes."""

    def __init__(self, path: str | Path | None = None):
        if path is None:
            from risk.access.settings import load_settings

            path = load_settings().store_path
        self.path = Path(path)

    def __repr__(self) -> str:
        return f"Store({str(self.path)!r})"

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

    def add_checked(self, dataset: Dataset | None, report: ImportReport, *, user: str, label: str | None = None,
                    activate: bool = True) -> ImportReport:
        """Store an upload `risk.ingest.upload.check_upload` already accepted, as a new version;
        returns the report with `version_id` set (`risk.ingest.upload.import_files` checks and
        saves in one call).

        The Data page keeps the checked Dataset in memory and saves it with this,
        so the uploaded files need not stay on disk between the check and the
        save (see risk/ingest/uploads.py); what is saved is exactly what was previewed: the
        dataset's content checksum must still be the one the check recorded, else StoreError
        store.dataset_changed and nothing is stored.
        Default label: the dataset's name, else the boundaries file's name.
        """
        if dataset is None or not report.ok:
            raise StoreError("store.report_rejected", errors=len(report.problems))
        if not report.content_checksum or dataset_checksum(dataset) != report.content_checksum:
            raise StoreError("store.dataset_changed")  # changed since its check: what was previewed is not this
        if self.exists():
            same = self._version_with_checksum(report.checksum)
            note = _note("import.note.same_as_version", version=same)
            if same is not None and note not in report.notes:  # a retried save adds it once
                report.notes.append(note)
        sources = {part: info.file for part, info in report.parts.items()}
        if not label:
            boundaries = report.parts.get("boundaries")
            label = str(dataset.meta.get("name") or (boundaries.file if boundaries else Path(dataset.folder).name))
        report.version_id = self.add_version(dataset, label=label, user=user, source=sources,
                                             checksum=report.checksum, report=report, activate=activate)
        return report

    def _version_with_checksum(self, checksum: str) -> int | None:
        with self._read() as con:
            row = con.execute("SELECT max(id) FROM versions WHERE checksum = ?", (checksum,)).fetchone()
        return row[0] if row and row[0] is not None else None

    def add_version(self, dataset: Dataset, *, label: str, user: str, source: Mapping[str, str] | None = None,
                    checksum: str = "", report: ImportReport | None = None, activate: bool = True) -> int:
        """Store a validated Dataset as a new version, in one transaction; returns its id."""
        _check_label(label)
        schema = {
            "boundaries": [c for c in BOUNDARY_TEXT_COLUMNS if c in dataset.boundaries.columns],
            "indicators": [c for c in dataset.indicators.columns if c not in ("commune_id", "year")],
            "border": None if dataset.border is None else [c for c in dataset.border.columns
                                                           if c != dataset.border.geometry.name],
            "gates": dataset.gates is not None,
            "patrols": None if dataset.patrols is None else len(dataset.patrols),
            "crosswalk": None if dataset.crosswalk is None else len(dataset.crosswalk),
            "vintage": None if dataset.vintage is None else len(dataset.vintage),
        }
        counts = _Counts(len(dataset.boundaries), len(dataset.indicators), len(dataset.cases),
                         0 if dataset.border is None else len(dataset.border),
                         0 if dataset.gates is None else len(dataset.gates))
        years = sorted(int(y) for y in dataset.indicators["year"].unique())
        meta = dict(dataset.meta)
        meta.setdefault("name", label)
        stored_report = {} if report is None else {
            "parts": {k: v.to_dict() for k, v in report.parts.items()},
            "notes": [{"file": n.file, "row": n.row, "column": n.column, "code": n.code, "params": n.params}
                      for n in report.notes],
        }
        with self._write() as con:
            now = _now()
            cur = con.execute(
                f'INSERT INTO versions (created_at, label, source, "user", checksum, '
                f'{", ".join(_COUNT_COLUMNS.values())}, years, active, meta, schema, report) '
                f"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?)",
                (now, label, _json(dict(source or {})), user, checksum, counts.boundaries, counts.indicators,
                 counts.cases, counts.border, counts.gates, f"{years[0]}–{years[-1]}" if years else "",
                 _json(meta), _json(schema), _json(stored_report)))
            version = int(cur.lastrowid)
            _checkpoint("version")
            self._insert_boundaries(con, version, dataset.boundaries)
            _checkpoint("boundaries")
            self._insert_indicators(con, version, dataset.indicators)
            _checkpoint("indicators")
            self._insert_cases(con, version, dataset.cases)
            _checkpoint("cases")
            if dataset.border is not None:
                self._insert_border(con, version, dataset.border, schema["border"])
            if dataset.gates is not None:
                self._insert_gates(con, version, dataset.gates)
            if dataset.patrols is not None:
                ensure_patrols_table(con)
                con.executemany("INSERT INTO patrols (version_id, commune_id, year, effort, unit) VALUES (?, ?, ?, ?, ?)",
                                ((version, str(c), int(y), float(e), str(u)) for c, y, e, u in
                                 dataset.patrols[list(PATROL_COLUMNS)].itertuples(index=False)))
            if dataset.crosswalk is not None or dataset.vintage is not None:
                ensure_crosswalk_tables(con)
                self._insert_reform(con, version, dataset)
            _update_extents(con, now)
            if activate:
                con.execute("UPDATE versions SET active = 0 WHERE active = 1")
                con.execute("UPDATE versions SET active = 1 WHERE id = ?", (version,))
            audit_log.write_entry(con, user, "import",
                                  {"version": version, "label": label, "source": dict(source or {}),
                                   "active": activate, "checksum": checksum},
                                  counts.boundaries + counts.indicators + counts.cases + counts.border + counts.gates)
            _checkpoint("commit")
        return version

    @staticmethod
    def _insert_boundaries(con: sqlite3.Connection, version: int, frame: gpd.GeoDataFrame) -> None:
        columns = list(BOUNDARY_TEXT_COLUMNS)
        blobs = encode_geometries([_multi(g) for g in frame.geometry.array])
        values = [frame[c].tolist() if c in frame else [None] * len(frame) for c in columns]
        con.executemany(
            f'INSERT INTO boundaries (geom, version_id, {", ".join(columns)}) VALUES (?, ?{", ?" * len(columns)})',
            ((blob, version, *(_value(v) for v in row)) for blob, *row in zip(blobs, *values)))

    @staticmethod
    def _insert_indicators(con: sqlite3.Connection, version: int, frame: pd.DataFrame) -> None:
        keys = [c for c in frame.columns if c not in ("commune_id", "year")]
        ids, years = frame["commune_id"].tolist(), frame["year"].astype("int64").tolist()
        if not keys:  # a row per table row still records which communes and years exist
            rows = ((version, i, ids[i], years[i], None, None) for i in range(len(frame)))
        else:
            columns = [frame[k].to_numpy(dtype="float64") for k in keys]
            rows = ((version, i, ids[i], years[i], key, None if np.isnan(col[i]) else float(col[i]))
                    for i in range(len(frame)) for key, col in zip(keys, columns))
        con.executemany("INSERT INTO indicators (version_id, position, commune_id, year, indicator, value)"
                        " VALUES (?, ?, ?, ?, ?, ?)", rows)

    @staticmethod
    def _insert_cases(con: sqlite3.Connection, version: int, frame: pd.DataFrame) -> None:
        lon, lat = frame["lon"].to_numpy(dtype="float64"), frame["lat"].to_numpy(dtype="float64")
        located = ~(np.isnan(lon) | np.isnan(lat))
        points = np.full(len(frame), None, dtype=object)
        points[located] = shapely.points(lon[located], lat[located])
        blobs = encode_geometries(points)
        dates = [None if pd.isna(d) else pd.Timestamp(d).date().isoformat() for d in frame["date"]]
        columns = ["case_id", "lon", "lat", "commune_id", "form", "victims", "destination", "detected_by"]
        values = [frame[c].tolist() for c in columns]
        con.executemany(
            f'INSERT INTO cases (geom, version_id, "date", {", ".join(columns)}) '
            f'VALUES (?, ?, ?{", ?" * len(columns)})',
            ((blob, version, day, *(_value(v) for v in row)) for blob, day, *row in zip(blobs, dates, *values)))

    @staticmethod
    def _insert_reform(con: sqlite3.Connection, version: int, dataset: Dataset) -> None:
        """The crosswalk a version was converted with, and which of its rows were converted (vintage)."""
        if dataset.crosswalk is not None:
            con.executemany("INSERT INTO crosswalk (version_id, old_commune_id, old_name, old_district, new_commune_id,"
                            " weight) VALUES (?, ?, ?, ?, ?, ?)",
                            ((version, str(o), str(n), str(d), str(c), float(w)) for o, n, d, c, w in
                             dataset.crosswalk[list(CROSSWALK_COLUMNS)].itertuples(index=False)))
        if dataset.vintage is not None:
            con.executemany('INSERT INTO vintage (version_id, part, commune_id, year, old_units, "rows", unweighted)'
                            " VALUES (?, ?, ?, ?, ?, ?, ?)",
                            ((version, str(p), str(c), int(y), int(u), int(r), int(bool(w))) for p, c, y, u, r, w in
                             dataset.vintage[list(VINTAGE_COLUMNS)].itertuples(index=False)))

    @staticmethod
    def _insert_border(con: sqlite3.Connection, version: int, frame: gpd.GeoDataFrame, columns: list[str]) -> None:
        blobs = encode_geometries([_multi(g) for g in frame.geometry.array])
        records = frame[columns].to_dict("records") if columns else [{}] * len(frame)
        con.executemany("INSERT INTO border (geom, version_id, properties) VALUES (?, ?, ?)",
                        ((blob, version, _json({k: _value(v) for k, v in rec.items()}))
                         for blob, rec in zip(blobs, records)))

    @staticmethod
    def _insert_gates(con: sqlite3.Connection, version: int, frame: gpd.GeoDataFrame) -> None:
        blobs = encode_geometries(frame.geometry.array)
        columns = ["name", "kind", "lon", "lat"]
        values = [frame[c].tolist() for c in columns]
        con.executemany(f"INSERT INTO gates (geom, version_id, {', '.join(columns)}) VALUES (?, ?, ?, ?, ?, ?)",
                        ((blob, version, *(_value(v) for v in row)) for blob, *row in zip(blobs, *values)))

    def versions(self) -> pd.DataFrame:
        """Every version, newest first: id, created_at (UTC), label, user, active,
        rows per part, years, checksum, source files."""
        columns = ["id", "created_at", "label", "user", "active", *PART_NAMES, "years", "checksum", "source"]
        if not self.exists():
            return pd.DataFrame({c: [] for c in columns})
        with self._read() as con:
            rows = con.execute(
                f'SELECT id, created_at, label, "user", active, {", ".join(_COUNT_COLUMNS.values())}, '
                f"years, checksum, source FROM versions ORDER BY id DESC").fetchall()
        frame = pd.DataFrame(rows, columns=columns)
        frame["active"] = frame["active"].astype(bool)
        frame["source"] = frame["source"].map(json.loads)
        return frame

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
        stored = StoredVersion(int(version_id), str(label), str(created_at))
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
        index = [*PART_NAMES, "communes_added", "communes_removed", *CHANGE_ROWS]
        extra = [len(ids[v2] - ids[v1]), len(ids[v1] - ids[v2]), *(changed[k] for k in CHANGE_ROWS)]
        first = counts[v1] + [0] * len(extra)
        second = counts[v2] + extra
        frame = pd.DataFrame({f"v{v1}": first, f"v{v2}": second}, index=index)
        frame["change"] = [b - a for a, b in zip(first[:5], second[:5])] + second[5:]
        frame.index.name = "part"
        return frame

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
        columns = ["id", "version_id", "created_at", "kind", "user", "config", "metrics"]
        if not self.exists():
            return pd.DataFrame({c: [] for c in columns})
        where, params = _filters({"version_id": version_id, "kind": kind})
        with self._read() as con:
            rows = con.execute(f'SELECT id, version_id, created_at, kind, "user", config, metrics FROM model_runs'
                               f"{where} ORDER BY id DESC", params).fetchall()
        frame = pd.DataFrame(rows, columns=columns)
        for column in ("config", "metrics"):
            frame[column] = frame[column].map(json.loads)
        return frame

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

# Rows of Store.compare that count what differs between two versions, not rows.
CHANGE_ROWS = ("indicator_values_changed", "cases_changed", "communes_changed")
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
        a, b = rows[v1], rows[v2]
        out[row] = sum(1 for k in a.keys() | b.keys() if a.get(k) != b.get(k))
    return out


def _note(code: str, **params: object) -> Problem:
    return Problem("store", None, None, code, params)



# --- reading parts back --------------------------------------------------------------------------------


def _read_boundaries(con: sqlite3.Connection, version: int, columns: list[str]) -> gpd.GeoDataFrame:
    names = ", ".join(f'"{c}"' for c in columns)
    rows = con.execute(f"SELECT geom, {names} FROM boundaries WHERE version_id = ? ORDER BY fid",
                       (version,)).fetchall()
    geoms = [_single(g) for g in decode_geometries([r[0] for r in rows])]
    data = {c: pd.Series([r[i + 1] for r in rows], dtype=object).astype(str) for i, c in enumerate(columns)}
    return gpd.GeoDataFrame(data, geometry=geoms, crs=WGS84)


def _read_indicators(con: sqlite3.Connection, version: int, keys: list[str]) -> pd.DataFrame:
    rows = con.execute("SELECT position, commune_id, year, indicator, value FROM indicators "
                       "WHERE version_id = ? ORDER BY position, fid", (version,)).fetchall()
    long = pd.DataFrame(rows, columns=["position", "commune_id", "year", "indicator", "value"])
    base = long.drop_duplicates("position").set_index("position")
    out = pd.DataFrame({"commune_id": base["commune_id"].astype(object).astype(str),
                        "year": base["year"].astype("int64")})
    values = long.dropna(subset=["indicator"])
    wide = values.pivot(index="position", columns="indicator", values="value") if len(values) else pd.DataFrame()
    for key in keys:
        out[key] = wide[key].reindex(out.index).astype("float64") if key in wide else np.nan
    return out.reset_index(drop=True)


def _read_cases(con: sqlite3.Connection, version: int) -> pd.DataFrame:
    names = ", ".join(f'"{c}"' for c in CASE_COLUMNS)
    rows = con.execute(f"SELECT {names} FROM cases WHERE version_id = ? ORDER BY fid", (version,)).fetchall()
    if not rows:
        return empty_cases()
    frame = pd.DataFrame(rows, columns=list(CASE_COLUMNS))
    frame["date"] = pd.to_datetime(frame["date"])
    frame["commune_id"] = frame["commune_id"].astype(object).where(frame["commune_id"].notna(), None)
    return frame.astype(empty_cases().dtypes.to_dict())


def _read_border(con: sqlite3.Connection, version: int, columns: list[str]) -> gpd.GeoDataFrame:
    rows = con.execute("SELECT geom, properties FROM border WHERE version_id = ? ORDER BY fid", (version,)).fetchall()
    geoms = [_single(g) for g in decode_geometries([r[0] for r in rows])]
    records = [json.loads(r[1]) for r in rows]
    data = pd.DataFrame(records, columns=columns) if records else pd.DataFrame({c: [] for c in columns})
    return gpd.GeoDataFrame(data, geometry=geoms, crs=WGS84)


def _read_patrols(con: sqlite3.Connection, version: int) -> pd.DataFrame:
    rows = con.execute("SELECT commune_id, year, effort, unit FROM patrols WHERE version_id = ? ORDER BY fid",
                       (version,)).fetchall()
    frame = pd.DataFrame(rows, columns=list(PATROL_COLUMNS))
    return frame.astype({"commune_id": str, "year": "int64", "effort": "float64", "unit": str})


def _read_crosswalk(con: sqlite3.Connection, version: int) -> pd.DataFrame:
    names = ", ".join(CROSSWALK_COLUMNS)
    rows = con.execute(f"SELECT {names} FROM crosswalk WHERE version_id = ? ORDER BY fid", (version,)).fetchall()
    frame = pd.DataFrame(rows, columns=list(CROSSWALK_COLUMNS))
    return frame.astype({c: str for c in CROSSWALK_COLUMNS if c != "weight"} | {"weight": "float64"})


def _read_vintage(con: sqlite3.Connection, version: int) -> pd.DataFrame:
    rows = con.execute('SELECT part, commune_id, year, old_units, "rows", unweighted FROM vintage WHERE version_id = ?'
                       " ORDER BY fid", (version,)).fetchall()
    frame = pd.DataFrame(rows, columns=list(VINTAGE_COLUMNS))
    return frame.astype({"part": str, "commune_id": str, "year": "int64", "old_units": "int64", "rows": "int64",
                         "unweighted": bool})


def _read_gates(con: sqlite3.Connection, version: int) -> gpd.GeoDataFrame:
    rows = con.execute("SELECT name, kind, lon, lat FROM gates WHERE version_id = ? ORDER BY fid",
                       (version,)).fetchall()
    frame = pd.DataFrame(rows, columns=["name", "kind", "lon", "lat"])
    lon, lat = frame["lon"].to_numpy(dtype="float64"), frame["lat"].to_numpy(dtype="float64")
    text = {c: frame[c].astype(object).astype(str).to_numpy() for c in ("name", "kind")}
    return gpd.GeoDataFrame({**text, "lon": lon, "lat": lat}, geometry=shapely.points(lon, lat), crs=WGS84)
