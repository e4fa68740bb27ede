"""Real browser: the dashboard in headless Chromium draws every commune with no internet.

Every request that is not to the local server is blocked and recorded; the
test fails if the page tried to load any. The screenshot it saves is the one
in the README (docs/screenshot-risk-map.png).
"""
from __future__ import annotations

import json

import os

import pytest

from risk.i18n import t
from risk.outputs.classify import SCHEME_KEYS
from risk.views.risk_map import COMPOSITE, SCORE, layer_indicator
from risk.ingest.folder import load_dataset
from risk.access.settings import DEFAULT_DATA_DIR, PROJECT_ROOT
from bench.probe import GRID_CELLS, table_drawn, table_text
from tests.browser import browser_page, chromium_available, map_frame, streamlit_server, wait_for_paths, wait_for_text

pytestmark = pytest.mark.skipif(
    not chromium_available() and not os.environ.get("CI"),
    reason="Chromium is not installed (make test installs it); CI never skips this",
)
ARTIFACTS = PROJECT_ROOT / "tests" / "artifacts"
SCREENSHOT = PROJECT_ROOT / "docs" / "screenshot-risk-map.png"


@pytest.fixture(scope="module")
def server():
    ARTIFACTS.mkdir(exist_ok=True)
    with streamlit_server({"RISK_DATA_DIR": str(DEFAULT_DATA_DIR)}) as url:
        yield url


def test_risk_map_draws_all_communes_offline_and_a_click_selects_one(server):
    ds = load_dataset(DEFAULT_DATA_DIR)
    n_communes = len(ds.boundaries)
    n_gates = 0 if ds.gates is None else len(ds.gates)
    with browser_page(server) as (page, blocked):
        page.goto(server, wait_until="domcontentloaded")
        drawn = wait_for_paths(page, n_communes)
        page.wait_for_timeout(1500)  # let the fade-in of tiles-free layers settle for the screenshot
        page.screenshot(path=str(ARTIFACTS / "risk-map.png"), full_page=True)
        assert drawn >= n_communes, f"only {drawn} of {n_communes} commune polygons were drawn"
        assert drawn <= n_communes + n_gates
        assert blocked == [], f"the page tried to reach the internet: {blocked[:5]}"
        # The demo notice is on the page.
        assert page.get_by_text("DỮ LIỆU MINH HỌA", exact=False).count() >= 1

        # Click, with the real mouse, a commune polygon whose centre is on screen, and expect its panel.
        paths = map_frame(page).locator("path.leaflet-interactive")
        height = page.viewport_size["height"]
        for i in range(n_communes // 2, paths.count()):
            box = paths.nth(i).bounding_box()
            if box and box["width"] > 10 and box["height"] > 10 and box["y"] + box["height"] / 2 < height - 10:
                break
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        assert wait_for_text(page, "Xã đang chọn"), "clicking a commune opened no panel"
        assert wait_for_paths(page, n_communes) >= n_communes
        page.wait_for_timeout(1000)
        page.screenshot(path=str(ARTIFACTS / "risk-map-selected.png"), full_page=True)
        if os.environ.get("RISK_UPDATE_SCREENSHOTS"):  # `make screenshots` refreshes the README picture
            SCREENSHOT.parent.mkdir(exist_ok=True)
            page.screenshot(path=str(SCREENSHOT))
        assert blocked == [], f"the page tried to reach the internet: {blocked[:5]}"


def test_english_switch_in_browser_relabels_the_chosen_options(server):
    """After a switch to English, the select boxes show their chosen option in English: Streamlit's
    frontend keeps a keyed box's label, so without ui.session.relabel they kept the Vietnamese one."""
    ds = load_dataset(DEFAULT_DATA_DIR)
    indicators = [layer_indicator(k) for k in [SCORE, COMPOSITE, *ds.indicator_keys]]
    with browser_page(server) as (page, blocked):
        page.goto(server, wait_until="domcontentloaded")
        assert wait_for_paths(page, 100) >= 100
        page.wait_for_timeout(500)
        vietnamese = page.get_by_role("combobox", name=t("map.indicator", "vi")).input_value()
        assert vietnamese in {i.label("vi") for i in indicators}
        _mouse_click(page, page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').first)
        _mouse_click(page, page.get_by_role("option", name="English"))
        assert wait_for_text(page, "DEMO DATA")
        assert wait_for_paths(page, 100) >= 100
        page.wait_for_timeout(500)
        english = page.get_by_role("combobox", name=t("map.indicator", "en")).input_value()
        assert english in {i.label("en") for i in indicators} and english != vietnamese, english
        scheme = page.get_by_role("combobox", name=t("map.scheme", "en")).input_value()
        assert scheme in {t(k, "en") for k in SCHEME_KEYS.values()}, scheme
        assert blocked == []


def test_the_value_table_loads_when_opened(server):
    """The table under the map is drawn only when opened: its grid code (1.4 MB) stays off the first
    visit (issue 17), and opening it with the mouse shows every commune."""
    names = set(load_dataset(DEFAULT_DATA_DIR).boundaries["name"])
    n_communes = len(names)
    with browser_page(server) as (page, blocked):
        page.goto(server, wait_until="domcontentloaded")
        assert wait_for_paths(page, n_communes) >= n_communes
        page.wait_for_timeout(500)
        assert page.get_by_test_id("stDataFrame").count() == 0 and not table_drawn(page) and table_text(page) == ""
        _mouse_click(page, page.get_by_test_id("stExpander").filter(has_text=t("map.table", "vi")).locator("summary"))
        page.get_by_test_id("stDataFrame").first.wait_for(timeout=60000)
        assert page.get_by_test_id("stDataFrame").count() == 1
        # What bench.country waits for on a page with a table: the grid's rows, drawn.
        page.locator(GRID_CELLS).first.wait_for(state="attached", timeout=60000)
        assert table_drawn(page)
        # What it reads to tell that a year change has shown other rows: the cells' text.
        assert names & set(table_text(page, 400).split("\x1f")), table_text(page)[:200]
        assert blocked == []


def _mouse_click(page, locator) -> None:
    locator.scroll_into_view_if_needed()
    box = locator.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


def _download(page) -> tuple[str, bytes]:
    """Click the Priorities download button with the mouse; the file is made when it is clicked."""
    with page.expect_download(timeout=90000) as info:
        _mouse_click(page, page.get_by_test_id("stDownloadButton").get_by_role("button"))
    return info.value.suggested_filename, open(info.value.path(), "rb").read()


def test_priority_list_downloads_as_csv_offline_and_follows_the_format(server):
    import io

    import pandas as pd

    with browser_page(server) as (page, blocked):
        page.goto(server, wait_until="domcontentloaded")
        assert wait_for_paths(page, 130) >= 130
        page.locator('[data-testid="stSidebar"] a[data-testid="stPageLink-NavLink"]', has_text="Ưu tiên").click()
        assert wait_for_text(page, "Xuất danh sách", 60000)
        assert wait_for_paths(page, 130) >= 130  # the priorities map
        name, data = _download(page)
        frame = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype=str)
        assert name.endswith(".csv") and len(frame) == 130
        assert "Xã Mường Xén" in set(frame[t("export.col.name", "vi")])
        assert all(len(v.split(".")[-1]) == 1 for v in frame[t("export.col.score", "vi")])  # 83.5, as on screen
        page.screenshot(path=str(ARTIFACTS / "priorities.png"), full_page=True)
        # Another format, and the same button gives that file (no stale file from before).
        _mouse_click(page, page.get_by_test_id("stSelectbox").filter(has_text="Định dạng"))
        page.get_by_role("option", name="XLSX", exact=True).click()
        assert wait_for_text(page, "Tải xuống XLSX", 30000)
        name, data = _download(page)
        assert name.endswith(".xlsx") and data.startswith(b"PK")
        assert blocked == [], blocked[:5]


def test_planner_sees_no_case_markers_on_any_map(server):
    """Demo mode is a read-only planner: neither the risk map nor the hotspots map carries case points."""
    from tests.browser import count_in_map

    with browser_page(server) as (page, blocked):
        page.goto(server, wait_until="domcontentloaded")
        assert wait_for_paths(page, 130) >= 130
        assert count_in_map(page, ".marker-cluster, .leaflet-marker-icon, .leaflet-heatmap-layer") == 0
        page.locator('[data-testid="stSidebar"] a[data-testid="stPageLink-NavLink"]', has_text="Điểm nóng").click()
        assert wait_for_text(page, "Nơi các vụ việc đã ghi nhận tập trung", 60000)
        assert wait_for_paths(page, 130) >= 130
        page.wait_for_timeout(2000)
        assert count_in_map(page, ".marker-cluster, .leaflet-marker-icon, .leaflet-heatmap-layer") == 0
        assert blocked == []


RAW_PAGE_NAMES = ("dashboard", "audit", "data", "hotspots", "model", "priorities", "risk map", "users", "account")


def test_a_deep_link_as_a_fresh_servers_first_request_opens_the_whole_translated_page(tmp_path):
    """Streamlit's pages/ folder mode used to run the page file alone on a fresh server: a blank page,
    then its raw file names in the sidebar (admin pages included) and no menu or language switch.
    Now the entry script runs every request: a translated notice at once, then the translated menu."""
    with streamlit_server({"RISK_DATA_DIR": str(DEFAULT_DATA_DIR)}) as url:
        with browser_page(url, 1366, 768) as (page, blocked):
            # The notice may show only for a moment (the server opens the dataset at its start, so the
            # first run can be quick): a watcher in the page notes it however briefly it is there.
            page.add_init_script("""(() => {
                const text = %s;
                new MutationObserver(() => {
                    if (document.documentElement.textContent.includes(text)) window.__riskSawNotice = true;
                }).observe(document, {subtree: true, childList: true, characterData: true});
            })();""" % json.dumps(t("app.opening", "vi")[:20]))
            page.goto(f"{url}/model", wait_until="domcontentloaded")
            for _ in range(120):
                page.wait_for_timeout(250)
                sidebar = page.locator('[data-testid="stSidebar"]')
                text = sidebar.inner_text() if sidebar.count() else ""
                lines = {line.strip().lower() for line in text.splitlines()}
                assert not lines & set(RAW_PAGE_NAMES), f"raw page names in the sidebar: {lines & set(RAW_PAGE_NAMES)}"
                if t("page.model", "vi") in text and t("app.language_switch", "vi") in text:
                    break
            assert page.evaluate("() => window.__riskSawNotice === true"), "no translated notice while the first run loads"
            assert t("page.risk_map", "vi") in text and t("page.hotspots", "vi") in text
            assert wait_for_text(page, t("mp.backtest", "vi"), 120000)
            assert page.url.split("?")[0].rstrip("/").endswith("/model")
            assert blocked == [], blocked  # no page icon fetched from a font server for the tab
