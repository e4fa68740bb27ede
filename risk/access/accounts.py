"""User accounts: hashed passwords, roles, lock-out after repeated failures.

Passwords are hashed with Argon2id (argon2-cffi, the reference binding) and
never stored or logged in clear. There is no default password: the first start
on a new accounts database creates `admin` with a random password that the
caller prints once (`python -m risk users init`, run by `make run`).

One answer, one cost: `sign_in` runs exactly one Argon2 verification on every
path (unknown user, over-long name, locked, disabled, wrong or right password),
so its timing does not tell which case applies. Its `reason` is kept for the
audit log; the sign-in page shows one generic message for every refusal, even
after a correct password on a locked or disabled account (telling "disabled"
there would confirm the password to whoever guessed it).

Lock-out is per (account, client): after `max_failures` wrong passwords in a
row from one client address, that address is locked out of that account for
`lockout_minutes`; other addresses are not, so nobody can keep the admin locked
by failing on purpose from elsewhere. Callers that do not know the address
(`client=None`: localhost, a reverse proxy, the console) share one bucket per
account, the old account-wide behaviour. The price is that an attacker with
many addresses gets `max_failures` guesses per address and lock-out period; the
per-client throttle in ui/auth.py (risk/access/throttle.py, 10 attempts a minute by
default) caps each address further, so a single client can neither lock an
account faster than that throttle allows nor guess faster. Generated passwords
carry about 100 bits, out of reach of online guessing either way.

Sessions end when their right ends: every account row has a
`session_generation` that disabling, enabling and resetting increment, and
`session_valid` (one primary-key SELECT, called on every rerun) refuses a
session whose account is gone, recreated, disabled, has another role, or has a
newer generation. A counter rather than `password_changed_at`, which has
seconds precision and could not order two events within one second.

Where: an SQLite file (RISK_ACCOUNTS_DB, the embedded case), or, with a PostgreSQL store, that
database (risk/access/database.py chooses from the location; `accounts_location` is the rule), so
that several app processes share the accounts, the sessions and the lock-out: a failure counted
by one process counts in every other. Writes that read before they write (the lock-out count, the
last-admin check, the first admin) hold the database's write lock for the account (SQLite: the
file's; PostgreSQL: an advisory lock), so two processes cannot both count from the same number.

The SQLite file is created with mode 0600 before SQLite opens it; SQLite
gives its -journal and -wal companions the database file's mode.
"""
from __future__ import annotations

import os
import secrets
import sqlite3
import stat
import threading
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from risk.access.database import AccountsDatabase, Connection, SqliteDatabase, accounts_database
from risk.access.privacy import Role
from risk.i18n import LocalisedError

if TYPE_CHECKING:
    from risk.access.settings import Settings

MAX_USERNAME = 64
MAX_PASSWORD = 1024
# Client keys are IP addresses (at most 45 characters); anything longer is cut.
_MAX_CLIENT = 64

_HASHER = PasswordHasher()
_DUMMY_LOCK = threading.Lock()
_dummy_hash_value: str | None = None


def _dummy_hash() -> str:
    """A hash of a random password, verified against when the user does not exist, so a wrong
    user name costs as much time as a wrong password.

    Made once per process on first use, not at import: an Argon2 hash takes about as long as a
    sign-in, and the command line's parser and the first page import this module. `sign_in` asks
    for it first on every path, so the one sign-in that pays for making it pays whichever case
    applies. The lock makes sign-ins that arrive together wait for one hash, not make several."""
    global _dummy_hash_value
    if _dummy_hash_value is None:
        with _DUMMY_LOCK:
            if _dummy_hash_value is None:
                _dummy_hash_value = _HASHER.hash(secrets.token_urlsafe(16))
    return _dummy_hash_value


# users.failed_attempts and users.locked_until are no longer used (the lock-out
# lives in sign_in_failures, per client); they stay so old and new files have one shape.
_SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    username TEXT PRIMARY KEY,
    role TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0,
    failed_attempts INTEGER NOT NULL DEFAULT 0,
    locked_until TEXT,
    created_at TEXT NOT NULL,
    password_changed_at TEXT NOT NULL,
    session_generation INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS sign_in_failures (
    username TEXT NOT NULL,
    client TEXT NOT NULL,
    failed_attempts INTEGER NOT NULL DEFAULT 0,
    locked_until TEXT,
    PRIMARY KEY (username, client)
);
"""


# What moves with an account to another database (Accounts.copy_from).
_COPIED = ("username", "role", "password_hash", "disabled", "created_at", "password_changed_at",
           "session_generation")


# An account with the latest lock of any of its clients (ISO strings in UTC compare in time order).
_SELECT_WITH_LOCK = (
    "SELECT u.*, (SELECT MAX(f.locked_until) FROM sign_in_failures f WHERE f.username = u.username) "
    "AS lock_max FROM users u"
)


class AccountError(LocalisedError):
    """A refused account operation; `code` is an i18n key, `params` fill it."""


@dataclass(frozen=True)
class User:
    """One account as read at one moment; `generation` and `created_at` identify what a session was granted."""

    username: str
    role: Role
    disabled: bool
    locked_until: datetime | None
    created_at: datetime
    generation: int = 0


@dataclass(frozen=True)
class SignInResult:
    ok: bool
    user: User | None
    reason: str  # "ok" | "invalid" | "locked" | "disabled": for the audit log, never shown
    locked_until: datetime | None = None


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds") if moment else None


def _iso_precise(moment: datetime) -> str:
    """Microseconds, so that an account deleted and recreated is not taken for the old one."""
    return moment.astimezone(timezone.utc).isoformat(timespec="microseconds")


def _parse(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def generate_password() -> str:
    """A random password of about 100 bits, easy to copy."""
    return secrets.token_urlsafe(12)


def _valid_username(username: str) -> str:
    name = (username or "").strip()
    if not name or len(name) > MAX_USERNAME or not all(ch.isalnum() or ch in "._-@" for ch in name):
        raise AccountError("accounts.bad_username", username=(username or "")[:MAX_USERNAME])
    return name


def _valid_password(password: str) -> str:
    if len(password) < 8:
        raise AccountError("accounts.password_too_short", minimum=8)
    if len(password) > MAX_PASSWORD:
        raise AccountError("accounts.password_too_long", maximum=MAX_PASSWORD)
    return password


def _create_private(path: Path) -> None:
    """Create the database file with mode 0600 before SQLite writes anything to it.

    An existing file readable by group or others (made before this rule) is
    tightened when we own it.
    """
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            try:
                os.chmod(path, mode & 0o700)
            except PermissionError:
                pass
        return
    os.close(fd)


def accounts_location(conf: "Settings") -> str:
    """Where the configured accounts live: the store's database when RISK_STORE is a postgresql://
    URL (shared by every app process), else the SQLite file RISK_ACCOUNTS_DB."""
    from risk.store import is_server_store

    return conf.store if is_server_store(conf.store) else str(conf.accounts_db)


def open_accounts(conf: "Settings") -> "Accounts":
    """The configured accounts (the one place that applies `accounts_location`)."""
    return Accounts(accounts_location(conf), conf.max_failures, conf.lockout_minutes)


class Accounts:
    """Accounts kept in one SQLite file (by default beside the store) or in the PostgreSQL store's database."""

    def __init__(self, path: str | Path, max_failures: int = 5, lockout_minutes: int = 15) -> None:
        """`path`: an SQLite file, or a postgresql:// URL (its tables come with the store's migrations)."""
        self.db: AccountsDatabase = accounts_database(path)
        self.max_failures = max_failures
        self.lockout = timedelta(minutes=lockout_minutes)
        if isinstance(self.db, SqliteDatabase):
            self.path = self.db.path
            self.path.parent.mkdir(parents=True, exist_ok=True)
            _create_private(self.path)
            with closing(self._connect()) as con, con:
                con.executescript(_SCHEMA)
                _migrate(con)
        else:
            self.db.migrate()

    @property
    def location(self) -> str:
        return self.db.location

    @property
    def shown_location(self) -> str:
        """Where the accounts are, as shown to people: the file, or the URL without its password."""
        if self.db.is_server:
            from risk.store.postgis.connection import redacted

            return redacted(self.db.location)
        return self.db.location

    def _connect(self) -> Connection:
        return self.db.connect()

    def _row(self, con: Connection, username: str):
        return con.execute("SELECT * FROM users WHERE username = ?", (username,)).fetchone()

    @staticmethod
    def _user(row, locked_until: str | None = None) -> User:
        return User(row["username"], Role(row["role"]), bool(row["disabled"]), _parse(locked_until),
                    _parse(row["created_at"]), int(row["session_generation"]))

    def is_empty(self) -> bool:
        with closing(self._connect()) as con:
            return con.execute("SELECT COUNT(*) FROM users").fetchone()[0] == 0

    def ensure_admin(self) -> str | None:
        """On a new database, create `admin` with a random password and return it (once).

        The check and the insert are one transaction, so the console (`users init`)
        and a starting server cannot both create it.
        """
        if not self.is_empty():
            return None
        password = generate_password()
        password_hash = _HASHER.hash(password)
        now = _iso_precise(_now())
        with closing(self._connect()) as con, con:
            self.db.lock(con, "accounts")
            if con.execute("SELECT COUNT(*) FROM users").fetchone()[0]:
                return None
            con.execute(
                "INSERT INTO users (username, role, password_hash, created_at, password_changed_at) VALUES (?,?,?,?,?)",
                ("admin", Role.ADMIN.value, password_hash, now, now),
            )
        return password

    def copy_from(self, source: "Accounts") -> int:
        """Copy every account of `source` here, as it is: name, role, password hash, disabled flag,
        creation and password-change times and session generation (so no password is reset and
        nobody's new password is printed). Sign-in sessions, lock-outs and the throttle are not
        copied: everyone signs in again. For moving accounts with their store (`users migrate`).

        Refused (accounts.migrate_not_empty) when this database has any account, so nothing is
        merged or overwritten; the copy is one transaction. Returns how many were copied."""
        with closing(source._connect()) as con:
            rows = [tuple(r[c] for c in _COPIED) for r in con.execute(
                f"SELECT {', '.join(_COPIED)} FROM users ORDER BY username")]
        with closing(self._connect()) as con, con:
            self.db.lock(con, "accounts")
            existing = con.execute("SELECT COUNT(*) FROM users").fetchone()[0]
            if existing:
                raise AccountError("accounts.migrate_not_empty", location=self.shown_location, n=existing)
            for row in rows:
                con.execute(f"INSERT INTO users ({', '.join(_COPIED)}) VALUES ({', '.join('?' * len(_COPIED))})",
                            row)
        return len(rows)

    def add(self, username: str, role: Role | str, password: str | None = None) -> str:
        """Create an account; returns its password (generated when not given)."""
        name = _valid_username(username)
        role = Role(role)
        password = _valid_password(password or generate_password())
        now = _iso_precise(_now())
        with closing(self._connect()) as con, con:
            self.db.lock(con, "accounts")  # two processes adding one name: the second is told it exists
            if self._row(con, name) is not None:
                raise AccountError("accounts.exists", username=name)
            con.execute(
                "INSERT INTO users (username, role, password_hash, created_at, password_changed_at) VALUES (?,?,?,?,?)",
                (name, role.value, _HASHER.hash(password), now, now),
            )
        return password

    def list(self) -> list[User]:
        with closing(self._connect()) as con:
            return [self._user(r, r["lock_max"]) for r in con.execute(_SELECT_WITH_LOCK + " ORDER BY username")]

    def get(self, username: str) -> User | None:
        """The account, with the latest lock of any of its clients as `locked_until`."""
        with closing(self._connect()) as con:
            row = con.execute(_SELECT_WITH_LOCK + " WHERE u.username = ?", ((username or "").strip(),)).fetchone()
            return self._user(row, row["lock_max"]) if row else None

    def set_disabled(self, username: str, disabled: bool = True, actor: str | None = None) -> None:
        """Disable or enable; either way the account's open sessions end at their next rerun.

        Refused for `actor`'s own account, and for the last enabled admin (nobody could manage
        accounts any more)."""
        with closing(self._connect()) as con, con:
            self.db.lock(con, "accounts")  # the last-admin count and the change in one write lock
            if disabled:
                _refuse_lock_out(con, username, actor)
            updated = con.execute(
                "UPDATE users SET disabled = ?, session_generation = session_generation + 1 WHERE username = ?",
                (int(disabled), username),
            ).rowcount
            if updated == 0:
                raise AccountError("accounts.unknown", username=username)

    def set_role(self, username: str, role: Role | str, actor: str | None = None) -> None:
        """Give an account another role; its open sessions end (they were granted the old role).

        Demoting `actor`'s own account or the last enabled admin is refused."""
        role = Role(role)
        with closing(self._connect()) as con, con:
            self.db.lock(con, "accounts")
            row = self._row(con, username)
            if row is None:
                raise AccountError("accounts.unknown", username=username)
            if row["role"] == role.value:
                return
            if role != Role.ADMIN:
                _refuse_lock_out(con, username, actor)
            con.execute("UPDATE users SET role = ?, session_generation = session_generation + 1 WHERE username = ?",
                        (role.value, username))

    def end_sessions(self, username: str) -> None:
        """End every open session of the account, in every browser (sign-out everywhere)."""
        with closing(self._connect()) as con, con:
            con.execute("UPDATE users SET session_generation = session_generation + 1 WHERE username = ?",
                        (username,))

    def change_password(self, username: str, old: str, new: str, client: str | None = None,
                        now: datetime | None = None) -> User:
        """The user's own change: the old password is checked as a sign-in is (a wrong one counts
        towards the lock-out), the new one must meet the policy and differ. Every open session of
        the account ends; returns the account as it now is, for the caller's new session."""
        _valid_password(new)
        if not self.sign_in(username, old, now=now, client=client).ok:
            raise AccountError("accounts.wrong_password")
        if new == old:
            raise AccountError("accounts.password_same")
        self.reset(username, new)
        user = self.get(username)
        if user is None:  # removed in between
            raise AccountError("accounts.unknown", username=username)
        return user

    def reset(self, username: str, password: str | None = None) -> str:
        """Set a new password (generated when not given), clear every lock, end open sessions; returns it."""
        password = _valid_password(password or generate_password())
        with closing(self._connect()) as con, con:
            updated = con.execute(
                "UPDATE users SET password_hash = ?, password_changed_at = ?, "
                "session_generation = session_generation + 1 WHERE username = ?",
                (_HASHER.hash(password), _iso_precise(_now()), username),
            ).rowcount
            if updated == 0:
                raise AccountError("accounts.unknown", username=username)
            con.execute("DELETE FROM sign_in_failures WHERE username = ?", (username,))
        return password

    def delete(self, username: str, actor: str | None = None) -> None:
        """Remove an account; its open sessions end at their next rerun. Not `actor`'s own, nor the last admin."""
        with closing(self._connect()) as con, con:
            self.db.lock(con, "accounts")
            _refuse_lock_out(con, username, actor)
            if con.execute("DELETE FROM users WHERE username = ?", (username,)).rowcount == 0:
                raise AccountError("accounts.unknown", username=username)
            con.execute("DELETE FROM sign_in_failures WHERE username = ?", (username,))

    def session_valid(self, user: User) -> bool:
        """Whether a session granted to `user` may go on: one primary-key SELECT, cheap enough per rerun."""
        with closing(self._connect()) as con:
            row = con.execute(
                "SELECT role, disabled, created_at, session_generation FROM users WHERE username = ?",
                (user.username,),
            ).fetchone()
        return (row is not None and not row["disabled"] and row["role"] == user.role.value
                and int(row["session_generation"]) == user.generation and _parse(row["created_at"]) == user.created_at)

    def sign_in(self, username: str, password: str, now: datetime | None = None,
                client: str | None = None) -> SignInResult:
        """Check a password; count failures per (account, client) and lock that pair after too many.

        Exactly one Argon2 verification runs on every path (see the module docstring).
        """
        dummy = _dummy_hash()  # before any branch: the first sign-in pays for it on every path
        now = now or _now()
        name = (username or "").strip()
        password = password or ""
        if len(name) > MAX_USERNAME or len(password) > MAX_PASSWORD:
            _verify(dummy, password[:MAX_PASSWORD])  # no such account can exist; same cost anyway
            return SignInResult(False, None, "invalid")
        key = (client or "")[:_MAX_CLIENT]
        with closing(self._connect()) as con, con:
            row = self._row(con, name)
            matches = _verify(row["password_hash"] if row is not None else dummy, password)
            if row is None:
                return SignInResult(False, None, "invalid")
            # From here to the commit this account's lock-out bookkeeping is ours alone (in every
            # process): two wrong passwords arriving together count twice, not once.
            self.db.lock(con, f"sign-in:{name}")
            bucket = con.execute(
                "SELECT failed_attempts, locked_until FROM sign_in_failures WHERE username = ? AND client = ?",
                (name, key),
            ).fetchone()
            user = self._user(row, bucket["locked_until"] if bucket else None)
            locked = _parse(bucket["locked_until"]) if bucket else None
            if locked and locked > now:
                return SignInResult(False, user, "locked", locked)
            if not matches:
                failures = (bucket["failed_attempts"] if bucket else 0) + 1
                locked_until = now + self.lockout if failures >= self.max_failures else None
                con.execute(
                    "INSERT INTO sign_in_failures (username, client, failed_attempts, locked_until) VALUES (?,?,?,?) "
                    "ON CONFLICT (username, client) DO UPDATE SET failed_attempts = excluded.failed_attempts, "
                    "locked_until = excluded.locked_until",
                    (name, key, 0 if locked_until else failures, _iso(locked_until)),
                )
                # Expired locks carry no count: forget them, so the table stays small.
                con.execute("DELETE FROM sign_in_failures WHERE failed_attempts = 0 AND locked_until < ?",
                            (_iso(now),))
                if locked_until:
                    return SignInResult(False, user, "locked", locked_until)
                return SignInResult(False, user, "invalid")
            if user.disabled:
                return SignInResult(False, user, "disabled")
            con.execute("DELETE FROM sign_in_failures WHERE username = ? AND client = ?", (name, key))
            if _HASHER.check_needs_rehash(row["password_hash"]):
                con.execute("UPDATE users SET password_hash = ? WHERE username = ?", (_HASHER.hash(password), name))
            return SignInResult(True, self._user(row), "ok")


def _refuse_lock_out(con: Connection, username: str, actor: str | None) -> None:
    """Raise when taking `username` out of the enabled admins would lock someone out: it is the
    acting admin's own account, or the last enabled admin. Call inside the write transaction."""
    if actor is not None and username == actor:
        raise AccountError("accounts.not_yourself")
    row = con.execute("SELECT role, disabled FROM users WHERE username = ?", (username,)).fetchone()
    if row is None or row["role"] != Role.ADMIN.value or row["disabled"]:
        return
    others = con.execute("SELECT COUNT(*) FROM users WHERE role = ? AND disabled = 0 AND username <> ?",
                         (Role.ADMIN.value, username)).fetchone()[0]
    if others == 0:
        raise AccountError("accounts.last_admin", username=username)


def _migrate(con: sqlite3.Connection) -> None:
    """Bring a database made by an older version to the current shape (idempotent)."""
    columns = {r[1] for r in con.execute("PRAGMA table_info(users)")}
    if "session_generation" not in columns:
        con.execute("ALTER TABLE users ADD COLUMN session_generation INTEGER NOT NULL DEFAULT 0")
        # The old account-wide lock becomes the lock of the "unknown client" bucket.
        con.execute(
            "INSERT OR IGNORE INTO sign_in_failures (username, client, failed_attempts, locked_until) "
            "SELECT username, '', failed_attempts, locked_until FROM users "
            "WHERE failed_attempts > 0 OR locked_until IS NOT NULL"
        )
        con.execute("UPDATE users SET failed_attempts = 0, locked_until = NULL")


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash, password or "")
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def session_expired(last_seen: datetime, now: datetime, idle_minutes: int) -> bool:
    """A session, signed-in or demo, ends after `idle_minutes` without activity."""
    return now - last_seen > timedelta(minutes=idle_minutes)
