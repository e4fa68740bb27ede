"""The store's audit log: writing an entry, sealing an older log, reading and verifying.

The audit log is tamper-evident: each row carries the SHA-256 of its content
and of the previous row's hash (risk/store/audit_chain.py), so a row changed, forged
or deleted behind the triggers' back shows in `Store.verify_audit()` and
`python -m risk audit verify`. An older store's log is sealed once, in id
order, when the store is first opened (recorded as "audit_chain_started").

`write_entry` holds the only INSERT of a new entry into audit_log; `copy_entries` the only
other INSERT, for moving a whole store's log verbatim into an empty one (risk/store/migrate.py).
The functions here take an
open sqlite3 connection (a write transaction for writing and sealing, a read
transaction for reading and verifying); `Store.append_audit`, `Store.audit` and
`Store.verify_audit` (risk/store/versions.py) open it and call them.
"""
from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Mapping

import pandas as pd

from risk.store.audit_chain import GENESIS, START_ACTION, AuditCheck, row_hash, verify_chain
from risk.store.codec import _filters, _json, _now
from risk.store.schema import _AUDIT_NO_UPDATE, SCHEMA_VERSION

if TYPE_CHECKING:
    from risk.store.shared import StoreBase

__all__ = ["COLUMNS", "append_audit", "copy_entries", "entries", "verify", "write_entry"]

COLUMNS = ["id", "at", "user", "action", "details", "rows"]  # of `entries`, newest first
_AUDIT_ROW = 'SELECT id, at, "user", action, details, "rows", prev_hash, row_hash FROM audit_log ORDER BY id'


def append_audit(store: StoreBase | str | Path, user: str, action: str, details: Mapping | None = None,
                 rows: int | None = None) -> int:
    """Append one audit entry to a store (by object, path or URL); see Store.append_audit."""
    from risk.store import open_store
    from risk.store.shared import StoreBase

    target = store if isinstance(store, StoreBase) else open_store(store)
    return target.append_audit(user, action, details, rows)


def write_entry(con: sqlite3.Connection, user: str, action: str, details: Mapping, rows: int | None) -> int:
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


def copy_entries(con: sqlite3.Connection, rows: list[tuple], counter: int) -> None:
    """For moving a store only (risk/store/migrate.py): another store's audit rows, verbatim
    (id, at, user, action, details, rows, prev_hash, row_hash), into this store's EMPTY log, so the
    chain, its hashes and its head stay what they were; `counter` is the source's highest id ever
    given (kept, so entries once deleted from its end still leave their gap).

    Not a way to write entries (that is `write_entry`): it refuses a log holding any row and rows
    whose chain does not verify, inside the caller's write transaction."""
    if not con.in_transaction:
        raise RuntimeError("audit entries are written inside a write transaction")
    if con.execute("SELECT 1 FROM audit_log LIMIT 1").fetchone() is not None:
        raise RuntimeError("copy_entries fills an empty audit log only")
    if not verify_chain(rows).ok:
        raise RuntimeError("copy_entries copies an intact chain only")
    con.executemany('INSERT INTO audit_log (id, at, "user", action, details, "rows", prev_hash, row_hash) '
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", [tuple(row) for row in rows])
    last = max([int(counter), *(int(row[0]) for row in rows)])
    if last and not con.execute("UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = 'audit_log'",
                                (last,)).rowcount:
        con.execute("INSERT INTO sqlite_sequence (name, seq) VALUES ('audit_log', ?)", (last,))


def verify(con: sqlite3.Connection) -> AuditCheck:
    """Walk the audit log's hash chain: intact with its row count, or the first broken row and why."""
    sql = _AUDIT_ROW if _chained(con) else _AUDIT_ROW.replace("prev_hash, row_hash", "NULL, NULL")
    rows = con.execute(sql).fetchall()  # (never sealed: a read-only older store)
    triggers = [r[0] for r in con.execute(
        "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_log'")]
    return verify_chain(rows, triggers)


def entries(con: sqlite3.Connection, user: str | None = None, action: str | None = None, since: str | None = None,
            until: str | None = None, limit: int | None = None) -> pd.DataFrame:
    """Audit entries, newest first, filtered by user, action and UTC time range (ISO text, `until` exclusive)."""
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
    frame = pd.DataFrame(con.execute(sql, params).fetchall(), columns=COLUMNS)
    frame["details"] = frame["details"].map(json.loads)
    frame["rows"] = frame["rows"].astype("Int64")
    return frame


# --- sealing an older store's log -----------------------------------------------------------------


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
    write_entry(con, "system", START_ACTION, {"sealed": len(rows), "first": rows[0][0] if rows else None,
                                              "last": rows[-1][0] if rows else None}, len(rows))

