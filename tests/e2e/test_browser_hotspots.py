"""Real browser: a commander signs in and the hotspots page draws the classes and the
case clusters with no internet (every non-local request blocked and recorded)."""
from __future__ import annotations

import os

import pytest

from risk.access.accounts import Accounts
from risk.analysis.hotspots import CLASS_COLOURS
from risk.ingest.folder import load_dataset
from risk.access.privacy import Role
from risk.access.settings import DEFAULT_DATA_DIR, PROJECT_ROOT
from tests.browser import (
    browser_page, chromium_available, count_in_map, map_frame, streamlit_server, wait_for_paths, wait_for_text,
)

pytestmark = pytest.mark.skipif(
    not chromium_available() and not os.environ.get("CI"),
    reason="Chromium is not installed (make test installs it); CI never skips this",
)
ARTIFACTS = PROJECT_ROOT / "tests" / "artifacts"
USER, PASSWORD = "chi.huy", "commander-pass-1"


def server_env(var) -> dict[str, str]:
    """A signed-in-only server (no demo mode) with one commander account, in a temp folder."""
    accounts_db = var / "accounts.sqlite"
    Accounts(accounts_db).add(USER, Role.COMMANDER, PASSWORD)
    return {"RISK_DATA_DIR": str(DEFAULT_DATA_DIR), "RISK_DEMO_MODE": "off",
            "RISK_ACCOUNTS_DB": str(accounts_db), "RISK_STORE": str(var / "store.gpkg")}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    ARTIFACTS.mkdir(exist_ok=True)
    with streamlit_server(server_env(tmp_path_factory.mktemp("hotspots-server"))) as url:
        yield url


@pytest.fixture
def fresh_server(tmp_path):
    with streamlit_server(server_env(tmp_path)) as url:
        yield url


def wait_for_count(page, selector: str, minimum: int, timeout_ms: int = 60000) -> int:
    return wait_for_paths(page, minimum, timeout_ms, selector=selector)


def sign_in(page) -> None:
    page.get_by_label("Tên đăng nhập").fill(USER)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()


def test_a_fresh_servers_first_request_for_any_page_still_asks_to_sign_in(fresh_server):
    """With a pages/ folder, Streamlit runs a page file alone (without dashboard.py and its
    sign-in) until st.navigation has run once in the process; every page checks the sign-in itself."""
    for path in ("hotspots", "risk_map", "model", "data", "audit"):
        with browser_page(fresh_server) as (page, blocked):
            page.goto(f"{fresh_server}/{path}", wait_until="domcontentloaded")
            page.get_by_label("Mật khẩu").wait_for(timeout=60000)
            page.wait_for_timeout(1000)
            assert page.get_by_text("Nơi các vụ việc đã ghi nhận tập trung", exact=False).count() == 0, path
            assert page.get_by_text("Tải lên", exact=False).count() == 0, path
            assert page.locator('[data-testid="stFileUploader"]').count() == 0, path
            assert count_in_map(page, "path.leaflet-interactive") == 0, path
            assert blocked == [], path


def test_commander_sees_hotspot_classes_and_case_clusters_offline(server):
    n_communes = len(load_dataset(DEFAULT_DATA_DIR).boundaries)
    with browser_page(server) as (page, blocked):
        # Sign in on the dashboard (so st.navigation has run in this server, see the test above),
        # then follow the navigation link to the URL path /hotspots in the same session. (Opening
        # /hotspots directly starts a new session, and after its sign-in the dashboard lands on the
        # default page: the requested page is not kept across the sign-in.)
        page.goto(server, wait_until="domcontentloaded")
        sign_in(page)
        assert wait_for_paths(page, n_communes, timeout_ms=90000) >= n_communes
        page.locator('[data-testid="stSidebar"] a[data-testid="stPageLink-NavLink"][href$="hotspots"]').click()
        assert wait_for_text(page, "Nơi các vụ việc đã ghi nhận tập trung", timeout_ms=90000), "the hotspots page did not open"
        assert page.url.rstrip("/").endswith("/hotspots")
        clusters = wait_for_count(page, ".marker-cluster", 1, timeout_ms=90000)
        # The hotspot layer: every commune filled with a class colour (grey = not in a cluster).
        class_fills = ",".join(f'path.leaflet-interactive[fill="{c}"]' for c in CLASS_COLOURS.values())
        drawn = wait_for_count(page, class_fills, n_communes)
        hot = count_in_map(page, ",".join(f'path.leaflet-interactive[fill="{CLASS_COLOURS[c]}"]'
                                          for c in ("cluster_99", "cluster_95")))
        page.wait_for_timeout(2000)  # let the cluster icons settle for the screenshot
        page.screenshot(path=str(ARTIFACTS / "hotspots-commander.png"), full_page=True)
        assert drawn >= n_communes, f"only {drawn} of {n_communes} communes were drawn with a hotspot class"
        assert hot >= 1, "no cluster commune on the map of the demo data"
        assert clusters >= 1, "no case cluster was drawn"
        assert count_in_map(page, ".leaflet-control-layers") == 1
        assert page.get_by_text("DỮ LIỆU MINH HỌA", exact=False).count() >= 1, "the demo notice is missing"
        assert page.get_by_text("Các cụm", exact=False).count() >= 1
        assert blocked == [], f"the page tried to reach the internet: {blocked[:5]}"


LEAFLET_BLUE = "#3388ff"


def test_hovering_a_cluster_commune_keeps_its_colour(server):
    """With real mouse events: over a red cluster commune and off it again. Leaflet's resetStyle used
    to leave it in its default blue, which on this map reads as a cold spot."""
    red = CLASS_COLOURS["cluster_99"]
    with browser_page(server, width=1366, height=768) as (page, _blocked):
        page.goto(server, wait_until="domcontentloaded")
        sign_in(page)
        n_communes = len(load_dataset(DEFAULT_DATA_DIR).boundaries)
        assert wait_for_paths(page, n_communes, timeout_ms=90000) >= n_communes
        page.locator('[data-testid="stSidebar"] a[data-testid="stPageLink-NavLink"][href$="hotspots"]').click()
        assert wait_for_text(page, "Nơi các vụ việc đã ghi nhận tập trung", timeout_ms=90000)
        assert wait_for_count(page, f'path.leaflet-interactive[fill="{red}"]', 1, timeout_ms=90000) >= 1
        frame_box = map_frame(page).frame_element().bounding_box()
        target = map_frame(page).locator(f'path.leaflet-interactive[fill="{red}"]').first
        box = target.bounding_box()  # in page coordinates (Playwright adds the iframe's offset)
        assert box and frame_box
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2, steps=5)
        page.wait_for_timeout(300)
        page.mouse.move(frame_box["x"] + 5, frame_box["y"] + frame_box["height"] - 5, steps=5)
        page.wait_for_timeout(300)
        frame = map_frame(page)
        assert frame.locator(f'path.leaflet-interactive[fill="{LEAFLET_BLUE}"]').count() == 0
        assert frame.locator(f'path.leaflet-interactive[fill="{red}"]').count() >= 1


ZOOM = ("() => { for (const k of Object.keys(window)) { const m = window[k];"
        " if (k.startsWith('map_') && m && m.getZoom) return m.getZoom(); } return null; }")


@pytest.mark.parametrize("width, height", [(1366, 768), (1500, 1000)])
def test_a_real_click_on_a_case_cluster_zooms_in(server, width, height):
    """At 1366×768 the clusters sit near the fold; the press used to scroll the page (Leaflet focused
    the map), so the release missed the cluster and the map never zoomed."""
    with browser_page(server, width=width, height=height) as (page, _blocked):
        page.goto(server, wait_until="domcontentloaded")
        sign_in(page)
        assert wait_for_paths(page, 130, timeout_ms=90000) >= 130
        link = page.locator('[data-testid="stSidebar"] a[data-testid="stPageLink-NavLink"][href$="hotspots"]').bounding_box()
        page.mouse.click(link["x"] + 15, link["y"] + link["height"] / 2)
        assert wait_for_count(page, ".marker-cluster", 1, timeout_ms=120000) >= 1
        page.wait_for_timeout(2000)
        frame = map_frame(page)
        before = frame.evaluate(ZOOM)
        if frame.locator(".marker-cluster").first.bounding_box()["y"] > height - 40:
            page.mouse.move(width - 30, 200)  # over the page's margin, not the map (the wheel would zoom it)
            page.mouse.wheel(0, 250)
            page.wait_for_timeout(800)
        box = None
        for i in range(frame.locator(".marker-cluster").count()):
            b = frame.locator(".marker-cluster").nth(i).bounding_box()
            if b and b["y"] + b["height"] / 2 < height - 5 and (box is None or b["y"] > box["y"]):
                box = b  # the lowest cluster still on screen
        assert box is not None
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.wait_for_timeout(2500)
        assert map_frame(page).evaluate(ZOOM) > before, "clicking a case cluster did not zoom in"
