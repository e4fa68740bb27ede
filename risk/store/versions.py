"""The embedded store: one GeoPackage (SQLite) file holding dataset versions,
model runs and the audit log. No server; QGIS opens it.

Layout of the file:

| table | kind | rows |
|---|---|---|
| boundaries | features, MultiPolygon, EPSG:4326 | communes of every version, tagged `version_id` |
| cases | features, Point (empty when no lon/lat) | recorded cases of every version |
| border | features, MultiLineString | border lines; the file's own attributes as JSON in `properties` |
| gates | features, Point | border gates |
| indicators | attributes (long form) | `version_id, position, commune_id, year, indicator, value` |
| versions | attributes | one row per version: when, label, source files, counts, checksum, who, `active` |
| model_runs | attributes | `version_id, created_at, kind, config, metrics` (JSON) |
| audit_log | attributes, append-only, hash-chained | `at, user, action, details (JSON), rows, prev_hash, row_hash` |
| boundaries_active, cases_active, border_active, gates_active, indicators_active | views | the active version only |

One layer per part with a `version_id` column (not one layer per version):
QGIS shows five stable layers that can be filtered by version, the `*_active`
views always show what the dashboard shows, and a new version adds rows, never
tables. Indicators are stored long so that any extra indicator column a user
brings needs no schema change.

Atomicity: a version is written in ONE SQLite transaction (all rows, the
versions row, the active flag and the audit entry), with the rollback journal
and synchronous=FULL. A failure or a SIGKILL at any point leaves the previous
version intact and active: SQLite rolls the hot journal back when the file is
next opened. The rollback journal (not WAL) keeps the store a single
self-contained file that can be copied to QGIS at any time and works on
network shares; readers see the previous version until the commit.

The audit log is tamper-evident: each row carries the SHA-256 of its content
and of the previous row's hash (risk/store/audit_chain.py), so a row changed, forged
or deleted behind the triggers' back shows in `Store.verify_audit()` and
`python -m risk audit verify`. An older store's log is sealed once, in id
order, when the store is first opened (recorded as "audit_chain_started").

Rows are written with the GeoPackage geometry encoding directly (GDAL is used
only to create the empty layers, so its spatial-index triggers and metadata
are the reference ones); the ST_* functions those triggers call are provided
to SQLite here.
"""
from __future__ import annotations

import json
import os
import shutil
import sqlite3
import stat
import struct
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator, Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from risk.store.audit_chain import GENESIS, START_ACTION, AuditCheck, row_hash, verify_chain
from risk.i18n import DEFAULT_LANGUAGE, LocalisedError, t
from risk.contracts.report import ImportReport
from risk.contracts import text as text_rule
from risk.contracts.dataset import (
    BOUNDARY_TEXT_COLUMNS, CASE_COLUMNS, ROW_PARTS, WGS84, Dataset, StoredVersion, dataset_checksum, empty_cases,
)
from risk.contracts.problems import Problem

__all__ = ["STORE_LAYERS", "Store", "StoreError", "append_audit"]

SCHEMA_VERSION = "2"  # 2: the audit log is hash-chained (prev_hash, row_hash)
BUSY_TIMEOUT_S = 30.0
PRIVATE_FILE_MODE = 0o600  # the store and its journal: the owner only (it holds case records)
# Page cache of a write transaction: large, so an import rarely spills pages into the file
# before its commit (a spill takes the exclusive lock and blocks readers until the commit).
WRITE_CACHE_KIB = 65536
SRS_ID = 4326
PART_NAMES = ROW_PARTS  # one table per part with rows
STORE_LAYERS = ("boundaries", "cases", "border", "gates", "indicators", "versions", "model_runs", "audit_log")
_GEOMETRY_TYPES = {"boundaries": "MultiPolygon", "cases": "Point", "border": "MultiLineString", "gates": "Point"}
_DESCRIPTIONS = {
    "boundaries": "Commune polygons of every dataset version (filter on version_id)",
    "cases": "Recorded cases of every dataset version (sensitive)",
    "border": "International border lines of every dataset version",
    "gates": "Border gates of every dataset version",
    "indicators": "Indicators of every dataset version, long form (commune, year, indicator, value)",
}
# Columns of each part's table after fid and geom (GDAL creates them from these dtypes).
_COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    "boundaries": (("version_id", "int64"), *((c, "object") for c in BOUNDARY_TEXT_COLUMNS)),
    "cases": (("version_id", "int64"), ("case_id", "object"), ("lon", "float64"), ("lat", "float64"),
              ("commune_id", "object"), ("form", "object"), ("victims", "int64"), ("destination", "object"),
              ("detected_by", "object")),
    "border": (("version_id", "int64"), ("properties", "object")),
    "gates": (("version_id", "int64"), ("name", "object"), ("kind", "object"), ("lon", "float64"), ("lat", "float64")),
    "indicators": (("version_id", "int64"), ("position", "int64"), ("commune_id", "object"), ("year", "int64"),
                   ("indicator", "object"), ("value", "float64")),
}
_COUNT_COLUMNS = {part: f"n_{part}" for part in PART_NAMES}

# Kept apart: sealing an older store's log drops and re-creates it (see _seal_audit_log).
_AUDIT_NO_UPDATE = ("CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log\n"
                    "    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END")
_DDL = f"""
CREATE TABLE store_info (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE versions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at TEXT NOT NULL,
    label TEXT NOT NULL,
    source TEXT NOT NULL DEFAULT '{{}}',
    "user" TEXT NOT NULL,
    checksum TEXT NOT NULL DEFAULT '',
    {", ".join(f"{c} INTEGER NOT NULL DEFAULT 0" for c in _COUNT_COLUMNS.values())},
    years TEXT NOT NULL DEFAULT '',
    active INTEGER NOT NULL DEFAULT 0 CHECK (active IN (0, 1)),
    meta TEXT NOT NULL DEFAULT '{{}}',
    schema TEXT NOT NULL DEFAULT '{{}}',
    report TEXT NOT NULL DEFAULT '{{}}'
);
CREATE UNIQUE INDEX versions_one_active ON versions (active) WHERE active = 1;
CREATE TRIGGER versions_kept BEFORE DELETE ON versions
    BEGIN SELECT RAISE(ABORT, 'dataset versions are kept'); END;
CREATE TABLE model_runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    version_id INTEGER NOT NULL REFERENCES versions (id),
    created_at TEXT NOT NULL,
    kind TEXT NOT NULL,
    "user" TEXT NOT NULL DEFAULT '',
    config TEXT NOT NULL DEFAULT '{{}}',
    metrics TEXT NOT NULL DEFAULT '{{}}'
);
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    "user" TEXT NOT NULL,
    action TEXT NOT NULL,
    details TEXT NOT NULL DEFAULT '{{}}',
    "rows" INTEGER,
    prev_hash TEXT,
    row_hash TEXT
);
{_AUDIT_NO_UPDATE};
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX model_runs_version ON model_runs (version_id);
"""
_AUDIT_ROW = 'SELECT id, at, "user", action, details, "rows", prev_hash, row_hash FROM audit_log ORDER BY id'


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


def _now() -> str:
    """UTC time in ISO 8601 with a Z, to the millisecond (sorts as text)."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=_plain)


def _plain(value: object) -> object:
    """numpy and pandas scalars and dates as JSON values."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (pd.Timestamp, datetime)):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    return str(value)


# --- GeoPackage geometry encoding -------------------------------------------------------------------

_ENVELOPE_BYTES = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}


def encode_geometries(geometries: np.ndarray | list, srs_id: int = SRS_ID) -> list[bytes | None]:
    """GeoPackage binary (header with an x/y envelope, then ISO WKB) of each geometry."""
    geoms = np.asarray(geometries, dtype=object)
    wkb = shapely.to_wkb(geoms, output_dimension=2, byte_order=1, flavor="iso")
    bounds = shapely.bounds(geoms)
    empty = shapely.is_empty(geoms)
    out: list[bytes | None] = []
    for blob, box, is_empty in zip(wkb, bounds, empty):
        if blob is None:
            out.append(None)
        elif is_empty:
            out.append(b"GP\x00" + bytes([0b10001]) + struct.pack("<i", srs_id) + blob)
        else:
            header = b"GP\x00" + bytes([0b00011]) + struct.pack("<i", srs_id)
            out.append(header + struct.pack("<4d", box[0], box[2], box[1], box[3]) + blob)
    return out


def _wkb(blob: bytes) -> bytes:
    """The WKB inside a GeoPackage geometry blob."""
    return blob[8 + _ENVELOPE_BYTES[(blob[3] >> 1) & 0b111]:]


def decode_geometries(blobs: list[bytes | None]) -> np.ndarray:
    """Shapely geometries from GeoPackage blobs (None stays None)."""
    return shapely.from_wkb([None if b is None else _wkb(b) for b in blobs])


def _envelope(blob: bytes | None) -> tuple[float, float, float, float] | None:
    """(minx, maxx, miny, maxy) of a blob: from its header, else from the geometry."""
    if blob is None or len(blob) < 8 or blob[3] & 0b10000:
        return None
    if (blob[3] >> 1) & 0b111:
        return struct.unpack("<4d", blob[8:40])
    minx, miny, maxx, maxy = shapely.from_wkb(_wkb(blob)).bounds
    return minx, maxx, miny, maxy


def _register_functions(con: sqlite3.Connection) -> None:
    """The spatial functions GDAL's R-tree triggers call (GDAL provides them to its own connections)."""
    def coordinate(i: int):
        return lambda blob: None if (e := _envelope(blob)) is None else e[i]

    con.create_function("ST_IsEmpty", 1, lambda b: None if b is None else int(_envelope(b) is None),
                        deterministic=True)
    for i, name in enumerate(("ST_MinX", "ST_MaxX", "ST_MinY", "ST_MaxY")):
        con.create_function(name, 1, coordinate(i), deterministic=True)


def _multi(geometry: shapely.Geometry | None) -> shapely.Geometry | None:
    """Polygon -> MultiPolygon, LineString -> MultiLineString (the layers' declared types)."""
    if geometry is None:
        return None
    if geometry.geom_type == "Polygon":
        return shapely.MultiPolygon([geometry])
    if geometry.geom_type == "LineString":
        return shapely.MultiLineString([geometry])
    return geometry


def _single(geometry: shapely.Geometry | None) -> shapely.Geometry | None:
    """A one-part multi-geometry back to its single form, as most boundary files have it."""
    if geometry is not None and geometry.geom_type in ("MultiPolygon", "MultiLineString") \
            and shapely.get_num_geometries(geometry) == 1:
        return shapely.get_geometry(geometry, 0)
    return geometry


def _value(value: object) -> object:
    """A cell as SQLite takes it (NaN and NA as NULL, numpy scalars as Python)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and np.isnan(value):
        return None
    if isinstance(value, np.generic):
        value = value.item()
        return None if isinstance(value, float) and np.isnan(value) else value
    return value


# --- creating the file --------------------------------------------------------------------------------


def _empty_part(part: str) -> pd.DataFrame:
    data = {name: pd.Series([], dtype=dtype) for name, dtype in _COLUMNS[part]}
    if part in _GEOMETRY_TYPES:
        return gpd.GeoDataFrame(data, geometry=gpd.GeoSeries([], crs=WGS84))
    return pd.DataFrame(data)


def _create_file(path: Path) -> None:
    """Write a new, empty store next to `path` and move it in place atomically.

    GDAL creates the part layers (spatial index, triggers, metadata), SQL adds
    the bookkeeping tables and views; a crash leaves only a hidden temp folder.
    The file holds case records, so it is made in a folder only the owner can
    enter (mkdtemp: 0700) and is 0600 before it appears under its name; SQLite
    gives its -journal/-wal/-shm companions the database file's mode.
    """
    import pyogrio

    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".creating", dir=path.parent))
    tmp = work / path.name
    try:
        for part in PART_NAMES:
            options = {"DESCRIPTION": _DESCRIPTIONS[part]}
            pyogrio.write_dataframe(_empty_part(part), tmp, layer=part, driver="GPKG",
                                    geometry_type=_GEOMETRY_TYPES.get(part), layer_options=options)
        con = sqlite3.connect(tmp, isolation_level=None)
        try:
            con.execute("PRAGMA journal_mode = DELETE")
            con.execute('ALTER TABLE cases ADD COLUMN "date" DATE')  # GDAL would make it DATETIME
            con.executescript(_DDL)
            con.execute("BEGIN")
            now = _now()
            con.executemany("INSERT INTO store_info VALUES (?, ?)",
                            [("schema", SCHEMA_VERSION), ("created_at", now), ("application", "risk")])
            for table, description in (("versions", "Dataset versions (one active)"),
                                       ("model_runs", "Model runs per dataset version"),
                                       ("audit_log", "Audit log (append-only)")):
                con.execute("INSERT INTO gpkg_contents (table_name, data_type, identifier, description, last_change)"
                            " VALUES (?, 'attributes', ?, ?, ?)", (table, table, description, now))
            for part in PART_NAMES:
                con.execute(f'CREATE INDEX "{part}_version" ON "{part}" (version_id)')
                _create_active_view(con, part, now)
            con.execute("COMMIT")
        finally:
            con.close()
        os.chmod(tmp, PRIVATE_FILE_MODE)
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        try:
            os.link(tmp, path)  # fails if another process created the store meanwhile: theirs wins
        except FileExistsError:
            pass
        except OSError:  # file systems without hard links
            if not path.exists():
                os.replace(tmp, path)
        _fsync_dir(path.parent)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _restrict_mode(path: Path) -> None:
    """Owner-only access to a store made before stores were created 0600 (it holds
    case records); a file owned by someone else is left as its owner set it."""
    if not hasattr(os, "getuid"):
        return
    try:
        info = os.stat(path)
        if info.st_mode & 0o077 and info.st_uid == os.getuid():
            os.chmod(path, stat.S_IMODE(info.st_mode) & 0o700)
    except OSError:
        pass


def _create_active_view(con: sqlite3.Connection, part: str, now: str) -> None:
    """A view of the active version of one part, registered so QGIS lists it as a layer."""
    columns = ", ".join(f'p."{name}"' for name, _ in _COLUMNS[part])
    geometry = "p.geom AS geom, " if part in _GEOMETRY_TYPES else ""
    extra = ', p."date"' if part == "cases" else ""
    view = f"{part}_active"
    con.execute(f'CREATE VIEW "{view}" AS SELECT p.fid AS fid, {geometry}{columns}{extra} FROM "{part}" p '
                f"JOIN versions v ON v.id = p.version_id WHERE v.active = 1")
    kind = "features" if part in _GEOMETRY_TYPES else "attributes"
    con.execute("INSERT INTO gpkg_contents (table_name, data_type, identifier, description, last_change, srs_id)"
                " VALUES (?, ?, ?, ?, ?, ?)", (view, kind, view, f"{part}: active version only", now,
                                               SRS_ID if kind == "features" else None))
    if kind == "features":
        con.execute("INSERT INTO gpkg_geometry_columns VALUES (?, 'geom', ?, ?, 0, 0)",
                    (view, _GEOMETRY_TYPES[part].upper(), SRS_ID))


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


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
            _update_extents(con, now)
            if activate:
                con.execute("UPDATE versions SET active = 0 WHERE active = 1")
                con.execute("UPDATE versions SET active = 1 WHERE id = ?", (version,))
            self._audit(con, user, "import", {"version": version, "label": label, "source": dict(source or {}),
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
            self._audit(con, user, "activate", {"version": int(version_id), "label": row[0],
                                                "previous": None if previous is None else previous[0]}, None)

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
        stored = StoredVersion(int(version_id), str(label), str(created_at))
        return Dataset(self.path, boundaries, indicators, cases, border, gates, meta, stored)

    def compare(self, v1: int, v2: int) -> pd.DataFrame:
        """Counts per part of two versions side by side, with communes added and removed."""
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
        index = [*PART_NAMES, "communes_added", "communes_removed"]
        first = counts[v1] + [0, 0]
        second = counts[v2] + [len(ids[v2] - ids[v1]), len(ids[v1] - ids[v2])]
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

    # -- audit log --

    def append_audit(self, user: str, action: str, details: Mapping | None = None, rows: int | None = None) -> int:
        """Append one audit entry (who, what, details, how many rows); entries are never changed or removed."""
        with self._write() as con:
            return self._audit(con, user, action, details or {}, rows)

    @staticmethod
    def _audit(con: sqlite3.Connection, user: str, action: str, details: Mapping, rows: int | None) -> int:
        """The one audit writer: appends a row chained to the last one (risk/store/audit_chain.py).

        Runs inside the caller's write transaction, which holds SQLite's write
        lock from its BEGIN IMMEDIATE, so no other writer can read the same last
        row and fork the chain. The id is chosen here (it is hashed): one past
        both the last row and the AUTOINCREMENT counter, so rows deleted from
        the end leave a gap the verification sees.
        """
        if not con.in_transaction:
            raise RuntimeError("audit entries are written inside a write transaction")
        last = con.execute("SELECT id, row_hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
        counter = con.execute("SELECT seq FROM sqlite_sequence WHERE name = 'audit_log'").fetchone()
        entry = max(0 if last is None else int(last[0]), 0 if counter is None else int(counter[0])) + 1
        prev = GENESIS if last is None else (last[1] or "")  # an unsealed last row is already a break
        values = (entry, _now(), str(user), str(action), _json(dict(details)), None if rows is None else int(rows))
        con.execute('INSERT INTO audit_log (id, at, "user", action, details, "rows", prev_hash, row_hash) '
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", (*values, prev, row_hash(*values, prev)))
        return entry

    def verify_audit(self) -> AuditCheck:
        """Walk the audit log's hash chain: intact with its row count, or the first broken row and why."""
        with self._read() as con:
            sql = _AUDIT_ROW if _chained(con) else _AUDIT_ROW.replace("prev_hash, row_hash", "NULL, NULL")
            rows = con.execute(sql).fetchall()  # (never sealed: a read-only older store)
            triggers = [r[0] for r in con.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_log'")]
        return verify_chain(rows, triggers)

    def audit(self, user: str | None = None, action: str | None = None, since: str | None = None,
              until: str | None = None, limit: int | None = None) -> pd.DataFrame:
        """Audit entries, newest first, filtered by user, action and UTC time range (ISO text, `until` exclusive)."""
        columns = ["id", "at", "user", "action", "details", "rows"]
        if not self.exists():
            return pd.DataFrame({c: [] for c in columns})
        where, params = _filters({'"user"': user, "action": action})
        if since:
            where += (" AND " if where else " WHERE ") + "at >= ?"
            params.append(since)
        if until:
            where += (" AND " if where else " WHERE ") + "at < ?"
            params.append(until)
        sql = f'SELECT id, at, "user", action, details, "rows" FROM audit_log{where} ORDER BY id DESC'
        if limit:
            sql += f" LIMIT {int(limit)}"
        with self._read() as con:
            frame = pd.DataFrame(con.execute(sql, params).fetchall(), columns=columns)
        frame["details"] = frame["details"].map(json.loads)
        frame["rows"] = frame["rows"].astype("Int64")
        return frame

    # -- health --

    def integrity_check(self) -> list[str]:
        """SQLite's integrity and foreign-key checks: ["ok"] when the file is sound."""
        with self._read() as con:
            result = [r[0] for r in con.execute("PRAGMA integrity_check").fetchall()]
            broken = con.execute("PRAGMA foreign_key_check").fetchall()
        return result + [f"foreign key: {row}" for row in broken]


def append_audit(store: Store | str | Path, user: str, action: str, details: Mapping | None = None,
                 rows: int | None = None) -> int:
    """Append one audit entry to a store (by object or path); see Store.append_audit."""
    target = store if isinstance(store, Store) else Store(store)
    return target.append_audit(user, action, details, rows)


def _seal_audit_log(con: sqlite3.Connection) -> None:
    """Give an older store's audit log its hash chain, once: add the columns, seal the
    existing rows in id order and record it as an "audit_chain_started" row.

    Done in one BEGIN IMMEDIATE transaction that checks again under the write
    lock, so two processes opening the same old store seal it only once. The
    UPDATE trigger is dropped and re-created inside that transaction (it would
    refuse the sealing); nobody sees the log without it. A read-only file is
    left as it is: its verification then reports the unsealed rows.
    """
    if _chained(con):
        return
    try:
        con.execute("BEGIN IMMEDIATE")
        try:
            _seal_rows(con)
            con.execute("COMMIT")
        except BaseException:
            if con.in_transaction:
                con.execute("ROLLBACK")
            raise
    except sqlite3.OperationalError as err:
        if not getattr(err, "sqlite_errorname", "").startswith("SQLITE_READONLY"):
            raise


def _chained(con: sqlite3.Connection) -> bool:
    """The audit log has its hash columns (every store made since schema 2, or sealed since)."""
    return "row_hash" in {row[1] for row in con.execute("PRAGMA table_info(audit_log)")}


def _seal_rows(con: sqlite3.Connection) -> None:
    """The sealing itself, inside _seal_audit_log's transaction (checked again under its lock)."""
    if _chained(con):
        return
    con.execute("ALTER TABLE audit_log ADD COLUMN prev_hash TEXT")
    con.execute("ALTER TABLE audit_log ADD COLUMN row_hash TEXT")
    con.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
    prev, rows = GENESIS, con.execute(_AUDIT_ROW).fetchall()
    for entry, at, user, action, details, count, _prev, _hash in rows:
        digest = row_hash(entry, at, user, action, details, count, prev)
        con.execute("UPDATE audit_log SET prev_hash = ?, row_hash = ? WHERE id = ?", (prev, digest, entry))
        prev = digest
    con.execute(_AUDIT_NO_UPDATE)
    con.execute("UPDATE store_info SET value = ? WHERE key = 'schema'", (SCHEMA_VERSION,))
    Store._audit(con, "system", START_ACTION, {"sealed": len(rows), "first": rows[0][0] if rows else None,
                                               "last": rows[-1][0] if rows else None}, len(rows))


def _note(code: str, **params: object) -> Problem:
    return Problem("store", None, None, code, params)


def _filters(values: Mapping[str, object]) -> tuple[str, list]:
    """A WHERE clause for the given equality filters (None means any)."""
    clauses, params = [], []
    for column, value in values.items():
        if value is not None:
            clauses.append(f"{column} = ?")
            params.append(value)
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), params


def _update_extents(con: sqlite3.Connection, now: str) -> None:
    """Keep gpkg_contents' extents and change times right, so QGIS zooms to the data."""
    for part in _GEOMETRY_TYPES:
        box = con.execute(f'SELECT min(minx), min(miny), max(maxx), max(maxy) FROM "rtree_{part}_geom"').fetchone()
        con.execute("UPDATE gpkg_contents SET min_x = ?, min_y = ?, max_x = ?, max_y = ?, last_change = ? "
                    "WHERE table_name = ?", (*box, now, part))
    con.execute("UPDATE gpkg_contents SET last_change = ? WHERE table_name IN ('indicators', 'versions', 'audit_log')",
                (now,))


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


def _read_gates(con: sqlite3.Connection, version: int) -> gpd.GeoDataFrame:
    rows = con.execute("SELECT name, kind, lon, lat FROM gates WHERE version_id = ? ORDER BY fid",
                       (version,)).fetchall()
    frame = pd.DataFrame(rows, columns=["name", "kind", "lon", "lat"])
    lon, lat = frame["lon"].to_numpy(dtype="float64"), frame["lat"].to_numpy(dtype="float64")
    text = {c: frame[c].astype(object).astype(str).to_numpy() for c in ("name", "kind")}
    return gpd.GeoDataFrame({**text, "lon": lon, "lat": lat}, geometry=shapely.points(lon, lat), crs=WGS84)
