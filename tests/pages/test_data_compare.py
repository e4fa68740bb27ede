"""The Data page compares two stored versions value by value and by the ranking they give (AppTest)."""
from __future__ import annotations

import dataclasses

import pytest

from risk.access.privacy import Role
from risk.access.settings import DEFAULT_DATA_DIR, load_settings
from risk.i18n import t
from risk.ingest.folder import load_dataset
from risk.store.versions import Store
from tests.apptest_helpers import open_page


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_two_versions_show_the_values_that_changed_and_the_largest_ranking_moves(lang) -> None:
    store = Store(load_settings().store_path)
    demo = load_dataset(DEFAULT_DATA_DIR)
    indicators = demo.indicators.copy()
    rows = indicators[indicators["year"] == 2025].sort_values("poverty_rate").index[:2]
    indicators.loc[rows, "poverty_rate"] += 35.0
    store.add_version(demo, label="before", user="t")
    store.add_version(dataclasses.replace(demo, indicators=indicators), label="after", user="t")
    at = open_page("pages/data.py", Role.ADMIN, "admin1", lang)
    assert not at.exception, at.exception
    captions = [c.value for c in at.caption]
    assert t("dp.cmp.values_title", lang, n=2) in captions
    assert t("dp.rank.title_model", lang, n=10, year=2025) in captions
    tables = [d.value for d in at.dataframe]
    values = next(tb for tb in tables if t("dp.cmp.indicator", lang) in tb.columns)
    assert len(values) == 2 and set(values[t("dp.cmp.year", lang)]) == {2025}
    moves = next(tb for tb in tables if t("dp.rank.move", lang) in tb.columns)
    assert len(moves) == 10
