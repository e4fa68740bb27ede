"""What the access tests read behind the application's back, on either accounts backend."""
from __future__ import annotations

from risk.access.accounts import Accounts

SQLITE, POSTGRESQL = "sqlite", "postgresql"
BACKENDS = (SQLITE, POSTGRESQL)


def raw_contents(accounts: Accounts) -> bytes:
    """Everything the accounts database holds, as bytes: the SQLite file, or every row of the
    accounts tables on PostgreSQL (what anyone who can read the database sees)."""
    if not accounts.db.is_server:
        return accounts.path.read_bytes()
    import psycopg

    chunks = []
    with psycopg.connect(accounts.location) as con:
        for table in ("users", "sign_in_failures", "sessions"):
            for row in con.execute(f"SELECT * FROM {table}").fetchall():
                chunks.append("\x00".join("" if v is None else str(v) for v in row))
    return "\n".join(chunks).encode()
