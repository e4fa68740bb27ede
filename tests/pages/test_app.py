"""Pages in Streamlit's AppTest: both languages, offline map component, bad data."""
from __future__ import annotations

import re
import shutil

import pytest
from streamlit.testing.v1 import AppTest

from tests.apptest_helpers import map_args, map_place

from risk.i18n import t
from risk.ingest.folder import load_dataset
from risk.access.settings import DEFAULT_DATA_DIR, PROJECT_ROOT

APP = str(PROJECT_ROOT / "dashboard.py")
URL = re.compile(r"https?://", re.I)


def run_app(lang: str | None = None, **widgets) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    if lang:
        at.session_state["lang"] = lang
    at.run()
    return at


@pytest.fixture(autouse=True)
def demo_data(monkeypatch):
    monkeypatch.setenv("RISK_DATA_DIR", str(DEFAULT_DATA_DIR))
    monkeypatch.delenv("RISK_TILE_URL", raising=False)


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_risk_map_runs_in_both_languages(lang):
    at = run_app(lang)
    assert not at.exception, at.exception
    assert at.title[0].value == t("page.risk_map", lang)
    assert any(t("app.demo_notice", lang) == w.value for w in at.warning), "the demo notice is missing"
    labels = [s.label for s in at.selectbox]
    assert t("map.indicator", lang) in labels and t("map.year", lang) in labels
    assert at.selectbox(key="map_k").value == 5  # five classes unless the user or a link asks otherwise
    legend = [h.value for h in at.html if "risk-legend" in h.value]
    assert legend and legend[0].count("<span>") >= 5  # one label per class
    args = map_args(at)
    assert args["js_links"] and args["css_links"]
    for link in args["js_links"] + args["css_links"]:
        assert not URL.match(link), f"map loads {link} from the internet"
    for part in ("header", "html", "script", "feature_group"):
        assert not re.search(r'(src|href)\s*=\s*["\']https?://', args[part]), part
    assert "tile.openstreetmap" not in args["script"] and "tileLayer" not in args["script"]
    assert args["returned_objects"] == ["last_active_drawing"]


def test_indicator_year_and_scheme_can_be_changed():
    at = run_app("en")
    at.selectbox(key="map_indicator").set_value("mobile_coverage")
    at.selectbox(key="map_year").set_value(2019)
    at.selectbox(key="map_scheme").set_value("natural_breaks")
    at.selectbox(key="map_k").set_value(7)
    at.run()
    assert not at.exception
    legend = [h.value for h in at.html if "risk-legend" in h.value]
    assert legend and "Mobile and internet coverage (2019)" in legend[0]
    assert t("map.direction.lower_risk", "en") in [c.value for c in at.caption]
    # The table's code (Streamlit's data grid, 1.4 MB) loads only once the table is opened.
    assert not at.dataframe
    at.session_state["map_table"] = True
    at.run()
    assert len(at.dataframe) == 1 and len(at.dataframe[-1].value) == 130


def test_ethnic_minority_share_is_framed_as_a_place_vulnerability():
    at = run_app("en")
    at.selectbox(key="map_indicator").set_value("ethnic_minority_share")
    at.run()
    assert t("map.vulnerability_note", "en") in [i.value for i in at.info]


def test_selected_commune_shows_its_indicator_history():
    at = AppTest.from_file(APP, default_timeout=180)
    at.session_state["lang"] = "en"
    at.session_state["selected_commune"] = "16681"
    at.run()
    assert not at.exception
    assert any("Phường Thành Vinh" in s.value for s in at.subheader)


def _copy_demo(tmp_path):
    folder = tmp_path / "ds"
    shutil.copytree(DEFAULT_DATA_DIR, folder)
    return folder


def test_names_with_markup_reach_the_map_escaped(tmp_path, monkeypatch):
    folder = _copy_demo(tmp_path)
    path = folder / "boundaries.geojson"
    text = path.read_text(encoding="utf-8").replace("Phường Thành Vinh", "<img src=x onerror=alert(1)>", 1)
    path.write_text(text, encoding="utf-8")
    monkeypatch.setenv("RISK_DATA_DIR", str(folder))
    monkeypatch.setenv("RISK_DEMO_MODE", "on")
    at = run_app("en")  # the folder loader refuses the cell, naming it
    assert not at.exception
    assert any("boundaries.geojson" in x.value and "HTML" in x.value for x in at.text)
    # A dataset that skipped the loader's check (built in code) is still drawn escaped.
    monkeypatch.setattr("risk.ingest.folder.check_text", lambda *args, **kwargs: None)
    path.write_text(text.replace("<img src=x onerror=alert(1)>", "<img src=x onerror=alert(2)>"), encoding="utf-8")
    at = run_app("vi")
    assert not at.exception
    args = map_args(at)
    assert "<img src=x" not in args["script"] and "<img src=x" not in args["feature_group"]
    # Names reach the browser in the published geometry file, escaped.
    from risk.access.settings import load_settings
    from risk.outputs.geometry_file import published

    name = re.search(r"/_risk/geometry/([0-9a-f]{64}\.topojson)", args["feature_group"]).group(1)
    geometry = published(load_settings().map_cache_dir, name).read_text(encoding="utf-8")
    assert "<img src=x" not in geometry and "&lt;img src=x onerror=alert(2)&gt;" in geometry


def test_broken_dataset_shows_every_problem_and_no_traceback(tmp_path, monkeypatch):
    folder = _copy_demo(tmp_path)
    ind = folder / "indicators.csv"
    lines = ind.read_text(encoding="utf-8").splitlines()
    cells = lines[3].split(",")
    cells[2] = "abc"
    lines[3] = ",".join(cells)
    ind.write_text("\n".join(lines) + "\n", encoding="utf-8")
    monkeypatch.setenv("RISK_DATA_DIR", str(folder))
    monkeypatch.setenv("RISK_DEMO_MODE", "on")
    at = run_app("en")
    assert not at.exception
    assert at.error and "could not be read" in at.error[0].value
    assert any("indicators.csv" in x.value and "row 4" in x.value for x in at.text)
    assert not [e for e in at.main if getattr(e, "type", None) == "component_instance"]


def test_the_map_keeps_its_place_whatever_is_shown_above_it():
    """A spinner, a warning or the composite weights coming and going above the map moved it among the
    page's elements, and the browser then reloaded the whole map instead of restyling it (issue 17)."""
    at = run_app("en")
    places = {"score": map_place(at)}
    at.selectbox(key="map_indicator").set_value("mobile_coverage").run()
    places["indicator"] = map_place(at)
    at.selectbox(key="map_indicator").set_value("__composite__").run()
    places["composite"] = map_place(at)
    at.selectbox(key="map_indicator").set_value("mobile_coverage")
    at.session_state["selected_commune"] = str(load_dataset(DEFAULT_DATA_DIR).boundaries["commune_id"].iloc[0])
    at.run()  # a commune's panel open: scores with intervals, and the weights, both above the map
    places["selected"] = map_place(at)
    assert not at.exception
    assert len(set(places.values())) == 1 and None not in places.values(), places


# Not hotspots: its period is a range select slider, and Streamlit takes the range mode from the
# `value` argument, so that widget needs both (Streamlit logs it once per process).
@pytest.mark.parametrize("page", ["pages/risk_map.py", "pages/priorities.py", "pages/model.py"])
def test_no_widget_is_given_a_default_and_a_preset_value(page, monkeypatch, caplog):
    """Streamlit logs each widget that has both (once per process): noise in the server's log, and a
    sign the two could disagree."""
    from streamlit.elements.lib import policies

    from risk.access.privacy import Role
    from tests.apptest_helpers import open_page

    monkeypatch.setattr(policies, "_shown_default_value_warning", False)
    at = open_page(page, Role.ADMIN, "u-admin")
    at.run()
    for there_and_back in ("pages/data.py", page):  # coming back presets the widgets from the view
        at.switch_page(there_and_back)
        at.run()
    assert not at.exception, at.exception
    assert "created with a default value" not in caplog.text
