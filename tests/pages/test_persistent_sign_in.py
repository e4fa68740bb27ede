"""A sign-in that survives a reload (ui/auth.py with risk/access/sessions.py), in the app.

AppTest cannot send cookies, so the browser's part is played here: the page's one-time code is
traded for a token as the route would (ui/server.py, tested in tests/ui/test_server.py), and a
"reload" is a new AppTest whose cookie is that token (ui.auth.cookie_token)."""
from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

import ui.auth
from risk.access.accounts import Accounts, open_accounts
from risk.access.privacy import Role
from risk.access.settings import PROJECT_ROOT, load_settings
from risk.i18n import t
from risk.store.versions import Store
from ui import server

APP = str(PROJECT_ROOT / "dashboard.py")


@pytest.fixture
def accounts(monkeypatch):
    monkeypatch.setenv("RISK_DEMO_MODE", "off")
    acc = open_accounts(load_settings())
    acc.add("cmd1", Role.COMMANDER, "commander-pass")
    acc.add("boss", Role.ADMIN, "admin-password")
    return acc


def browser(monkeypatch, cookie: str | None = None, lang: str = "en") -> AppTest:
    """A new browser session (a reload), sending `cookie` as its session cookie."""
    monkeypatch.setattr(ui.auth, "cookie_token", lambda: cookie)
    at = AppTest.from_file(APP, default_timeout=180)
    at.session_state["lang"] = lang
    at.run()
    return at


def sign_in(at: AppTest, user: str, password: str) -> AppTest:
    at.text_input(key="login_user").input(user)
    at.text_input(key="login_password").input(password)
    at.button[0].click()
    at.run()
    # The sign-in form registers the pages (so a link's page survives the sign-in); AppTest then
    # runs the entry script of the next run under another script hash, so the sidebar's widget ids
    # change once. A browser keeps one hash (checked in tests/e2e/test_browser_session.py): settle.
    at.run()
    return at


def cookie_for(at: AppTest) -> str:
    """What the page's code buys at the route: the token of the cookie the browser keeps."""
    code = at.session_state["_auth_handoff"]
    token = server.tokens(load_settings()).redeem(code)
    assert token is not None
    return token


def html_of(at: AppTest) -> str:
    """Every st.html the run sent (main area and sidebar)."""
    return " ".join(e.proto.body for e in [*at.main, *at.sidebar] if type(e).__name__ == "Html")


def shows_sign_in(at: AppTest, notice_key: str | None = None) -> bool:
    assert not at.exception, at.exception
    if notice_key:
        assert t(notice_key, "en") in [i.value for i in at.info]
    return at.title[0].value == t("auth.title", "en") and "auth" not in at.session_state


def test_a_reload_resumes_the_sign_in_from_its_cookie(accounts, monkeypatch):
    first = sign_in(browser(monkeypatch), "cmd1", "commander-pass")
    assert first.title[0].value == t("page.risk_map", "en")
    code = first.session_state["_auth_handoff"]
    assert f'data-code="{code}"' in html_of(first)  # the page posts it to the route...
    assert code not in str(first.query_params)  # ...and never puts it in the URL
    token = cookie_for(first)
    reloaded = browser(monkeypatch, cookie=token)
    assert not reloaded.exception
    assert reloaded.title[0].value == t("page.risk_map", "en")
    session = reloaded.session_state["auth"]
    assert (session.username, session.role, session.demo) == ("cmd1", Role.COMMANDER, False)
    log = Store(load_settings().store_path).audit()
    resumed = log[log["action"] == "session_resumed"]
    assert list(resumed["user"]) == ["cmd1"] and token not in str(log["details"].tolist())


def test_in_demo_mode_a_reloading_commander_stays_a_commander(accounts, monkeypatch):
    monkeypatch.setenv("RISK_DEMO_MODE", "on")
    demo = browser(monkeypatch)
    assert demo.session_state["auth"].demo  # a visitor without a cookie gets the demo planner
    demo.sidebar.button(key="sign_out").click()
    demo.run()
    token = cookie_for(sign_in(demo, "cmd1", "commander-pass"))
    reloaded = browser(monkeypatch, cookie=token)
    session = reloaded.session_state["auth"]
    assert session.role == Role.COMMANDER and not session.demo
    assert t("auth.demo_banner", "en") not in [i.value for i in reloaded.info]


def test_in_demo_mode_a_dead_cookie_asks_for_sign_in_instead_of_a_silent_demo(accounts, monkeypatch):
    monkeypatch.setenv("RISK_DEMO_MODE", "on")
    at = browser(monkeypatch)
    at.sidebar.button(key="sign_out").click()
    at.run()
    token = cookie_for(sign_in(at, "cmd1", "commander-pass"))
    accounts.reset("cmd1")  # an admin resets the password: every token of the account dies
    reloaded = browser(monkeypatch, cookie=token)
    assert shows_sign_in(reloaded, "auth.cookie_ended")
    assert 'data-method="DELETE"' in html_of(reloaded)  # the page clears the dead cookie


def test_sign_out_ends_the_session_in_every_browser(accounts, monkeypatch):
    office = sign_in(browser(monkeypatch), "cmd1", "commander-pass")
    office_cookie = cookie_for(office)
    laptop = sign_in(browser(monkeypatch), "cmd1", "commander-pass")
    laptop_cookie = cookie_for(laptop)
    admin = sign_in(browser(monkeypatch), "boss", "admin-password")
    laptop.sidebar.button(key="sign_out").click()
    laptop.run()
    assert shows_sign_in(laptop)
    office.run()  # its next rerun
    assert shows_sign_in(office, "auth.session_ended")
    assert server.tokens(load_settings()).count("cmd1") == 0
    for cookie in (office_cookie, laptop_cookie):  # and neither cookie brings it back
        assert shows_sign_in(browser(monkeypatch, cookie=cookie), "auth.cookie_ended")
    admin.run()
    assert admin.session_state["auth"].username == "boss"  # another account is untouched
    log = Store(load_settings().store_path).audit()
    assert log[log["action"] == "sign_out"].iloc[0]["details"] == {"sessions_ended": 2}


@pytest.mark.parametrize("cookie", ["", "x" * 43, "<script>alert(1)</script>", "a" * 5000])
def test_a_forged_cookie_signs_nobody_in(accounts, monkeypatch, cookie):
    at = browser(monkeypatch, cookie=cookie)
    assert shows_sign_in(at)
