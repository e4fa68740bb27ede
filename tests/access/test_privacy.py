"""Small-cell suppression and case-point visibility, per role."""
from __future__ import annotations

import pandas as pd
import pytest

from risk.access.privacy import Role, can_see_case_points, case_counts_by_year
from risk.access.privacy import commune_case_counts, visible_case_points
from tests.analysis.hotspots.grids import grid


@pytest.fixture
def cases():
    dates = ["2020-01-05", "2020-03-01", "2021-02-02", "2021-02-03", "2021-05-05", "2022-07-07"]
    return pd.DataFrame({"commune_id": ["A"] * 6, "date": pd.to_datetime(dates)})


@pytest.mark.parametrize("role,visible", [(Role.ADMIN, True), (Role.COMMANDER, True), (Role.PLANNER, False), (Role.OFFICIAL, False)])
def test_case_points_only_for_commander_and_admin(role, visible):
    assert can_see_case_points(role) is visible


def test_planner_sees_small_cells_suppressed(cases):
    table = case_counts_by_year(cases, "A", [2019, 2020, 2021, 2022], Role.PLANNER)
    assert table["shown"].tolist() == ["0", "<3", "3", "<3"]
    assert table["cases"].tolist()[1] is None or pd.isna(table["cases"].tolist()[1])


def test_commander_sees_exact_counts(cases):
    table = case_counts_by_year(cases, "A", [2020, 2021, 2022], Role.COMMANDER)
    assert table["shown"].tolist() == ["2", "3", "1"]


def test_k_is_configurable(cases):
    table = case_counts_by_year(cases, "A", [2020, 2021], Role.OFFICIAL, k=5)
    assert table["shown"].tolist() == ["<5", "<5"]


def test_data_and_audit_pages_are_admin_only():
    from risk.access.privacy import page_allowed

    for role in Role:
        assert page_allowed("risk_map", role)
        assert page_allowed("data", role) is (role == Role.ADMIN)
        assert page_allowed("audit", role) is (role == Role.ADMIN)


# --- privacy of counts and points --------------------------------------------------------------------


def test_commune_counts_are_suppressed_for_planners_and_totals_do_not_reveal_them():
    cases = pd.DataFrame({"commune_id": ["A", "A", "A", "A", "B", None],
                          "date": pd.to_datetime(["2021-01-01", "2022-01-01", "2022-02-01", "2022-03-01",
                                                  "2022-01-01", "2022-01-01"]),
                          "form": ["other"] * 6})
    planner = commune_case_counts(cases, ["A", "B", "C"], [2021, 2022], Role.PLANNER).set_index("commune_id")
    assert planner.loc["A"].tolist() == ["<3", "3", "≥4"]
    assert planner.loc["B"].tolist() == ["0", "<3", "≥1"]
    assert planner.loc["C"].tolist() == ["0", "0", "0"]
    commander = commune_case_counts(cases, ["A", "B"], [2021, 2022], Role.COMMANDER).set_index("commune_id")
    assert commander.loc["A"].tolist() == ["1", "3", "4"]
    assert commune_case_counts(cases, ["A"], [2022], Role.ADMIN, form="forced_labour")["total"].tolist() == ["0"]


def _cell_by_cell(cases, ids, years, role, k, form=None):
    """The suppression rule written one cell at a time, as the docstring states it: the reference the
    whole-table version must equal."""
    from risk.access.privacy import can_see_case_points
    from risk.analysis.cases import case_matrix

    counts = case_matrix(cases, ids, years, form)
    rows = []
    for cid, values in counts.iterrows():
        row, hidden_any, floor = {"commune_id": cid}, False, 0
        for year, n in values.items():
            hidden = not can_see_case_points(role) and 0 < n < k
            hidden_any |= hidden
            floor += 1 if hidden else int(n)
            row[year] = f"<{k}" if hidden else str(int(n))
        row["total"] = f"≥{floor}" if hidden_any else str(int(values.sum()))
        rows.append(row)
    return pd.DataFrame(rows, columns=["commune_id", *list(years), "total"])


@pytest.mark.parametrize("seed", range(6))
def test_the_whole_table_rule_equals_the_cell_by_cell_rule(seed):
    import numpy as np

    rng = np.random.default_rng(seed)
    ids = [f"C{i}" for i in range(40)]
    n = int(rng.integers(0, 300))
    cases = pd.DataFrame({
        "commune_id": rng.choice(ids + [None], n).tolist(),  # some without a commune
        "date": pd.to_datetime(rng.choice(pd.date_range("2019-01-01", "2025-12-31").to_numpy(), n)),
        "form": rng.choice(["other", "forced_labour"], n).tolist()})
    years = sorted(rng.choice(range(2019, 2026), int(rng.integers(0, 5)), replace=False).tolist())
    for role in Role:
        for k in (1, 2, 3, 5):
            for form in (None, "forced_labour"):
                pd.testing.assert_frame_equal(commune_case_counts(cases, ids, years, role, k, form),
                                              _cell_by_cell(cases, ids, years, role, k, form))


def test_case_points_only_for_commander_and_admin():
    cases = pd.DataFrame({"case_id": ["1", "2"], "date": pd.to_datetime(["2021-01-01"] * 2), "lon": [104.1, None],
                          "lat": [19.1, None], "commune_id": ["A", "A"], "form": ["other"] * 2, "victims": [1, 1]})
    assert len(visible_case_points(cases, Role.COMMANDER)) == 1
    for role in (Role.PLANNER, Role.OFFICIAL):
        with pytest.raises(PermissionError):
            visible_case_points(cases, role)


@pytest.mark.parametrize("role, allowed", [(Role.ADMIN, True), (Role.COMMANDER, True), (Role.PLANNER, False),
                                           (Role.OFFICIAL, False)])
def test_only_roles_that_see_case_rows_may_weigh_coverage_by_recorded_cases(role, allowed):
    from risk.access.privacy import can_weigh_by_recorded_cases
    from risk.analysis.model import ModelConfig
    from risk.ingest.folder import load_dataset
    from risk.access.settings import DEFAULT_DATA_DIR
    from risk.views import priorities as view

    assert can_weigh_by_recorded_cases(role) is allowed
    assert ("recorded_cases" in view.coverage_objectives("model", role)) is allowed
    ds = load_dataset(DEFAULT_DATA_DIR)
    from risk.analysis.model import score

    table = score(ds, 2025, ModelConfig(n_bootstrap=0)).table
    plist = view.PriorityList(2025, "model", (2023, 2024, 2025), table.assign(
        score=table["score"] * 100, population=1000.0)[["commune_id", "score", "population"]])
    if allowed:
        frame = view.coverage_communes(ds, plist, role, "recorded_cases")
        located = ds.cases[ds.cases["date"].dt.year.between(2023, 2025) & ds.cases["commune_id"].notna()]
        assert frame["recorded_cases"].sum() == len(located)
    else:
        with pytest.raises(PermissionError):
            view.coverage_communes(ds, plist, role, "recorded_cases")


def test_typed_count_makes_exact_counts_numbers_and_keeps_hidden_cells_text():
    from risk.access.privacy import typed_count

    assert typed_count("12") == 12 and typed_count("0") == 0
    assert typed_count("<3") == "<3" and typed_count("≥4") == "≥4"
    assert typed_count("١٢") == "١٢"  # only ASCII digits are a count
    assert typed_count(None) is None


@pytest.mark.parametrize("role, allowed", [(Role.ADMIN, True), (Role.COMMANDER, True), (Role.PLANNER, False),
                                           (Role.OFFICIAL, False)])
def test_cases_placed_through_the_crosswalk_are_counted_only_for_roles_that_see_case_rows(role, allowed):
    from risk.access.privacy import crosswalk_case_counts

    vintage = pd.DataFrame({"part": ["cases", "cases", "indicators"], "commune_id": ["A", "A", "A"],
                            "year": [2020, 2021, 2020], "old_units": [1, 1, 3], "rows": [1, 2, 3],
                            "unweighted": [False, False, False]})
    counts = crosswalk_case_counts(vintage, "A", role)
    assert counts == ({2020: 1, 2021: 2} if allowed else None)
    assert crosswalk_case_counts(None, "A", role) is None


def test_the_dataset_case_total_is_written_in_the_language_and_bounded_for_roles_that_see_counts_only():
    from risk.access.privacy import dataset_case_total

    # 1,200 cases in one commune-year, and 2 in another: a hidden small cell for a planner.
    dates = pd.to_datetime(["2024-05-01"] * 1200 + ["2023-01-01"] * 2)
    cases = pd.DataFrame({"commune_id": ["1"] * 1200 + ["2"] * 2, "date": dates})
    assert dataset_case_total(cases, Role.COMMANDER, 3, "vi") == "1.202"
    assert dataset_case_total(cases, Role.COMMANDER, 3, "en") == "1,202"
    assert dataset_case_total(cases, Role.PLANNER, 3, "vi") == "≥1.201"  # 1,200 + 1 for the hidden cell
