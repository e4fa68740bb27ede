"""Hostile text in the data: refused by both loaders, and inert on every page when it got in anyway.

Folium writes tooltip text inside a JavaScript template literal, so before the text check a
border gate named `${...}` ran script on every map page and a backtick blanked every map.

A. Both loaders (the dataset folder, risk.ingest.folder.load_dataset, and the upload importer,
   risk.ingest.upload.check_upload) refuse each payload, naming the file, row and column.
B. Data accepted before the check existed (a store or folder written by an older version) still
   runs no script: the dashboard is started through tests/serve_unchecked.py, which makes the
   check refuse nothing, on a copy of the demo data carrying the payloads. Headless Chromium
   (1366x768, real mouse and keyboard) then opens every page each role may open, as the demo
   visitor and as an admin, commander, planner and official signed in through the form; hovers
   and clicks communes and a border gate; the commander uploads patrol sites with payload names
   and runs the coverage; the admin uploads the hostile files on the Data page and previews them.
   No dialog opens, no script error is thrown, every map draws its 130 communes, no frame has
   `window.__pwned`, nothing is fetched from the beacon URL, and the payloads are on screen as
   plain text (tooltips, the commune panel, the sidebar), so the test cannot pass by drawing nothing.
"""
from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import geopandas as gpd
import pandas as pd
import pytest

from risk.access.accounts import Accounts
from risk.i18n import t
from risk.ingest.upload import check_upload
from risk.ingest.folder import DataError, load_dataset, load_sites_upload
from risk.access.privacy import Role
from risk.access.settings import DEFAULT_DATA_DIR, PROJECT_ROOT
from tests.browser import (
    CHROMIUM, browser_page, chromium_available, count_in_map, map_frame, poll, streamlit_server, wait_for_paths,
    wait_for_text,
)

ARTIFACTS = PROJECT_ROOT / "tests" / "artifacts"  # screenshots only when this folder exists
LAUNCHER = PROJECT_ROOT / "tests" / "serve_unchecked.py"
LANG = "vi"
WIDTH, HEIGHT = 1366, 768
N_COMMUNES = 130

# The payloads. Each `${...}` would set window.top.__pwned if it ever ran as a template literal.
GATE_NAME = "G${window.top.__pwned=1}"
GATE_KIND = "international ` border gate"
COMMUNE_SCRIPT = "${window.top.__pwned=2}"
COMMUNE_BACKTICK = "`"
CASE_ID = "${window.top.__pwned=3}"
INDICATOR = "x${window.top.__pwned=4}"
BEACON = "http://127.0.0.1:9/beacon.png"
DATASET_NAME = f"Hostile demo ![b]({BEACON})"
SITE_SCRIPT = "S${window.top.__pwned=5}"
SITE_BACKTICK = "Post ` 6"


@dataclass(frozen=True)
class Hostile:
    folder: Path
    script_commune: str  # commune_id of the commune whose name ends with COMMUNE_SCRIPT
    script_name: str
    backtick_commune: str  # commune_id of the commune whose name ends with a lone backtick
    backtick_name: str
    gate_lat: float
    gate_lon: float
    sites_csv: Path


def build_hostile_folder(dest: Path) -> Hostile:
    """A copy of the demo dataset with a payload in each kind of text a page or map shows."""
    shutil.copytree(DEFAULT_DATA_DIR, dest)
    # The two largest communes carry the commune payloads, so a mouse can find them on any map.
    communes = gpd.read_file(dest / "boundaries.geojson")
    largest = communes.to_crs(3405).area.sort_values(ascending=False).index
    script_row, backtick_row = int(largest[0]), int(largest[1])
    geo = json.loads((dest / "boundaries.geojson").read_text(encoding="utf-8"))
    props = [f["properties"] for f in geo["features"]]
    props[script_row]["name"] = f"{props[script_row]['name']} {COMMUNE_SCRIPT}"
    props[backtick_row]["name"] = f"{props[backtick_row]['name']} {COMMUNE_BACKTICK}"
    (dest / "boundaries.geojson").write_text(json.dumps(geo, ensure_ascii=False), encoding="utf-8")

    gates = pd.read_csv(dest / "border_gates.csv", dtype=str, keep_default_na=False)
    gates.loc[0, ["name", "kind"]] = [GATE_NAME, GATE_KIND]
    gates.to_csv(dest / "border_gates.csv", index=False)

    cases = pd.read_csv(dest / "cases.csv", dtype=str, keep_default_na=False)
    cases.loc[0, "case_id"] = CASE_ID
    cases.to_csv(dest / "cases.csv", index=False)

    indicators = pd.read_csv(dest / "indicators.csv", dtype=str, keep_default_na=False)
    indicators[INDICATOR] = [str(i * 37 % 101) for i in range(len(indicators))]  # numbers, varied
    indicators.to_csv(dest / "indicators.csv", index=False)

    meta = json.loads((dest / "dataset.json").read_text(encoding="utf-8"))
    meta["name"] = DATASET_NAME
    (dest / "dataset.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8")

    # Patrol sites for the commander's upload: inside five communes, two of them with payload names.
    points = communes.to_crs(3405).representative_point().to_crs(4326)
    picks = [int(i) for i in largest[:5]]  # as many as the coverage places by default: all are chosen
    names = [SITE_SCRIPT, SITE_BACKTICK] + [f"Post {i}" for i in range(len(picks) - 2)]
    sites = pd.DataFrame({"name": names, "lon": [round(points[i].x, 6) for i in picks],
                          "lat": [round(points[i].y, 6) for i in picks]})
    sites_csv = dest.parent / "hostile_sites.csv"
    sites.to_csv(sites_csv, index=False)
    return Hostile(
        folder=dest,
        script_commune=str(props[script_row]["commune_id"]), script_name=props[script_row]["name"],
        backtick_commune=str(props[backtick_row]["commune_id"]), backtick_name=props[backtick_row]["name"],
        gate_lat=float(gates.loc[0, "lat"]), gate_lon=float(gates.loc[0, "lon"]), sites_csv=sites_csv,
    )


# --- A. the loaders refuse the payloads (no browser) ----------------------------------------------

# (file, column as named in the message, the quoted cell) for every payload in the folder.
EXPECTED_REFUSALS = [
    ("boundaries.geojson", "name", COMMUNE_SCRIPT),
    ("boundaries.geojson", "name", f" {COMMUNE_BACKTICK}"),
    ("border_gates.csv", "name", GATE_NAME),
    ("border_gates.csv", "kind", GATE_KIND),
    ("cases.csv", "case_id", CASE_ID),
    ("indicators.csv", INDICATOR, INDICATOR),
    ("dataset.json", "name", DATASET_NAME),
]


def _assert_every_payload_named(messages: list[str], codes: list[str]) -> None:
    for file, column, value in EXPECTED_REFUSALS:
        hits = [m for m in messages if m.startswith(file) and f"column {column}" in m and value in m]
        assert hits, f"no message names {file}, column {column} ({value!r}):\n" + "\n".join(messages)
    assert codes.count("import.script_in_text") == 6, codes
    assert codes.count("import.link_in_text") == 1, codes
    rows = {(m.split(":")[0]) for m in messages}
    assert "cases.csv, row 2, column case_id" in rows, rows  # the first data row is row 2 of the file
    assert "border_gates.csv, row 2, column name" in rows, rows


def test_folder_loader_refuses_every_payload_naming_the_cell(tmp_path):
    hostile = build_hostile_folder(tmp_path / "hostile")
    with pytest.raises(DataError) as info:
        load_dataset(hostile.folder)
    _assert_every_payload_named(info.value.messages("en"), info.value.codes)


def test_upload_importer_refuses_every_payload_naming_the_cell(tmp_path):
    hostile = build_hostile_folder(tmp_path / "hostile")
    dataset, report = check_upload(hostile.folder)
    assert dataset is None and not report.ok
    _assert_every_payload_named(report.messages("en"), [p.code for p in report.problems])


def test_patrol_site_upload_refuses_payload_names(tmp_path):
    hostile = build_hostile_folder(tmp_path / "hostile")
    with pytest.raises(DataError) as info:
        load_sites_upload("sites.csv", hostile.sites_csv.read_bytes())
    messages = info.value.messages("en")
    assert any(m.startswith("sites.csv, row 2, column name") and SITE_SCRIPT in m for m in messages), messages
    assert any(m.startswith("sites.csv, row 3, column name") and SITE_BACKTICK in m for m in messages), messages


def test_the_unchecked_launcher_rule_lets_the_payloads_in(tmp_path, monkeypatch):
    """The premise of part B: with serve_unchecked's rule, both loaders keep every payload as written."""
    import risk.contracts.text
    from tests.serve_unchecked import accept_everything

    monkeypatch.setattr(risk.contracts.text, "unsafe_reason", accept_everything)
    hostile = build_hostile_folder(tmp_path / "hostile")
    ds = load_dataset(hostile.folder)
    assert ds.name == DATASET_NAME and INDICATOR in ds.indicator_keys
    names = set(ds.boundaries["name"])
    assert hostile.script_name in names and hostile.backtick_name in names
    assert GATE_NAME in set(ds.gates["name"]) and GATE_KIND in set(ds.gates["kind"])
    assert CASE_ID in set(ds.cases["case_id"])
    assert check_upload(hostile.folder)[1].ok
    assert SITE_SCRIPT in set(load_sites_upload("sites.csv", hostile.sites_csv.read_bytes())["name"])


def test_markdown_template_takes_a_key_parameter():
    """ui.widgets.tm fills templates with a {key} parameter (the risk map's caption for an extra
    indicator): it raised TypeError, found by the browser test below when the visitor picks INDICATOR."""
    from ui.widgets import md, tm

    assert tm("map.extra_indicator", "en", key=INDICATOR) == t("map.extra_indicator", "en", key=md(INDICATOR))


# --- B. unchecked data in a real browser ---------------------------------------------------------

USERS = {
    Role.ADMIN: ("quan.tri.hostile", "admin-pass-hostile-1"),
    Role.COMMANDER: ("chi.huy.hostile", "commander-pass-hostile-1"),
    Role.PLANNER: ("ke.hoach.hostile", "planner-pass-hostile-1"),
    Role.OFFICIAL: ("can.bo.hostile", "official-pass-hostile-1"),
}
PAGES = ("risk_map", "hotspots", "priorities", "model", "data", "audit", "users", "account")  # dashboard.py's order
MAP_PAGES = ("risk_map", "hotspots", "priorities")
# Text each page shows once it has run, besides its title.
PAGE_READY = {"risk_map": "map.indicator", "hotspots": "hotspots.intro", "priorities": "pr.intro",
              "model": "mp.data_used", "data": "dp.upload", "audit": "ap.intro", "users": "us.intro",
              "account": "acc.change"}


@dataclass
class Server:
    url: str
    hostile: Hostile


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory):
    if not chromium_available():
        pytest.fail(f"Chromium is not installed at {CHROMIUM} (nor `chromium` on PATH): this test drives a real "
                    "browser and is never skipped. Install Debian's chromium (make install-test) or set RISK_CHROMIUM.")
    var = tmp_path_factory.mktemp("hostile-server")
    hostile = build_hostile_folder(var / "hostile")
    accounts = Accounts(var / "accounts.sqlite")
    for role, (user, password) in USERS.items():
        accounts.add(user, role, password)
    env = {"RISK_DATA_DIR": str(hostile.folder), "RISK_DEMO_MODE": "on",
           "RISK_ACCOUNTS_DB": str(var / "accounts.sqlite"), "RISK_STORE": str(var / "store.gpkg")}
    with streamlit_server(env, timeout=120, launcher=LAUNCHER) as url:
        yield Server(url, hostile)


_WATCHES: dict[int, "Watch"] = {}  # id(page) -> its Watch, so waiting helpers can stop at the first script error


class Watch:
    """Everything a page could do if a payload ran: dialogs, uncaught errors, console errors."""

    CANARY = "hostile-test-canary"

    def __init__(self, page):
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        self.console_errors: list[str] = []
        _WATCHES[id(page)] = self
        page.on("dialog", self._dialog)
        page.on("pageerror", lambda err: self.errors.append(f"{err.name}: {err.message}"))
        page.on("console", lambda msg: self.console_errors.append(msg.text) if msg.type == "error" else None)

    def _dialog(self, dialog) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def prove_it_sees_the_map_frame(self, page) -> None:
        """An alert and an uncaught error raised inside the map iframe must be recorded; then forget them."""
        map_frame(page).evaluate(
            "c => { setTimeout(() => alert(c), 0); setTimeout(() => { throw new Error(c) }, 0); }", self.CANARY)
        poll(page, lambda: any(self.CANARY in d for d in self.dialogs) and any(self.CANARY in e for e in self.errors),
             10000, step_ms=100)
        assert any(self.CANARY in d for d in self.dialogs), f"a dialog in the map frame went unseen: {self.dialogs}"
        assert any(self.CANARY in e for e in self.errors), f"an error in the map frame went unseen: {self.errors}"
        self.dialogs = [d for d in self.dialogs if self.CANARY not in d]
        self.errors = [e for e in self.errors if self.CANARY not in e]
        self.console_errors = [c for c in self.console_errors if self.CANARY not in c]


def assert_nothing_ran(page, watch: Watch, blocked: list[str], where: str) -> None:
    assert watch.dialogs == [], f"{where}: a dialog opened: {watch.dialogs}"
    assert watch.errors == [], f"{where}: script errors: {watch.errors}"
    assert watch.console_errors == [], f"{where}: console errors: {watch.console_errors}"
    exceptions = page.locator('[data-testid="stException"]')
    assert exceptions.count() == 0, f"{where}: the page raised: {exceptions.first.inner_text()[:500]}"
    assert_no_payload_ran(page, where)
    assert not [u for u in blocked if "beacon" in u], f"{where}: the Markdown image was fetched: {blocked}"
    assert blocked == [], f"{where}: the page tried to reach the internet: {blocked[:5]}"


def assert_no_payload_ran(page, where: str) -> None:
    """No frame of the page (the app, the map iframe) has the `window.__pwned` a payload would set."""
    for frame in page.frames:
        seen = None
        for attempt in range(3):
            if frame.is_detached():  # removed by a rerun: nothing left to look at
                break
            try:
                seen = frame.evaluate("() => [typeof window.__pwned, typeof window.top.__pwned]")
                break
            except Exception:  # its document was being replaced: look again
                if attempt == 2 and not frame.is_detached():
                    raise
                page.wait_for_timeout(300)
        if seen is None:
            continue
        assert seen == ["undefined", "undefined"], f"{where}: a payload ran in {frame.url}: window.__pwned is {seen}"


def wait_idle(page, timeout_ms: int = 120000) -> None:
    """Until Streamlit has not been running the script for 0.6 s."""
    quiet = 0

    def settled() -> bool:
        nonlocal quiet
        quiet = quiet + 1 if page.locator('[data-testid="stStatusWidget"]').count() == 0 else 0
        return quiet >= 4

    assert poll(page, settled, timeout_ms, step_ms=150), "the app was still running after two minutes"


def click_until(page, locator, done, what: str, attempts: int = 4, wait_ms: int = 8000) -> None:
    """Click `locator` with the mouse until `done()`. A click that lands while Streamlit reruns the
    script for another reason (a map reporting its first view) can be dropped: a person clicks again."""
    for _attempt in range(attempts):
        if locator.count():
            mouse_click(page, locator)
        if poll(page, done, wait_ms):
            return
    raise AssertionError(f"{what}: nothing happened after {attempts} clicks")


def mouse_click(page, locator) -> None:
    """Scroll `locator` into view and click its middle with the mouse."""
    locator.wait_for(state="visible", timeout=60000)
    locator.scroll_into_view_if_needed()
    box = locator.bounding_box()
    assert box, f"{locator} has no box"
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y, steps=4)
    page.mouse.click(x, y)


def main_text(page) -> str:
    return page.locator('[data-testid="stMain"]').inner_text()


# Leaflet, inside the map frame: a point of the window where `target` is the topmost element.
_POINT_ON = """
(target, minY, maxY) => {
    if (!target || !target._path) return null;
    const r = target._path.getBoundingClientRect();
    const steps = [0.5, 0.4, 0.6, 0.3, 0.7, 0.45, 0.55, 0.35, 0.65, 0.2, 0.8, 0.25, 0.75];
    for (const fy of steps) for (const fx of steps) {
        const x = r.left + fx * r.width, y = r.top + fy * r.height;
        if (y < minY || y > maxY || x < 5 || x > window.innerWidth - 5) continue;
        if (document.elementFromPoint(x, y) === target._path) return [x, y];
    }
    return null;
}
"""
COMMUNE_POINT_JS = f"""
([cid, minY, maxY]) => {{
    let target = null;
    window.map.eachLayer(l => {{
        if (l._path && l.feature && l.feature.properties && String(l.feature.properties.commune_id) === cid) target = l;
    }});
    return ({_POINT_ON})(target, minY, maxY);
}}
"""
MARKER_POINT_JS = f"""
([lat, lon, colour, minY, maxY]) => {{
    let target = null;
    window.map.eachLayer(l => {{
        if (!l._path || l.feature || !l.getLatLng || !l.getTooltip || !l.getTooltip()) return;
        const p = l.getLatLng();
        if ((colour === null || l.options.fillColor === colour)
            && (lat === null || (Math.abs(p.lat - lat) < 1e-5 && Math.abs(p.lng - lon) < 1e-5))) target = target || l;
    }});
    return ({_POINT_ON})(target, minY, maxY);
}}
"""
# Text of every case marker's tooltip (the markers sit in clusters, unseen until zoomed), parsed inertly.
CASE_TOOLTIPS_JS = """
() => {
    const out = [];
    for (const id in window.map._layers) {
        const group = window.map._layers[id];
        if (!group._featureGroup || !group.getLayers) continue;  // a MarkerClusterGroup
        for (const m of group.getLayers()) {
            const tip = m.getTooltip && m.getTooltip();
            if (!tip) continue;
            const tpl = document.createElement('template');
            tpl.innerHTML = tip.getContent();
            out.push(tpl.content.textContent);
        }
    }
    return out;
}
"""


def shown_map(page):
    """The map frame scrolled to the middle of the window: (frame, iframe box, visible y range in the frame)."""
    frame = box = None

    def settled() -> bool:  # a rerun may be replacing the iframe: take the one that stays
        nonlocal frame, box
        frame = map_frame(page)
        if frame is None:
            return False
        try:
            element = frame.frame_element()
            before = element.bounding_box()
            element.evaluate("e => e.scrollIntoView({block: 'center', inline: 'nearest'})")
            box = element.bounding_box()
            if before != box:  # scrolled: let the page settle where it is
                page.wait_for_timeout(200)
                box = element.bounding_box()
        except Exception:
            return False
        return box is not None and not frame.is_detached() and box["height"] > 100

    assert poll(page, settled, 30000), "no map on the page"
    header = page.locator('[data-testid="stHeader"]').bounding_box()
    top = (header["y"] + header["height"] if header else 0) + 5
    return frame, box, (max(0.0, top - box["y"]), min(box["height"], HEIGHT - box["y"]) - 5)


def tooltips(frame) -> list[str]:
    try:
        return frame.locator(".leaflet-tooltip").all_inner_texts()
    except Exception:  # the frame was replaced by a rerun
        return []


def hover(page, js: str, args: list, expected: list[str], what: str) -> tuple[float, float]:
    """Move the mouse onto a map layer found by `js` and wait for its tooltip to show `expected` as text.
    Tried again when a rerun replaced the map iframe meanwhile."""
    seen: object = "the layer was not found on the visible part of the map"
    for _attempt in range(8):
        frame, box, (min_y, max_y) = shown_map(page)
        try:
            point = frame.evaluate(js, [*args, min_y, max_y])
        except Exception as err:  # the frame was detached by a rerun
            seen = err
            point = None
        if point is None:
            page.wait_for_timeout(500)
            continue
        x, y = box["x"] + point[0], box["y"] + point[1]
        page.mouse.move(x, y, steps=10)
        if poll(page, lambda: any(all(e in tip for e in expected) for tip in tooltips(frame)), 5000):
            return x, y
        seen = f"tooltips: {tooltips(frame)}"
    raise AssertionError(f"hovering {what} showed no tooltip with {expected} ({seen})")


def sweep(page) -> None:
    """The mouse across the whole map and back, over many communes (each opens its tooltip)."""
    _frame, box, (min_y, max_y) = shown_map(page)
    left, right = box["x"] + 10, box["x"] + box["width"] - 10
    top, bottom = box["y"] + min_y + 5, box["y"] + max_y - 5
    page.mouse.move(left, (top + bottom) / 2)
    page.mouse.move(right, (top + bottom) / 2, steps=15)
    page.mouse.move(left, top, steps=15)
    page.mouse.move(right, bottom, steps=15)


def wait_for_map(page, old_frame=None, minimum: int = N_COMMUNES, where: str = "") -> None:
    """A map other than `old_frame` has drawn at least `minimum` interactive paths (communes, gates).
    Stops at once when a script error or a dialog shows the map's code was broken into."""
    watch = _WATCHES.get(id(page))

    def drawn_or_broken() -> bool:
        if watch is not None and (watch.errors or watch.dialogs):
            raise AssertionError(f"{where}: while the map loaded: errors {watch.errors}, dialogs {watch.dialogs}")
        frame = map_frame(page)
        return frame is not None and frame is not old_frame and count_in_map(page, "path.leaflet-interactive") >= minimum

    if not poll(page, drawn_or_broken, 90000):
        drawn = count_in_map(page, "path.leaflet-interactive")
        raise AssertionError(f"{where}: only {drawn} of {minimum} map paths were drawn in a new map")
    wait_idle(page)
    assert wait_for_paths(page, minimum, timeout_ms=30000) >= minimum, f"{where}: the map lost its communes"
    assert_no_payload_ran(page, where)


def go_to(page, key: str) -> None:
    """Open a page with a mouse click on its link in the sidebar; wait until it has run."""
    old = map_frame(page)
    path = key.replace("_", "-")
    link = page.locator(f'[data-testid="stSidebar"] a[data-testid="stPageLink-NavLink"][href$="{path}"]')
    click_until(page, link, lambda: urlsplit(page.url).path.rstrip("/").endswith(f"/{path}"), f"the link to /{path}")
    assert wait_for_text(page, t(PAGE_READY[key], LANG)[:40], 90000), f"the {key} page did not open"
    if key in MAP_PAGES:
        wait_for_map(page, old, where=key)
    else:
        wait_idle(page)


def sign_in(page, role: Role) -> None:
    """Leave the demo session and sign in through the form with the mouse and the keyboard."""
    user, password = USERS[role]
    field = page.get_by_label(t("auth.username", LANG))
    click_until(page, page.get_by_role("button", name=t("auth.sign_out", LANG)), lambda: field.count() > 0,
                "signing the demo visitor out")
    mouse_click(page, field)
    page.keyboard.type(user)
    mouse_click(page, page.get_by_label(t("auth.password", LANG)))
    page.keyboard.type(password)
    signed_in = page.get_by_text(t("auth.signed_in_as", LANG, user=user, role=t(f"role.{role.value}", LANG)))
    click_until(page, page.get_by_role("button", name=t("auth.submit", LANG)), lambda: signed_in.count() > 0,
                f"signing in as {user}")


def upload_with_file_chooser(page, uploader, path: Path) -> None:
    """Click the uploader's button with the mouse and pick `path` in the file chooser it opens."""
    for _attempt in range(3):  # a rerun may replace the widget while the file is set: try again
        with page.expect_file_chooser(timeout=30000) as chooser:
            mouse_click(page, uploader.locator("button").first)
        chooser.value.set_files(str(path))
        if poll(page, lambda: uploader.get_by_text(path.name).count() > 0, 15000):
            wait_idle(page)
            return
    raise AssertionError(f"{path.name} was not uploaded")


GATE_COLOUR, BASE_COLOUR = "#4a1486", "#08519c"  # risk.outputs.mapview.add_gates, pages/priorities.py


def check_risk_map(page, h: Hostile, role: Role | None) -> None:
    sweep(page)
    hover(page, COMMUNE_POINT_JS, [h.backtick_commune], [h.backtick_name], "the commune named with a backtick")
    hover(page, MARKER_POINT_JS, [h.gate_lat, h.gate_lon, GATE_COLOUR], [GATE_NAME, GATE_KIND], "the hostile border gate")
    x, y = hover(page, COMMUNE_POINT_JS, [h.script_commune], [h.script_name], "the commune named with ${...}")
    page.mouse.click(x, y)  # opens the commune's panel, titled with its name
    heading = f"{t('map.selected', LANG)}: {h.script_name}"
    assert wait_for_text(page, heading, 90000), f"clicking {h.script_name!r} opened no panel showing its name"
    wait_for_map(page, where="risk map after the click")
    if role is None:  # the extra indicator's header becomes the tooltip label and the legend title
        mouse_click(page, page.locator('[data-testid="stMain"] [data-testid="stSelectbox"]').first)
        page.keyboard.type("__pwned=4")
        mouse_click(page, page.get_by_role("option", name=INDICATOR))
        assert wait_for_text(page, f"{INDICATOR} (", 60000), "the legend does not show the extra indicator's header"
        wait_for_map(page, where="risk map of the extra indicator")
        hover(page, COMMUNE_POINT_JS, [h.script_commune], [INDICATOR, h.script_name], "a commune on the extra indicator")


def check_hotspots(page, h: Hostile, role: Role | None) -> None:
    from risk.access.privacy import can_see_case_points

    sweep(page)
    x, y = hover(page, COMMUNE_POINT_JS, [h.script_commune], [h.script_name], "the commune named with ${...}")
    page.mouse.click(x, y)
    hover(page, MARKER_POINT_JS, [h.gate_lat, h.gate_lon, GATE_COLOUR], [GATE_NAME], "the hostile border gate")
    if role is not None and can_see_case_points(role):  # the case marker named with ${...} is on the map, inert
        frame = map_frame(page)
        assert poll(page, lambda: any(CASE_ID in tip for tip in frame.evaluate(CASE_TOOLTIPS_JS)), 30000), \
            "no case marker's tooltip reads the case id as text"


def check_priorities(page, h: Hostile, role: Role | None) -> None:
    sweep(page)
    x, y = hover(page, COMMUNE_POINT_JS, [h.script_commune], [h.script_name], "the commune named with ${...}")
    page.mouse.click(x, y)  # selects it: the page reruns and the map redraws with it highlighted
    page.wait_for_timeout(500)
    wait_for_map(page, where="priorities after the click")
    hover(page, COMMUNE_POINT_JS, [h.script_commune], [h.script_name], "the selected commune")
    if role is not Role.COMMANDER:
        return
    # Patrol sites uploaded on the page (checked like gates, but not in this server), then the coverage.
    mouse_click(page, page.get_by_text(t("pr.sites.upload", LANG), exact=True))
    uploader = page.locator('[data-testid="stFileUploader"]').filter(has_text=t("pr.sites_file", LANG))
    uploader.wait_for(timeout=60000)
    upload_with_file_chooser(page, uploader, h.sites_csv)
    assert page.get_by_text(t("pr.sites_bad", LANG)).count() == 0, "the sites file was refused"
    mouse_click(page, page.get_by_role("button", name=t("pr.run_cover", LANG)))
    bases = f"{t('pr.bases', LANG)}: "
    assert wait_for_text(page, bases, 90000), "the coverage did not run"
    wait_for_map(page, where="priorities after the coverage")
    caption = page.get_by_text(bases).first.inner_text()
    assert SITE_SCRIPT in caption and SITE_BACKTICK in caption, f"the chosen bases do not read as written: {caption!r}"
    site = pd.read_csv(h.sites_csv).iloc[0]
    hover(page, MARKER_POINT_JS, [float(site.lat), float(site.lon), BASE_COLOUR], [SITE_SCRIPT], "the patrol base named with ${...}")


def check_model(page, h: Hostile, role: Role | None) -> None:
    assert poll(page, lambda: DATASET_NAME in main_text(page), 60000), "the model page does not name the dataset as written"


def check_data(page, h: Hostile, role: Role | None) -> None:
    """Upload the hostile files, check them (accepted in this server) and hover the preview map."""
    files = ["boundaries.geojson", "indicators.csv", "cases.csv", "border.geojson", "border_gates.csv"]
    for i, name in enumerate(files):
        upload_with_file_chooser(page, page.locator('[data-testid="stFileUploader"]').nth(i), h.folder / name)
    mouse_click(page, page.get_by_role("button", name=t("dp.check", LANG)))
    assert wait_for_text(page, t("dp.ok", LANG), 90000), "the check of the upload did not pass in this server"
    wait_for_map(page, where="data preview")
    sweep(page)
    hover(page, COMMUNE_POINT_JS, [h.script_commune], [h.script_name], "the previewed commune named with ${...}")
    hover(page, COMMUNE_POINT_JS, [h.backtick_commune], [h.backtick_name], "the previewed commune named with a backtick")


def check_audit(page, h: Hostile, role: Role | None) -> None:
    assert page.locator('[data-testid="stMain"] h1', has_text=t("page.audit", LANG)).count() == 1


def check_users(page, h: Hostile, role: Role | None) -> None:
    assert page.locator('[data-testid="stMain"] h1', has_text=t("page.users", LANG)).count() == 1


def check_account(page, h: Hostile, role: Role | None) -> None:
    assert page.locator('[data-testid="stMain"] h1', has_text=t("page.account", LANG)).count() == 1


CHECKS = {"risk_map": check_risk_map, "hotspots": check_hotspots, "priorities": check_priorities,
          "model": check_model, "data": check_data, "audit": check_audit, "users": check_users,
          "account": check_account}
ROLES = [None, Role.OFFICIAL, Role.PLANNER, Role.COMMANDER, Role.ADMIN]


@pytest.mark.parametrize("role", ROLES, ids=lambda r: "demo-visitor" if r is None else r.value)
def test_unchecked_hostile_data_runs_no_script_on_any_page(hostile_server, role):
    from risk.access.privacy import page_allowed

    base, h = hostile_server.url, hostile_server.hostile
    who = "demo-visitor" if role is None else role.value
    pages = [key for key in PAGES if page_allowed(key, role or Role.PLANNER)  # demo visitors are planners...
             and not (role is None and key == "account")]  # ...without an account
    with browser_page(base, WIDTH, HEIGHT) as (page, blocked):
        watch = Watch(page)
        page.goto(base, wait_until="domcontentloaded")
        wait_for_map(page, where="the demo visitor's first map")
        watch.prove_it_sees_the_map_frame(page)
        sidebar = page.locator('[data-testid="stSidebar"]')
        assert page.locator('img[src*="beacon"]').count() == 0, "the dataset name became an image"
        assert DATASET_NAME in sidebar.inner_text(), "the sidebar does not show the dataset name as written"
        if role is not None:
            old = map_frame(page)
            sign_in(page, role)
            wait_for_map(page, old, where=f"{who}'s first map")
        links = {a.get_attribute("href").rstrip("/").rsplit("/", 1)[-1]
                 for a in page.locator('[data-testid="stSidebar"] a[data-testid="stPageLink-NavLink"]').all()}
        assert {k.replace("_", "-") for k in pages[1:]} <= links and len(links) == len(pages), (who, links)
        for key in pages:
            if key != PAGES[0]:
                go_to(page, key)
            CHECKS[key](page, h, role)
            page.wait_for_timeout(300)
            if ARTIFACTS.is_dir():
                page.screenshot(path=str(ARTIFACTS / f"hostile-{who}-{key}.png"))
            assert_nothing_ran(page, watch, blocked, f"{who} on {key}")
        wait_idle(page)
        assert_nothing_ran(page, watch, blocked, f"{who} at the end")
