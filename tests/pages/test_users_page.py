"""The admin page (pages/users.py) and My account (pages/account.py), per role."""
from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from risk.access.accounts import Accounts, open_accounts
from risk.access.privacy import Role
from risk.access.settings import PROJECT_ROOT, load_settings
from risk.i18n import t
from risk.store.versions import Store
from risk.views.audit import ACTION_KEYS
from tests.apptest_helpers import signed_in_session

APP = str(PROJECT_ROOT / "dashboard.py")


@pytest.fixture(autouse=True)
def no_demo(monkeypatch):
    monkeypatch.setenv("RISK_DEMO_MODE", "off")


@pytest.fixture
def accounts():
    return open_accounts(load_settings())


def as_user(role: Role, username: str, page: str, lang: str = "en") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    at.session_state["lang"] = lang
    at.session_state["auth"] = signed_in_session(role, username)
    at.run()
    at.switch_page(page)
    at.run()
    assert not at.exception, at.exception
    return at


def audit_rows(action: str):
    log = Store(load_settings().store_path).audit()
    return log[log["action"] == action]


@pytest.mark.parametrize("role", [Role.PLANNER, Role.COMMANDER, Role.OFFICIAL])
def test_only_admins_reach_the_users_page(role, accounts):
    accounts.add("victim", Role.PLANNER, "victim-password")
    at = AppTest.from_file(APP, default_timeout=180)
    at.session_state["lang"] = "en"
    at.session_state["auth"] = signed_in_session(role, f"user-{role.value}")
    at.run()
    try:
        at.switch_page("pages/users.py")  # not in this role's navigation...
    except ValueError:
        return
    at.run()  # ...or, when AppTest knows the path from another session, the page refuses to run
    assert not at.exception
    assert t("page.users", "en") not in [x.value for x in at.title]
    assert not at.dataframe and not [b for b in at.button if str(b.key).startswith("us_")]
    assert "victim" not in str([e.proto for e in at.main])


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_admin_sees_every_account_in_their_language(lang, accounts):
    accounts.add("planner1", Role.PLANNER, "planner-pass")
    at = as_user(Role.ADMIN, "boss", "pages/users.py", lang)
    assert at.title[0].value == t("page.users", lang)
    table = at.dataframe[0].value
    assert list(table.columns) == [t(k, lang) for k in ("us.col.user", "us.col.role", "us.col.status", "us.col.created")]
    row = table[table[t("us.col.user", lang)] == "planner1"].iloc[0]
    assert row[t("us.col.role", lang)] == t("role.planner", lang)
    assert row[t("us.col.status", lang)] == t("us.status.active", lang)
    assert "$argon2" not in str(table.to_dict())


def test_admin_adds_an_account_and_its_password_is_shown_once(accounts):
    at = as_user(Role.ADMIN, "boss", "pages/users.py")
    assert at.selectbox(key="us_add_role").value == Role.PLANNER  # not admin unless chosen
    at.text_input(key="us_add_name").input("newplanner")
    at.selectbox(key="us_add_role").set_value(Role.OFFICIAL)
    at.button(key="FormSubmitter:user_add-" + t("us.add_submit", "en")).click()
    at.run()
    assert not at.exception, at.exception
    password = at.code[0].value
    assert accounts.get("newplanner").role == Role.OFFICIAL and accounts.sign_in("newplanner", password).ok
    row = audit_rows("user_added").iloc[0]
    assert (row["user"], row["details"]) == ("boss", {"account": "newplanner", "role": "official"})
    assert password not in str(Store(load_settings().store_path).audit().to_dict())
    at.run()  # shown once: the next rerun no longer has it
    assert not at.code


def test_admin_assigns_a_role_disables_enables_and_resets(accounts):
    accounts.add("p1", Role.PLANNER, "planner-pass")
    at = as_user(Role.ADMIN, "boss", "pages/users.py")
    at.selectbox(key="us_target").set_value("p1")
    at.run()
    at.selectbox(key="us_role_p1").set_value(Role.COMMANDER)
    at.run()
    at.button(key="us_set_role").click()
    at.run()
    assert accounts.get("p1").role == Role.COMMANDER
    at.button(key="us_disable").click()
    at.run()
    assert accounts.get("p1").disabled
    at.button(key="us_enable").click()
    at.run()
    assert not accounts.get("p1").disabled
    at.button(key="us_reset").click()
    at.run()
    new_password = at.code[0].value
    assert accounts.sign_in("p1", new_password).ok and not accounts.sign_in("p1", "planner-pass").ok
    for action, details in (("user_role", {"account": "p1", "role": "commander", "previous": "planner"}),
                            ("user_disabled", {"account": "p1"}), ("user_enabled", {"account": "p1"}),
                            ("user_reset", {"account": "p1"})):
        rows = audit_rows(action)
        assert len(rows) == 1 and rows.iloc[0]["user"] == "boss" and rows.iloc[0]["details"] == details
        assert action in ACTION_KEYS  # named on the Audit page


def test_the_admin_cannot_lock_themselves_out(accounts):
    at = as_user(Role.ADMIN, "boss", "pages/users.py")  # the only admin
    at.selectbox(key="us_target").set_value("boss")
    at.run()
    assert at.button(key="us_disable").disabled and at.button(key="us_reset").disabled
    at.selectbox(key="us_role_boss").set_value(Role.PLANNER)
    at.run()
    at.button(key="us_set_role").click()
    at.run()
    assert at.error[0].value == t("accounts.not_yourself", "en")
    assert accounts.get("boss").role == Role.ADMIN and audit_rows("user_role").empty
    accounts.add("other", Role.ADMIN, "other-password")
    accounts.set_disabled("other")  # the last *active* admin is still boss
    with pytest.raises(Exception):
        accounts.set_role("boss", Role.PLANNER)


@pytest.mark.parametrize("role", list(Role))
def test_every_role_changes_its_own_password(role, accounts):
    at = as_user(role, f"user-{role.value}", "pages/account.py", "vi")
    assert at.title[0].value == t("page.account", "vi")
    accounts.reset(f"user-{role.value}", "old-password")  # a known old password (this ends the session...)
    at = as_user(role, f"user-{role.value}", "pages/account.py", "vi")  # ...so sign in again
    submit = "FormSubmitter:change_password-" + t("acc.submit", "vi")
    for old, new, again, error in (("wrong-password", "brand-new-pass", "brand-new-pass", "accounts.wrong_password"),
                                   ("old-password", "short", "short", "accounts.password_too_short"),
                                   ("old-password", "brand-new-pass", "different-pass", "acc.mismatch")):
        at.text_input(key="acc_old").input(old)
        at.text_input(key="acc_new").input(new)
        at.text_input(key="acc_again").input(again)
        at.button(key=submit).click()
        at.run()
        assert at.error[0].value.startswith(t(error, "vi", minimum=8)[:30])
    at.text_input(key="acc_old").input("old-password")
    at.text_input(key="acc_new").input("brand-new-pass")
    at.text_input(key="acc_again").input("brand-new-pass")
    at.button(key=submit).click()
    at.run()
    assert not at.exception, at.exception
    assert at.success[0].value == t("acc.changed", "vi")
    assert at.session_state["auth"].username == f"user-{role.value}"  # this tab stays signed in
    at.run()
    assert at.title[0].value == t("page.account", "vi")
    assert accounts.sign_in(f"user-{role.value}", "brand-new-pass").ok
    assert list(audit_rows("password_changed")["user"]) == [f"user-{role.value}"]
