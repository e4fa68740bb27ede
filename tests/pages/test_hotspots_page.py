"""The hotspots page in AppTest: both languages, commander and planner, and no case
coordinates anywhere a planner's session could reach."""
from __future__ import annotations

import csv
import json
import re
import shutil

import pytest
from streamlit.testing.v1 import AppTest

from tests.apptest_helpers import map_args, map_text, published_geometry, signed_in_session

from risk.i18n import t
from risk.access.privacy import Role
from risk.access.settings import DEFAULT_DATA_DIR, PROJECT_ROOT

APP = str(PROJECT_ROOT / "dashboard.py")
URL = re.compile(r"https?://", re.I)
NUMBER = re.compile(r"-?\d+\.\d+")


@pytest.fixture(autouse=True)
def signed_in_mode(monkeypatch):
    monkeypatch.setenv("RISK_DATA_DIR", str(DEFAULT_DATA_DIR))
    monkeypatch.setenv("RISK_DEMO_MODE", "off")


def run_page(role: Role, lang: str = "en") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=240)
    at.session_state["lang"] = lang
    at.session_state["auth"] = signed_in_session(role, f"{role.value}1")
    at.switch_page("pages/hotspots.py")
    at.run()
    return at


def case_coordinates(folder=DEFAULT_DATA_DIR) -> list[tuple[float, float]]:
    with open(folder / "cases.csv", encoding="utf-8", newline="") as fh:
        return [(float(r["lon"]), float(r["lat"])) for r in csv.DictReader(fh) if r["lon"] and r["lat"]]


def leaked_pairs(text: str) -> list[tuple[float, float]]:
    """Case (lon, lat) pairs whose two numbers both appear in `text` (to 6 decimals, as in cases.csv)."""
    numbers = {round(float(x), 6) for x in NUMBER.findall(text)}
    return [(lon, lat) for lon, lat in case_coordinates() if round(lon, 6) in numbers and round(lat, 6) in numbers]


def session_text(at: AppTest) -> str:
    """Everything in the session state, user and internal keys alike, as text."""
    inner = at.session_state._state._state
    parts = []
    for key in inner._keys():
        try:
            parts.append(f"{key}={inner[key]!r}")
        except Exception:  # a widget id whose metadata is gone
            continue
    parts.append(repr(at.session_state.to_dict()))
    return "\n".join(parts)


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_commander_sees_classes_case_clusters_and_heat_map(lang):
    at = run_page(Role.COMMANDER, lang)
    assert not at.exception, at.exception
    assert at.title[0].value == t("page.hotspots", lang)
    # (The demo notice, drawn by dashboard.py before navigation, is lost by AppTest.switch_page;
    # the browser test checks it on this page.)
    args = map_args(at)
    for link in args["js_links"] + args["css_links"]:
        assert not URL.match(link), f"map loads {link} from the internet"
        assert link.startswith("/app/static/vendor/")
    assert any("leaflet.markercluster.js" in link for link in args["js_links"])
    assert any("leaflet-heat.js" in link for link in args["js_links"])
    script = map_text(args)
    assert "L.markerClusterGroup" in script and "L.heatLayer" in script
    assert re.search(r'"maxZoom":\s*18', script), "markercluster needs the map's maxZoom"
    assert len(leaked_pairs(script)) > 100, "the case points should be in the commander's map"
    assert not re.search(r'(src|href)\s*=\s*["\']https?://', args["header"] + args["html"] + script)
    label = t("hotspots.class.not_in_cluster", lang)
    assert label in script or json.dumps(label)[1:-1] in script  # GeoJSON data is ASCII-escaped
    assert args["returned_objects"] == []
    assert t("hotspots.download", lang) in [b.label for b in at.get("download_button")]


@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("role", [Role.PLANNER, Role.OFFICIAL])
def test_planner_and_official_get_no_case_coordinates_anywhere(role, lang):
    at = run_page(role, lang)
    assert not at.exception, at.exception
    assert at.title[0].value == t("page.hotspots", lang)
    raw = [e for e in at.main if getattr(e, "type", None) == "component_instance"][0].proto.json_args
    args = json.loads(raw)
    assert "markerClusterGroup" not in map_text(args) and "heatLayer" not in map_text(args)
    assert not any("markercluster" in link or "heat" in link for link in args["js_links"])
    assert leaked_pairs(raw) == [], "case coordinates reached a planner's map"
    assert leaked_pairs(session_text(at)) == [], "case coordinates reached a planner's session state"
    for frame in at.dataframe:
        assert leaked_pairs(frame.value.to_csv()) == []
    assert t("hotspots.points_hidden", lang, k=3) in [i.value for i in at.info]
    count_columns = {t("hotspots.col.total", lang)}
    cells = {c for frame in at.dataframe for col in frame.value.columns
             if str(col).isdigit() or col in count_columns for c in frame.value[col].astype(str)}
    assert "<3" in cells or any(c.startswith("≥") for c in cells), "small counts should be suppressed"
    assert not {"1", "2"} & cells, "a count below k is shown to a planner"


def test_the_border_belt_and_other_choices_rerun_cleanly():
    at = run_page(Role.COMMANDER, "en")
    rows_all = len(at.dataframe[0].value) if at.dataframe else 0
    at.toggle(key="hs_belt").set_value(True)
    at.run()
    at.slider(key="hs_belt_km").set_value(10)
    at.run()
    assert not at.exception, at.exception
    note = [w.value for w in at.warning if "pick out the" in w.value]
    assert note and "within 10 km of the border" in note[0]
    rows_belt = len(at.dataframe[0].value) if at.dataframe else 0
    assert rows_belt <= rows_all
    at.selectbox(key="hs_weights").set_value("distance")
    at.selectbox(key="hs_form").set_value("forced_marriage")
    at.selectbox(key="hs_slice").set_value("month")
    at.select_slider(key="hs_period").set_value((2022, 2025))
    at.run()
    assert not at.exception, at.exception
    assert any("band" in c.value and "999 simulated maps" in c.value and "by month" in c.value for c in at.caption)
    for layer in ("exceedance", "gi"):
        at.radio(key="hs_layer").set_value(layer)
        at.run()
        assert not at.exception, at.exception
    assert "L.markerClusterGroup" in map_args(at)["script"]


def test_names_with_markup_reach_the_hotspot_map_escaped(tmp_path, monkeypatch):
    folder = tmp_path / "ds"
    shutil.copytree(DEFAULT_DATA_DIR, folder)
    path = folder / "boundaries.geojson"
    path.write_text(path.read_text(encoding="utf-8").replace("Xã Mường Típ", "<img src=x onerror=alert(1)>", 1),
                    encoding="utf-8")
    monkeypatch.setenv("RISK_DATA_DIR", str(folder))
    monkeypatch.setattr("risk.ingest.folder.check_text", lambda *args, **kwargs: None)  # as if built in code
    at = run_page(Role.COMMANDER, "en")
    assert not at.exception, at.exception
    args = map_args(at)
    assert "<img src=x" not in map_text(args)
    geometry = published_geometry(args)  # names reach the browser in the geometry file
    assert "<img src=x" not in geometry and "&lt;img src=x onerror=alert(1)&gt;" in geometry


def test_the_csv_export_is_written_to_the_audit_log():
    from risk.access.settings import load_settings
    from risk.store.versions import Store

    at = run_page(Role.PLANNER, "en")
    button = at.get("download_button")[0]
    button.click()
    at.run()
    assert not at.exception, at.exception
    log = Store(load_settings().store_path).audit(action="export")
    assert len(log) == 1
    entry = log.iloc[0]
    assert entry["user"] == "planner1" and entry["rows"] == len(at.dataframe[1].value)  # [0] lists the clusters
    assert entry["details"]["format"] == "csv" and entry["details"]["role"] == "planner"

