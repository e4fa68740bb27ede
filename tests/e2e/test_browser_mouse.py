"""Real browser, real mouse (page.mouse, never dispatch_event): the maps behave as a person meets them.

At 1366×768 and 1500×1000, in demo mode (two banners push the map down):
- a sweep of the mouse over the risk map and the priorities map leaves every commune its colour
  (Leaflet's resetStyle used to paint a hovered commune its default blue, #3388ff);
- the first click on a commune whose map lies partly below the fold opens its panel (Leaflet's
  keyboard handler focused the map on mousedown, the page scrolled, and the press and release
  landed on different communes);
- a zoom the user made survives the rerun that opening a panel causes.
"""
from __future__ import annotations

import os

import pytest

from risk.access.settings import DEFAULT_DATA_DIR, PROJECT_ROOT
from tests.browser import browser_page, chromium_available, map_frame, poll, streamlit_server, wait_for_paths, wait_for_text

pytestmark = pytest.mark.skipif(
    not chromium_available() and not os.environ.get("CI"),
    reason="Chromium is not installed (make test installs it); CI never skips this",
)
ARTIFACTS = PROJECT_ROOT / "tests" / "artifacts"
LEAFLET_BLUE = "#3388ff"
VIEWPORTS = [(1366, 768), (1500, 1000)]
N_COMMUNES = 130
ZOOM = ("() => { for (const k of Object.keys(window)) { const m = window[k];"
        " if (k.startsWith('map_') && m && m.getZoom) return m.getZoom(); } return null; }")


@pytest.fixture(scope="module")
def server():
    ARTIFACTS.mkdir(exist_ok=True)
    with streamlit_server({"RISK_DATA_DIR": str(DEFAULT_DATA_DIR)}) as url:
        yield url


def map_zoom(page) -> int | None:
    for _ in range(80):
        frame = map_frame(page)
        try:
            zoom = frame.evaluate(ZOOM) if frame else None
        except Exception:  # the frame is being replaced
            zoom = None
        if zoom is not None:
            return zoom
        page.wait_for_timeout(250)
    return None


def sweep(page) -> int:
    """Move the mouse across the visible part of the map in a zigzag, then off it; count blue communes."""
    box = map_frame(page).frame_element().bounding_box()
    bottom = min(box["y"] + box["height"], page.viewport_size["height"]) - 5
    for i in range(6):
        y = box["y"] + 10 + (bottom - box["y"] - 20) * i / 5
        page.mouse.move(box["x"] + 10, y, steps=3)
        page.mouse.move(box["x"] + box["width"] - 10, y, steps=15)
    page.mouse.move(box["x"] - 30, box["y"] - 30, steps=3)
    page.wait_for_timeout(300)
    return map_frame(page).locator(f'path.leaflet-interactive[fill="{LEAFLET_BLUE}"]').count()


def low_commune(page, timeout_ms: int = 30000) -> tuple[float, float]:
    """The centre of a commune in the lowest visible strip of the map (the map runs below the fold).
    Waits for the communes: the map fetches their geometry file once, after the frame mounts."""
    height = page.viewport_size["height"]
    best = None

    def found() -> bool:
        nonlocal best
        frame = map_frame(page)
        if frame is None:
            return False
        paths = frame.locator('path.leaflet-interactive[stroke="#555555"]')  # communes, not gates
        try:
            for i in range(paths.count()):
                b = paths.nth(i).bounding_box()
                if not b or b["width"] < 10 or b["height"] < 10:
                    continue
                y = b["y"] + b["height"] / 2
                if y < height - 15 and (best is None or y > best[1]):
                    best = (b["x"] + b["width"] / 2, y)
        except Exception:  # the frame was replaced meanwhile: look again
            return False
        return best is not None

    assert poll(page, found, timeout_ms), "no commune drawn in the visible part of the map"
    return best


def click_nav(page, href_end: str) -> None:
    link = page.locator(f'[data-testid="stSidebar"] a[data-testid="stPageLink-NavLink"][href$="{href_end}"]').bounding_box()
    page.mouse.click(link["x"] + 15, link["y"] + link["height"] / 2)


@pytest.mark.parametrize("width, height", VIEWPORTS)
def test_hover_first_click_and_zoom_on_the_risk_map(server, width, height):
    with browser_page(server, width, height) as (page, blocked):
        page.goto(server, wait_until="domcontentloaded")
        assert wait_for_paths(page, N_COMMUNES, 90000) >= N_COMMUNES
        page.wait_for_timeout(1000)
        assert sweep(page) == 0, "a hovered commune lost its colour"
        frame_box = map_frame(page).frame_element().bounding_box()
        if height < 800:  # where the bug bit: the map runs below the fold
            assert frame_box["y"] + frame_box["height"] > height

        zoom_in = map_frame(page).locator("a.leaflet-control-zoom-in").bounding_box()
        page.mouse.click(zoom_in["x"] + zoom_in["width"] / 2, zoom_in["y"] + zoom_in["height"] / 2)
        page.wait_for_timeout(800)
        zoomed = map_zoom(page)

        x, y = low_commune(page)
        page.mouse.click(x, y)
        assert wait_for_text(page, "Xã đang chọn", 30000), "the first real click on a commune opened no panel"
        page.wait_for_timeout(2000)
        assert wait_for_paths(page, 10, 60000) >= 10
        assert map_zoom(page) == zoomed, "opening the panel reset the zoom"
        page.screenshot(path=str(ARTIFACTS / f"risk-map-mouse-{width}x{height}.png"))
        assert blocked == []


@pytest.mark.parametrize("width, height", VIEWPORTS)
def test_hover_keeps_colours_on_the_priorities_map(server, width, height):
    with browser_page(server, width, height) as (page, blocked):
        page.goto(server, wait_until="domcontentloaded")
        assert wait_for_paths(page, N_COMMUNES, 90000) >= N_COMMUNES
        click_nav(page, "priorities")
        assert wait_for_text(page, "Xuất danh sách", 90000)
        assert wait_for_paths(page, N_COMMUNES, 90000) >= N_COMMUNES
        page.wait_for_timeout(1000)
        map_frame(page).frame_element().scroll_into_view_if_needed()
        page.wait_for_timeout(500)
        assert sweep(page) == 0, "a hovered commune lost its colour on the priorities map"
        assert blocked == []
