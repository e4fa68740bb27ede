"""Issue 12's simulation test for the feedback guard: where patrols follow last year's cases and
find more cases where they go, patrol effort data recovers the true risk better than counting every
case as it is (weight 1) and better than dropping patrol-detected cases (weight 0)."""
import numpy as np
import pytest

from bench.patrol_effort import demo_base, paired, simulate
from risk.analysis.features import EFFORT_FEATURES
from risk.analysis.model import ModelConfig, score


@pytest.fixture(scope="module")
def base():
    return demo_base()


def test_effort_data_recovers_true_risk_better_than_weight_one_and_weight_zero(base) -> None:
    found = paired(base, runs=30, follow=3.0)
    rho = {m: v[:, 0] for m, v in found.items()}
    assert np.mean(rho["effort"]) > np.mean(rho["weight_1"]) > np.mean(rho["weight_0"])
    assert np.mean(rho["effort"] > rho["weight_1"]) >= 0.7  # paired: on most provinces, not on average only
    assert np.mean(rho["effort"] > rho["weight_0"]) >= 0.7


def test_effort_is_learned_but_never_a_communes_driver(base) -> None:
    sim = simulate(base, 0, 3.0)
    result = score(sim.with_effort, sim.with_effort.years[-1], ModelConfig(n_bootstrap=0))
    assert set(EFFORT_FEATURES) <= set(result.features)
    for column in ("drivers", "drivers_without_cases"):
        named = {d.feature for cell in result.table[column] for d in cell}
        assert not named & set(EFFORT_FEATURES)


def test_the_simulated_records_follow_patrols(base) -> None:
    sim = simulate(base, 1, 3.0)
    cases, effort = sim.with_effort.cases, sim.with_effort.patrols
    found = cases[cases["detected_by"] == "patrol"].groupby(
        [cases["commune_id"], cases["date"].dt.year]).size()
    joined = effort.set_index(["commune_id", "year"])["effort"]
    per_day = found.reindex(joined.index).fillna(0).groupby(joined > joined.median()).sum()
    assert per_day[True] > per_day[False]  # more patrol days, more patrol-detected cases
