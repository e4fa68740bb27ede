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
