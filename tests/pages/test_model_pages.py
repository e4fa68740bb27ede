"""Model card page and the risk map's score colouring and commune panel, in AppTest."""
from __future__ import annotations


import pytest
from streamlit.testing.v1 import AppTest

from risk.i18n import t
from risk.ingest.folder import load_dataset
from risk.access.privacy import Role
from risk.access.settings import DEFAULT_DATA_DIR, PROJECT_ROOT
from tests.apptest_helpers import signed_in_session

APP = str(PROJECT_ROOT / "dashboard.py")


def run(page: str | None = None, lang: str = "en", role: Role | None = None, **state) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=300)
    at.session_state["lang"] = lang
    if role is not None:
        at.session_state["auth"] = signed_in_session(role, f"test-{role.value}")
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    if page:
        at.switch_page(page)
        at.run()
    assert not at.exception, at.exception
    return at


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_model_card_shows_backtest_against_baselines(lang):
    at = run("pages/model.py", lang)
    assert at.title[0].value == t("page.model", lang)
    headers = [h.value for h in at.header]
    for key in ("mp.data_used", "mp.backtest", "mp.importance", "mp.ethnic", "mp.feedback", "mp.limitations"):
        assert t(key, lang) in headers
    table = at.dataframe[0].value
    assert list(table.iloc[:, 0]) == [t(f"mp.method.{m}", lang)
                                      for m in ("model", "last_year", "poverty", "composite", "poisson")]
    cells = table[t("mp.metric.auc", lang)].tolist()
    decimal = "," if lang == "vi" else "."
    assert all(decimal in c.split(" ")[0] and "[" in c for c in cells), cells  # estimate [interval], by language
    auc = [float(c.split(" ")[0].replace(",", ".")) for c in cells]
    assert auc[0] > auc[1] and auc[0] > auc[2], "the demo model should beat both simple rules on the card"
    assert t("mp.margins", lang) in [h.value for h in at.subheader]
    margins = at.dataframe[1].value
    assert len(margins) == 6 and margins.shape[1] == 9  # six metrics; margin and no-gain share per rule
    captions = " ".join(c.value for c in at.caption)
    leak_ok = t("mp.time_travel.ok", lang, year=2024, cases="@", rows="@", communes="@", difference="@")
    assert leak_ok.split("@")[0] in captions and not at.error
    assert len(at.get("vega_lite_chart")) >= 3  # capture curve, calibration, importance


def test_model_settings_reach_the_card():
    at = run("pages/model.py", "en")
    at.checkbox(key="mp_drop_ethnic").check()
    at.run()
    assert not at.exception
    assert at.session_state["model_settings"].drop_features == ("ethnic_minority_share",)
    features = next(c.value for c in at.caption if c.value.startswith(t("mp.features", "en")))
    assert "Ethnic-minority" not in features


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_recalibration_is_measured_and_can_be_switched_on(lang):
    at = run("pages/model.py", lang)
    text = " ".join(m.value for m in at.markdown)
    assert t("mp.recal.off", lang) in text
    assert t("mp.calibration_level", lang, folds=5, error="@", low="@", high="@").split("@")[0] in text
    at.checkbox(key="mp_recalibrate").check()
    at.run()
    assert not at.exception and at.session_state["model_settings"].recalibrate
    assert t("mp.recal.on", lang) in " ".join(m.value for m in at.markdown)


def test_risk_map_colours_by_score():
    at = run(None, "en", Role.PLANNER)
    at.selectbox(key="map_indicator").set_value("__score__")
    at.run()
    assert not at.exception
    legend = [h.value for h in at.html if "risk-legend" in h.value]
    assert legend and t("map.score", "en") in legend[0]
    assert any(t("map.score_caption", "en", year=2025, next_year=2026) == c.value for c in at.caption)


def _cases_by_year(commune_id: str) -> dict[int, int]:
    cases = load_dataset(DEFAULT_DATA_DIR).cases
    rows = cases[cases["commune_id"] == commune_id]
    return rows.groupby(rows["date"].dt.year).size().to_dict()


def _busiest_commune_with_small_cells() -> str:
    cases = load_dataset(DEFAULT_DATA_DIR).cases
    counts = cases.groupby(["commune_id", cases["date"].dt.year]).size()
    small = counts[(counts > 0) & (counts < 3)].reset_index()["commune_id"]
    return small.value_counts().index[0]


def test_commune_panel_for_a_planner_suppresses_small_counts():
    commune = _busiest_commune_with_small_cells()
    at = run(None, "en", Role.PLANNER, selected_commune=commune)
    subheaders = [s.value for s in at.subheader]
    assert any(s.startswith(t("map.selected", "en")) for s in subheaders)
    labels = [m.label for m in at.metric]
    assert t("panel.score", "en", next_year=2026) in labels and t("panel.rank", "en") in labels
    assert any(t("panel.rank_interval", "en", low=0, high=0).split(":")[0] in c.value for c in at.caption)
    counts = at.dataframe[1].value  # indicators table first, then case counts (year, count), latest first
    shown = counts[t("panel.count", "en")].tolist()
    assert "<3" in shown and counts[t("panel.year", "en")].tolist() == list(range(2025, 2018, -1))
    assert t("panel.cases_suppressed", "en", k=3) in [c.value for c in at.caption]
    indicators = at.dataframe[0].value
    assert list(indicators.columns)[:2] == ["2025", "2024"]  # the latest years first, in view at 1366 px
    chart = next(e for e in at.main if getattr(e, "type", None) == "vega_lite_chart")
    assert "<3" in str(chart.proto)  # the hidden years are drawn, not dropped


def test_commune_panel_for_a_commander_shows_exact_counts():
    commune = _busiest_commune_with_small_cells()
    at = run(None, "en", Role.COMMANDER, selected_commune=commune)
    shown = at.dataframe[1].value[t("panel.count", "en")].tolist()
    assert "<3" not in shown
    expected = _cases_by_year(commune)
    assert [str(expected.get(y, 0)) for y in range(2025, 2018, -1)] == shown


def test_risk_map_composite_index_with_editable_weights():
    at = run(None, "en", Role.PLANNER)
    at.selectbox(key="map_indicator").set_value("__composite__")
    at.session_state["map_table"] = True  # the value table is drawn once its expander is opened
    at.run()
    assert not at.exception
    legend = [h.value for h in at.html if "risk-legend" in h.value]
    assert legend and t("map.composite", "en") in legend[0]
    sensitivity = [c.value for c in at.caption if c.value.startswith("Sensitivity to ±20% weights")]
    assert sensitivity
    before = at.dataframe[-1].value.copy()
    at.select_slider(key="composite_w_poverty_rate").set_value(10.0)
    at.radio(key="composite_method").set_value("geometric")
    at.run()
    assert not at.exception
    after = at.dataframe[-1].value
    column = t("map.composite", "en")
    assert not before[column].equals(after[column]), "editing the weights must change the index"


def test_the_backtests_composite_row_uses_the_weights_set_on_the_risk_map():
    """A planner who weights one indicator on the risk map sees the composite judged at those weights."""
    from risk.analysis.composite import CompositeConfig

    equal = run("pages/model.py", "en")
    weights = CompositeConfig(weights={"poverty_rate": 5.0, "early_marriage_rate": 1.0})
    custom = run("pages/model.py", "en", composite_settings=weights)
    label = t("mp.method.composite_custom", "en")
    first = equal.dataframe[0].value
    second = custom.dataframe[0].value
    assert label not in list(first.iloc[:, 0]) and label in list(second.iloc[:, 0])
    auc = t("mp.metric.auc", "en")
    assert first.iloc[3][auc] != second.iloc[3][auc]  # the composite's figures change with its weights
    assert first.iloc[0][auc] == second.iloc[0][auc]  # the model's do not


def test_composite_weights_survive_a_page_switch():
    from risk.analysis.composite import CompositeConfig

    weights = CompositeConfig(weights={"poverty_rate": 5.0}, method="geometric")
    at = run(None, "en", Role.PLANNER, composite_settings=weights)
    at.selectbox(key="map_indicator").set_value("__composite__")
    at.run()
    assert not at.exception
    assert at.select_slider(key="composite_w_poverty_rate").value == 5.0
    assert at.radio(key="composite_method").value == "geometric"
    assert at.session_state["composite_settings"].method == "geometric"
