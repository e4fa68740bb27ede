"""Sign-in that survives a reload: server-side session tokens carried by an HttpOnly cookie.

A Streamlit script cannot set a cookie, and a cookie set by page script could not be
HttpOnly. So the browser gets its cookie from a small HTTP route of our own (ui/server.py),
in two steps, and the secret never passes through the page:

1. A sign-in (in the Streamlit session) calls `grant`: it stores a session row holding the
   SHA-256 of a random one-time *handoff code* that expires after HANDOFF_SECONDS, and
   returns the code to the signed-in session only.
2. The page posts that code to the route, which calls `redeem`: the row is found by the
   code's hash, the code is spent (its hash removed), a random 256-bit *token* is made and
   only its SHA-256 is stored. The route sets the token as an HttpOnly, SameSite=Strict
   cookie. No page script can read it, it is in no URL (so no link, history or access log
   holds it), and the database holds hashes only.

On a new connection (a reload, a new tab) `resume` finds the row by the cookie's hash and
checks, in one place, everything a live session is checked for (risk/access/accounts.py):
the account still exists (the same one, not a recreated namesake), is not disabled, and has
the session generation the row was granted under. Disabling, enabling, resetting, changing
the password or the role, and signing out all raise that generation
(`Accounts.end_sessions` for sign-out), so every token of the account dies at once; dead
rows are deleted when met and by `purge`. A token also dies after `idle_minutes` without a
`touch` (the same idle time-out as a live session, RISK_SESSION_MINUTES) and `max_hours`
after its sign-in, however active (RISK_SESSION_MAX_HOURS). Tokens and codes are random
(`secrets`), so a fast hash is enough: there is nothing to guess from.
"""
from __future__ import annotations

import hashlib
import re
import secrets
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from risk.access.accounts import Accounts, User
from risk.access.database import Connection

COOKIE_NAME = "risk_session"
HANDOFF_SECONDS = 60
# A live session writes its last_seen at most this often (one UPDATE per minute, not per rerun).
TOUCH_SECONDS = 60
_SECRET_BYTES = 32
# What token_urlsafe(32) produces; anything else is refused before the database is asked.
_SECRET_SHAPE = re.compile(r"[A-Za-z0-9_-]{43}")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    username TEXT NOT NULL,
    generation INTEGER NOT NULL,
    account_created_at TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    handoff_hash TEXT UNIQUE,
    handoff_expires TEXT,
    token_hash TEXT UNIQUE
);
CREATE INDEX IF NOT EXISTS sessions_by_user ON sessions (username);
"""


@dataclass(frozen=True)
class Grant:
    """A sign-in's session row and the one-time code the page trades for the cookie."""

    session_id: int
    code: str


@dataclass(frozen=True)
class Resumed:
    """A session taken up again from a cookie: its row and the account as it is now."""

    session_id: int
    user: User


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="microseconds")


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text)


def digest(secret: str) -> str:
    """The SHA-256 of a code or token, as stored."""
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


def well_formed(secret: object) -> bool:
    """A string shaped like a code or token (random URL-safe base64 of 32 bytes)."""
    return isinstance(secret, str) and bool(_SECRET_SHAPE.fullmatch(secret))


class SessionTokens:
    """The session rows of one accounts database (the accounts' SQLite file, or their PostgreSQL
    database, where every app process finds the rows another one wrote)."""

    def __init__(self, accounts: Accounts, idle_minutes: int = 30, max_hours: int = 12) -> None:
        self.accounts = accounts
        self.idle = timedelta(minutes=idle_minutes)
        self.lifetime = timedelta(hours=max_hours)
        if not accounts.db.is_server:  # on PostgreSQL the table comes with the migrations
            with closing(self._connect()) as con, con:
                con.executescript(_SCHEMA)

    def _connect(self) -> Connection:
        return self.accounts.db.connect()

    def grant(self, user: User, now: datetime | None = None) -> Grant:
        """A new session row for `user` as a sign-in just read it; returns its handoff code."""
        now = now or _now()
        code = secrets.token_urlsafe(_SECRET_BYTES)
        with closing(self._connect()) as con, con:
            cursor = con.execute(
                "INSERT INTO sessions (username, generation, account_created_at, created_at, last_seen, expires_at, "
                "handoff_hash, handoff_expires) VALUES (?,?,?,?,?,?,?,?) RETURNING id",
                (user.username, user.generation, _iso(user.created_at), _iso(now), _iso(now),
                 _iso(now + self.lifetime), digest(code), _iso(now + timedelta(seconds=HANDOFF_SECONDS))),
            )
            return Grant(int(cursor.fetchall()[0][0]), code)

    def redeem(self, code: object, now: datetime | None = None) -> str | None:
        """Spend a handoff code: the new token for the cookie, or None (unknown, used, expired,
        or the account's right ended since the sign-in)."""
        if not well_formed(code):
            return None
        now = now or _now()
        token = secrets.token_urlsafe(_SECRET_BYTES)
        with closing(self._connect()) as con, con:
            self.accounts.db.lock(con, "sessions")  # one redemption per code, even when two arrive together
            row = con.execute("SELECT * FROM sessions WHERE handoff_hash = ? AND token_hash IS NULL",
                              (digest(code),)).fetchone()
            if row is None:
                return None
            if _parse(row["handoff_expires"]) < now or not self._alive(row, now):
                con.execute("DELETE FROM sessions WHERE id = ?", (row["id"],))
                return None
            con.execute("UPDATE sessions SET handoff_hash = NULL, handoff_expires = NULL, token_hash = ?, "
                        "last_seen = ? WHERE id = ?", (digest(token), _iso(now), row["id"]))
        return token

    def resume(self, token: object, now: datetime | None = None) -> Resumed | None:
        """The session a cookie's token stands for, if it may go on; a dead row is deleted."""
        if not well_formed(token):
            return None
        now = now or _now()
        with closing(self._connect()) as con, con:
            row = con.execute("SELECT * FROM sessions WHERE token_hash = ?", (digest(token),)).fetchone()
            if row is None:
                return None
            user = self._alive(row, now)
            if user is None:
                con.execute("DELETE FROM sessions WHERE id = ?", (row["id"],))
                return None
            con.execute("UPDATE sessions SET last_seen = ? WHERE id = ?", (_iso(now), row["id"]))
        return Resumed(int(row["id"]), user)

    def _alive(self, row, now: datetime) -> User | None:
        """The row's account if the row may still be used at `now`, else None."""
        if _parse(row["expires_at"]) <= now or now - _parse(row["last_seen"]) > self.idle:
            return None
        user = self.accounts.get(row["username"])
        if (user is None or user.disabled or user.generation != int(row["generation"])
                or _iso(user.created_at) != row["account_created_at"]):
            return None
        return user

    def bound(self, session_id: int) -> bool:
        """Whether the browser has traded the row's code for its cookie."""
        with closing(self._connect()) as con:
            row = con.execute("SELECT token_hash FROM sessions WHERE id = ?", (session_id,)).fetchone()
        return row is not None and row["token_hash"] is not None

    def touch(self, session_id: int, now: datetime | None = None) -> None:
        """Record activity of a live session (at most one write per TOUCH_SECONDS), so that its
        cookie outlives the idle time-out exactly as long as the session does."""
        now = now or _now()
        with closing(self._connect()) as con, con:
            con.execute("UPDATE sessions SET last_seen = ? WHERE id = ? AND last_seen < ?",
                        (_iso(now), session_id, _iso(now - timedelta(seconds=TOUCH_SECONDS))))

    def end(self, session_id: int) -> None:
        """Forget one session row (its cookie then resumes nothing)."""
        with closing(self._connect()) as con, con:
            con.execute("DELETE FROM sessions WHERE id = ?", (session_id,))

    def forget(self, token: object) -> None:
        """Forget the session a cookie's token stands for (this browser signs out or drops a dead cookie)."""
        if well_formed(token):
            with closing(self._connect()) as con, con:
                con.execute("DELETE FROM sessions WHERE token_hash = ?", (digest(token),))

    def end_all(self, username: str) -> int:
        """Sign the account out everywhere: its generation is raised (every live session ends at
        its next rerun) and every one of its rows is deleted; returns how many rows there were."""
        self.accounts.end_sessions(username)
        with closing(self._connect()) as con, con:
            return con.execute("DELETE FROM sessions WHERE username = ?", (username,)).rowcount

    def purge(self, now: datetime | None = None) -> int:
        """Delete rows that can never be used again (expired, idle, or an unspent code's time up)."""
        now = now or _now()
        with closing(self._connect()) as con, con:
            return con.execute(
                "DELETE FROM sessions WHERE expires_at <= ? OR last_seen < ? "
                "OR (token_hash IS NULL AND handoff_expires < ?)",
                (_iso(now), _iso(now - self.idle), _iso(now)),
            ).rowcount

    def count(self, username: str | None = None) -> int:
        """How many rows there are (of one account), for tests and the admin page."""
        with closing(self._connect()) as con:
            if username is None:
                return con.execute("SELECT COUNT(*) FROM sessions").fetchone()[0]
            return con.execute("SELECT COUNT(*) FROM sessions WHERE username = ?", (username,)).fetchone()[0]
