"""Accounts: hashed passwords, no default password, lock-out, disable, reset."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from risk.accounts import AccountError, Accounts, session_expired
from risk.privacy import Role


@pytest.fixture
def accounts(tmp_path):
    return Accounts(tmp_path / "accounts.sqlite", max_failures=3, lockout_minutes=10)


def test_first_start_creates_admin_with_a_random_password_once(accounts):
    first = accounts.ensure_admin()
    assert first and len(first) >= 12
    assert accounts.ensure_admin() is None
    assert accounts.sign_in("admin", first).ok
    other = Accounts(accounts.path.parent / "other.sqlite").ensure_admin()
    assert other != first


def test_no_plaintext_in_the_database(accounts):
    password = accounts.add("planner1", Role.PLANNER, "correct horse battery")
    raw = accounts.path.read_bytes()
    assert password.encode() not in raw
    assert b"$argon2id$" in raw


def test_wrong_passwords_lock_the_account_for_the_configured_time(accounts):
    accounts.add("cmd", Role.COMMANDER, "right-password")
    t0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
    assert accounts.sign_in("cmd", "nope", t0).reason == "invalid"
    assert accounts.sign_in("cmd", "nope", t0).reason == "invalid"
    third = accounts.sign_in("cmd", "nope", t0)
    assert third.reason == "locked" and third.locked_until == t0 + timedelta(minutes=10)
    # Even the right password is refused while locked...
    assert accounts.sign_in("cmd", "right-password", t0 + timedelta(minutes=9)).reason == "locked"
    # ...and accepted after the lock ends.
    assert accounts.sign_in("cmd", "right-password", t0 + timedelta(minutes=11)).ok


def test_success_resets_the_failure_count(accounts):
    accounts.add("p", Role.PLANNER, "password-1")
    t0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
    accounts.sign_in("p", "x", t0)
    accounts.sign_in("p", "x", t0)
    assert accounts.sign_in("p", "password-1", t0).ok
    assert accounts.sign_in("p", "x", t0).reason == "invalid"  # count restarted


def test_unknown_user_and_wrong_password_look_the_same(accounts):
    accounts.add("p", Role.PLANNER, "password-1")
    assert accounts.sign_in("ghost", "whatever").reason == accounts.sign_in("p", "whatever").reason == "invalid"


def test_disable_and_reset(accounts):
    accounts.add("o", Role.OFFICIAL, "password-1")
    accounts.set_disabled("o")
    assert accounts.sign_in("o", "password-1").reason == "disabled"
    accounts.set_disabled("o", False)
    new = accounts.reset("o")
    assert not accounts.sign_in("o", "password-1").ok
    assert accounts.sign_in("o", new).ok


def test_refusals_carry_codes(accounts):
    accounts.add("a", Role.PLANNER, "password-1")
    with pytest.raises(AccountError) as err:
        accounts.add("a", Role.PLANNER, "password-2")
    assert err.value.code == "accounts.exists"
    with pytest.raises(AccountError) as err:
        accounts.add("b c<script>", Role.PLANNER)
    assert err.value.code == "accounts.bad_username"
    with pytest.raises(AccountError) as err:
        accounts.add("short", Role.PLANNER, "1234")
    assert err.value.code == "accounts.password_too_short"
    with pytest.raises(ValueError):
        accounts.add("x", "superuser")


def test_session_expiry():
    t0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
    assert not session_expired(t0, t0 + timedelta(minutes=29), 30)
    assert session_expired(t0, t0 + timedelta(minutes=31), 30)


def test_account_messages_exist_in_both_languages():
    from risk.i18n import CATALOG

    for code in ("accounts.exists", "accounts.unknown", "accounts.bad_username", "accounts.password_too_short"):
        assert CATALOG[code]["vi"] and CATALOG[code]["en"]


def test_users_cli(tmp_path):
    import json
    import subprocess
    import sys

    db = str(tmp_path / "acc.sqlite")

    def cli(*args):
        return subprocess.run([sys.executable, "-m", "risk", "users", "--db", db, "--json", "--lang", "en", *args],
                              capture_output=True, text=True)

    added = cli("add", "officer.a", "--role", "official")
    assert added.returncode == 0, added.stderr
    password = json.loads(added.stdout)["password"]
    assert Accounts(db).sign_in("officer.a", password).ok
    assert [u["username"] for u in json.loads(cli("list").stdout)] == ["officer.a"]
    assert cli("disable", "officer.a").returncode == 0
    assert Accounts(db).sign_in("officer.a", password).reason == "disabled"
    again = cli("add", "officer.a", "--role", "official")
    assert again.returncode == 2 and "already exists" in again.stderr
    new = json.loads(cli("reset", "officer.a").stdout)["password"]
    cli("enable", "officer.a")
    assert Accounts(db).sign_in("officer.a", new).ok
