"""Converted years are shown, not hidden: the Model page and `risk backtest` say which years came from
the pre-2025 communes, the commune panel marks them ("converted from 6 pre-2025 communes"), exports
carry a boundary_vintage column and a method-sheet line, and case counts placed through the crosswalk
reach only the roles that see case rows (risk/access/privacy.py)."""
from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from risk.access.privacy import Role, crosswalk_case_counts
from risk.i18n import t
from risk.ingest.folder import load_dataset
from risk.views import vintage
from risk.access.settings import load_settings
from risk.views.priorities import build_priority_list
from risk.views.priority_export import prepare_export
from risk.views.risk_map import commune_panel

DEMO = Path(__file__).resolve().parents[2] / "data" / "demo"
THANH_VINH = "16681"  # six pre-2025 wards and communes


@pytest.fixture(scope="module")
def pre():
    return load_dataset(DEMO / "pre2025")


@pytest.fixture(scope="module")
def demo():
    return load_dataset(DEMO)


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_data_lines_name_the_converted_years(pre, demo, lang) -> None:
    lines = vintage.dataset_lines(pre, lang)
    assert lines[0] == t("vintage.indicators", lang, years="2019–2024", old="412", new="130")
    assert lines[1] == t("vintage.current", lang, years="2025")
    assert t("vintage.cases", lang, years="2019–2024") in lines
    assert vintage.dataset_lines(demo, lang) == [] and vintage.method_line(demo, lang) is None


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_panel_marks_converted_years_and_says_from_how_many_communes(pre, lang) -> None:
    panel = commune_panel(pre, THANH_VINH, None, None, None, Role.PLANNER, 3, lang)
    assert list(panel.indicators.columns) == ["2025"] + [f"{y} {vintage.MARK}" for y in range(2024, 2018, -1)]
    lines = vintage.panel_lines(panel.vintage, lang)
    assert lines[0] == t("vintage.panel.indicators", lang, mark=vintage.MARK, years="2019–2024", n=6)
    assert "Phường Đông Vĩnh" in lines[1] and "Xã Hưng Chính" in lines[1]
    assert "6" in lines[0] and ("pre-2025" in lines[0] or "trước năm 2025" in lines[0])


def test_a_commune_panel_on_unconverted_data_has_no_marks(demo) -> None:
    panel = commune_panel(demo, THANH_VINH, None, None, None, Role.ADMIN, 3, "en")
    assert panel.vintage is None and list(panel.indicators.columns) == [str(y) for y in range(2025, 2018, -1)]


@pytest.mark.parametrize("role, sees_counts", [(Role.ADMIN, True), (Role.COMMANDER, True),
                                               (Role.PLANNER, False), (Role.OFFICIAL, False)])
def test_cases_placed_through_the_crosswalk_are_counted_only_for_roles_that_see_case_rows(pre, role,
                                                                                         sees_counts) -> None:
    commune = pre.vintage[pre.vintage["part"] == "cases"]["commune_id"].value_counts().index[0]
    counts = crosswalk_case_counts(pre.vintage, commune, role)
    assert (counts is not None) == sees_counts
    panel = commune_panel(pre, commune, None, None, None, role, 3, "en")
    text = " ".join(vintage.panel_lines(panel.vintage, "en"))
    if sees_counts:
        expected = pre.cases[(pre.cases["commune_id"] == commune) & pre.cases["lon"].isna()]
        assert sum(counts.values()) == len(expected)
        assert "2019: " in text
    else:
        assert t("vintage.cases", "en", years="2019–2024") in text and "2019: " not in text


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_exports_carry_a_boundary_vintage_column_and_a_method_line(pre, lang) -> None:
    ids = pre.boundaries["commune_id"].tolist()
    ranking = pd.DataFrame({"commune_id": ids, "score": [0.5] * len(ids), "rank": range(1, len(ids) + 1)})
    plist = build_priority_list(pre, 2024, "composite", ranking, Role.PLANNER, 3, lang, None, None)
    csv = prepare_export(pre, plist, plist.table, "csv", lang, method="m", user="u", data_version="v",
                         role=Role.PLANNER, settings=load_settings({}))
    table = pd.read_csv(io.BytesIO(csv.data), dtype=str)
    column = t("export.col.boundary_vintage", lang, year=2024)
    row = table.set_index(t("export.col.commune_id", lang)).loc[THANH_VINH]
    assert row[column] == t("vintage.cell.converted_n", lang, n=6)
    xlsx = prepare_export(pre, plist, plist.table, "xlsx", lang, method="m", user="u", data_version="v",
                         role=Role.PLANNER, settings=load_settings({}))
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.data))["Phương pháp - Method"]
    text = " ".join(str(c.value) for r in sheet.iter_rows() for c in r if c.value)
    assert t("vintage.indicators", lang, years="2019–2024", old="412", new="130") in text
    plist_2025 = build_priority_list(pre, 2025, "composite", ranking, Role.PLANNER, 3, lang, None, None)
    cells = pd.read_csv(io.BytesIO(prepare_export(pre, plist_2025, plist_2025.table, "csv", lang, method="m",
                                                  user="u", data_version="v", role=Role.PLANNER,
                                                  settings=load_settings({})).data), dtype=str)
    assert set(cells[t("export.col.boundary_vintage", lang, year=2025)]) == {t("vintage.cell.current", lang)}


def test_the_fold_table_marks_converted_test_years(pre, demo) -> None:
    from risk.analysis.model import ModelConfig, backtest
    from risk.views.model_card import fold_table

    result = backtest(pre, ModelConfig(n_bootstrap=0))
    table = fold_table(result, "en", pre)
    marks = table.drop_duplicates(t("mp.test_year", "en")).set_index(t("mp.test_year", "en"))[
        t("mp.test_year_vintage", "en")]
    assert marks[2024] == t("vintage.cell.converted", "en") and marks[2025] == t("vintage.cell.current", "en")
    assert t("mp.test_year_vintage", "en") not in fold_table(result, "en", demo).columns
