"""The priority list: columns, order, filters, and role-shaped case totals."""
from __future__ import annotations

from risk.analysis.model import Driver

import pandas as pd
import pytest

from risk.i18n import t
from risk.views.priorities import (COLUMNS, PriorityFilters, apply_filters, display_frame, drivers_text, map_values,
                                   page_label, priority_table, table_page)
from risk.access.privacy import Role, case_totals


@pytest.fixture
def parts():
    boundaries = pd.DataFrame({"commune_id": ["1", "2", "3", "4"], "name": ["Xã A", "Xã B", "Phường C", "Xã D"],
                               "former_district": ["H1", "H1", "H2", "H2"]})
    ranking = pd.DataFrame({"commune_id": ["3", "1", "4", "2"], "score": [0.9, 0.5, 0.3, 0.1], "rank": [1, 2, 3, 4],
                            "rank_low": [1, 1, 2, 3], "rank_high": [2, 3, 4, 4],
                            "drivers": [(Driver("poverty_rate", 0.4),), (), None, ()]})
    indicators = pd.DataFrame({"commune_id": ["1", "2", "3", "4"], "poverty_rate": [30.0, 5.0, 12.0, 50.0],
                               "population": [5000, 20000, 8000, 3000]})
    dist = pd.Series([5.0, 40.0, 15.0, 0.0], index=["1", "2", "3", "4"])
    return boundaries, ranking, indicators, dist


def test_table_is_sorted_by_rank_with_every_column(parts):
    boundaries, ranking, indicators, dist = parts
    table = priority_table(boundaries, ranking, indicators, dist_border_km=dist)
    assert list(table.columns) == list(COLUMNS)
    assert table["commune_id"].tolist() == ["3", "1", "4", "2"]
    assert table.loc[0, "drivers"] == "▲ poverty_rate" and table.loc[0, "name"] == "Phường C"
    assert table.loc[2, "dist_border_km"] == 0.0 and table.loc[1, "population"] == 5000


def test_filters_keep_original_ranks(parts):
    boundaries, ranking, indicators, dist = parts
    table = priority_table(boundaries, ranking, indicators, dist_border_km=dist)
    assert apply_filters(table, indicators, PriorityFilters(districts=("H2",)))["rank"].tolist() == [1, 3]
    assert apply_filters(table, indicators, PriorityFilters(max_border_km=10))["commune_id"].tolist() == ["1", "4"]
    assert apply_filters(table, indicators, PriorityFilters(min_population=6000))["commune_id"].tolist() == ["3", "2"]
    both = PriorityFilters(thresholds={"poverty_rate": 12.0}, max_border_km=20)
    assert apply_filters(table, indicators, both)["commune_id"].tolist() == ["3", "1", "4"]
    assert both.describe() == {"max_border_km": 20, "min_poverty_rate": 12.0}


def test_map_values_follow_the_map_order_and_leave_filtered_out_communes_blank(parts):
    boundaries, ranking, indicators, dist = parts
    table = priority_table(boundaries, ranking, indicators, dist_border_km=dist)
    shown = apply_filters(table, indicators, PriorityFilters(districts=("H2",)))
    values, ranks = map_values(shown, ["1", "2", "3", "4", "9"])
    assert values.index.tolist() == ["1", "2", "3", "4", "9"]
    assert values.isna().tolist() == [True, True, False, False, True]  # "9" is on the map, not in the list
    assert values["3"] == 0.9 and values["4"] == 0.3 and ranks == {"3": "#1", "4": "#3"}


def test_the_shown_table_ticks_the_selection_and_keeps_the_scores_places(parts):
    boundaries, ranking, indicators, dist = parts
    table = priority_table(boundaries, ranking, indicators, dist_border_km=dist)
    table["score"] = table["score"] * 100 + 0.0123  # 90.0123, 50.0123, ...
    shown = display_frame(table, {"1"}, "en")
    assert shown.iloc[:, 0].tolist() == [False, True, False, False]  # the tick column comes first
    assert shown["Score"].tolist() == [90.0, 50.0, 30.0, 10.0] and shown["Score"].dtype.kind == "f"
    assert shown.iloc[0]["90% rank interval"] == "1–2"


def test_drivers_text_marks_direction():
    text = drivers_text((Driver("a", 0.2), Driver("b", -0.1)), str.upper)
    assert text == "▲ A, ▼ B"


def test_case_totals_are_suppressed_for_planners_only():
    cases = pd.DataFrame({"commune_id": ["1", "1", "2", "2", "2", "3"],
                          "date": pd.to_datetime(["2023-01-01", "2024-01-01", "2023-02-02", "2024-02-02",
                                                  "2025-02-02", "2019-01-01"])})
    planner = case_totals(cases, ["1", "2", "3"], [2023, 2024, 2025], Role.PLANNER)
    assert planner.tolist() == ["≥2", "≥3", "0"]  # every year of 1 and 2 is a hidden cell
    assert case_totals(cases, ["1", "2", "3"], [2023, 2024, 2025], Role.COMMANDER).tolist() == ["2", "3", "0"]


def test_a_three_year_total_cannot_give_a_hidden_year_back_by_subtraction():
    """The panel shows 2023: 5, 2025: <3; an exact total of 6 would say 2025 had 1 case."""
    cases = pd.DataFrame({"commune_id": ["1"] * 6,
                          "date": pd.to_datetime(["2023-01-01"] * 5 + ["2025-03-01"])})
    assert case_totals(cases, ["1"], [2023, 2024, 2025], Role.PLANNER).tolist() == ["≥6"]
    assert case_totals(cases, ["1"], [2023, 2024, 2025], Role.OFFICIAL).tolist() == ["≥6"]
    assert case_totals(cases, ["1"], [2023, 2024, 2025], Role.COMMANDER).tolist() == ["6"]


@pytest.mark.parametrize("total, number, rows, want", [
    (130, 0, 250, (0, 1, 0, 130)),      # a province: one page, the whole list
    (10_600, 0, 250, (0, 43, 0, 250)),
    (10_600, 42, 250, (42, 43, 10_500, 10_600)),  # the last page holds the rest
    (10_600, 99, 250, (42, 43, 10_500, 10_600)),  # a page the filters took away: the last there is
    (500, 2, 250, (1, 2, 250, 500)),    # exactly two pages
    (0, 3, 250, (0, 1, 0, 0)),          # nothing left after the filters
    (7, -1, 3, (0, 3, 0, 3)),
])
def test_the_table_shows_a_page_of_the_list_clamped_to_the_pages_there_are(total, number, rows, want):
    page = table_page(total, number, rows)
    assert (page.number, page.count, page.start, page.stop) == want and page.total == total


def test_a_page_names_its_rows_in_the_language():
    assert page_label(4, 10_600, "vi", rows=250) == t("pr.page_rows", "vi", first="1.001", last="1.250")
    assert page_label(42, 10_600, "en", rows=250) == t("pr.page_rows", "en", first="10,501", last="10,600")


def test_a_rank_interval_is_written_once_for_page_brief_and_command_line():
    from risk.views.priorities import interval_text

    assert interval_text(1001, 1250, "vi") == "1.001–1.250" and interval_text(1001, 1250, "en") == "1,001–1,250"
    assert interval_text(pd.NA, pd.NA, "en") == "–" and interval_text(pd.NA, 3, "vi", missing="") == ""
