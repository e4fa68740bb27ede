"""The view in the URL (ui/links.py): a link reopens the view; a hostile link changes nothing."""
from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from risk.analysis.composite import CompositeConfig
from risk.analysis.model import ModelConfig
from risk.access.privacy import Role
from risk.access.settings import PROJECT_ROOT
from risk.i18n import t
from risk.views.priorities import PriorityFilters
from tests.apptest_helpers import signed_in_session
from ui import links
from ui import session as slots

APP = str(PROJECT_ROOT / "dashboard.py")
COMMUNE = "16690"  # Phường Trường Vinh in the demo data
HOSTILE = {
    "lang": ["fr"], "year": ["<script>alert(1)</script>"], "ind": ["<img src=x onerror=alert(1)>"],
    "scheme": ["javascript:alert(1)"], "k": ["99"], "commune": ["'\"><script>evil()</script>"], "wm": ["evil"],
    "w": ["poverty_rate:1e309"], "model": ["rm -rf"], "patrol": ["0.3"], "noeth": ["2"], "rank": ["<b>evil</b>"],
    "d": ["\x00bad"], "border": ["NaN"], "minpop": ["-5"], "min": ["x:y"], "sel": ["a b"] * 3,
    "from": ["2025"], "to": ["2019"], "form": ["<script>evil()</script>"], "layer": ["../../etc"],
}


def test_a_hostile_url_yields_no_value_at_all():
    assert links.parse(HOSTILE) == {}
    assert links.parse({"sel": ["16681"] * 5000, "d": ["x" * 5000]}) == {}
    assert links.parse({"year": ["2023", "2024"]}) == {}  # repeated where one is expected


def test_every_value_survives_the_round_trip():
    values = {
        slots.LANG: "en", slots.VIEW_YEAR: 2022, slots.VIEW_INDICATOR: "poverty_rate", slots.VIEW_SCHEME: "equal_interval",
        slots.VIEW_CLASSES: 4, slots.SELECTED_COMMUNE: COMMUNE,
        slots.COMPOSITE_SETTINGS: CompositeConfig({"poverty_rate": 2.5, "dropout_rate": 0.0}, "geometric"),
        slots.MODEL_SETTINGS: ModelConfig(kind="gbm", drop_features=("ethnic_minority_share",), patrol_weight=0.5),
        slots.VIEW_RANKING: "composite",
        slots.VIEW_FILTERS: PriorityFilters(("Huyện Kỳ Sơn", "Thành phố Vinh, cũ"), 40.0, 5000.0, {"poverty_rate": 12.5}),
        slots.PR_MAP_SELECTED: ["16681", "16690"], slots.VIEW_PERIOD: (2020, 2024), slots.VIEW_FORM: "forced_marriage",
        slots.VIEW_LAYER: "gi",
    }
    query = {}
    for page in links.PAGE_PARAMS:
        query.update(links.encode(page, values))
    assert links.parse(query) == values


def app(query: dict, role: Role = Role.COMMANDER, lang: str = "en") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=300)
    at.session_state["lang"] = lang
    at.session_state["auth"] = signed_in_session(role, f"user-{role.value}")
    at.query_params.update(query)
    at.run()
    assert not at.exception, at.exception
    return at


@pytest.fixture(autouse=True)
def no_demo(monkeypatch):
    monkeypatch.setenv("RISK_DEMO_MODE", "off")


def test_a_link_reopens_the_risk_map_view():
    at = app({"lang": "vi", "year": "2022", "ind": "poverty_rate", "scheme": "equal_interval", "k": "4",
              "commune": COMMUNE}, lang="en")
    assert at.selectbox(key="map_year").value == 2022
    assert at.selectbox(key="map_indicator").value == "poverty_rate"
    assert at.selectbox(key="map_scheme").value == "equal_interval"
    assert at.selectbox(key="map_k").value == 4
    assert any("Phường Trường Vinh" in s.value for s in at.subheader)  # the commune's panel is open
    assert at.title[0].value == t("page.risk_map", "vi")  # the link's language
    written = at.query_params
    assert (written["year"], written["ind"], written["commune"], written["lang"]) == ("2022", "poverty_rate", COMMUNE, "vi")


def test_a_hostile_link_opens_the_default_view_and_reaches_no_html():
    at = app({name: values if len(values) > 1 else values[0] for name, values in HOSTILE.items()})
    assert at.selectbox(key="map_year").value == 2025  # the latest year
    assert at.selectbox(key="map_indicator").value == "__score__"
    assert "selected_commune" not in at.session_state
    sent = " ".join(str(e.proto) for e in [*at.main, *at.sidebar])
    assert "alert(1)" not in sent and "evil" not in sent  # no payload reached the page
    assert set(at.query_params) <= {"lang", "year", "ind", "scheme", "k", "model", "noeth", "patrol"}
    assert at.query_params["year"] == str(at.selectbox(key="map_year").value)


def test_a_year_the_data_lacks_and_an_unknown_commune_fall_back_to_the_defaults():
    at = app({"year": "1999", "commune": "99999", "ind": "no_such_indicator"})
    assert at.selectbox(key="map_year").value == 2025
    assert at.selectbox(key="map_indicator").value == "__score__"
    assert "selected_commune" not in at.session_state and "commune" not in at.query_params


def test_one_year_and_one_set_of_weights_for_every_page():
    at = app({"ind": "__composite__"})
    at.selectbox(key="map_year").set_value(2021)
    at.select_slider(key="composite_w_poverty_rate").set_value(3.0)
    at.radio(key="composite_method").set_value("geometric")
    at.run()
    tuned = at.session_state["composite_settings"]
    at.switch_page("pages/priorities.py")
    at.run()
    assert not at.exception, at.exception
    assert at.selectbox(key="pr_year").value == 2021
    at.radio(key="pr_ranking").set_value("composite")
    at.run()
    assert at.select_slider(key="composite_w_poverty_rate").value == 3.0
    assert at.radio(key="composite_method").value == "geometric"
    assert at.session_state["composite_settings"] == tuned  # the exported index is the one tuned on the map
    assert at.query_params["w"].startswith("dropout_rate:1") and "poverty_rate:3" in at.query_params["w"]
    at.selectbox(key="pr_year").set_value(2023)
    at.run()
    at.switch_page("pages/risk_map.py")
    at.run()
    assert at.selectbox(key="map_year").value == 2023


def test_a_priorities_link_brings_its_filters():
    at = app({"year": "2024", "rank": "composite", "d": ["Huyện Kỳ Sơn", "<script>"], "border": "30",
              "min": "poverty_rate:20"})
    at.switch_page("pages/priorities.py")
    at.run()
    assert at.selectbox(key="pr_year").value == 2024 and at.radio(key="pr_ranking").value == "composite"
    assert at.multiselect(key="pr_districts").value == ["Huyện Kỳ Sơn"]  # the unknown district is dropped
    assert at.slider(key="pr_border").value == 30.0
    assert at.select_slider(key="pr_min_poverty_rate").value == 20.0


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_copy_link_button_is_drawn_with_our_escaped_label_only(lang):
    """dashboard.py draws it after every page (AppTest shows the entry script's sidebar on the first
    page only; tests/e2e/test_browser_session.py finds it on every page in a browser)."""
    at = app({"commune": "<script>evil()</script>"}, Role.ADMIN, lang)
    buttons = [e.proto.body for e in at.sidebar if type(e).__name__ == "Html" and "risk-copy-link" in e.proto.body]
    assert len(buttons) == 1 and f">{t('link.copy', lang)}</button>" in buttons[0]
    assert "evil" not in buttons[0] and "window.location.href" in buttons[0]


def test_an_empty_choice_is_left_out_of_the_url_so_the_url_matches_what_was_written():
    """`d: []` (no district filter) cannot live in st.query_params; written, the URL never equalled
    what the session wrote, and every rerun put the URL's year back (the Priorities year select
    snapped back in the browser)."""
    from risk.views.priorities import PriorityFilters
    from ui import links
    from ui import session as slots

    query = links.encode("priorities", {slots.VIEW_YEAR: 2024, slots.VIEW_FILTERS: PriorityFilters(),
                                        slots.PR_MAP_SELECTED: []})
    assert query and all(values for values in query.values())
    assert "d" not in query and "sel" not in query and query["year"] == ["2024"]
