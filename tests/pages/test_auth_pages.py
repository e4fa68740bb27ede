"""Sign-in in the app: nothing before signing in, lock-out, sign-out, demo mode."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from streamlit.testing.v1 import AppTest

import risk.access.throttle
import ui.auth
from risk.access.accounts import open_accounts
from risk.i18n import t
from risk.access.privacy import Role
from risk.access.settings import DEFAULT_DATA_DIR, PROJECT_ROOT, load_settings
from risk.store.versions import Store
from risk.ingest.upload import import_files

APP = str(PROJECT_ROOT / "dashboard.py")


@pytest.fixture
def accounts(monkeypatch):
    monkeypatch.setenv("RISK_DEMO_MODE", "off")
    monkeypatch.setenv("RISK_MAX_FAILURES", "3")
    conf = load_settings()
    acc = open_accounts(conf)
    acc.add("planner1", Role.PLANNER, "planner-pass")
    acc.add("cmd1", Role.COMMANDER, "commander-pass")
    return acc


def app(lang: str = "en") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    at.session_state["lang"] = lang
    at.run()
    return at


def sign_in(at: AppTest, user: str, password: str) -> AppTest:
    at.text_input(key="login_user").input(user)
    at.text_input(key="login_password").input(password)
    at.button[0].click()  # the form's submit button
    at.run()
    return at


def test_signed_out_visitor_sees_only_the_sign_in_form(accounts):
    at = app()
    assert not at.exception
    assert at.title[0].value == t("auth.title", "en")
    assert not [e for e in at.main if getattr(e, "type", None) == "component_instance"]
    assert not at.dataframe
    assert "map_indicator" not in [s.key for s in at.selectbox]
    assert not any(w.value == t("app.demo_notice", "en") for w in at.warning)


def test_wrong_password_is_refused_and_repeated_failures_lock(accounts):
    at = app()
    sign_in(at, "planner1", "wrong")
    assert at.error[0].value == t("auth.invalid", "en")
    sign_in(at, "planner1", "wrong")
    sign_in(at, "planner1", "wrong")
    assert accounts.get("planner1").locked_until is not None
    assert at.error[0].value == t("auth.invalid", "en")  # the page does not say "locked"
    sign_in(at, "planner1", "planner-pass")  # right password, still locked
    assert at.error[0].value == t("auth.invalid", "en")
    assert at.title[0].value == t("auth.title", "en")
    assert "auth" not in at.session_state


def test_sign_in_opens_the_map_and_sign_out_closes_it(accounts):
    at = app()
    sign_in(at, "planner1", "planner-pass")
    assert not at.exception
    assert at.title[0].value == t("page.risk_map", "en")
    assert t("auth.signed_in_as", "en", user="planner1", role=t("role.planner", "en")) in [c.value for c in at.sidebar.caption]
    at.run()  # AppTest runs the entry script under another script hash in the run right after a sign-in
    at.sidebar.button(key="sign_out").click()
    at.run()
    assert at.title[0].value == t("auth.title", "en")


def test_demo_mode_signs_in_a_read_only_planner_and_says_so(monkeypatch):
    monkeypatch.setenv("RISK_DEMO_MODE", "auto")  # on for the embedded demo data
    at = app("vi")
    assert not at.exception
    assert t("auth.demo_banner", "vi") in [i.value for i in at.info]
    assert at.session_state["auth"].role == Role.PLANNER and at.session_state["auth"].demo


def test_demo_mode_is_off_by_default_for_other_data(tmp_path, monkeypatch):
    import shutil

    from risk.access.settings import DEFAULT_DATA_DIR

    folder = tmp_path / "real"
    shutil.copytree(DEFAULT_DATA_DIR, folder)
    monkeypatch.setenv("RISK_DATA_DIR", str(folder))
    at = app()
    assert at.title[0].value == t("auth.title", "en")
    assert not [b for b in at.button if b.key == "demo_sign_in"]


# --- sessions end when their right ends ---------------------------------------------------------


def page_shows_sign_in_with(at: AppTest, notice_key: str, **params) -> None:
    assert not at.exception, at.exception
    assert at.title[0].value == t("auth.title", "en")
    assert t(notice_key, "en", **params) in [i.value for i in at.info]
    assert "auth" not in at.session_state
    assert not [e for e in at.main if getattr(e, "type", None) == "component_instance"]


@pytest.mark.parametrize("change", ["disable", "reset", "delete"])
def test_disabling_resetting_or_deleting_an_account_ends_its_open_session(accounts, change):
    at = sign_in(app(), "planner1", "planner-pass")
    assert at.title[0].value == t("page.risk_map", "en")
    {"disable": lambda: accounts.set_disabled("planner1"),
     "reset": lambda: accounts.reset("planner1"),
     "delete": lambda: accounts.delete("planner1")}[change]()
    at.run()
    page_shows_sign_in_with(at, "auth.session_ended")


def test_an_unchanged_account_keeps_its_session_and_another_account_changing_does_not_matter(accounts):
    at = sign_in(app(), "planner1", "planner-pass")
    accounts.reset("cmd1")
    accounts.set_disabled("cmd1")
    at.run()
    assert at.title[0].value == t("page.risk_map", "en") and at.session_state["auth"].username == "planner1"


def test_a_session_not_made_by_sign_in_is_refused(accounts):
    """A Session without its account record (or for a user who does not exist) opens nothing."""
    at = AppTest.from_file(APP, default_timeout=180)
    at.session_state["lang"] = "en"
    at.session_state["auth"] = ui.auth.Session("planner1", Role.PLANNER, False, datetime.now(timezone.utc))
    at.run()
    page_shows_sign_in_with(at, "auth.session_ended")


def test_a_demo_session_ends_when_real_data_is_imported(monkeypatch):
    monkeypatch.setenv("RISK_DEMO_MODE", "auto")
    at = app()
    assert at.session_state["auth"].demo and at.title[0].value == t("page.risk_map", "en")
    conf = load_settings()
    import_files(Store(conf.store_path), DEFAULT_DATA_DIR, user="boss", label="real")  # demo no longer allowed
    at.run()
    page_shows_sign_in_with(at, "auth.demo_ended")
    assert not [b for b in at.button if b.key == "demo_sign_in"]


def test_a_demo_session_expires_when_idle_like_any_other(monkeypatch):
    monkeypatch.setenv("RISK_DEMO_MODE", "auto")
    monkeypatch.setenv("RISK_SESSION_MINUTES", "30")
    at = app()
    assert at.session_state["auth"].demo
    at.session_state["_auth_last_seen"] = datetime.now(timezone.utc) - timedelta(minutes=31)
    at.run()
    page_shows_sign_in_with(at, "auth.expired", minutes=30)
    at.button(key="demo_sign_in").click()  # the visitor may look again, on purpose
    at.run()
    assert at.session_state["auth"].demo


# --- bounded anonymous use ----------------------------------------------------------------------


def audit_rows(action: str | None = None):
    log = Store(load_settings().store_path).audit()
    log = log.iloc[::-1]  # oldest first
    return [row for _, row in log.iterrows() if action is None or row["action"] == action]


@pytest.fixture
def address(monkeypatch):
    """The client address the app sees (None: as on localhost); set ["value"] to change it."""
    holder = {"value": None}
    monkeypatch.setattr(ui.auth, "client_address", lambda: holder["value"])
    return holder


@pytest.fixture
def clock(monkeypatch):
    """Time as the throttle and the audit gates see it."""
    holder = {"now": 10_000.0}
    monkeypatch.setattr(risk.access.throttle, "_monotonic", lambda: holder["now"])
    return holder


def count_verifies(monkeypatch) -> list:
    from argon2 import PasswordHasher

    calls: list = []
    real = PasswordHasher.verify

    def counting(self, hash_, password):
        calls.append(1)
        return real(self, hash_, password)

    monkeypatch.setattr(PasswordHasher, "verify", counting)
    return calls


def page_text(at: AppTest) -> list[str]:
    """Everything the sign-in page says, in order (titles, captions, notices, errors)."""
    return [e.value for e in [*at.title, *at.caption, *at.info, *at.warning, *at.error, *at.success]]


def test_unknown_locked_disabled_and_wrong_password_look_and_cost_the_same(accounts, monkeypatch):
    accounts.add("locked1", Role.PLANNER, "locked-pass")
    accounts.add("off1", Role.PLANNER, "disabled-pass")
    accounts.set_disabled("off1")
    for _ in range(3):
        accounts.sign_in("locked1", "wrong")
    calls = count_verifies(monkeypatch)
    outputs, verifies = {}, {}
    for case, (user, password) in {
        "unknown user": ("ghost", "whatever-1"),
        "wrong password": ("planner1", "whatever-1"),
        "locked, wrong password": ("locked1", "whatever-1"),
        "locked, right password": ("locked1", "locked-pass"),
        "disabled, wrong password": ("off1", "whatever-1"),
        "disabled, right password": ("off1", "disabled-pass"),
    }.items():
        at = app()
        calls.clear()
        sign_in(at, user, password)
        assert not at.exception
        outputs[case], verifies[case] = page_text(at), len(calls)
    first = next(iter(outputs.values()))
    assert t("auth.invalid", "en") in first
    assert all(out == first for out in outputs.values()), outputs
    assert set(verifies.values()) == {1}, verifies
    calls.clear()
    sign_in(app(), "planner1", "planner-pass")  # control: the right password costs the same
    assert len(calls) == 1


def test_too_many_attempts_from_one_client_are_refused_without_checking_a_password(
        accounts, monkeypatch, address, clock):
    monkeypatch.setenv("RISK_SIGN_IN_PER_MINUTE", "3")
    address["value"] = "198.51.100.7"
    calls = count_verifies(monkeypatch)
    at = app()
    for _ in range(3):
        sign_in(at, "ghost", "whatever-1")
        assert at.error[0].value == t("auth.invalid", "en")
    assert len(calls) == 3
    clock["now"] += 20
    sign_in(at, "planner1", "planner-pass")  # even the right password waits
    assert len(calls) == 3 and "auth" not in at.session_state
    assert at.error[0].value == t("auth.throttled", "en", seconds=40)
    other = app()  # a new browser session from the same address is counted with it
    sign_in(other, "planner1", "planner-pass")
    assert len(calls) == 3 and other.error[0].value == t("auth.throttled", "en", seconds=40)
    address["value"] = "10.0.0.5"  # another address is not affected
    elsewhere = sign_in(app(), "planner1", "planner-pass")
    assert elsewhere.title[0].value == t("page.risk_map", "en")
    address["value"] = "198.51.100.7"
    clock["now"] += 41  # the window has moved on
    sign_in(at, "planner1", "planner-pass")
    assert at.title[0].value == t("page.risk_map", "en")


def test_without_an_address_each_browser_session_is_throttled(accounts, monkeypatch, address, clock):
    monkeypatch.setenv("RISK_SIGN_IN_PER_MINUTE", "2")
    calls = count_verifies(monkeypatch)
    at = app()
    for _ in range(3):
        sign_in(at, "ghost", "whatever-1")
    assert len(calls) == 2 and at.error[0].value == t("auth.throttled", "en", seconds=60)
    sign_in(app(), "ghost", "whatever-1")  # another browser session has its own count
    assert len(calls) == 3


def test_one_client_cannot_keep_the_admin_locked_for_everyone(accounts, address):
    accounts.add("boss", Role.ADMIN, "admin-password")
    address["value"] = "203.0.113.9"
    attacker = app()
    for _ in range(3):
        sign_in(attacker, "boss", "guess-1234")
    sign_in(attacker, "boss", "admin-password")
    assert "auth" not in attacker.session_state  # locked out, for that address
    address["value"] = "10.0.0.5"
    admin = sign_in(app(), "boss", "admin-password")
    assert admin.title[0].value == t("page.risk_map", "en")


def test_huge_user_names_are_cut_before_they_are_audited(accounts):
    at = app()
    at.text_input(key="login_user").set_value("x" * (1 << 20))  # what a crafted client could send
    at.text_input(key="login_password").input("whatever-1")
    at.button[0].click()
    at.run()
    assert not at.exception and at.error[0].value == t("auth.invalid", "en")
    rows = audit_rows("sign_in_failed")
    assert len(rows) == 1 and 0 < len(rows[0]["user"]) <= 64


def test_failed_sign_in_audit_rows_are_bounded_and_nothing_is_silently_lost(accounts, address, clock, monkeypatch):
    monkeypatch.setenv("RISK_SIGN_IN_PER_MINUTE", "100")
    address["value"] = "198.51.100.7"
    at = app()
    limit = ui.auth.FAILED_AUDIT_PER_MINUTE
    for _ in range(limit + 3):
        sign_in(at, "ghost", "whatever-1")
    rows = audit_rows("sign_in_failed")
    assert len(rows) == limit and all("suppressed" not in r["details"] for r in rows)
    clock["now"] += 61
    sign_in(at, "ghost", "whatever-1")
    rows = audit_rows("sign_in_failed")
    assert len(rows) == limit + 1 and rows[-1]["details"]["suppressed"] == 3
    assert rows[-1]["user"] == "ghost" and rows[-1]["details"]["reason"] == "invalid"


def test_a_demo_visit_is_audited_once_per_browser_session_and_bounded_per_client(monkeypatch, address, clock):
    monkeypatch.setenv("RISK_DEMO_MODE", "auto")
    at = app()
    for _ in range(3):
        at.run()
    at.sidebar.button(key="sign_out").click()  # leave demo mode, then come back to it
    at.run()
    at.button(key="demo_sign_in").click()
    at.run()
    assert at.session_state["auth"].demo
    assert len(audit_rows("sign_in_demo")) == 1
    app()  # a second browser session within the minute: counted, not written
    assert len(audit_rows("sign_in_demo")) == 1
    clock["now"] += 61
    app()
    rows = audit_rows("sign_in_demo")
    assert len(rows) == 2 and rows[-1]["details"] == {"suppressed": 1}


def test_with_a_postgresql_store_sign_in_lock_out_and_throttle_live_in_its_database(
        postgis_url, monkeypatch, address):
    """Accounts made in the store's database sign in on the page; the page's lock-out is seen by
    another Accounts object (another process) and its throttle by another limiter on the database."""
    from risk.access.database import accounts_database
    from risk.access.throttle import SharedWindowLimiter

    monkeypatch.setenv("RISK_STORE", postgis_url)
    monkeypatch.setenv("RISK_DEMO_MODE", "off")
    monkeypatch.setenv("RISK_MAX_FAILURES", "3")
    monkeypatch.setenv("RISK_SIGN_IN_PER_MINUTE", "4")
    accounts = open_accounts(load_settings())
    accounts.add("planner1", Role.PLANNER, "planner-pass")
    address["value"] = "198.51.100.7"
    at = app()
    for _ in range(3):
        sign_in(at, "planner1", "wrong")
        assert at.error[0].value == t("auth.invalid", "en")
    assert open_accounts(load_settings()).get("planner1").locked_until is not None  # another process sees it
    sign_in(at, "planner1", "planner-pass")  # the fourth attempt this minute: locked, not yet throttled
    assert at.error[0].value == t("auth.invalid", "en") and "auth" not in at.session_state
    sign_in(at, "planner1", "planner-pass")  # the fifth: throttled before any password is checked
    assert at.error[0].value in {t("auth.throttled", "en", seconds=s) for s in range(1, 61)}
    other_process = SharedWindowLimiter(accounts_database(postgis_url), "sign-in", 4, 60)
    assert not other_process.hit("198.51.100.7").allowed
    address["value"] = "10.0.0.5"  # another address: its own lock-out bucket and window
    elsewhere = sign_in(app(), "planner1", "planner-pass")
    assert elsewhere.title[0].value == t("page.risk_map", "en")


def test_accounts_in_a_postgresql_database_that_cannot_be_reached_are_named_not_a_traceback(monkeypatch):
    import socket

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("RISK_STORE", f"postgresql://app:secret-pw@127.0.0.1:{port}/risk")
    monkeypatch.setenv("RISK_DEMO_MODE", "off")
    at = sign_in(app(), "admin", "whatever-1")
    assert not at.exception and "auth" not in at.session_state
    message = at.error[0].value
    assert f"127.0.0.1:{port}/risk" in message and "secret-pw" not in message
