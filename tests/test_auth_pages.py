"""Sign-in in the app: nothing before signing in, lock-out, sign-out, demo mode."""
from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from risk.accounts import Accounts
from risk.i18n import t
from risk.privacy import Role
from risk.settings import PROJECT_ROOT, load_settings

APP = str(PROJECT_ROOT / "dashboard.py")


@pytest.fixture
def accounts(monkeypatch):
    monkeypatch.setenv("RISK_DEMO_MODE", "off")
    monkeypatch.setenv("RISK_MAX_FAILURES", "3")
    conf = load_settings()
    acc = Accounts(conf.accounts_db, max_failures=3)
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
    assert "locked" in at.error[0].value
    sign_in(at, "planner1", "planner-pass")  # right password, still locked
    assert "locked" in at.error[0].value
    assert at.title[0].value == t("auth.title", "en")


def test_sign_in_opens_the_map_and_sign_out_closes_it(accounts):
    at = app()
    sign_in(at, "planner1", "planner-pass")
    assert not at.exception
    assert at.title[0].value == t("page.risk_map", "en")
    assert t("auth.signed_in_as", "en", user="planner1", role=t("role.planner", "en")) in [c.value for c in at.sidebar.caption]
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

    from risk.settings import DEFAULT_DATA_DIR

    folder = tmp_path / "real"
    shutil.copytree(DEFAULT_DATA_DIR, folder)
    monkeypatch.setenv("RISK_DATA_DIR", str(folder))
    at = app()
    assert at.title[0].value == t("auth.title", "en")
    assert not [b for b in at.button if b.key == "demo_sign_in"]
