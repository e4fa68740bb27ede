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
