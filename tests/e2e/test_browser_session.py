"""Real browser, real mouse and keyboard at 1366x768: a reload keeps the sign-in, a copied link
reopens the same view in a fresh browser after its own sign-in, and signing out ends it everywhere.

Demo mode is off, so every browser meets the sign-in form; the server runs as `streamlit run
dashboard.py` does (its st.App adds the session-cookie route, ui/server.py).
"""
from __future__ import annotations

import os
import re
from contextlib import contextmanager
from urllib.parse import parse_qs, urlsplit

import pytest

from risk.access.accounts import Accounts
from risk.access.privacy import Role
from risk.access.sessions import COOKIE_NAME
from risk.access.settings import DEFAULT_DATA_DIR, PROJECT_ROOT
from risk.contracts.indicators import indicator_for
from risk.i18n import t
from tests.browser import CHROMIUM, CHROMIUM_FLAGS, chromium_available, map_frame, streamlit_server, wait_for_paths

pytestmark = pytest.mark.skipif(
    not chromium_available() and not os.environ.get("CI"),
    reason="Chromium is not installed (make test installs it); CI never skips this",
)
ARTIFACTS = PROJECT_ROOT / "tests" / "artifacts"
VIEWPORT = {"width": 1366, "height": 768}
USER, PASSWORD = "cmd1", "commander-pass-1"
N_COMMUNES = 130


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    ARTIFACTS.mkdir(exist_ok=True)
    folder = tmp_path_factory.mktemp("session")
    env = {"RISK_DATA_DIR": str(DEFAULT_DATA_DIR), "RISK_DEMO_MODE": "off",
           "RISK_STORE": str(folder / "store.gpkg"), "RISK_ACCOUNTS_DB": str(folder / "accounts.sqlite")}
    Accounts(folder / "accounts.sqlite").add(USER, Role.COMMANDER, PASSWORD)
    with streamlit_server(env) as url:
        yield url


@contextmanager
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


def new_page(browser, base: str, blocked: list[str], viewport: dict | None = None):
    """A fresh browser context (no cookies), allowed to use the clipboard, offline but for our server."""
    context = browser.new_context(viewport=viewport or VIEWPORT)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base)

    def guard(route, request):
        if request.url.startswith(base) or request.url.startswith(("data:", "blob:", "about:")):
            route.continue_()
        else:
            blocked.append(request.url)
            route.abort()

    context.route("**/*", guard)
    return context, context.new_page()


def wait_until(page, check, timeout_ms: int = 60000) -> bool:
    waited = 0
    while waited < timeout_ms:
        if check():
            return True
        page.wait_for_timeout(250)
        waited += 250
    return False


def click(page, locator) -> None:
    """A real mouse click in the middle of the element (scrolled into view first, as a person would)."""
    locator.scroll_into_view_if_needed()
    box = locator.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


def sign_in(page) -> None:
    assert wait_until(page, lambda: page.get_by_text(t("auth.intro", "vi")).count() > 0)
    click(page, page.get_by_label(t("auth.username", "vi")))
    page.keyboard.type(USER)
    click(page, page.get_by_label(t("auth.password", "vi")))
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    assert wait_until(page, lambda: page.get_by_text(t("auth.signed_in_as", "vi", user=USER,
                                                       role=t("role.commander", "vi"))).count() > 0)


def choose(page, label: str, option: str) -> None:
    """Open the select box labelled `label` and pick `option`, with the mouse."""
    click(page, page.get_by_role("combobox", name=label, exact=True))
    click(page, page.get_by_role("option", name=option, exact=True))


def query(page) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(urlsplit(page.url).query).items()}


def click_a_commune(page) -> str:
    """Scroll the whole map into view and click one polygon with the mouse; the id the URL then holds."""
    frame_box = page.locator('iframe[title="streamlit_folium.st_folium"]').first
    frame_box.scroll_into_view_if_needed()
    page.mouse.wheel(0, 200)
    page.wait_for_timeout(500)
    polygons = map_frame(page).locator("path.leaflet-interactive")
    for index in (N_COMMUNES // 2, N_COMMUNES // 3, 10):
        box = polygons.nth(index).bounding_box()
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        if wait_until(page, lambda: "commune" in query(page), 20000):
            return query(page)["commune"]
    raise AssertionError("no click on the map opened a commune")


def copy_link(page) -> str:
    click(page, page.locator("button.risk-copy-link"))
    assert wait_until(page, lambda: page.locator("button.risk-copy-link", has_text=t("link.copied", "vi")).count() > 0,
                      5000)
    return page.evaluate("navigator.clipboard.readText()")


@pytest.mark.parametrize("viewport", [VIEWPORT, {"width": 1500, "height": 1000}], ids=["1366x768", "1500x1000"])
def test_a_reload_keeps_the_sign_in_and_a_copied_link_reopens_the_view(server, viewport):
    blocked: list[str] = []
    poverty = indicator_for("poverty_rate").label("vi")
    with chromium() as browser:
        context, page = new_page(browser, server, blocked, viewport)
        page.goto(server, wait_until="domcontentloaded")
        sign_in(page)
        assert wait_for_paths(page, N_COMMUNES) >= N_COMMUNES
        cookie = next(c for c in context.cookies() if c["name"] == COOKIE_NAME)
        assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
        assert COOKIE_NAME not in page.evaluate("document.cookie")  # no page script can read it
        assert cookie["value"] not in page.url

        page.reload(wait_until="domcontentloaded")  # still signed in, no form
        assert wait_for_paths(page, N_COMMUNES) >= N_COMMUNES
        assert page.get_by_text(t("auth.signed_in_as", "vi", user=USER, role=t("role.commander", "vi"))).count()
        assert page.get_by_label(t("auth.password", "vi")).count() == 0

        choose(page, t("map.indicator", "vi"), poverty)
        assert wait_until(page, lambda: query(page).get("ind") == "poverty_rate")
        choose(page, t("map.year", "vi"), "2022")
        assert wait_until(page, lambda: query(page).get("year") == "2022")
        assert wait_for_paths(page, N_COMMUNES) >= N_COMMUNES
        commune = click_a_commune(page)
        assert wait_until(page, lambda: page.get_by_text(t("map.selected", "vi"), exact=False).count() > 0)
        panel_title = page.locator("h3", has_text=t("map.selected", "vi")).first.inner_text()
        page.screenshot(path=str(ARTIFACTS / "session-view.png"))
        link = copy_link(page)
        assert link == page.url and cookie["value"] not in link
        assert {k: query(page)[k] for k in ("year", "ind", "commune")} == {"year": "2022", "ind": "poverty_rate",
                                                                         "commune": commune}

        other, fresh = new_page(browser, server, blocked, viewport)  # someone else's browser: no cookie
        fresh.goto(link, wait_until="domcontentloaded")
        sign_in(fresh)
        assert wait_for_paths(fresh, N_COMMUNES) >= N_COMMUNES
        assert wait_until(fresh, lambda: fresh.locator("h3", has_text=t("map.selected", "vi")).count() > 0)
        assert fresh.locator("h3", has_text=t("map.selected", "vi")).first.inner_text() == panel_title
        assert fresh.get_by_role("combobox", name=t("map.year", "vi"), exact=True).input_value() == "2022"
        assert fresh.get_by_role("combobox", name=t("map.indicator", "vi"), exact=True).input_value() == poverty
        assert urlsplit(fresh.url).path == urlsplit(link).path
        fresh.screenshot(path=str(ARTIFACTS / "session-link-reopened.png"))

        # Every page has the button, and its link names that page.
        for name in (t("page.priorities", "vi"), t("page.hotspots", "vi"), t("page.model", "vi"), t("page.account", "vi")):
            click(fresh, fresh.locator('[data-testid="stSidebar"] a[data-testid="stPageLink-NavLink"]', has_text=name))
            assert wait_until(fresh, lambda: fresh.locator("h1", has_text=name).count() > 0)
            assert wait_until(fresh, lambda: fresh.locator("button.risk-copy-link").count() == 1)
            assert re.search(r"/(priorities|hotspots|model|account)$", urlsplit(fresh.url).path)

        # A page other than the first: the year chosen on the map is the priorities' year too, and
        # a link to it opens that page after the sign-in (the sign-in form keeps the page asked for).
        click(page, page.locator('[data-testid="stSidebar"] a[data-testid="stPageLink-NavLink"]', has_text=t("page.priorities", "vi")))
        assert wait_until(page, lambda: page.locator("h1", has_text=t("page.priorities", "vi")).count() > 0)
        assert wait_until(page, lambda: page.get_by_role("combobox", name=t("map.year", "vi"), exact=True)
                          .input_value() == "2022")
        assert wait_until(page, lambda: urlsplit(page.url).path == "/priorities" and query(page).get("year") == "2022")
        priorities_link = copy_link(page)
        third, other_page = new_page(browser, server, blocked, viewport)
        other_page.goto(priorities_link, wait_until="domcontentloaded")
        sign_in(other_page)
        assert wait_until(other_page, lambda: other_page.locator("h1", has_text=t("page.priorities", "vi")).count() > 0)
        assert urlsplit(other_page.url).path == "/priorities"
        assert other_page.get_by_role("combobox", name=t("map.year", "vi"), exact=True).input_value() == "2022"
        other_page.screenshot(path=str(ARTIFACTS / "session-priorities-link-reopened.png"))

        # Signing out (one click, right away) ends the session in every browser of the account.
        click(other_page, other_page.get_by_role("button", name=t("auth.sign_out", "vi")))
        assert wait_until(other_page, lambda: other_page.get_by_label(t("auth.password", "vi")).count() > 0, 10000)
        page.reload(wait_until="domcontentloaded")
        assert wait_until(page, lambda: page.get_by_text(t("auth.cookie_ended", "vi")).count() > 0)
        click(fresh, fresh.locator('[data-testid="stSidebar"] a[data-testid="stPageLink-NavLink"]', has_text=t("page.model", "vi")))
        assert wait_until(fresh, lambda: fresh.get_by_label(t("auth.password", "vi")).count() > 0)
        third.close()
        other.close()
        context.close()
    assert blocked == [], blocked[:5]
