"""The PostgreSQL store's schema, as numbered migrations applied when the store is opened.

Why migrations: a server database outlives many releases and several app processes open it;
unlike the GeoPackage (made whole by risk/store/schema.py) it cannot be recreated. Each
migration runs once, in its own transaction, recorded in `schema_version` (version, name,
applied_at). `migrate` holds the session-level advisory lock (LOCK_CLASS, Lock.MIGRATE) while it
applies them, so two processes opening a new database together apply each migration once; a
process that finds everything applied takes no lock. A database at a newer version than this
code knows is refused (store.schema_newer), never written with an older layout.

The layout mirrors the GeoPackage's (see risk/store/schema.py): one table per part with a
`version_id`, geometry in PostGIS columns (EPSG:4326, GiST-indexed), indicators in long form,
JSON kept as text (the audit hash covers the exact text, and model metrics may hold NaN, which
json/jsonb refuse), times as ISO 8601 UTC text (the audit hash covers that text too), and
`*_active` views of the active version for QGIS. Triggers refuse UPDATE, DELETE and TRUNCATE on
the audit log and DELETE and TRUNCATE on versions.

Later migrations bring what the embedded case keeps in files beside the store, so that every app
process on the database shares it: 2, the accounts, per-client sign-in failures and sign-in
sessions (risk/access/accounts.py, sessions.py; the same tables as the SQLite accounts file);
3, the finished analyses (risk/store/postgis/results.py, what RISK_RESULTS_DIR holds otherwise);
4, the sign-in throttle's windows (risk/access/throttle.py, in one process's memory otherwise).
"""
from __future__ import annotations

from typing import NamedTuple

import psycopg

from risk.store.codec import _now
from risk.store.postgis.connection import LOCK_CLASS, Lock, redacted
from risk.store.shared import StoreError

__all__ = ["MIGRATIONS", "Migration", "applied", "latest", "migrate"]


class Migration(NamedTuple):
    version: int
    name: str
    sql: str


_PARTS_ACTIVE = {
    "boundaries": "p.commune_id, p.name, p.former_district, p.province, p.type, p.geom",
    "cases": 'p.case_id, p."date", p.lon, p.lat, p.commune_id, p.form, p.victims, p.destination, p.detected_by, p.geom',
    "border": "p.properties, p.geom",
    "gates": "p.name, p.kind, p.lon, p.lat, p.geom",
    "indicators": "p.position, p.commune_id, p.year, p.indicator, p.value",
    "patrols": "p.commune_id, p.year, p.effort, p.unit",
    "crosswalk": "p.old_commune_id, p.old_name, p.old_district, p.new_commune_id, p.weight",
    "vintage": 'p.part, p.commune_id, p.year, p.old_units, p."rows", p.unweighted',
}
_ACTIVE_VIEWS = "\n".join(
    f"CREATE VIEW {part}_active AS SELECT p.fid, p.version_id, {columns} FROM {part} p "
    f"JOIN versions v ON v.id = p.version_id WHERE v.active;" for part, columns in _PARTS_ACTIVE.items())

_INITIAL = f"""
CREATE EXTENSION IF NOT EXISTS postgis;

CREATE TABLE store_info (key text PRIMARY KEY, value text NOT NULL);

CREATE TABLE versions (
    id bigint PRIMARY KEY,
    created_at text NOT NULL,
    label text NOT NULL,
    source text NOT NULL DEFAULT '{{}}',
    "user" text NOT NULL,
    checksum text NOT NULL DEFAULT '',
    n_boundaries integer NOT NULL DEFAULT 0,
    n_indicators integer NOT NULL DEFAULT 0,
    n_cases integer NOT NULL DEFAULT 0,
    n_border integer NOT NULL DEFAULT 0,
    n_gates integer NOT NULL DEFAULT 0,
    years text NOT NULL DEFAULT '',
    active boolean NOT NULL DEFAULT false,
    meta text NOT NULL DEFAULT '{{}}',
    schema text NOT NULL DEFAULT '{{}}',
    report text NOT NULL DEFAULT '{{}}'
);
CREATE UNIQUE INDEX versions_one_active ON versions (active) WHERE active;
CREATE INDEX versions_checksum ON versions (checksum);

CREATE TABLE boundaries (
    fid bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    version_id bigint NOT NULL REFERENCES versions (id),
    commune_id text, name text, former_district text, province text, type text,
    geom geometry(MultiPolygon, 4326)
);
CREATE TABLE cases (
    fid bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    version_id bigint NOT NULL REFERENCES versions (id),
    case_id text, "date" date, lon double precision, lat double precision, commune_id text, form text,
    victims bigint, destination text, detected_by text,
    geom geometry(Point, 4326)
);
CREATE TABLE border (
    fid bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    version_id bigint NOT NULL REFERENCES versions (id),
    properties text NOT NULL DEFAULT '{{}}',
    geom geometry(MultiLineString, 4326)
);
CREATE TABLE gates (
    fid bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    version_id bigint NOT NULL REFERENCES versions (id),
    name text, kind text, lon double precision, lat double precision,
    geom geometry(Point, 4326)
);
CREATE TABLE indicators (
    fid bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    version_id bigint NOT NULL REFERENCES versions (id),
    position bigint NOT NULL, commune_id text, year integer NOT NULL, indicator text, value double precision
);
CREATE TABLE patrols (
    fid bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    version_id bigint NOT NULL REFERENCES versions (id),
    commune_id text NOT NULL, year integer NOT NULL,
    effort double precision NOT NULL CHECK (effort >= 0), unit text NOT NULL
);
CREATE TABLE crosswalk (
    fid bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    version_id bigint NOT NULL REFERENCES versions (id),
    old_commune_id text NOT NULL, old_name text NOT NULL, old_district text NOT NULL DEFAULT '',
    new_commune_id text NOT NULL, weight double precision NOT NULL CHECK (weight > 0 AND weight <= 1)
);
CREATE TABLE vintage (
    fid bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    version_id bigint NOT NULL REFERENCES versions (id),
    part text NOT NULL, commune_id text NOT NULL, year integer NOT NULL, old_units integer NOT NULL,
    "rows" integer NOT NULL, unweighted boolean NOT NULL
);
{"".join(f"CREATE INDEX {t}_version ON {t} (version_id);" for t in _PARTS_ACTIVE)}
{"".join(f"CREATE INDEX {t}_geom ON {t} USING gist (geom);" for t in ("boundaries", "cases", "border", "gates"))}
{_ACTIVE_VIEWS}

CREATE TABLE model_runs (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    version_id bigint NOT NULL REFERENCES versions (id),
    created_at text NOT NULL,
    kind text NOT NULL,
    "user" text NOT NULL DEFAULT '',
    config text NOT NULL DEFAULT '{{}}',
    metrics text NOT NULL DEFAULT '{{}}'
);
CREATE INDEX model_runs_version ON model_runs (version_id);

CREATE TABLE audit_log (
    id bigint PRIMARY KEY,
    at text NOT NULL,
    "user" text NOT NULL,
    action text NOT NULL,
    details text NOT NULL DEFAULT '{{}}',
    "rows" bigint,
    prev_hash text,
    row_hash text
);
CREATE INDEX audit_log_at ON audit_log (at);
-- The highest audit id ever given (what SQLite's AUTOINCREMENT counter is to the GeoPackage):
-- entries deleted from the end then leave a gap the chain's verification sees.
CREATE TABLE audit_counter (one boolean PRIMARY KEY DEFAULT true CHECK (one), last_id bigint NOT NULL);
INSERT INTO audit_counter (last_id) VALUES (0);

CREATE FUNCTION risk_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '%', TG_ARGV[0] USING ERRCODE = 'integrity_constraint_violation';
END $$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION risk_refuse_change('the audit log is append-only');
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION risk_refuse_change('the audit log is append-only');
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION risk_refuse_change('the audit log is append-only');
CREATE TRIGGER versions_kept BEFORE DELETE ON versions
    FOR EACH ROW EXECUTE FUNCTION risk_refuse_change('dataset versions are kept');
CREATE TRIGGER versions_kept_truncate BEFORE TRUNCATE ON versions
    FOR EACH STATEMENT EXECUTE FUNCTION risk_refuse_change('dataset versions are kept');
"""

# The accounts database's tables (risk/access/accounts.py, sessions.py), as in the SQLite file
# but without its two unused legacy columns (users.failed_attempts, users.locked_until).
_ACCOUNTS = """
CREATE TABLE users (
    username text PRIMARY KEY,
    role text NOT NULL,
    password_hash text NOT NULL,
    disabled integer NOT NULL DEFAULT 0,
    created_at text NOT NULL,
    password_changed_at text NOT NULL,
    session_generation integer NOT NULL DEFAULT 0
);
CREATE TABLE sign_in_failures (
    username text NOT NULL,
    client text NOT NULL,
    failed_attempts integer NOT NULL DEFAULT 0,
    locked_until text,
    PRIMARY KEY (username, client)
);
CREATE TABLE sessions (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username text NOT NULL,
    generation integer NOT NULL,
    account_created_at text NOT NULL,
    created_at text NOT NULL,
    last_seen text NOT NULL,
    expires_at text NOT NULL,
    handoff_hash text UNIQUE,
    handoff_expires text,
    token_hash text UNIQUE
);
CREATE INDEX sessions_by_user ON sessions (username);
"""

# Finished analyses (risk/store/postgis/results.py): what a result file holds, one row per key.
_RESULTS = """
CREATE TABLE analysis_results (
    checksum text NOT NULL,
    kind text NOT NULL,
    digest text NOT NULL,
    header text NOT NULL,
    value bytea NOT NULL,
    written_at text NOT NULL,
    PRIMARY KEY (checksum, kind, digest)
);
"""

# The sign-in throttle's sliding windows (risk/access/throttle.py SharedWindowLimiter): one row per
# allowed hit, `at` in seconds of the server's clock.
_THROTTLE = """
CREATE TABLE throttle_hits (scope text NOT NULL, key text NOT NULL, at double precision NOT NULL);
CREATE INDEX throttle_hits_key ON throttle_hits (scope, key, at);
CREATE INDEX throttle_hits_at ON throttle_hits (scope, at);
"""

MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "initial layout: versions, parts with PostGIS geometry, model runs, hash-chained audit log",
              _INITIAL),
    Migration(2, "accounts: users, per-client sign-in failures, sign-in sessions", _ACCOUNTS),
    Migration(3, "finished analyses: header and pickle per (dataset checksum, kind, settings digest)", _RESULTS),
    Migration(4, "sign-in throttle: allowed hits per scope and client, shared by every app process", _THROTTLE),
)


def latest() -> int:
    return MIGRATIONS[-1].version


def applied(con: psycopg.Connection) -> int:
    """The highest migration applied (0 for a database the store never opened)."""
    if con.execute("SELECT to_regclass('schema_version')").fetchone()[0] is None:
        return 0
    return int(con.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()[0])


def migrate(con: psycopg.Connection, url: str) -> int:
    """Apply every migration not yet applied; returns the version the database is at.

    `con` must be in autocommit mode (each migration then gets its own transaction)."""
    _refuse_newer(applied(con), url)
    if applied(con) == latest():
        return latest()
    con.execute("SELECT pg_advisory_lock(%s, %s)", (LOCK_CLASS, Lock.MIGRATE))
    try:
        con.execute("CREATE TABLE IF NOT EXISTS schema_version (version integer PRIMARY KEY, name text NOT NULL,"
                    " applied_at text NOT NULL)")
        done = applied(con)  # again, under the lock: another process may have applied them meanwhile
        _refuse_newer(done, url)
        for migration in MIGRATIONS:
            if migration.version <= done:
                continue
            with con.transaction():
                con.execute(migration.sql)
                if migration.version == 1:
                    con.execute("INSERT INTO store_info VALUES ('application', 'risk'), ('created_at', %s)",
                                (_now(),))
                con.execute("INSERT INTO schema_version (version, name, applied_at) VALUES (%s, %s, %s)",
                            (migration.version, migration.name, _now()))
        return applied(con)
    finally:
        con.execute("SELECT pg_advisory_unlock(%s, %s)", (LOCK_CLASS, Lock.MIGRATE))


def _refuse_newer(version: int, url: str) -> None:
    if version > latest():
        raise StoreError("store.schema_newer", location=redacted(url), found=version, known=latest())
