"""Finished analyses kept in the PostgreSQL store's database (table `analysis_results`), so app
processes on several machines share them and a restart loses none.

Why: with the GeoPackage store each machine keeps its results in a private directory
(risk/store/results.py); processes sharing a PostgreSQL store would each compute and keep their
own copy there. Here a result is one row keyed as the file is named (dataset checksum, analysis
kind, settings digest), holding the same header line (format, engine digest, key) and the same
pickle, as bytea. A row whose header is not the current one is stale and ignored, exactly as a
file. Writing is one upsert: a reader sees the whole previous row or the whole new one. Claims
are the server's advisory locks (risk/store/postgis/claims.py).

Pickle can run code when read: the rows are written by this application only, and whoever may
write to this database can already change every dataset version, so they grant nothing more.
Results hold scores derived from case records: they are served only to signed-in pages, as ever.
"""
from __future__ import annotations

import json
import pickle
from typing import Any

import psycopg

from risk.store.postgis.claims import claims_for
from risk.store.postgis.connection import connect, redacted
from risk.store.postgis.migrations import migrate
from risk.store.results import ResultKey, ResultStore
from risk.store.shared import StoreError

__all__ = ["ServerResultStore"]

_MIGRATED: set[str] = set()  # URLs whose schema this process has checked (one check per process)


class ServerResultStore(ResultStore):
    """ResultStore's interface over the `analysis_results` table of one PostgreSQL database."""

    def __init__(self, url: str) -> None:  # noqa: D107 (no directory: nothing to refuse)
        self.url = url
        self.root = None
        self.claims = claims_for(url)

    def __repr__(self) -> str:
        return f"ServerResultStore({redacted(self.url)!r})"

    def _connect(self) -> psycopg.Connection:
        if self.url not in _MIGRATED:
            with connect(self.url, autocommit=True) as con:
                migrate(con, self.url)
            _MIGRATED.add(self.url)
        return connect(self.url)

    def _header(self, key: ResultKey, value: bool) -> tuple[str, bytes | None] | None:
        columns = "header, value" if value else "header, NULL"
        with self._connect() as con:
            row = con.execute(f"SELECT {columns} FROM analysis_results WHERE checksum = %s AND kind = %s "
                              "AND digest = %s", (key.checksum, key.kind, key.digest)).fetchone()
        return (row[0], row[1]) if row else None

    def has(self, key: ResultKey) -> bool:
        try:
            row = self._header(key, value=False)
        except Exception:  # noqa: BLE001 (no server: nothing kept that we can read)
            return False
        return row is not None and self._current(row[0].encode(), key)

    def get(self, key: ResultKey, default: Any = None) -> Any:
        try:
            row = self._header(key, value=True)
            if row is None or not self._current(row[0].encode(), key):
                return default
            return pickle.loads(bytes(row[1]))
        except Exception:  # noqa: BLE001 (no server, a truncated or foreign value: compute again)
            return default

    def put(self, key: ResultKey, value: Any) -> None:
        """Keep `value` for `key` in one upsert (a StoreError when the database cannot take it)."""
        data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        header = json.dumps(key.header(), sort_keys=True)
        try:
            with self._connect() as con:
                con.execute(
                    "INSERT INTO analysis_results (checksum, kind, digest, header, value, written_at) "
                    "VALUES (%s, %s, %s, %s, %s, to_char(now() AT TIME ZONE 'UTC', "
                    "'YYYY-MM-DD\"T\"HH24:MI:SS\"+00:00\"')) ON CONFLICT (checksum, kind, digest) DO UPDATE SET "
                    "header = excluded.header, value = excluded.value, written_at = excluded.written_at",
                    (key.checksum, key.kind, key.digest, header, data))
        except psycopg.Error as err:
            reason = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
            raise StoreError("store.unreachable", location=redacted(self.url), reason=reason) from err
