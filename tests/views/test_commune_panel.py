"""The commune panel's case chart and indicator history: zeros drawn as zeros, hidden years kept
and shown as the range they lie in, the latest years first, numbers in the language's marks."""
from __future__ import annotations

import pandas as pd
import pytest

from risk.access.privacy import Role
from risk.access.settings import DEFAULT_DATA_DIR
from risk.ingest.folder import load_dataset
from risk.views.risk_map import case_chart, commune_panel, indicator_history


@pytest.fixture(scope="module")
def ds():
    return load_dataset(DEFAULT_DATA_DIR)


def counts(values: dict[int, int | None], k: int = 3) -> pd.DataFrame:
    return pd.DataFrame([{"year": y, "cases": n, "shown": f"<{k}" if n is None else str(n)} for y, n in values.items()],
                        columns=["year", "cases", "shown"])


def test_a_commune_without_cases_has_a_whole_number_axis_and_labelled_zeros():
    chart = case_chart(counts({2023: 0, 2024: 0, 2025: 0}), 3, "en")
    assert chart.y_max >= 1  # not a 0-to-0 axis ("0.000000")
    assert chart.rows["label"].tolist() == ["0", "0", "0"] and chart.rows["high"].tolist() == [0, 0, 0]


def test_hidden_years_are_kept_as_the_range_their_count_lies_in():
    chart = case_chart(counts({2025: 4, 2023: None, 2024: 0}), 3, "vi")
    rows = chart.rows.set_index("year")
    assert list(chart.rows["year"]) == ["2023", "2024", "2025"]  # oldest first on the time axis
    assert (rows.loc["2023", "low"], rows.loc["2023", "high"], rows.loc["2023", "label"]) == (1, 2, "<3")
    assert rows.loc["2023", "kind"] == chart.kinds[1] == "Ẩn (dưới 3): từ 1 đến 2 vụ"
    assert (rows.loc["2025", "low"], rows.loc["2025", "high"]) == (0, 4) and rows.loc["2025", "kind"] == chart.kinds[0]
    assert chart.y_max > 4


def test_the_panel_lists_the_latest_year_first_in_the_language(ds):
    commune = ds.boundaries["commune_id"].astype(str).iloc[0]
    history = indicator_history(ds, commune, "vi")
    assert list(history.columns) == [str(y) for y in sorted(ds.years, reverse=True)]
    row = ds.indicators[(ds.indicators["commune_id"].astype(str) == commune) & (ds.indicators["year"] == 2025)]
    poverty = next(label for label in history.index if label.startswith("Tỷ lệ hộ nghèo đa chiều"))
    assert poverty.endswith("(%)")
    assert history.loc[poverty, "2025"] == f"{row['poverty_rate'].iloc[0]:.1f}".replace(".", ",")
    population = next(label for label in history.index if label.startswith("Dân số"))
    assert "." in history.loc[population, "2025"] and "," not in history.loc[population, "2025"]  # 19.907


def test_a_planners_panel_keeps_the_hidden_years_in_its_chart(ds):
    cases = ds.cases
    per_year = cases.groupby(["commune_id", cases["date"].dt.year]).size()
    commune = per_year[(per_year > 0) & (per_year < 3)].reset_index()["commune_id"].value_counts().index[0]
    panel = commune_panel(ds, commune, None, None, None, Role.PLANNER, 3, "en")
    assert panel.counts["year"].tolist() == sorted(ds.years, reverse=True)
    hidden = panel.counts[panel.counts["shown"] == "<3"]["year"].astype(str).tolist()
    assert hidden and set(hidden) <= set(panel.chart.rows[panel.chart.rows["label"] == "<3"]["year"])
    assert len(panel.chart.rows) == len(ds.years)
    assert panel.chart.y_max > 2  # above the hidden band's top (k - 1), room for its label
