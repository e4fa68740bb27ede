"""The store file's layout and its creation.

Layout of the file:

| table | kind | rows |
|---|---|---|
| boundaries | features, MultiPolygon, EPSG:4326 | communes of every version, tagged `version_id` |
| cases | features, Point (empty when no lon/lat) | recorded cases of every version |
| border | features, MultiLineString | border lines; the file's own attributes as JSON in `properties` |
| gates | features, Point | border gates |
| indicators | attributes (long form) | `version_id, position, commune_id, year, indicator, value` |
| patrols | attributes | patrol effort: `version_id, commune_id, year, effort, unit` (made on first use) |
| crosswalk | attributes | the version's July 2025 crosswalk: `version_id, old_commune_id, old_name, old_district, new_commune_id, weight` (made on first use) |
| vintage | attributes | rows converted from pre-2025 communes: `version_id, part, commune_id, year, old_units, rows, unweighted` (made on first use) |
| versions | attributes | one row per version: when, label, source files, counts, checksum, who, `active` |
| model_runs | attributes | `version_id, created_at, kind, config, metrics` (JSON) |
| audit_log | attributes, append-only, hash-chained | `at, user, action, details (JSON), rows, prev_hash, row_hash` |
| boundaries_active, cases_active, border_active, gates_active, indicators_active | views | the active version only |

One layer per part with a `version_id` column (not one layer per version):
QGIS shows five stable layers that can be filtered by version, the `*_active`
views always show what the dashboard shows, and a new version adds rows, never
tables. Indicators are stored long so that any extra indicator column a user
brings needs no schema change.

The file is created empty, atomically and owner-only (`_create_file`): GDAL
creates the part layers (spatial index, triggers, metadata), SQL adds the
bookkeeping tables, triggers and views of `_DDL`.
"""
from __future__ import annotations

import os
import shutil
import sqlite3
import stat
import tempfile
from pathlib import Path

import geopandas as gpd
import pandas as pd

from risk.contracts.dataset import BOUNDARY_TEXT_COLUMNS, LATER_PARTS, ROW_PARTS, WGS84
from risk.store.codec import SRS_ID, _now

__all__ = ["PART_NAMES", "PRIVATE_FILE_MODE", "SCHEMA_VERSION", "STORE_LAYERS", "ensure_crosswalk_tables",
           "ensure_patrols_table"]

SCHEMA_VERSION = "2"  # 2: the audit log is hash-chained (prev_hash, row_hash)
PRIVATE_FILE_MODE = 0o600  # the store and its journal: the owner only (it holds case records)
# One table per part with rows, each counted in `versions`. The patrols part came later: its table
# is made the first time a version brings it (ensure_patrols_table), so older stores need no migration.
PART_NAMES = tuple(part for part in ROW_PARTS if part not in LATER_PARTS)
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

# Kept apart: sealing an older store's log drops and re-creates it (see risk/store/audit.py, _seal_audit_log).
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


_PATROLS_DDL = """
CREATE TABLE patrols (
    fid INTEGER PRIMARY KEY AUTOINCREMENT,
    version_id INTEGER NOT NULL REFERENCES versions (id),
    commune_id TEXT NOT NULL,
    year INTEGER NOT NULL,
    effort REAL NOT NULL CHECK (effort >= 0),
    unit TEXT NOT NULL
);
CREATE INDEX patrols_version ON patrols (version_id);
CREATE VIEW patrols_active AS SELECT p.fid AS fid, p.version_id, p.commune_id, p.year, p.effort, p.unit
    FROM patrols p JOIN versions v ON v.id = p.version_id WHERE v.active = 1;
"""


_CROSSWALK_DDL = """
CREATE TABLE crosswalk (
    fid INTEGER PRIMARY KEY AUTOINCREMENT,
    version_id INTEGER NOT NULL REFERENCES versions (id),
    old_commune_id TEXT NOT NULL,
    old_name TEXT NOT NULL,
    old_district TEXT NOT NULL DEFAULT '',
    new_commune_id TEXT NOT NULL,
    weight REAL NOT NULL CHECK (weight > 0 AND weight <= 1)
);
CREATE INDEX crosswalk_version ON crosswalk (version_id);
CREATE VIEW crosswalk_active AS SELECT p.fid AS fid, p.version_id, p.old_commune_id, p.old_name, p.old_district,
    p.new_commune_id, p.weight FROM crosswalk p JOIN versions v ON v.id = p.version_id WHERE v.active = 1;
CREATE TABLE vintage (
    fid INTEGER PRIMARY KEY AUTOINCREMENT,
    version_id INTEGER NOT NULL REFERENCES versions (id),
    part TEXT NOT NULL,
    commune_id TEXT NOT NULL,
    year INTEGER NOT NULL,
    old_units INTEGER NOT NULL,
    "rows" INTEGER NOT NULL,
    unweighted INTEGER NOT NULL CHECK (unweighted IN (0, 1))
);
CREATE INDEX vintage_version ON vintage (version_id);
CREATE VIEW vintage_active AS SELECT p.fid AS fid, p.version_id, p.part, p.commune_id, p.year, p.old_units, p."rows",
    p.unweighted FROM vintage p JOIN versions v ON v.id = p.version_id WHERE v.active = 1;
"""


def _ensure_tables(con: sqlite3.Connection, first: str, ddl: str, descriptions: dict[str, str]) -> None:
    """Tables made inside the caller's transaction the first time a version needs them (listed in
    gpkg_contents, so QGIS shows them); `first` is the table whose presence says they exist."""
    if con.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (first,)).fetchone():
        return
    for statement in filter(str.strip, ddl.split(";")):
        con.execute(statement)
    now = _now()
    for table, description in descriptions.items():
        con.execute("INSERT INTO gpkg_contents (table_name, data_type, identifier, description, last_change)"
                    " VALUES (?, 'attributes', ?, ?, ?)", (table, table, description, now))


def ensure_patrols_table(con: sqlite3.Connection) -> None:
    """The patrol effort table and its active view, made the first time a version brings patrol data."""
    _ensure_tables(con, "patrols", _PATROLS_DDL, {
        "patrols": "Patrol effort per commune and year of every dataset version",
        "patrols_active": "patrols: active version only"})


def ensure_crosswalk_tables(con: sqlite3.Connection) -> None:
    """The crosswalk and vintage tables and their active views, made the first time a version brings a
    crosswalk (a store made before the July 2025 crosswalk existed needs no migration)."""
    _ensure_tables(con, "crosswalk", _CROSSWALK_DDL, {
        "crosswalk": "July 2025 crosswalk (pre-2025 commune -> commune) of every dataset version",
        "crosswalk_active": "crosswalk: active version only",
        "vintage": "Rows converted from pre-2025 communes, per commune and year, of every dataset version",
        "vintage_active": "vintage: active version only"})


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


def _update_extents(con: sqlite3.Connection, now: str) -> None:
    """Keep gpkg_contents' extents and change times right, so QGIS zooms to the data."""
    for part in _GEOMETRY_TYPES:
        box = con.execute(f'SELECT min(minx), min(miny), max(maxx), max(maxy) FROM "rtree_{part}_geom"').fetchone()
        con.execute("UPDATE gpkg_contents SET min_x = ?, min_y = ?, max_x = ?, max_y = ?, last_change = ? "
                    "WHERE table_name = ?", (*box, now, part))
    con.execute("UPDATE gpkg_contents SET last_change = ? WHERE table_name IN ('indicators', 'versions', 'audit_log')",
                (now,))

