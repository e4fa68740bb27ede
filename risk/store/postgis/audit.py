"""The PostgreSQL store's audit log: writing an entry, reading and verifying, with the same
SHA-256 hash chain as the GeoPackage's (risk/store/audit_chain.py: row_hash and verify_chain
are that module's, not copies).

`write_entry` holds this backend's only INSERT of a new entry into audit_log (`copy_entries` the
only other, for moving a whole store's log verbatim into an empty one, risk/store/migrate.py). It runs inside the caller's
transaction and first takes the transaction-level advisory lock (LOCK_CLASS, Lock.AUDIT), so two
writers in two processes cannot both read the same last row and fork the chain; the lock is
released at commit or rollback, together with the entry. The id is chosen here (it is hashed):
one past both the last row and `audit_counter` (the highest id ever given), so rows deleted from
the end leave a gap the verification sees, as SQLite's AUTOINCREMENT counter does in the GeoPackage.
"""
from __future__ import annotations

import json
from typing import Mapping

import pandas as pd
import psycopg

from risk.store.audit import COLUMNS
from risk.store.audit_chain import GENESIS, AuditCheck, row_hash, verify_chain
from risk.store.codec import _json, _now
from risk.store.postgis.connection import LOCK_CLASS, Lock

__all__ = ["copy_entries", "entries", "verify", "write_entry"]

_AUDIT_ROW = 'SELECT id, at, "user", action, details, "rows", prev_hash, row_hash FROM audit_log ORDER BY id'


def write_entry(con: psycopg.Connection, user: str, action: str, details: Mapping, rows: int | None) -> int:
    """Append one entry chained to the last one, inside the caller's transaction; returns its id."""
    if con.autocommit:  # the lock and the entry belong to the caller's transaction
        raise RuntimeError("audit entries are written inside a write transaction")
    con.execute("SELECT pg_advisory_xact_lock(%s, %s)", (LOCK_CLASS, Lock.AUDIT))
    last = con.execute("SELECT id, row_hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
    counter = con.execute("SELECT last_id FROM audit_counter").fetchone()
    entry = max(0 if last is None else int(last[0]), 0 if counter is None else int(counter[0])) + 1
    prev = GENESIS if last is None else (last[1] or "")  # an unsealed last row is already a break
    values = (entry, _now(), str(user), str(action), _json(dict(details)), None if rows is None else int(rows))
    con.execute('INSERT INTO audit_log (id, at, "user", action, details, "rows", prev_hash, row_hash) '
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s)", (*values, prev, row_hash(*values, prev)))
    con.execute("UPDATE audit_counter SET last_id = %s", (entry,))
    return entry


def copy_entries(con: psycopg.Connection, rows: list[tuple], counter: int) -> None:
    """For moving a store only (risk/store/migrate.py): another store's audit rows, verbatim
    (id, at, user, action, details, rows, prev_hash, row_hash), into this store's EMPTY log, so the
    chain, its hashes and its head stay what they were; `audit_counter` becomes the source's highest
    id ever given (`counter`), so entries once deleted from its end still leave their gap.

    Not a way to write entries (that is `write_entry`): it refuses a log holding any row and rows
    whose chain does not verify, inside the caller's transaction and under the audit lock."""
    if con.autocommit:
        raise RuntimeError("audit entries are written inside a write transaction")
    con.execute("SELECT pg_advisory_xact_lock(%s, %s)", (LOCK_CLASS, Lock.AUDIT))
    if con.execute("SELECT 1 FROM audit_log LIMIT 1").fetchone() is not None:
        raise RuntimeError("copy_entries fills an empty audit log only")
    if not verify_chain(rows).ok:
        raise RuntimeError("copy_entries copies an intact chain only")
    with con.cursor() as cur:
        cur.executemany('INSERT INTO audit_log (id, at, "user", action, details, "rows", prev_hash, row_hash) '
                        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s)", [tuple(row) for row in rows])
    last = max([int(counter), *(int(row[0]) for row in rows)])
    con.execute("UPDATE audit_counter SET last_id = greatest(last_id, %s)", (last,))


def protecting_triggers(con: psycopg.Connection) -> list[str]:
    """Names of the (enabled) triggers on audit_log: a dropped or disabled one shows as a warning."""
    return [r[0] for r in con.execute(
        "SELECT tgname FROM pg_trigger WHERE tgrelid = to_regclass('audit_log') AND NOT tgisinternal"
        " AND tgenabled <> 'D'").fetchall()]


def verify(con: psycopg.Connection) -> AuditCheck:
    """Walk the audit log's hash chain: intact with its row count, or the first broken row and why."""
    rows = con.execute(_AUDIT_ROW).fetchall()
    return verify_chain(rows, protecting_triggers(con))


def entries(con: psycopg.Connection, user: str | None = None, action: str | None = None, since: str | None = None,
            until: str | None = None, limit: int | None = None) -> pd.DataFrame:
    """Audit entries, newest first, filtered by user, action and UTC time range (ISO text, `until` exclusive)."""
    clauses, params = [], []
    for clause, value in (('"user" = %s', user), ("action = %s", action), ("at >= %s", since or None),
                          ("at < %s", until or None)):
        if value is not None:
            clauses.append(clause)
            params.append(value)
    where = " WHERE " + " AND ".join(clauses) if clauses else ""
    sql = f'SELECT id, at, "user", action, details, "rows" FROM audit_log{where} ORDER BY id DESC'
    if limit:
        sql += f" LIMIT {int(limit)}"
    frame = pd.DataFrame(con.execute(sql, params).fetchall(), columns=COLUMNS)
    frame["details"] = frame["details"].map(json.loads)
    frame["rows"] = frame["rows"].astype("Int64")
    return frame
