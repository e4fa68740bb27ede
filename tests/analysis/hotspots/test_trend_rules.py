"""Mann-Kendall and the Emerging Hot Spot category rules, on series given directly."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from risk.analysis.hotspots import MannKendall, emerging_category, mann_kendall




def test_mann_kendall_matches_the_textbook_formulae():
    mk = mann_kendall([1, 2, 3, 4, 5])
    assert (mk.n, mk.s) == (5, 10)
    assert mk.var_s == pytest.approx(5 * 4 * 15 / 18)
    assert mk.z == pytest.approx(9 / np.sqrt(5 * 4 * 15 / 18))
    assert mk.p_value == pytest.approx(2 * stats.norm.sf(mk.z))
    assert mk.tau == 1.0 and mk.direction() == "increasing"
    down = mann_kendall([5, 4, 3, 2, 1, 0])
    assert down.s == -15 and down.direction() == "decreasing"


def test_mann_kendall_ties_missing_values_and_short_series():
    mk = mann_kendall([1, 1, 2, 2, 3, np.nan])
    assert mk.n == 5 and mk.s == 8
    assert mk.var_s == pytest.approx((5 * 4 * 15 - 2 * (2 * 1 * 9)) / 18)
    assert mann_kendall([1, 2]).p_value == 1.0
    assert mann_kendall([3, 3, 3, 3]).p_value == 1.0
    rng = np.random.default_rng(0)
    for _ in range(5):  # no ties: S agrees with Kendall's tau against time
        x = rng.normal(size=9)
        assert mann_kendall(x).tau == pytest.approx(stats.kendalltau(np.arange(9), x).statistic)


def _mk_reference(x: list[float]) -> tuple[int, float, float]:
    """S, Var(S) and p by the definitions, with plain loops."""
    x = [v for v in x if np.isfinite(v)]
    n = len(x)
    s = sum(np.sign(x[j] - x[i]) for i in range(n) for j in range(i + 1, n))
    groups = pd.Series(x).value_counts()
    var = (n * (n - 1) * (2 * n + 5) - sum(t * (t - 1) * (2 * t + 5) for t in groups)) / 18
    z = (s - np.sign(s)) / np.sqrt(var) if s else 0.0
    return int(s), var, 2 * stats.norm.sf(abs(z))


def test_vectorised_mann_kendall_equals_the_definition_row_by_row():
    from risk.analysis.hotspots import mann_kendall_rows

    rng = np.random.default_rng(11)
    rows = rng.integers(0, 4, size=(200, 8)).astype(float)  # many ties
    rows[rng.random(rows.shape) < 0.1] = np.nan
    got = mann_kendall_rows(rows)
    for k, row in enumerate(rows):
        if np.isfinite(row).sum() < 3:
            continue
        s, var, p = _mk_reference(list(row))
        assert got["s"][k] == s and got["var_s"][k] == pytest.approx(var)
        if var > 0:
            assert got["p_value"][k] == pytest.approx(p)


def _mk(s: int, p: float) -> MannKendall:
    return MannKendall(10, s, 100.0, float(np.sign(s)), p, s / 45)


@pytest.mark.parametrize("hot,cold,trend,expected", [
    ("0000000001", "0000000000", _mk(5, 0.3), "new_hot"),
    ("0000000111", "0000000000", _mk(20, 0.01), "consecutive_hot"),  # a trend does not make it intensifying
    ("1111111111", "0000000000", _mk(30, 0.001), "intensifying_hot"),
    ("1111111111", "0000000000", _mk(-30, 0.001), "diminishing_hot"),
    ("1111111111", "0000000000", _mk(30, 0.2), "persistent_hot"),
    ("0111111111", "0000000000", _mk(0, 1.0), "persistent_hot"),  # 9 of 10 is "at least 90 %"
    ("1111111110", "0000000000", _mk(0, 1.0), "historical_hot"),
    ("1111111110", "0000000001", _mk(0, 1.0), "historical_hot"),  # the 90 % patterns are checked first
    ("1001000001", "0000000000", _mk(0, 1.0), "sporadic_hot"),
    ("1000000011", "0000000000", _mk(0, 1.0), "sporadic_hot"),  # an earlier hot year breaks "consecutive"
    ("0000000001", "1000000000", _mk(0, 1.0), "oscillating_hot"),  # cold history beats "new"
    ("0000000011", "0100000000", _mk(0, 1.0), "oscillating_hot"),
    ("0000000000", "0000000001", _mk(-5, 0.3), "new_cold"),
    ("0000000000", "1111111111", _mk(-30, 0.001), "intensifying_cold"),
    ("0000000000", "1111111111", _mk(30, 0.001), "diminishing_cold"),
    ("1000000000", "0000000000", _mk(0, 1.0), "no_pattern"),  # hot once, long ago
    ("000", "000", _mk(0, 1.0), "no_pattern"),
])
def test_category_rules_and_their_order(hot, cold, trend, expected):
    flags = [c == "1" for c in hot], [c == "1" for c in cold]
    assert emerging_category(*flags, trend) == expected


def test_fewer_than_ten_years_need_every_year_for_the_90_percent_patterns():
    assert emerging_category([True] * 6 + [False], [False] * 7, _mk(0, 1.0)) == "no_pattern"
    assert emerging_category([True] * 7, [False] * 7, _mk(0, 1.0)) == "persistent_hot"
    assert emerging_category([False] + [True] * 6, [False] * 7, _mk(0, 1.0)) == "consecutive_hot"
