"""The Data page's version comparison, named in each language (risk/views/versions.py)."""
from __future__ import annotations

import pandas as pd
import pytest

from risk.store.versions import CHANGE_ROWS, PART_NAMES
from risk.views.versions import ROW_KEYS, comparison_table
from risk.i18n import t


def test_every_row_of_the_store_comparison_has_a_label() -> None:
    assert set(ROW_KEYS) == {*PART_NAMES, "communes_added", "communes_removed", *CHANGE_ROWS}


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_comparison_reads_in_the_users_language(lang) -> None:
    index = list(ROW_KEYS)
    frame = pd.DataFrame({"v1": range(len(index)), "v3": range(len(index)), "change": 0}, index=index)
    shown = comparison_table(frame, 1, 3, lang)
    assert list(shown.index) == [t(ROW_KEYS[r], lang) for r in index]
    assert not set(shown.index) & set(index)  # no raw row key left
    assert list(shown.columns) == [f"{t('dp.version', lang)} 1", f"{t('dp.version', lang)} 3",
                                   t("dp.cmp.change", lang)]


@pytest.mark.parametrize("lang, when", [("vi", "04/12/2026 00:39"), ("en", "4 Dec 2026 00:39")])
def test_the_version_list_shows_local_time_and_named_columns(lang, when) -> None:
    from risk.views.versions import VERSION_COLUMN_KEYS, versions_table

    frame = pd.DataFrame({"id": [2], "created_at": ["2026-12-03T17:39:47.371Z"], "label": ["x"], "user": ["admin"],
                          "active": [True], "boundaries": [130], "indicators": [910], "cases": [3], "border": [1],
                          "gates": [4], "years": ["2019–2025"], "checksum": ["abc"], "source": [{}]})
    shown = versions_table(frame, lang)
    assert list(shown.columns) == [t(k, lang) for k in VERSION_COLUMN_KEYS.values()]
    assert shown.iloc[0, 1] == when  # 17:39 UTC is 00:39 the next day in Vietnam
    assert "abc" not in shown.to_string()


def test_format_datetime_reads_offsets_and_refuses_nonsense() -> None:
    from risk.i18n import format_datetime

    assert format_datetime("2026-01-31T20:00:00+00:00", "vi") == "01/02/2026 03:00"
    assert format_datetime("2026-01-31T20:00:00", "en") == "1 Feb 2026 03:00"  # no offset: UTC, as stored
    assert format_datetime("not a date", "vi") == "–" and format_datetime(None, "en") == "–"


# --- value by value, and the ranking ---------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_pair():
    """The demo, and the demo with three poverty rates of 2025 raised and one commune's cases removed."""
    import dataclasses

    from risk.access.settings import DEFAULT_DATA_DIR
    from risk.ingest.folder import load_dataset

    old = load_dataset(DEFAULT_DATA_DIR)
    indicators = old.indicators.copy()
    latest = indicators["year"] == 2025
    poorest = indicators[latest].sort_values("poverty_rate").index[:3]
    indicators.loc[poorest, "poverty_rate"] = indicators.loc[poorest, "poverty_rate"] + 40.0
    return old, dataclasses.replace(old, indicators=indicators)


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_value_changes_name_the_commune_the_indicator_and_the_change(demo_pair, lang) -> None:
    from risk.views.versions import value_changes

    old, new = demo_pair
    table = value_changes(old, new, lang)
    assert len(table) == 3
    assert set(table[t("dp.cmp.year", lang)]) == {2025}
    assert set(table[t("dp.cmp.indicator", lang)]) == {t("indicator.poverty_rate.label", lang)}
    mark = "," if lang == "vi" else "."
    assert all(c.startswith("40") and mark in c for c in table[t("dp.cmp.change", lang)])
    assert value_changes(old, old, lang).empty


def test_ranking_changes_put_the_largest_moves_first(demo_pair) -> None:
    from risk.views.versions import ranking_changes

    old, new = demo_pair
    moved = ranking_changes(old, new, "en")
    assert moved.year == 2025 and moved.ranking == "model" and len(moved.table) == 10
    moves = [abs(int(m.replace("+", "").replace("−", "-"))) for m in moved.table[t("dp.rank.move", "en")]]
    assert moves == sorted(moves, reverse=True) and moves[0] > 0
    same = ranking_changes(old, old, "en")
    assert all(m in ("0", "+0") for m in same.table[t("dp.rank.move", "en")])
