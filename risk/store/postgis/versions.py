"""PostgisStore: dataset versions, model runs and the audit log in a PostgreSQL/PostGIS database.

The same public interface as the GeoPackage Store (risk/store/versions.py); what both do the
same way (label rule, checksum re-check, counts, rows and frames) is in risk/store/shared.py.

Atomicity and concurrency. An import (`add_version`) is ONE transaction: it takes the
transaction-level advisory lock (LOCK_CLASS, Lock.VERSIONS), so imports and activations from
any number of processes run one after another; the version id is chosen under that lock (one
past the highest, so ids have no gaps, as in the GeoPackage); the parts are written with COPY,
then the active flag and the audit entry, and the commit makes all of it visible at once. A
failure, or a client killed midway, rolls everything back on the server. Readers use one
REPEATABLE READ transaction per call, so every part of a `load` comes from the same committed
state and never from a half-written version. `activate` is one transaction under the same lock.

Every call opens its own short connection (as the GeoPackage Store does), so one PostgisStore
can be shared by threads and processes. Pending migrations (risk/store/postgis/migrations.py)
are applied when a writer opens the database, or a reader finds an older schema.
"""
from __future__ import annotations

import json
from contextlib import contextmanager
from pathlib import Path
from typing import Iterable, Iterator, Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import psycopg
import shapely

from risk.contracts.dataset import BOUNDARY_TEXT_COLUMNS, CASE_COLUMNS, CROSSWALK_COLUMNS, Dataset, StoredVersion
from risk.contracts.report import ImportReport
from risk.store import shared
from risk.store.audit import COLUMNS as AUDIT_COLUMNS
from risk.store.audit_chain import AuditCheck
from risk.store.codec import _json, _now
from risk.store.postgis import audit as audit_log
from risk.store.postgis import migrations
from risk.store.postgis.connection import LOCK_CLASS, Lock, connect, redacted
from risk.store.schema import PART_NAMES
from risk.store.shared import StoreBase, StoreError

__all__ = ["PostgisStore"]

SRID = 4326
_COUNT_COLUMNS = ", ".join(f"n_{part}" for part in PART_NAMES)
_COMPARED = {
    "indicator_values_changed": ("indicators", "commune_id || '|' || year || '|' || coalesce(indicator, '')",
                                 "value"),
    "cases_changed": ("cases", "case_id", '"date", lon, lat, commune_id, form, victims, destination, detected_by'),
    "communes_changed": ("boundaries", "commune_id", "name, former_district, province, type, encode(ST_AsEWKB(geom), 'hex')"),
}


def _checkpoint(stage: str) -> None:
    """Called inside the import transaction after each stage (tests replace it to pause or kill an
    import midway); does nothing in production."""


def _ewkb(geometries: Iterable) -> list[str | None]:
    """Hex EWKB with SRID 4326: what a PostGIS geometry column takes in COPY text."""
    items = list(geometries)
    geoms = np.empty(len(items), dtype=object)
    geoms[:] = items
    geoms = shapely.set_srid(geoms, SRID)
    return list(shapely.to_wkb(geoms, hex=True, include_srid=True, output_dimension=2, flavor="extended"))


def _shapes(blobs: Iterable) -> list:
    return list(shapely.from_wkb([None if b is None else bytes(b) for b in blobs]))


class PostgisStore(StoreBase):
    """A store in a PostgreSQL/PostGIS database, named by its connection URL."""

    def __init__(self, url: str):
        self.url = str(url).strip()

    @property
    def location(self) -> str:
        """What RISK_STORE or --store names: the connection URL."""
        return self.url

    @property
    def path(self) -> Path:
        """The database name: what a Dataset read from this store has as its `folder`."""
        return Path(redacted(self.url).rsplit("/", 1)[-1] or "store")

    def __repr__(self) -> str:
        return f"PostgisStore({redacted(self.url)!r})"

    def __str__(self) -> str:
        return redacted(self.url)

    # -- connections --

    def _open(self, create: bool) -> psycopg.Connection | None:
        """An autocommit connection to a database at the latest schema; None when the store was
        never created and `create` is false (reading never creates a store)."""
        con = connect(self.url, autocommit=True)
        try:
            version = migrations.applied(con)
            if version == 0 and not create:
                con.close()
                return None
            if version != migrations.latest():
                migrations.migrate(con, self.url)
            row = con.execute("SELECT value FROM store_info WHERE key = 'application'").fetchone()
        except (psycopg.errors.DuplicateTable, psycopg.errors.DuplicateObject,
                psycopg.errors.DuplicateFunction) as err:  # a database holding tables of another program
            con.close()
            raise StoreError("store.not_a_store_db", location=redacted(self.url), reason=str(err).splitlines()[0]) \
                from err
        except psycopg.errors.UndefinedTable as err:
            con.close()
            raise StoreError("store.not_a_store_db", location=redacted(self.url), reason="store_info") from err
        except BaseException:
            con.close()
            raise
        if row is None or row[0] != "risk":
            con.close()
            raise StoreError("store.not_a_store_db", location=redacted(self.url), reason="store_info")
        return con

    def exists(self) -> bool:
        """The database holds a store (its first migration applied); a server that cannot be
        reached is a StoreError, never "no store"."""
        con = connect(self.url, autocommit=True)
        try:
            return migrations.applied(con) > 0
        finally:
            con.close()

    @contextmanager
    def _write(self, lock: int | None = None) -> Iterator[psycopg.Connection]:
        """One write transaction (creating the store if needed): everything inside commits together
        or not at all; with `lock`, under that transaction-level advisory lock."""
        con = self._open(create=True)
        try:
            con.autocommit = False  # the first statement opens the transaction
            try:
                if lock is not None:
                    con.execute("SELECT pg_advisory_xact_lock(%s, %s)", (LOCK_CLASS, lock))
                yield con
            except BaseException:
                con.rollback()
                raise
            con.commit()
        finally:
            con.close()

    @contextmanager
    def _read(self) -> Iterator[psycopg.Connection | None]:
        """One REPEATABLE READ, read-only transaction (one snapshot for every part); None without a store."""
        con = self._open(create=False)
        if con is None:
            yield None
            return
        try:
            con.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            try:
                yield con
            finally:
                con.execute("ROLLBACK")
        finally:
            con.close()

    def stamp(self) -> float:
        """Changes whenever a version is imported or activated: the audit id of the latest of those."""
        with self._read() as con:
            if con is None:
                return 0.0
            return float(con.execute("SELECT coalesce(max(id), 0) FROM audit_log "
                                     "WHERE action IN ('import', 'activate')").fetchone()[0])

    # -- versions --

    def _version_with_checksum(self, checksum: str) -> int | None:
        with self._read() as con:
            if con is None:
                return None
            row = con.execute("SELECT max(id) FROM versions WHERE checksum = %s", (checksum,)).fetchone()
        return row[0] if row and row[0] is not None else None

    def add_version(self, dataset: Dataset, *, label: str, user: str, source: Mapping[str, str] | None = None,
                    checksum: str = "", report: ImportReport | None = None, activate: bool = True) -> int:
        """Store a validated Dataset as a new version, in one transaction; returns its id."""
        plan = shared.plan_version(dataset, label=label, source=source, checksum=checksum, report=report)
        with self._write(Lock.VERSIONS) as con:
            version = int(con.execute("SELECT coalesce(max(id), 0) + 1 FROM versions").fetchone()[0])
            con.execute(f'INSERT INTO versions (id, created_at, label, source, "user", checksum, {_COUNT_COLUMNS}, '
                        "years, active, meta, schema, report) "
                        f"VALUES (%s, %s, %s, %s, %s, %s, {', '.join(['%s'] * len(PART_NAMES))}, %s, false, %s, %s, %s)",
                        (version, _now(), plan.label, _json(plan.source), user, plan.checksum, *plan.counts,
                         plan.years, _json(plan.meta), _json(plan.schema), _json(plan.report)))
            _checkpoint("version")
            rows = list(shared.boundary_rows(dataset.boundaries))
            self._copy(con, "boundaries", ["geom", *BOUNDARY_TEXT_COLUMNS], version,
                       ((g, *r[1:]) for g, r in zip(_ewkb(r[0] for r in rows), rows)))
            _checkpoint("boundaries")
            self._copy(con, "indicators", ["position", "commune_id", "year", "indicator", "value"], version,
                       shared.indicator_rows(dataset.indicators))
            _checkpoint("indicators")
            rows = list(shared.case_rows(dataset.cases))
            self._copy(con, "cases", ["geom", "date", *shared.CASE_FIELDS], version,
                       ((g, *r[1:]) for g, r in zip(_ewkb(r[0] for r in rows), rows)))
            _checkpoint("cases")
            if dataset.border is not None:
                rows = list(shared.border_rows(dataset.border, plan.schema["border"]))
                self._copy(con, "border", ["geom", "properties"], version,
                           ((g, _json(r[1])) for g, r in zip(_ewkb(r[0] for r in rows), rows)))
            if dataset.gates is not None:
                rows = list(shared.gate_rows(dataset.gates))
                self._copy(con, "gates", ["geom", *shared.GATE_FIELDS], version,
                           ((g, *r[1:]) for g, r in zip(_ewkb(r[0] for r in rows), rows)))
            if dataset.patrols is not None:
                self._copy(con, "patrols", ["commune_id", "year", "effort", "unit"], version,
                           shared.patrol_rows(dataset.patrols))
            if dataset.crosswalk is not None:
                self._copy(con, "crosswalk", list(CROSSWALK_COLUMNS), version, shared.crosswalk_rows(dataset.crosswalk))
            if dataset.vintage is not None:
                self._copy(con, "vintage", ["part", "commune_id", "year", "old_units", "rows", "unweighted"], version,
                           shared.vintage_rows(dataset.vintage))
            if activate:
                self._switch(con, version)
            audit_log.write_entry(con, user, "import", shared.import_audit_details(version, plan, activate),
                                  plan.total_rows)
            _checkpoint("commit")
        return version

    @staticmethod
    def _copy(con: psycopg.Connection, table: str, columns: list[str], version: int, rows: Iterable[tuple]) -> None:
        """COPY rows (without version_id) into a part's table: the bulk path, far quicker than INSERTs."""
        names = ", ".join(f'"{c}"' for c in ["version_id", *columns])
        with con.cursor().copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row((version, *row))

    @staticmethod
    def _switch(con: psycopg.Connection, version: int) -> None:
        con.execute("UPDATE versions SET active = false WHERE active")
        con.execute("UPDATE versions SET active = true WHERE id = %s", (version,))

    def versions(self) -> pd.DataFrame:
        """Every version, newest first: id, created_at (UTC), label, user, active,
        rows per part, years, checksum, source files."""
        with self._read() as con:
            if con is None:
                return shared.empty_frame(shared.VERSION_COLUMNS)
            rows = con.execute(f'SELECT id, created_at, label, "user", active, {_COUNT_COLUMNS}, years, checksum, '
                               "source FROM versions ORDER BY id DESC").fetchall()
        return shared.versions_frame(rows)

    def active_version(self) -> int | None:
        """The id of the active version, or None (no store yet, or nothing imported)."""
        with self._read() as con:
            row = None if con is None else con.execute("SELECT id FROM versions WHERE active").fetchone()
        return None if row is None else int(row[0])

    def activate(self, version_id: int, user: str) -> None:
        """Make an earlier (or any) version the active one, in one transaction; audited."""
        with self._write(Lock.VERSIONS) as con:
            row = con.execute("SELECT label FROM versions WHERE id = %s", (int(version_id),)).fetchone()
            if row is None:
                raise StoreError("store.version_unknown", version=version_id)
            previous = con.execute("SELECT id FROM versions WHERE active").fetchone()
            self._switch(con, int(version_id))
            audit_log.write_entry(con, user, "activate", {"version": int(version_id), "label": row[0],
                                                          "previous": None if previous is None else previous[0]},
                                  None)

    def load(self, version_id: int | None = None) -> Dataset:
        """A stored version (default: the active one) as the Dataset the pages use."""
        with self._read() as con:
            if con is None:
                raise StoreError("store.no_active_version", path=str(self))
            if version_id is None:
                row = con.execute("SELECT id FROM versions WHERE active").fetchone()
                if row is None:
                    raise StoreError("store.no_active_version", path=str(self))
                version_id = int(row[0])
            row = con.execute("SELECT label, created_at, meta, schema FROM versions WHERE id = %s",
                              (int(version_id),)).fetchone()
            if row is None:
                raise StoreError("store.version_unknown", version=version_id)
            label, created_at, meta, schema = row[0], row[1], json.loads(row[2]), json.loads(row[3])
            parts = _read_parts(con, int(version_id), schema)
        stored = StoredVersion(int(version_id), str(label), str(created_at), self.location)
        return Dataset(self.path, meta=meta, stored=stored, **parts)

    def compare(self, v1: int, v2: int) -> pd.DataFrame:
        """As the GeoPackage Store's compare: counts per part of two versions side by side, communes
        added and removed, and indicator values, cases and communes that differ."""
        with self._read() as con:
            if con is None:
                raise StoreError("store.version_unknown", version=v1)
            counts = {}
            for version in (v1, v2):
                row = con.execute(f"SELECT {_COUNT_COLUMNS} FROM versions WHERE id = %s", (int(version),)).fetchone()
                if row is None:
                    raise StoreError("store.version_unknown", version=version)
                counts[version] = list(row)
            ids = {v: {r[0] for r in con.execute("SELECT commune_id FROM boundaries WHERE version_id = %s", (int(v),))}
                   for v in (v1, v2)}
            changed = {}
            for name, (table, key, fields) in _COMPARED.items():
                rows = {v: dict(con.execute(f"SELECT {key}, json_build_array({fields})::text FROM {table} "
                                            "WHERE version_id = %s", (int(v),)).fetchall()) for v in (v1, v2)}
                changed[name] = shared.differing(rows[v1], rows[v2])
        return shared.compare_frame(v1, v2, counts, ids, changed)

    # -- model runs --

    def record_model_run(self, version_id: int, kind: str, config: Mapping, metrics: Mapping,
                         user: str = "") -> int:
        """Keep a model run's configuration and metrics with the version it ran on."""
        with self._write() as con:
            if con.execute("SELECT 1 FROM versions WHERE id = %s", (int(version_id),)).fetchone() is None:
                raise StoreError("store.version_unknown", version=version_id)
            return int(con.execute('INSERT INTO model_runs (version_id, created_at, kind, "user", config, metrics)'
                                   " VALUES (%s, %s, %s, %s, %s, %s) RETURNING id",
                                   (int(version_id), _now(), kind, user, _json(dict(config)),
                                    _json(dict(metrics)))).fetchone()[0])

    def model_runs(self, version_id: int | None = None, kind: str | None = None) -> pd.DataFrame:
        """Model runs, newest first; config and metrics as dicts."""
        clauses, params = [], []
        for clause, value in (("version_id = %s", version_id), ("kind = %s", kind)):
            if value is not None:
                clauses.append(clause)
                params.append(value)
        where = " WHERE " + " AND ".join(clauses) if clauses else ""
        with self._read() as con:
            if con is None:
                return shared.empty_frame(shared.MODEL_RUN_COLUMNS)
            rows = con.execute(f'SELECT id, version_id, created_at, kind, "user", config, metrics FROM model_runs'
                               f"{where} ORDER BY id DESC", params).fetchall()
        return shared.model_runs_frame(rows)

    # -- audit log (risk/store/postgis/audit.py) --

    def append_audit(self, user: str, action: str, details: Mapping | None = None, rows: int | None = None) -> int:
        """Append one audit entry (who, what, details, how many rows); entries are never changed or removed."""
        with self._write() as con:
            return audit_log.write_entry(con, user, action, details or {}, rows)

    def verify_audit(self) -> AuditCheck:
        """Walk the audit log's hash chain: intact with its row count, or the first broken row and why."""
        with self._read() as con:
            if con is None:
                raise StoreError("store.missing", path=str(self))
            return audit_log.verify(con)

    def audit(self, user: str | None = None, action: str | None = None, since: str | None = None,
              until: str | None = None, limit: int | None = None) -> pd.DataFrame:
        """Audit entries, newest first, filtered by user, action and UTC time range (ISO text, `until` exclusive)."""
        with self._read() as con:
            if con is None:
                return shared.empty_frame(AUDIT_COLUMNS)
            return audit_log.entries(con, user, action, since, until, limit)

    # -- health --

    def integrity_check(self) -> list[str]:
        """["ok"] when the schema is at the latest migration and every version holds exactly the rows
        its `versions` row counts (nothing half-written); else one line per problem."""
        with self._read() as con:
            if con is None:
                raise StoreError("store.missing", path=str(self))
            problems = []
            version = migrations.applied(con)
            if version != migrations.latest():
                problems.append(f"schema version {version}, expected {migrations.latest()}")
            for part in PART_NAMES:  # indicators are long: a table row is a distinct position
                counted = "count(DISTINCT p.position)" if part == "indicators" else "count(*)"
                stored = f"(SELECT {counted} FROM {part} p WHERE p.version_id = v.id)"
                for vid, expected, found in con.execute(f"SELECT v.id, v.n_{part}, {stored} FROM versions v "
                                                        f"WHERE v.n_{part} <> {stored}"):
                    problems.append(f"version {vid}: {part} holds {found} rows, {expected} recorded")
            invalid = con.execute("SELECT count(*) FROM boundaries WHERE geom IS NOT NULL AND ST_SRID(geom) <> %s",
                                  (SRID,)).fetchone()[0]
            if invalid:
                problems.append(f"{invalid} boundaries not in EPSG:{SRID}")
        return problems or ["ok"]


# --- reading parts back --------------------------------------------------------------------------------


def _read_parts(con: psycopg.Connection, version: int, schema: dict) -> dict:
    """Every part of one version as the Dataset's frames (inside the caller's one snapshot)."""
    def rows(sql: str) -> list[tuple]:
        return con.execute(sql, (version,)).fetchall()

    columns = schema["boundaries"]
    names = ", ".join(f'"{c}"' for c in columns)
    found = rows(f"SELECT ST_AsBinary(geom), {names} FROM boundaries WHERE version_id = %s ORDER BY fid")
    boundaries = shared.boundaries_frame(_shapes(r[0] for r in found), [r[1:] for r in found], columns)
    indicators = shared.indicators_frame(rows("SELECT position, commune_id, year, indicator, value FROM indicators "
                                              "WHERE version_id = %s ORDER BY position, fid"), schema["indicators"])
    case_names = ", ".join(f'"{c}"' for c in CASE_COLUMNS)
    cases = shared.cases_frame(rows(f"SELECT {case_names} FROM cases WHERE version_id = %s ORDER BY fid"))
    border = gates = patrols = crosswalk = vintage = None
    if schema.get("border") is not None:
        found = rows("SELECT ST_AsBinary(geom), properties FROM border WHERE version_id = %s ORDER BY fid")
        border = shared.border_frame(_shapes(r[0] for r in found), [json.loads(r[1]) for r in found], schema["border"])
    if schema.get("gates"):
        gates = shared.gates_frame(rows("SELECT name, kind, lon, lat FROM gates WHERE version_id = %s ORDER BY fid"))
    if schema.get("patrols") is not None:
        patrols = shared.patrols_frame(rows("SELECT commune_id, year, effort, unit FROM patrols WHERE version_id = %s "
                                            "ORDER BY fid"))
    if schema.get("crosswalk") is not None:
        crosswalk = shared.crosswalk_frame(rows(f"SELECT {', '.join(CROSSWALK_COLUMNS)} FROM crosswalk "
                                                "WHERE version_id = %s ORDER BY fid"))
    if schema.get("vintage") is not None:
        vintage = shared.vintage_frame(rows('SELECT part, commune_id, year, old_units, "rows", unweighted FROM vintage '
                                            "WHERE version_id = %s ORDER BY fid"))
    return {"boundaries": boundaries, "indicators": indicators, "cases": cases, "border": border, "gates": gates,
            "patrols": patrols, "crosswalk": crosswalk, "vintage": vintage}
