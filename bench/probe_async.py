"""bench.probe for Playwright's async API: many people in one Chromium, one context each.

Why a second module. The load bench (bench/load.py) runs 20 sessions at once. As 20 threads with a
Chromium each (the sync API allows one Playwright per thread), 20 first maps took 105 s on this
machine; as 20 contexts of one Chromium driven by asyncio, 45 s: the browsers' own processes were
eating the cores the servers are measured on. The map is read exactly as bench.probe reads it: the
same init script (PROBE_JS) in every frame, the same meaning of "drawn" and "redrawn", the mouse on
the element's middle. Only the waiting is async.
"""
from __future__ import annotations

import asyncio
import time
from typing import Awaitable, Callable

from bench.probe import BLOCK_EXTERNAL, PROBE_JS
from tests.browser import CHROMIUM, CHROMIUM_FLAGS

__all__ = ["commune_point", "drawn_styles", "launch", "mouse_click", "new_page", "open_select", "running",
           "wait_for", "wait_idle"]

POLL_S = 0.15  # twenty pages asked every 40 ms (bench.probe) spent the cores on being watched


async def launch(playwright):
    """Debian's Chromium, headless, unable to resolve any host but the local server."""
    return await playwright.chromium.launch(executable_path=CHROMIUM, args=[*CHROMIUM_FLAGS, BLOCK_EXTERNAL],
                                            headless=True)


async def new_page(browser, external: list[str], base_url: str, width: int = 1366, height: int = 768):
    """A new context with one page; requests leaving the server are appended to `external`."""
    context = await browser.new_context(viewport={"width": width, "height": height}, accept_downloads=True)
    await context.add_init_script(PROBE_JS)
    page = await context.new_page()
    page.on("request", lambda r: None if r.url.startswith((base_url, "data:", "blob:", "about:"))
            else external.append(r.url))
    return page


async def drawn_styles(page, n: int) -> set[int]:
    """The style hashes of every frame whose map draws at least n features (empty: not drawn)."""
    found = set()
    for frame in page.frames:
        try:
            if frame.is_detached():
                continue
            got = await frame.evaluate("() => window.__benchProbe ? window.__benchProbe() : null")
        except Exception:  # the frame went away between the lookup and the call
            continue
        if got and int(got[0]) >= n:
            found.add(int(got[1]))
    return found


async def running(page) -> bool:
    """The script is running or a rerun is asked for (bench.probe.running)."""
    try:
        state = await page.locator('[data-testid="stApp"]').first.get_attribute("data-test-script-state",
                                                                              timeout=1000)
    except Exception:  # the page is navigating
        return True
    return state in ("running", "rerunRequested") or await page.locator('[data-testid="stStatusWidget"]').count() > 0


async def wait_for(condition: Callable[[], Awaitable[bool]], timeout_s: float, since: float) -> float | None:
    """Seconds from `since` until `condition()` held; None after `timeout_s`."""
    while True:
        if await condition():
            return time.perf_counter() - since
        if time.perf_counter() - since > timeout_s:
            return None
        await asyncio.sleep(POLL_S)


async def wait_idle(page, n: int, timeout_s: float, quiet_s: float = 1.0) -> bool:
    """Until the script has not run for `quiet_s` and a map of n features is drawn."""
    quiet_since = [time.perf_counter()]

    async def settled() -> bool:
        now = time.perf_counter()
        if await running(page) or not await drawn_styles(page, n):
            quiet_since[0] = now
        return now - quiet_since[0] >= quiet_s

    return await wait_for(settled, timeout_s, time.perf_counter()) is not None


async def mouse_click(page, locator) -> None:
    """Scroll `locator` into view and click its middle with the mouse."""
    await locator.wait_for(state="visible")
    await locator.scroll_into_view_if_needed()
    box = await locator.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    await page.mouse.move(x, y, steps=3)
    await page.mouse.click(x, y)


async def open_select(page, label: str) -> list:
    """Open the select box labelled `label`; its options other than the one shown."""
    box = page.get_by_role("combobox", name=label, exact=True).first
    shown = (await box.input_value()).strip()
    await mouse_click(page, box)
    options = page.get_by_role("option")
    await options.first.wait_for(state="visible")
    return [o for o in await options.all() if (await o.inner_text()).strip() != shown]


async def commune_point(page, min_side: float = 10, zoom_steps: int = 5) -> tuple[float, float] | None:
    """A point of the window on a commune at least `min_side` pixels across, the map scrolled into
    view; when every commune is smaller (a national map), zoom in with the wheel first, untimed, as
    bench.probe.commune_point does."""
    for _ in range(zoom_steps + 1):
        point = await _point(page, min_side)
        if point:
            return point
        middle = await _point(page, 0)
        if not middle:
            return None
        await page.mouse.move(*middle)
        await page.mouse.wheel(0, -120)
        await page.wait_for_timeout(1500)  # Leaflet's zoom animation and the redraw at the new zoom
    return None


async def _point(page, min_side: float) -> tuple[float, float] | None:
    for frame in page.frames:
        try:
            if frame.is_detached() or not await frame.evaluate("() => window.__benchShowMap ? window.__benchShowMap() : false"):
                continue
            await page.wait_for_timeout(300)
            point = await frame.evaluate("(side) => window.__benchCommunePoint(side)", min_side)
            if not point:
                continue
            offset = {"x": 0.0, "y": 0.0} if frame == page.main_frame else await (await frame.frame_element()).bounding_box()
        except Exception:  # the frame went away: look at the next
            continue
        x, y = offset["x"] + point[0], offset["y"] + point[1]
        if 0 < y < page.viewport_size["height"] and 0 < x < page.viewport_size["width"]:
            return x, y
    return None
