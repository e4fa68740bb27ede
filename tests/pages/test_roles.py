"""Every page × every role, and the signed-out visitor: what must and must not be visible.

Case coordinates must never reach a planner's or official's session: neither
the session state nor the data sent to any map component.
"""
from __future__ import annotations


import pytest
from streamlit.testing.v1 import AppTest

from risk.i18n import t
from risk.ingest.folder import load_dataset
from risk.access.privacy import Role
from risk.access.settings import DEFAULT_DATA_DIR, PROJECT_ROOT
from tests.apptest_helpers import signed_in_session

APP = str(PROJECT_ROOT / "dashboard.py")
PAGES = {
    "risk_map": "pages/risk_map.py",
    "hotspots": "pages/hotspots.py",
    "priorities": "pages/priorities.py",
    "model": "pages/model.py",
    "data": "pages/data.py",
    "audit": "pages/audit.py",
    "users": "pages/users.py",
    "account": "pages/account.py",
}
ADMIN_ONLY = {"data", "audit", "users"}


def session_app(role: Role, lang: str = "en") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=300)
    at.session_state["lang"] = lang
    at.session_state["auth"] = signed_in_session(role, f"user-{role.value}")
    at.run()
    return at


def open_page(at: AppTest, page: str) -> AppTest:
    at.switch_page(PAGES[page])
    at.run()
    assert not at.exception, at.exception
    return at


def case_coordinates() -> list[str]:
    """Each case's lon,lat as the JSON a map would carry (several roundings)."""
    cases = load_dataset(DEFAULT_DATA_DIR).cases
    out = []
    for lon, lat in zip(cases["lon"], cases["lat"]):
        out.append(f"{lat}, {lon}")
        out.append(f"{lon}, {lat}")
        out.append(f"[{lat:.5f}, {lon:.5f}]")
    return out


def component_payloads(at: AppTest) -> str:
    return " ".join(e.proto.json_args for e in at.get("component_instance"))


def state_dump(at: AppTest) -> str:
    state = at.session_state._state  # the SafeSessionState behind AppTest's view
    return " ".join(repr(value) for value in state.filtered_state.values())


@pytest.fixture(autouse=True)
def no_demo(monkeypatch):
    monkeypatch.setenv("RISK_DEMO_MODE", "off")


@pytest.mark.parametrize("role", list(Role))
def test_each_role_sees_exactly_its_pages(role):
    at = session_app(role)
    for page, path in PAGES.items():
        if page in ADMIN_ONLY and role != Role.ADMIN:
            try:
                at.switch_page(path)  # not registered in this role's navigation...
            except ValueError:
                continue
            at.run()  # ...or, when AppTest still knows the path from another session, it must not run
            assert not at.exception
            assert t(f"page.{page}", "en") not in [x.value for x in at.title]
            assert not at.get("file_uploader") and not at.dataframe
            at = session_app(role)
            continue
        open_page(at, page)
        assert at.title[0].value == t(f"page.{page}", "en")


@pytest.mark.parametrize("role", [Role.PLANNER, Role.OFFICIAL])
@pytest.mark.parametrize("page", ["risk_map", "hotspots", "priorities", "model"])
def test_no_case_coordinates_reach_planners_or_officials(role, page):
    at = session_app(role)
    commune = load_dataset(DEFAULT_DATA_DIR).cases["commune_id"].value_counts().index[0]
    at.session_state["selected_commune"] = commune
    open_page(at, page)
    payload = component_payloads(at)
    dump = state_dump(at)
    for coord in case_coordinates():
        assert coord not in payload and coord not in dump, f"{coord} leaked on {page} for {role}"


def test_signed_out_visitor_gets_no_page():
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["lang"] = "vi"
    at.run()
    assert at.title[0].value == t("auth.title", "vi")
    assert not at.get("component_instance") and not at.dataframe


def test_admin_data_page_shows_upload_and_versions():
    at = open_page(session_app(Role.ADMIN), "data")
    headers = [h.value for h in at.header]
    assert t("dp.upload", "en") in headers and t("dp.versions", "en") in headers
    assert len(at.get("file_uploader")) == 8  # boundaries, indicators, cases, border, gates, patrols, crosswalk, dataset.json


def test_audit_page_lists_sign_ins_and_cannot_edit(monkeypatch, tmp_path):
    from risk.access.accounts import Accounts, open_accounts
    from risk.access.settings import load_settings

    open_accounts(load_settings()).add("boss", Role.ADMIN, "admin-password")
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["lang"] = "en"
    at.run()
    at.text_input(key="login_user").input("boss")
    at.text_input(key="login_password").input("wrong")
    at.button[0].click()
    at.run()
    at.text_input(key="login_password").input("admin-password")
    at.button[0].click()
    at.run()
    open_page(at, "audit")
    log = at.dataframe[0].value
    actions = log[t("ap.action", "en")].tolist()
    assert actions[:2] == [t("ap.act.sign_in", "en"), t("ap.act.sign_in_failed", "en")]  # newest first, named
    assert set(log[t("ap.user", "en")].tolist()[:2]) == {"boss"}
    assert not at.button and not at.text_area  # nothing to change the log with


def test_the_leak_check_finds_coordinates_where_they_are_allowed():
    """Control: on the hotspots page a commander's map carries the case points, and the check sees them."""
    at = open_page(session_app(Role.COMMANDER), "hotspots")
    payload = component_payloads(at)
    assert any(coord in payload for coord in case_coordinates())
