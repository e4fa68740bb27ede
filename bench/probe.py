"""Seeing the map the way a person does, whatever draws it: a probe in every frame, and the mouse.

The benchmark must measure whatever the app does (st_folium today, maybe a component that keeps
Leaflet and restyles features tomorrow), so it reads no page internals. An init script in every
frame hooks Leaflet itself: when a script sets `window.L`, every map it then creates is recorded
(`L.Map.addInitHook`). "Drawn" means the recorded maps hold at least the expected number of
GeoJSON features that Leaflet has projected and given to a renderer (SVG or canvas alike); a
map whose Leaflet could not be hooked is read from its SVG paths instead. "Redrawn" means those
features' styles changed (a hash of every feature's colours): a re-mounted map and a map
restyled in place both count.

Controls are worked with page.mouse on the element's middle, as a person clicks. No request is
routed (routing disables Chromium's cache, which a map sending geometry once relies on):
external hosts are made unresolvable with a Chromium flag instead, and any attempt is recorded.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

from tests.browser import CHROMIUM, CHROMIUM_FLAGS

__all__ = ["BLOCK_EXTERNAL", "CODE_SUFFIXES", "Tab", "launch", "map_states", "wait_for"]

BLOCK_EXTERNAL = "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"
# Files that are code or decoration, not data: Streamlit's bundle, component bundles, Leaflet, fonts.
CODE_SUFFIXES = (".js", ".mjs", ".css", ".woff", ".woff2", ".ttf", ".svg", ".png", ".ico", ".map", ".wasm")
POLL_MS = 40

PROBE_JS = r"""
(() => {
  if (window.__benchProbe) return;
  const maps = [];
  const hook = (L) => {
    try {
      if (L && L.Map && L.Map.addInitHook && !L.__benchHooked) {
        L.__benchHooked = true;
        L.Map.addInitHook(function () { maps.push(this); });
      }
    } catch (e) {}
  };
  let current = window.L;
  hook(current);
  try {
    Object.defineProperty(window, "L", {configurable: true, get() { return current; },
                                        set(v) { current = v; hook(v); }});
  } catch (e) {}
  const live = () => maps.filter(m => m._loaded && m._container && m._container.isConnected);
  const shapes = (m) => {
    const out = [];
    for (const id in m._layers) {
      const l = m._layers[id];
      if (l && l.feature && l._rings && l._renderer) out.push(l);
    }
    return out;
  };
  const mix = (h, s) => { for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619) >>> 0; return h; };
  window.__benchProbe = () => {
    let n = 0, h = 2166136261;
    for (const m of live()) for (const l of shapes(m)) {
      const o = l.options;
      n++; h = mix(h, `${o.fillColor}|${o.color}|${o.fillOpacity}|${o.weight}|${o.opacity};`);
    }
    if (!n) for (const p of document.querySelectorAll("path.leaflet-interactive")) {
      n++; h = mix(h, `${p.getAttribute("fill")}|${p.getAttribute("stroke")}|${p.getAttribute("fill-opacity")};`);
    }
    return [n, h];
  };
  window.__benchShowMap = () => {
    for (const m of live()) { m._container.scrollIntoView({block: "center"}); return true; }
    return false;
  };
  // A point (in this frame's viewport) on a commune at least `minSide` pixels across, where nothing
  // else is on top: the largest such commune on screen, away from markers. With `minSide` 0, the
  // commune nearest the middle of the map (where to zoom in when every commune is too small).
  window.__benchCommunePoint = (minSide) => {
    let best = null;
    for (const m of live()) {
      const size = m.getSize(), rect = m._container.getBoundingClientRect();
      const markers = [];
      for (const id in m._layers) {
        const l = m._layers[id];
        if (l && l.getLatLng && l._map) markers.push([m.latLngToContainerPoint(l.getLatLng()), (l._radius || 12) + 4]);
      }
      for (const l of shapes(m)) {
        if (l.options.interactive === false || !l.getCenter || !l._containsPoint || !l.getBounds) continue;
        let c;
        try { c = l.getCenter(); } catch (e) { continue; }
        const b = l.getBounds();
        const sw = m.latLngToContainerPoint(b.getSouthWest()), ne = m.latLngToContainerPoint(b.getNorthEast());
        const w = Math.abs(ne.x - sw.x), hgt = Math.abs(sw.y - ne.y);
        if (w > size.x / 3 || hgt > size.y / 3 || Math.min(w, hgt) < minSide) continue;  // the outline, or small
        const p = m.latLngToContainerPoint(c);
        if (p.x < 40 || p.y < 40 || p.x > size.x - 40 || p.y > size.y - 40) continue;
        if (!l._containsPoint(m.latLngToLayerPoint(c))) continue;
        if (markers.some(([q, r]) => (q.x - p.x) ** 2 + (q.y - p.y) ** 2 < r * r)) continue;
        const x = rect.left + p.x, y = rect.top + p.y;
        if (l._path && document.elementFromPoint(x, y) !== l._path) continue;
        const score = minSide ? Math.min(w, hgt) : -((p.x - size.x / 2) ** 2 + (p.y - size.y / 2) ** 2);
        if (!best || score > best.score) best = {score, x, y};
      }
    }
    return best && [best.x, best.y];
  };
})();
"""


@dataclass(frozen=True)
class MapState:
    """One frame's maps: how many features are drawn and a hash of their styles."""

    frame: object
    features: int
    style: int


@dataclass
class Tab:
    """A browser context with one page, a log of external requests and of code bytes received."""

    context: object
    page: object
    base_url: str
    external: list[str] = field(default_factory=list)
    code_bytes: int = 0
    _urls: dict[str, str] = field(default_factory=dict)

    @classmethod
    def open(cls, browser, base_url: str, width: int = 1500, height: int = 1100) -> "Tab":
        context = browser.new_context(viewport={"width": width, "height": height})
        context.add_init_script(PROBE_JS)
        page = context.new_page()
        tab = cls(context, page, base_url)
        page.on("request", tab._request)
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.on("Network.responseReceived", lambda e: tab._urls.__setitem__(e["requestId"], e["response"]["url"]))
        cdp.on("Network.loadingFinished", tab._finished)
        return tab

    def _request(self, request) -> None:
        if not request.url.startswith((self.base_url, "data:", "blob:", "about:")):
            self.external.append(request.url)

    def _finished(self, event: dict) -> None:
        url = self._urls.pop(event["requestId"], "").split("?", 1)[0]
        if url.endswith(CODE_SUFFIXES):
            self.code_bytes += int(event.get("encodedDataLength") or 0)

    def close(self) -> None:
        self.context.close()


def launch(playwright):
    """Debian's Chromium, headless, unable to resolve any host but the local server."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=[*CHROMIUM_FLAGS, BLOCK_EXTERNAL],
                                      headless=True)


def map_states(page) -> list[MapState]:
    """Every frame's map state (frames being replaced are skipped)."""
    states = []
    for frame in page.frames:
        try:
            if frame.is_detached():
                continue
            got = frame.evaluate("() => window.__benchProbe ? window.__benchProbe() : null")
        except Exception:  # the frame went away between the lookup and the call
            continue
        if got and got[0]:
            states.append(MapState(frame, int(got[0]), int(got[1])))
    return states


def wait_for(page, condition: Callable[[], bool], timeout_s: float, since: float | None = None) -> float | None:
    """Seconds from `since` (default: now, a time.perf_counter()) until `condition()` held, polled
    every POLL_MS; None after `timeout_s`."""
    t0 = time.perf_counter() if since is None else since
    while True:
        if condition():
            return time.perf_counter() - t0
        if time.perf_counter() - t0 > timeout_s:
            return None
        page.wait_for_timeout(POLL_MS)


def drawn(page, n: int) -> list[MapState]:
    """Frames whose map draws at least n features."""
    return [s for s in map_states(page) if s.features >= n]


GRID_CELLS = '[data-testid="stDataFrame"] [role="gridcell"]'
"""The cells Streamlit's data grid writes, for screen readers, once it has drawn its rows."""


def table_drawn(page) -> bool:
    """A data grid on the page shows its rows: the grid writes them, for screen readers, as cells
    once it has drawn them."""
    try:
        return page.locator(GRID_CELLS).count() > 0
    except Exception:  # the page is navigating
        return False


def table_text(page, cells: int = 40) -> str:
    """The text of the first `cells` cells the data grid shows ("" while it shows none), to tell
    when its rows have changed."""
    try:
        return "\x1f".join(page.locator(GRID_CELLS).all_inner_texts()[:cells])
    except Exception:  # the page is navigating or the grid is being redrawn
        return ""


def styles(page, n: int) -> set[int]:
    return {s.style for s in drawn(page, n)}


def running(page) -> bool:
    """The script is running (or a rerun is asked for): Streamlit writes its state on the app's root
    element; its status widget only shows after a delay, and not at all in this app's toolbar mode."""
    try:
        state = page.locator('[data-testid="stApp"]').first.get_attribute("data-test-script-state", timeout=1000)
    except Exception:  # the page is navigating
        return True
    return state in ("running", "rerunRequested") or page.locator('[data-testid="stStatusWidget"]').count() > 0


def wait_idle(page, n: int, timeout_s: float, quiet_s: float = 1.0) -> bool:
    """Until the script has not run for `quiet_s` and a map of n features is drawn. A click made
    sooner can land in a rerun the map's first report of its view starts, and be dropped."""
    quiet_since = [time.perf_counter()]

    def settled() -> bool:
        now = time.perf_counter()
        if running(page) or not drawn(page, n):
            quiet_since[0] = now
        return now - quiet_since[0] >= quiet_s

    return wait_for(page, settled, timeout_s) is not None


def mouse_click(page, locator) -> None:
    """Scroll `locator` into view and click its middle with the mouse."""
    locator.wait_for(state="visible", timeout=60000)
    locator.scroll_into_view_if_needed()
    box = locator.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y, steps=3)
    page.mouse.click(x, y)


def open_select(page, label: str) -> list:
    """Open the select box labelled `label`; its options (locators) other than the one shown."""
    box = page.get_by_role("combobox", name=label, exact=True).first
    shown = box.input_value().strip()
    mouse_click(page, box)
    options = page.get_by_role("option")
    options.first.wait_for(state="visible", timeout=30000)
    return [o for o in options.all() if o.inner_text().strip() != shown]


def other_radio(page, label: str):
    """The first option of the radio group labelled `label` that is not chosen."""
    group = page.get_by_role("radiogroup", name=label).first
    for option in group.locator("label").all():
        radio = option.locator("input")
        if radio.count() and not radio.is_checked():
            return option
    raise LookupError(f"radio group {label!r} has no other option")


def commune_point(page, min_side: float = 10, zoom_steps: int = 5) -> tuple[float, float] | None:
    """A point of the window on a commune at least `min_side` pixels across, the map scrolled into
    view. When every commune is smaller (a national map at its first zoom), zoom in with the mouse
    wheel over the middle of the country first, as a person would (this is not timed)."""
    for _ in range(zoom_steps + 1):
        point = _point(page, min_side)
        if point:
            return point
        middle = _point(page, 0)
        if not middle:
            return None
        page.mouse.move(*middle)
        page.mouse.wheel(0, -120)
        page.wait_for_timeout(1500)  # Leaflet's zoom animation and the redraw at the new zoom
    return None


def _point(page, min_side: float) -> tuple[float, float] | None:
    for state in map_states(page):
        frame = state.frame
        try:
            frame.evaluate("() => window.__benchShowMap()")
            page.wait_for_timeout(300)
            point = frame.evaluate("(side) => window.__benchCommunePoint(side)", min_side)
            if not point:
                continue
            offset = {"x": 0.0, "y": 0.0} if frame == page.main_frame else frame.frame_element().bounding_box()
        except Exception:  # the frame went away: look again next time
            continue
        x, y = offset["x"] + point[0], offset["y"] + point[1]
        if 0 < y < page.viewport_size["height"] and 0 < x < page.viewport_size["width"]:
            return x, y
    return None
