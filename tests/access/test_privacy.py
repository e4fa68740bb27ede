"""Small-cell suppression and case-point visibility, per role."""
from __future__ import annotations

import pandas as pd
import pytest

from risk.access.privacy import Role, can_see_case_points, case_counts_by_year


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
