"""The card's leakage test: the demo passes, a scorer that reads later data fails, and a dataset
with nothing after the year says the test could not run."""
from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from risk.access.settings import DEFAULT_DATA_DIR
from risk.analysis.leakage import time_travel, truncated_after
from risk.analysis.model import ModelConfig
from risk.ingest.folder import load_dataset


@pytest.fixture(scope="module")
def demo():
    return load_dataset(DEFAULT_DATA_DIR)


def test_the_demo_scores_are_unchanged_when_later_years_are_removed(demo):
    check = time_travel(demo, ModelConfig())
    assert check.year == demo.years[-2] and check.communes == len(demo.boundaries)
    assert check.removed_cases > 0 and check.removed_indicator_rows == len(demo.boundaries)
    assert check.identical and check.max_difference == 0.0


def test_a_scorer_that_reads_later_cases_fails(demo, monkeypatch):
    import risk.analysis.model as model

    real = model.score

    def leaky(ds, year, config=ModelConfig(), table=None):
        result = real(ds, year, config, table)
        later = pd.to_datetime(ds.cases["date"]).dt.year > year
        bump = ds.cases[later].groupby("commune_id").size()
        out = result.table.copy()
        out["score"] = out["score"] + 0.01 * out["commune_id"].map(bump).fillna(0).to_numpy()
        return dataclasses.replace(result, table=out)

    monkeypatch.setattr(model, "score", leaky)
    check = time_travel(demo, ModelConfig())
    assert not check.identical and check.max_difference >= 0.01


def test_nothing_after_the_year_means_the_test_cannot_run(demo):
    last = demo.years[-1]
    assert time_travel(truncated_after(demo, last), ModelConfig(), year=last) is None
    single = truncated_after(demo, demo.years[0])
    assert time_travel(single, ModelConfig()) is None


def test_truncation_drops_every_later_row_and_nothing_earlier(demo):
    cut = truncated_after(demo, 2022)
    assert max(cut.years) == 2022 and len(cut.cases) < len(demo.cases)
    assert (pd.to_datetime(cut.cases["date"]).dt.year <= 2022).all()
    assert len(cut.cases) == (pd.to_datetime(demo.cases["date"]).dt.year <= 2022).sum()
    assert len(cut.indicators) == (demo.indicators["year"] <= 2022).sum()
