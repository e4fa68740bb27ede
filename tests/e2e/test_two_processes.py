"""Two app processes on two ports share one PostGIS store (issue 15): a version activated in one is
what the other shows after a rerun, the audit entries of both land in one log whose chain holds,
and a lock-out counted in one holds in the other. Real browsers, real mouse, real servers."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from risk.access.privacy import Role
from risk.i18n import t
from risk.ingest.upload import import_files
from risk.store import open_store
from tests.browser import browser_pages, chromium_available, streamlit_server, wait_for_paths, wait_for_text

pytestmark = pytest.mark.skipif(
    not chromium_available() and not os.environ.get("CI"),
    reason="Chromium is not installed (make test installs it); CI never skips this",
)
DEMO = Path(__file__).resolve().parents[2] / "data" / "demo"
ADMIN, PLANNER, OFFICIAL = "admin1", "planner1", "official1"
PASSWORDS = {ADMIN: "admin-password-1", PLANNER: "planner-password-1", OFFICIAL: "official-password-1"}


def _click(page, locator) -> None:
    locator.scroll_into_view_if_needed()
    box = locator.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


def _idle(page, quiet_ms: int = 1000, timeout_ms: int = 90000) -> None:
    """Until the app has not run for `quiet_ms` (a control used sooner can be redrawn under the mouse)."""
    quiet, waited = 0, 0
    while quiet < quiet_ms and waited < timeout_ms:
        state = page.locator('[data-testid="stApp"]').first.get_attribute("data-test-script-state")
        quiet = 0 if state in ("running", "rerunRequested") else quiet + 100
        page.wait_for_timeout(100)
        waited += 100


def _choose(page, label: str, option: str) -> None:
    """Pick `option` in the select box labelled `label` with the mouse, as a person would again if
    the list closed under a rerun."""
    for _ in range(3):
        _idle(page)
        _click(page, page.get_by_role("combobox", name=label, exact=True).last)
        try:
            item = page.get_by_role("option", name=option, exact=True)
            item.wait_for(timeout=10000)
            _click(page, item)
            return
        except Exception:  # the list was redrawn: open it again
            page.keyboard.press("Escape")
    raise AssertionError(f"could not choose {option!r} in {label!r}")


def _sign_in(page, base: str, user: str, password: str) -> None:
    page.goto(base, wait_until="domcontentloaded")
    page.get_by_label(t("auth.username", "vi")).fill(user)
    page.get_by_label(t("auth.password", "vi")).fill(password)
    _click(page, page.get_by_role("button", name=t("auth.submit", "vi")))


def _sidebar_names(page, name: str) -> bool:
    return page.locator('[data-testid="stSidebar"]').get_by_text(name, exact=False).count() > 0


@pytest.fixture
def shared(postgis_url, tmp_path):
    """One PostGIS store with two versions (the first active) and the accounts, as both processes see them."""
    from risk.access.accounts import open_accounts
    from risk.access.settings import load_settings

    store = open_store(postgis_url)
    import_files(store, DEMO, user="setup", label="current")
    import_files(store, DEMO / "pre2025", user="setup", label="pre-2025")
    store.activate(1, "setup")
    env = {"RISK_STORE": postgis_url, "RISK_DEMO_MODE": "off", "RISK_DATA_DIR": str(DEMO),
           "RISK_ACCOUNTS_DB": str(tmp_path / "unused-accounts.sqlite")}
    accounts = open_accounts(load_settings(env))  # the store's database: what both processes read
    assert not (tmp_path / "unused-accounts.sqlite").exists()
    for user, role in ((ADMIN, Role.ADMIN), (PLANNER, Role.PLANNER), (OFFICIAL, Role.OFFICIAL)):
        accounts.add(user, role, PASSWORDS[user])
    return env, store, accounts


def test_two_processes_share_versions_audit_and_lock_outs(shared):
    env, store, accounts = shared
    first_name = store.load(1).name
    second_name = store.load(2).name
    with streamlit_server(env) as a, streamlit_server(env) as b:
        assert a != b
        with browser_pages([a, b]) as [(admin, blocked_a), (planner, blocked_b)]:
            _sign_in(planner, b, PLANNER, PASSWORDS[PLANNER])
            assert wait_for_paths(planner, 130, 120000) >= 130
            assert _sidebar_names(planner, first_name)

            # The admin, on the other process, makes version 2 the one in use.
            _sign_in(admin, a, ADMIN, PASSWORDS[ADMIN])
            assert wait_for_paths(admin, 130, 120000) >= 130
            _click(admin, admin.locator('[data-testid="stSidebar"] a[data-testid="stPageLink-NavLink"]',
                                        has_text=t("page.data", "vi")))
            assert wait_for_text(admin, t("dp.versions", "vi"), 60000)
            _choose(admin, t("dp.version", "vi"), "2")
            _idle(admin)
            _click(admin, admin.get_by_role("button", name=t("dp.activate", "vi")))
            assert wait_for_text(admin, t("dp.activated", "vi", version=2), 60000)

            # The planner's process shows it after a rerun (here: another year chosen).
            _choose(planner, t("map.year", "vi"), str(min(store.load(1).years)))
            deadline_ok = False
            for _ in range(150):
                if _sidebar_names(planner, second_name):
                    deadline_ok = True
                    break
                planner.wait_for_timeout(200)
            assert deadline_ok, "the other process still shows the version that was in use before"
            assert blocked_a == [] and blocked_b == []

        # A lock-out counted on one process holds on the other.
        with browser_pages([a, b]) as [(page_a, _), (page_b, _)]:
            for _ in range(5):
                _sign_in(page_a, a, OFFICIAL, "wrong-password")
                assert wait_for_text(page_a, t("auth.invalid", "vi"), 60000)
            _sign_in(page_b, b, OFFICIAL, PASSWORDS[OFFICIAL])
            assert wait_for_text(page_b, t("auth.invalid", "vi"), 60000)
            page_b.wait_for_timeout(1000)
            assert page_b.get_by_label(t("auth.password", "vi")).count() == 1  # still at the sign-in form
            # Refused because of A's lock-out (B signed the planner in above): the shared account is locked.
            assert accounts.get(OFFICIAL).locked_until is not None

    # Both processes wrote to one log, and its chain holds.
    entries = store.audit()
    signed_in = set(entries.loc[entries["action"] == "sign_in", "user"])
    assert {ADMIN, PLANNER} <= signed_in
    assert (entries["action"] == "activate").any()
    assert (entries.loc[entries["action"] == "sign_in_failed", "user"] == OFFICIAL).sum() >= 1
    assert store.verify_audit().ok
