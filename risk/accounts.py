"""User accounts: hashed passwords, roles, lock-out after repeated failures.

Passwords are hashed with Argon2id (argon2-cffi, the reference binding) and
never stored or logged in clear. There is no default password: the first start
on a new accounts database creates `admin` with a random password that the
caller prints once. Sign-in failures are counted per account; after
`max_failures` in a row the account is locked for `lockout_minutes`.
"""
from __future__ import annotations

import secrets
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from risk.privacy import Role

_HASHER = PasswordHasher()
# A hash of a random password, verified against when the user does not exist,
# so a wrong user name costs as much time as a wrong password.
_DUMMY_HASH = _HASHER.hash(secrets.token_urlsafe(16))

_SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    username TEXT PRIMARY KEY,
    role TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0,
    failed_attempts INTEGER NOT NULL DEFAULT 0,
    locked_until TEXT,
    created_at TEXT NOT NULL,
    password_changed_at TEXT NOT NULL
);
"""


class AccountError(Exception):
    """A refused account operation; `code` is an i18n key, `params` fill it."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


@dataclass(frozen=True)
class User:
    username: str
    role: Role
    disabled: bool
    locked_until: datetime | None
    created_at: datetime


@dataclass(frozen=True)
class SignInResult:
    ok: bool
    user: User | None
    reason: str  # "ok" | "invalid" | "locked" | "disabled"
    locked_until: datetime | None = None


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds") if moment else None


def _parse(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def generate_password() -> str:
    """A random password of about 100 bits, easy to copy."""
    return secrets.token_urlsafe(12)


def _valid_username(username: str) -> str:
    name = (username or "").strip()
    if not name or len(name) > 64 or not all(ch.isalnum() or ch in "._-@" for ch in name):
        raise AccountError("accounts.bad_username", username=username)
    return name


class Accounts:
    """Accounts kept in one SQLite file (by default beside the store)."""

    def __init__(self, path: str | Path, max_failures: int = 5, lockout_minutes: int = 15) -> None:
        self.path = Path(path)
        self.max_failures = max_failures
        self.lockout = timedelta(minutes=lockout_minutes)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with closing(self._connect()) as con, con:
            con.executescript(_SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        con = sqlite3.connect(self.path, timeout=10)
        con.row_factory = sqlite3.Row
        return con

    def _row(self, con: sqlite3.Connection, username: str) -> sqlite3.Row | None:
        return con.execute("SELECT * FROM users WHERE username = ?", (username,)).fetchone()

    @staticmethod
    def _user(row: sqlite3.Row) -> User:
        return User(row["username"], Role(row["role"]), bool(row["disabled"]), _parse(row["locked_until"]),
                    _parse(row["created_at"]))

    def is_empty(self) -> bool:
        with closing(self._connect()) as con:
            return con.execute("SELECT COUNT(*) FROM users").fetchone()[0] == 0

    def ensure_admin(self) -> str | None:
        """On a new database, create `admin` with a random password and return it (once)."""
        if not self.is_empty():
            return None
        password = generate_password()
        self.add("admin", Role.ADMIN, password)
        return password

    def add(self, username: str, role: Role | str, password: str | None = None) -> str:
        """Create an account; returns its password (generated when not given)."""
        name = _valid_username(username)
        role = Role(role)
        password = password or generate_password()
        if len(password) < 8:
            raise AccountError("accounts.password_too_short", minimum=8)
        now = _iso(_now())
        with closing(self._connect()) as con, con:
            if self._row(con, name) is not None:
                raise AccountError("accounts.exists", username=name)
            con.execute(
                "INSERT INTO users (username, role, password_hash, created_at, password_changed_at) VALUES (?,?,?,?,?)",
                (name, role.value, _HASHER.hash(password), now, now),
            )
        return password

    def list(self) -> list[User]:
        with closing(self._connect()) as con:
            return [self._user(r) for r in con.execute("SELECT * FROM users ORDER BY username")]

    def get(self, username: str) -> User | None:
        with closing(self._connect()) as con:
            row = self._row(con, (username or "").strip())
            return self._user(row) if row else None

    def set_disabled(self, username: str, disabled: bool = True) -> None:
        with closing(self._connect()) as con, con:
            if con.execute("UPDATE users SET disabled = ? WHERE username = ?", (int(disabled), username)).rowcount == 0:
                raise AccountError("accounts.unknown", username=username)

    def reset(self, username: str, password: str | None = None) -> str:
        """Set a new password (generated when not given), clear the lock; returns it."""
        password = password or generate_password()
        if len(password) < 8:
            raise AccountError("accounts.password_too_short", minimum=8)
        with closing(self._connect()) as con, con:
            updated = con.execute(
                "UPDATE users SET password_hash = ?, failed_attempts = 0, locked_until = NULL, password_changed_at = ? "
                "WHERE username = ?", (_HASHER.hash(password), _iso(_now()), username),
            ).rowcount
            if updated == 0:
                raise AccountError("accounts.unknown", username=username)
        return password

    def sign_in(self, username: str, password: str, now: datetime | None = None) -> SignInResult:
        """Check a password; count failures and lock the account after too many."""
        now = now or _now()
        name = (username or "").strip()
        with closing(self._connect()) as con, con:
            row = self._row(con, name)
            if row is None:
                _verify(_DUMMY_HASH, password)
                return SignInResult(False, None, "invalid")
            user = self._user(row)
            if user.locked_until and user.locked_until > now:
                return SignInResult(False, user, "locked", user.locked_until)
            if not _verify(row["password_hash"], password):
                failures = row["failed_attempts"] + 1
                locked_until = now + self.lockout if failures >= self.max_failures else None
                con.execute(
                    "UPDATE users SET failed_attempts = ?, locked_until = ? WHERE username = ?",
                    (0 if locked_until else failures, _iso(locked_until), name),
                )
                if locked_until:
                    return SignInResult(False, user, "locked", locked_until)
                return SignInResult(False, user, "invalid")
            if user.disabled:
                return SignInResult(False, user, "disabled")
            con.execute("UPDATE users SET failed_attempts = 0, locked_until = NULL WHERE username = ?", (name,))
            if _HASHER.check_needs_rehash(row["password_hash"]):
                con.execute("UPDATE users SET password_hash = ? WHERE username = ?", (_HASHER.hash(password), name))
            return SignInResult(True, user, "ok")


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash, password or "")
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def session_expired(last_seen: datetime, now: datetime, idle_minutes: int) -> bool:
    """A signed-in session ends after `idle_minutes` without activity."""
    return now - last_seen > timedelta(minutes=idle_minutes)
