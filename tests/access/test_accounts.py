"""Accounts: hashed passwords, no default password, lock-out, disable, reset."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from risk.access.accounts import AccountError, Accounts, session_expired
from risk.access.privacy import Role
from tests.access.backends import raw_contents


@pytest.fixture
def accounts(accounts_location):
    return Accounts(accounts_location, max_failures=3, lockout_minutes=10)


def test_first_start_creates_admin_with_a_random_password_once(accounts, tmp_path):
    first = accounts.ensure_admin()
    assert first and len(first) >= 12
    assert accounts.ensure_admin() is None
    assert accounts.sign_in("admin", first).ok
    other = Accounts(tmp_path / "other.sqlite").ensure_admin()
    assert other != first


def test_no_plaintext_in_the_database(accounts):
    password = accounts.add("planner1", Role.PLANNER, "correct horse battery")
    raw = raw_contents(accounts)
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


def test_every_sign_in_path_runs_exactly_one_argon2_verification(accounts, monkeypatch):
    """Unknown, over-long, locked, disabled, wrong and right: the same work, so timing tells nothing."""
    from argon2 import PasswordHasher

    calls = []
    real = PasswordHasher.verify

    def counting(self, hash_, password):
        calls.append(1)
        return real(self, hash_, password)

    monkeypatch.setattr(PasswordHasher, "verify", counting)
    accounts.add("p", Role.PLANNER, "password-1")
    accounts.add("locked", Role.PLANNER, "password-2")
    accounts.add("off", Role.PLANNER, "password-3")
    accounts.set_disabled("off")
    t0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
    for _ in range(3):
        accounts.sign_in("locked", "nope", t0)
    paths = {
        "unknown": ("ghost", "whatever"),
        "too long": ("x" * 100_000, "whatever"),
        "wrong password": ("p", "whatever"),
        "locked, wrong password": ("locked", "nope"),
        "locked, right password": ("locked", "password-2"),
        "disabled, wrong password": ("off", "nope"),
        "disabled, right password": ("off", "password-3"),
        "right password": ("p", "password-1"),
    }
    counts = {}
    for path, (user, password) in paths.items():
        calls.clear()
        accounts.sign_in(user, password, t0 + timedelta(minutes=1))
        counts[path] = len(calls)
    assert counts == {path: 1 for path in paths}, counts


def test_the_first_sign_in_makes_the_dummy_hash_on_every_path(accounts, monkeypatch):
    """The dummy hash is made on first use (not at import); whichever path the first sign-in
    takes, it is that sign-in that pays for making it, so its timing tells nothing either."""
    import risk.access.accounts as module

    accounts.add("p", Role.PLANNER, "password-1")
    for user, password in [("ghost", "whatever"), ("x" * 100_000, "whatever"), ("p", "whatever"),
                           ("p", "password-1")]:
        monkeypatch.setattr(module, "_dummy_hash_value", None)
        accounts.sign_in(user, password)
        assert module._dummy_hash_value is not None, user[:10]


def test_the_dummy_hash_is_made_once_when_first_sign_ins_race(monkeypatch):
    import threading
    import time

    import risk.access.accounts as module

    made = []

    class SlowHasher:
        def hash(self, password):
            made.append(password)
            time.sleep(0.05)  # wide enough a window for every thread to arrive while it runs
            return f"dummy-{len(made)}"

    monkeypatch.setattr(module, "_HASHER", SlowHasher())
    monkeypatch.setattr(module, "_dummy_hash_value", None)
    start = threading.Barrier(8)
    seen = []

    def first_use():
        start.wait()
        seen.append(module._dummy_hash())

    threads = [threading.Thread(target=first_use) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(made) == 1 and seen == ["dummy-1"] * 8


def test_over_long_user_names_and_passwords_are_refused_without_a_lookup(accounts):
    name = "a" * 64
    accounts.add(name, Role.PLANNER, "password-1")
    assert accounts.sign_in(name, "password-1").ok
    # 65 characters whose first 64 are a real name are not that name
    assert accounts.sign_in(name + "b", "password-1").reason == "invalid"
    assert accounts.sign_in("a" * (1 << 20), "password-1").reason == "invalid"
    with pytest.raises(AccountError) as err:
        accounts.add("b" * 65, Role.PLANNER)
    assert err.value.code == "accounts.bad_username" and len(err.value.params["username"]) <= 64
    with pytest.raises(AccountError) as err:
        accounts.reset(name, "p" * 1025)
    assert err.value.code == "accounts.password_too_long"


def test_lock_out_is_per_client_address(accounts):
    """One address failing on purpose locks only itself out of the account, not the admin elsewhere."""
    accounts.add("boss", Role.ADMIN, "admin-password")
    t0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
    for _ in range(3):
        last = accounts.sign_in("boss", "guess", t0, client="203.0.113.9")
    assert last.reason == "locked"
    assert accounts.sign_in("boss", "admin-password", t0, client="203.0.113.9").reason == "locked"
    assert accounts.sign_in("boss", "admin-password", t0, client="10.0.0.5").ok
    assert accounts.sign_in("boss", "admin-password", t0).ok  # no address: its own bucket
    assert accounts.get("boss").locked_until == t0 + timedelta(minutes=10)
    # clients without an address share one bucket per account
    for _ in range(3):
        accounts.sign_in("boss", "guess", t0)
    assert accounts.sign_in("boss", "admin-password", t0, client=None).reason == "locked"
    assert accounts.sign_in("boss", "admin-password", t0, client="10.0.0.5").ok
    # a reset clears every lock
    new = accounts.reset("boss")
    assert accounts.sign_in("boss", new, t0).ok and accounts.sign_in("boss", new, t0, client="203.0.113.9").ok


def test_sessions_are_valid_until_the_account_changes(accounts):
    accounts.add("o", Role.OFFICIAL, "password-1")
    granted = accounts.sign_in("o", "password-1").user
    assert accounts.session_valid(granted)
    accounts.reset("o", "password-2")  # within the same second as the sign-in: still told apart
    assert not accounts.session_valid(granted)
    granted = accounts.sign_in("o", "password-2").user
    accounts.set_disabled("o")
    assert not accounts.session_valid(granted)
    accounts.set_disabled("o", False)
    assert not accounts.session_valid(granted)  # re-enabling does not revive the old session
    granted = accounts.sign_in("o", "password-2").user
    assert accounts.session_valid(granted)
    accounts.delete("o")
    assert not accounts.session_valid(granted)
    accounts.add("o", Role.OFFICIAL, "password-2")  # the same name again is another account
    assert not accounts.session_valid(granted)
    assert accounts.session_valid(accounts.sign_in("o", "password-2").user)


def test_a_lock_out_counted_by_one_accounts_object_holds_in_another(accounts_location):
    """Two app processes each have their own Accounts object on the same database."""
    first = Accounts(accounts_location, max_failures=3, lockout_minutes=10)
    second = Accounts(accounts_location, max_failures=3, lockout_minutes=10)
    first.add("cmd", Role.COMMANDER, "right-password")
    t0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
    assert first.sign_in("cmd", "nope", t0, client="203.0.113.9").reason == "invalid"
    assert second.sign_in("cmd", "nope", t0, client="203.0.113.9").reason == "invalid"
    assert first.sign_in("cmd", "nope", t0, client="203.0.113.9").reason == "locked"
    assert second.sign_in("cmd", "right-password", t0, client="203.0.113.9").reason == "locked"
    assert second.get("cmd").locked_until == t0 + timedelta(minutes=10)


def _fail_once(location: str, barrier, t0: datetime) -> None:
    barrier.wait(30)
    Accounts(location, max_failures=4, lockout_minutes=10).sign_in("cmd", "nope", t0, client="203.0.113.9")


def test_wrong_passwords_from_processes_at_once_all_count(accounts_location):
    """Four processes each fail once at the same moment: the count reaches four, none is lost
    (the lock-out's read-then-write holds the database's write lock for the account)."""
    import multiprocessing

    accounts = Accounts(accounts_location, max_failures=4, lockout_minutes=10)
    accounts.add("cmd", Role.COMMANDER, "right-password")
    t0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(4)
    workers = [context.Process(target=_fail_once, args=(accounts_location, barrier, t0)) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert [w.exitcode for w in workers] == [0, 0, 0, 0]
    assert accounts.sign_in("cmd", "right-password", t0, client="203.0.113.9").reason == "locked"


def test_a_postgresql_store_keeps_the_accounts_in_its_database(postgis_url, tmp_path):
    """With RISK_STORE a postgresql:// URL the accounts live there, whatever RISK_ACCOUNTS_DB says;
    the tables come with the store's migrations, and passwords are Argon2id hashes as in the file."""
    import psycopg

    from risk.access.accounts import accounts_location, open_accounts
    from risk.access.settings import load_settings

    conf = load_settings({"RISK_STORE": postgis_url, "RISK_ACCOUNTS_DB": str(tmp_path / "unused.sqlite")})
    assert accounts_location(conf) == postgis_url
    accounts = open_accounts(conf)
    password = accounts.ensure_admin()
    assert password and not (tmp_path / "unused.sqlite").exists()
    with psycopg.connect(postgis_url) as con:
        assert con.execute("SELECT password_hash FROM users WHERE username = 'admin'").fetchone()[0].startswith(
            "$argon2id$")
        assert 2 in [r[0] for r in con.execute("SELECT version FROM schema_version")]
    embedded = load_settings({"RISK_STORE": str(tmp_path / "s.gpkg"), "RISK_ACCOUNTS_DB": str(tmp_path / "a.sqlite")})
    assert accounts_location(embedded) == str(tmp_path / "a.sqlite")


def test_an_old_database_gets_the_session_generation_column(tmp_path):
    import sqlite3

    path = tmp_path / "old.sqlite"
    con = sqlite3.connect(path)
    con.executescript("""
        CREATE TABLE users (username TEXT PRIMARY KEY, role TEXT NOT NULL, password_hash TEXT NOT NULL,
            disabled INTEGER NOT NULL DEFAULT 0, failed_attempts INTEGER NOT NULL DEFAULT 0, locked_until TEXT,
            created_at TEXT NOT NULL, password_changed_at TEXT NOT NULL);
    """)
    from argon2 import PasswordHasher

    con.execute("INSERT INTO users VALUES ('old', 'planner', ?, 0, 2, '2099-01-01T00:00:00+00:00', "
                "'2025-01-01T00:00:00+00:00', '2025-01-01T00:00:00+00:00')", (PasswordHasher().hash("password-1"),))
    con.commit()
    con.close()
    accounts = Accounts(path)
    assert accounts.sign_in("old", "password-1").reason == "locked"  # the old lock is kept
    new = accounts.reset("old")
    granted = accounts.sign_in("old", new).user
    assert granted.generation == 1 and accounts.session_valid(granted)
    Accounts(path)  # migrating twice changes nothing
    assert accounts.session_valid(granted)


def test_the_database_file_and_its_journal_are_private(tmp_path):
    import os
    import sqlite3
    import stat

    old = os.umask(0)  # even with a permissive umask
    try:
        accounts = Accounts(tmp_path / "var" / "acc.sqlite")
        accounts.add("p", Role.PLANNER, "password-1")
        assert stat.S_IMODE(accounts.path.stat().st_mode) == 0o600
        con = sqlite3.connect(accounts.path)
        con.execute("BEGIN IMMEDIATE")
        con.execute("UPDATE users SET role = 'admin'")
        journal = accounts.path.with_name(accounts.path.name + "-journal")
        assert journal.exists() and stat.S_IMODE(journal.stat().st_mode) == 0o600
        con.rollback()
        con.close()
        loose = tmp_path / "loose.sqlite"
        loose.touch(mode=0o644)
        Accounts(loose)
        assert stat.S_IMODE(loose.stat().st_mode) == 0o600  # a file made before this rule is tightened
    finally:
        os.umask(old)


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


def test_users_cli(accounts_location):
    import json
    import subprocess
    import sys

    db = accounts_location

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
    assert json.loads(cli("delete", "officer.a").stdout) == {"username": "officer.a", "deleted": True}
    assert Accounts(db).get("officer.a") is None
    assert cli("delete", "officer.a").returncode == 2


def test_users_init_creates_the_database_and_prints_the_first_admin_once(tmp_path):
    """`make run` calls this before the server starts, so the password is shown at start-up."""
    import stat
    import subprocess
    import sys

    from risk.i18n import t

    db = tmp_path / "var" / "acc.sqlite"

    def init(*extra):
        return subprocess.run([sys.executable, "-m", "risk", "users", "--db", str(db), *extra, "init"],
                              capture_output=True, text=True)

    first = init()
    assert first.returncode == 0, first.stderr
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    lines = first.stdout.strip().splitlines()
    assert len(lines) == 2
    password = lines[1].split("Password: ")[1].split()[0]
    assert lines == [t("accounts.first_admin", lang, password=password) for lang in ("vi", "en")]
    accounts = Accounts(db)
    assert accounts.sign_in("admin", password).ok
    assert accounts.ensure_admin() is None  # the app's fallback has nothing left to print
    again = init("--lang", "en")
    assert again.returncode == 0 and password not in again.stdout
    assert again.stdout.strip() == t("accounts.init_exists", "en", path=str(db))


def test_make_run_initialises_the_accounts_before_streamlit():
    from risk.access.settings import PROJECT_ROOT

    recipe = (PROJECT_ROOT / "Makefile").read_text(encoding="utf-8").split("\nrun:", 1)[1].split("\n\n", 1)[0]
    assert recipe.index("-m risk users init") < recipe.index("-m streamlit run")


# --- the admin page's and the user's own changes -------------------------------------------------


def test_the_last_active_admin_cannot_be_disabled_demoted_or_removed(accounts):
    accounts.add("boss", Role.ADMIN, "admin-password")
    accounts.add("cmd", Role.COMMANDER, "commander-pass")
    for change in (lambda: accounts.set_disabled("boss"), lambda: accounts.set_role("boss", Role.PLANNER),
                   lambda: accounts.delete("boss")):
        with pytest.raises(AccountError) as err:
            change()
        assert err.value.code == "accounts.last_admin"
    assert accounts.get("boss").role == Role.ADMIN and not accounts.get("boss").disabled
    accounts.set_role("cmd", Role.ADMIN)  # a second admin: now either may go
    accounts.set_disabled("boss")
    with pytest.raises(AccountError) as err:
        accounts.set_role("cmd", Role.OFFICIAL)  # boss is disabled: cmd is the last active one
    assert err.value.code == "accounts.last_admin"
    accounts.set_disabled("boss", False)
    accounts.set_role("cmd", Role.OFFICIAL)
    assert accounts.get("cmd").role == Role.OFFICIAL


def test_an_admin_cannot_disable_demote_or_remove_their_own_account(accounts):
    accounts.add("boss", Role.ADMIN, "admin-password")
    accounts.add("deputy", Role.ADMIN, "deputy-password")
    for change in (lambda: accounts.set_disabled("boss", actor="boss"),
                   lambda: accounts.set_role("boss", Role.PLANNER, actor="boss"),
                   lambda: accounts.delete("boss", actor="boss")):
        with pytest.raises(AccountError) as err:
            change()
        assert err.value.code == "accounts.not_yourself"
    accounts.set_disabled("boss", actor="deputy")  # another admin may
    assert accounts.get("boss").disabled


def test_a_role_change_ends_the_accounts_open_sessions(accounts):
    accounts.add("p", Role.PLANNER, "planner-pass")
    before = accounts.get("p")
    accounts.set_role("p", Role.COMMANDER)
    assert accounts.get("p").role == Role.COMMANDER
    assert not accounts.session_valid(before)
    with pytest.raises(AccountError):
        accounts.set_role("nobody", Role.PLANNER)


def test_changing_ones_own_password_needs_the_old_one_and_the_policy(accounts):
    accounts.add("p", Role.PLANNER, "planner-pass")
    before = accounts.get("p")
    for old, new, code in (("wrong-pass", "another-pass", "accounts.wrong_password"),
                           ("planner-pass", "short", "accounts.password_too_short"),
                           ("planner-pass", "planner-pass", "accounts.password_same")):
        with pytest.raises(AccountError) as err:
            accounts.change_password("p", old, new)
        assert err.value.code == code
    assert accounts.sign_in("p", "planner-pass").ok
    after = accounts.change_password("p", "planner-pass", "another-pass")
    assert not accounts.sign_in("p", "planner-pass").ok
    assert accounts.sign_in("p", "another-pass").ok
    assert not accounts.session_valid(before) and accounts.session_valid(after)


def test_wrong_old_passwords_count_towards_the_lock_out(accounts):
    accounts.add("p", Role.PLANNER, "planner-pass")
    t0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
    for _ in range(3):
        with pytest.raises(AccountError):
            accounts.change_password("p", "guess", "another-pass", now=t0)
    with pytest.raises(AccountError) as err:  # locked now, even with the right old password
        accounts.change_password("p", "planner-pass", "another-pass", now=t0)
    assert err.value.code == "accounts.wrong_password"


def test_users_migrate_moves_accounts_to_postgresql_and_back_with_their_passwords(tmp_path, postgis_url):
    """`python -m risk users migrate`: accounts kept in RISK_ACCOUNTS_DB move into the PostgreSQL store's
    database (and back) as they are: every password still signs in, roles and disabled flags stay,
    nobody's password is reset. A destination with any account is refused and left as it was."""
    import json
    import subprocess
    import sys

    from risk.i18n import t

    def cli(*args):
        return subprocess.run([sys.executable, "-m", "risk", "users", "--json", "--lang", "en", "migrate", *args],
                              capture_output=True, text=True)

    sqlite = tmp_path / "accounts.sqlite"
    old = Accounts(sqlite)
    passwords = {name: old.add(name, role) for name, role in
                 (("admin.b", Role.ADMIN), ("chi.huy", Role.COMMANDER), ("officer.c", Role.OFFICIAL))}
    old.set_disabled("officer.c")
    moved = cli("--from", str(sqlite), "--to", postgis_url)
    assert moved.returncode == 0, moved.stderr
    assert json.loads(moved.stdout)["copied"] == 3
    new = Accounts(postgis_url)
    assert [(u.username, u.role, u.disabled) for u in new.list()] == [(u.username, u.role, u.disabled) for u in old.list()]
    assert new.sign_in("admin.b", passwords["admin.b"]).ok and new.sign_in("chi.huy", passwords["chi.huy"]).ok
    assert new.sign_in("officer.c", passwords["officer.c"]).reason == "disabled"

    again = cli("--from", str(sqlite), "--to", postgis_url)  # the destination has accounts now
    assert again.returncode == 2
    assert t("accounts.migrate_not_empty", "en", location=new.shown_location, n=3) in again.stderr
    assert len(new.list()) == 3

    back = tmp_path / "back.sqlite"
    assert cli("--from", postgis_url, "--to", str(back)).returncode == 0
    assert Accounts(back).sign_in("chi.huy", passwords["chi.huy"]).ok
    missing = cli("--from", str(tmp_path / "none.sqlite"), "--to", str(tmp_path / "x.sqlite"))
    assert missing.returncode == 2 and t("accounts.migrate_missing", "en", path=str(tmp_path / "none.sqlite")) in missing.stderr
    assert not (tmp_path / "x.sqlite").exists() and not (tmp_path / "none.sqlite").exists()
    for name, content in (("notes.sqlite", b"not a database at all"), ("other.sqlite", None)):
        wrong = tmp_path / name
        if content is None:  # an SQLite file of something else: no users table
            import sqlite3
            with sqlite3.connect(wrong) as con:
                con.execute("CREATE TABLE things (x)")
        else:
            wrong.write_bytes(content)
        before = wrong.read_bytes()
        refused = cli("--from", str(wrong), "--to", str(tmp_path / "y.sqlite"))
        assert refused.returncode == 2 and t("accounts.migrate_not_accounts", "en", path=str(wrong)) in refused.stderr
        assert wrong.read_bytes() == before and not (tmp_path / "y.sqlite").exists()
