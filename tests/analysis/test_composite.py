"""The composite index (risk/analysis/composite.py): directions, weights, aggregation, missing values, sensitivity, errors."""
from __future__ import annotations

import math
import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from risk.analysis.composite import (
    GEOMETRIC_FLOOR,
    CompositeConfig,
    CompositeError,
    composite_index,
    constant_indicators,
    default_config,
    normalise,
    weight_sensitivity,
)
from risk.i18n import LANGUAGES
from risk.ingest.folder import load_dataset

DEMO = Path(__file__).parents[2] / "data" / "demo"


def table(year: int = 2025, **columns: list[float]) -> pd.DataFrame:
    """An indicator table for one year, communes c0, c1, ..."""
    n = len(next(iter(columns.values())))
    return pd.DataFrame({"commune_id": [f"c{i}" for i in range(n)], "year": year, **columns})


def by_id(result) -> pd.DataFrame:
    return result.table.set_index("commune_id").sort_index()


# --- directions and normalisation -------------------------------------------------------------------


def test_mobile_coverage_is_flipped_and_poverty_is_not() -> None:
    data = table(poverty_rate=[10.0, 20.0, 30.0], mobile_coverage=[90.0, 60.0, 30.0])
    result = by_id(composite_index(data, 2025))
    assert result["poverty_rate"].tolist() == [0.0, 0.5, 1.0]
    assert result["mobile_coverage"].tolist() == [0.0, 0.5, 1.0]  # least coverage = most risk
    assert result["index"].tolist() == [0.0, 50.0, 100.0]
    assert result["rank"].tolist() == [3, 2, 1]


def test_normalise_is_within_the_rows_given_and_flips_false_directions() -> None:
    data = table(a=[2.0, 4.0, 6.0], b=[2.0, 4.0, 6.0])
    result = normalise(data, ["a", "b"], {"a": True, "b": False})
    assert result["a"].tolist() == [0.0, 0.5, 1.0]
    assert result["b"].tolist() == [1.0, 0.5, 0.0]


def test_indicators_without_direction_are_left_out_unless_given_one() -> None:
    data = table(poverty_rate=[10.0, 20.0, 30.0], population=[9000.0, 1000.0, 500.0], extra=[1.0, 2.0, 3.0])
    default = composite_index(data, 2025).table
    assert [c for c in default.columns if c not in ("commune_id", "index", "rank", "n_indicators")] == ["poverty_rate"]
    assert (default["n_indicators"] == 1).all()
    given = by_id(composite_index(data, 2025, CompositeConfig(directions={"population": True, "extra": False})))
    assert {"population", "extra"} <= set(given.columns)
    assert given.loc["c0", "population"] == 1.0 and given.loc["c0", "extra"] == 1.0


def test_direction_none_override_drops_a_registry_indicator() -> None:
    """A planner can leave ethnic-minority share out (the stigma hazard in DESIGN.md)."""
    data = table(poverty_rate=[10.0, 20.0, 30.0], ethnic_minority_share=[90.0, 50.0, 5.0])
    result = composite_index(data, 2025, CompositeConfig(directions={"ethnic_minority_share": None}))
    assert "ethnic_minority_share" not in result.table.columns
    assert result.weights == {"poverty_rate": 1.0}


def test_equal_weights_by_default() -> None:
    keys = ["poverty_rate", "mobile_coverage", "population", "dropout_rate", "extra"]
    config = default_config(keys)
    assert dict(config.weights) == {"poverty_rate": 1.0, "mobile_coverage": 1.0, "dropout_rate": 1.0}
    assert config.method == "arithmetic"
    data = table(poverty_rate=[1.0, 2.0], mobile_coverage=[50.0, 40.0], dropout_rate=[3.0, 1.0], population=[1.0, 2.0])
    result = composite_index(data, 2025)
    assert result.weights == pytest.approx({k: 1 / 3 for k in ("poverty_rate", "mobile_coverage", "dropout_rate")})
    explicit = composite_index(data, 2025, default_config(["poverty_rate", "mobile_coverage", "dropout_rate", "population"]))
    pd.testing.assert_frame_equal(result.table, explicit.table)


# --- aggregation ----------------------------------------------------------------------------------------


def test_arithmetic_and_geometric_on_a_hand_computed_example() -> None:
    # normalised: a = [0, .5, 1]; b flipped = [1, .5, 0]; weights 3 : 1
    data = table(a=[0.0, 5.0, 10.0], b=[20.0, 60.0, 100.0])
    weights = {"a": 3.0, "b": 1.0}
    directions = {"a": True, "b": False}
    arithmetic = by_id(composite_index(data, 2025, CompositeConfig(weights, "arithmetic", directions)))
    assert arithmetic["index"].tolist() == pytest.approx([25.0, 50.0, 75.0])
    geometric = by_id(composite_index(data, 2025, CompositeConfig(weights, "geometric", directions)))
    # c0: 0.01^0.75 * 1^0.25; c1: 0.5; c2: 1^0.75 * 0.01^0.25
    expected = [100 * 0.01 ** 0.75, 50.0, 100 * 0.01 ** 0.25]
    assert geometric["index"].tolist() == pytest.approx(expected)
    assert geometric["index"].tolist() == pytest.approx([3.16227766, 50.0, 31.6227766])
    assert geometric["rank"].tolist() == [3, 1, 2]  # the balanced commune wins under the geometric mean
    assert arithmetic["rank"].tolist() == [3, 2, 1]


def test_geometric_floor_keeps_a_zero_from_wiping_out_the_rest() -> None:
    data = table(a=[0.0, 0.0, 10.0], b=[10.0, 0.0, 0.0], c=[10.0, 0.0, 0.0])
    config = CompositeConfig(method="geometric", directions={"a": True, "b": True, "c": True})
    result = by_id(composite_index(data, 2025, config))
    # c0 is worst on b and c but best on a: floored, not zeroed; c1 is best on everything
    assert result.loc["c0", "index"] == pytest.approx(100 * GEOMETRIC_FLOOR ** (1 / 3))
    assert result.loc["c1", "index"] == pytest.approx(100 * GEOMETRIC_FLOOR)
    assert result.loc["c0", "index"] > result.loc["c1", "index"]


def test_ties_share_the_best_rank_and_output_is_riskiest_first() -> None:
    data = table(a=[0.0, 5.0, 5.0, 10.0])
    result = composite_index(data, 2025, CompositeConfig(directions={"a": True})).table
    assert result["commune_id"].tolist() == ["c3", "c1", "c2", "c0"]
    assert result["rank"].tolist() == [1, 2, 2, 4]
    assert str(result["rank"].dtype) == "Int64" and result["n_indicators"].dtype == np.int64


def test_only_the_chosen_year_is_used_for_normalisation() -> None:
    data = pd.concat([table(2024, poverty_rate=[50.0, 60.0, 70.0]), table(2025, poverty_rate=[10.0, 20.0, 30.0])])
    full = composite_index(data, 2025)
    result = by_id(full)
    assert result["poverty_rate"].tolist() == [0.0, 0.5, 1.0]
    assert full.year == 2025 and len(result) == 3


# --- missing values and constant indicators ----------------------------------------------------------


def test_missing_values_renormalise_weights_per_commune() -> None:
    nan = float("nan")
    data = table(a=[0.0, 10.0, 5.0, nan], b=[0.0, nan, 10.0, nan])
    config = CompositeConfig({"a": 3.0, "b": 1.0}, directions={"a": True, "b": True})
    result = by_id(composite_index(data, 2025, config))
    # c1 has only a (normalised 1): its index is 100, not 75; c2: (3*0.5 + 1*1) / 4
    assert result["index"].tolist()[:3] == pytest.approx([0.0, 100.0, 62.5])
    assert result["n_indicators"].tolist() == [2, 1, 2, 0]
    assert math.isnan(result.loc["c3", "index"]) and result.loc["c3", "rank"] is pd.NA
    assert composite_index(data, 2025, config).table["commune_id"].iloc[-1] == "c3"  # no index: listed last
    geometric = by_id(composite_index(data, 2025, CompositeConfig(config.weights, "geometric", config.directions)))
    assert geometric.loc["c1", "index"] == pytest.approx(100.0)


def test_constant_indicator_is_half_everywhere_and_reported() -> None:
    data = table(a=[0.0, 5.0, 10.0], same=[7.0, 7.0, 7.0])
    config = CompositeConfig(directions={"a": True, "same": False})
    full = composite_index(data, 2025, config)
    result = by_id(full)
    assert result["same"].tolist() == [0.5, 0.5, 0.5]
    assert result["index"].tolist() == pytest.approx([25.0, 50.0, 75.0])
    assert full.constant == ("same",)
    assert constant_indicators(data, ["a", "same"]) == ["same"]


def test_an_indicator_missing_for_the_whole_year_does_not_crash() -> None:
    nan = float("nan")
    data = table(a=[0.0, 10.0], b=[nan, nan])
    result = by_id(composite_index(data, 2025, CompositeConfig(directions={"a": True, "b": True})))
    assert result["n_indicators"].tolist() == [1, 1]
    assert result["index"].tolist() == [0.0, 100.0]


# --- sensitivity -----------------------------------------------------------------------------------------


def test_dominant_weight_makes_ranks_insensitive_to_twenty_percent() -> None:
    # a's step between neighbours is 1/19 normalised; b jumps by 1: a keeps the order while w_a / w_b > 19
    n = 20
    data = table(a=[float(i) for i in range(n)], b=[float(i % 2) for i in range(n)])
    config = CompositeConfig({"a": 30.0, "b": 1.0}, directions={"a": True, "b": True})
    result = weight_sensitivity(data, 2025, config)
    assert len(result.per_perturbation) == 4
    assert result.per_perturbation["change"].tolist() == pytest.approx([0.2, -0.2, 0.2, -0.2])
    assert result.per_perturbation["spearman"].tolist() == pytest.approx([1.0] * 4)
    assert (result.per_perturbation["n_moved"] == 0).all()
    assert (result.per_perturbation["top10_overlap"] == 10).all()
    assert (result.per_perturbation["top20_overlap"] == 20).all()
    per_commune = result.per_commune
    assert (per_commune["min_rank"] == per_commune["rank"]).all() and (per_commune["rank_spread"] == 0).all()
    assert per_commune["rank"].tolist() == list(range(1, n + 1))
    # weights are renormalised: a +20% means 36 / 37 of the total
    assert result.per_perturbation["weight"].iloc[0] == pytest.approx(36 / 37)


def test_near_tie_ranks_move_under_twenty_percent() -> None:
    n = 30
    x = np.arange(n) / (n - 1)
    noise = 0.01 * ((np.arange(n) * 7) % 5) / 4
    data = table(a=x.tolist(), b=(1 - x + noise).tolist())
    config = CompositeConfig(directions={"a": True, "b": True})
    result = weight_sensitivity(data, 2025, config)
    perturbations = result.per_perturbation
    assert perturbations["spearman"].min() < 0.5
    assert perturbations["n_moved"].max() > 5
    assert perturbations["top10_overlap"].min() < 10
    assert result.per_commune["rank_spread"].max() > 5
    assert ((result.per_commune["min_rank"] <= result.per_commune["rank"])
            & (result.per_commune["rank"] <= result.per_commune["max_rank"])).all()


def test_sensitivity_skips_zero_weights_and_handles_missing_index() -> None:
    nan = float("nan")
    data = table(a=[0.0, 5.0, 10.0, nan], b=[1.0, 2.0, 3.0, nan])
    config = CompositeConfig({"a": 1.0, "b": 0.0}, directions={"a": True, "b": True})
    result = weight_sensitivity(data, 2025, config, change=0.5)
    assert result.per_perturbation["indicator"].tolist() == ["a", "a"]
    assert result.per_commune["commune_id"].iloc[-1] == "c3"
    assert result.per_commune["min_rank"].iloc[-1] is pd.NA


# --- errors ----------------------------------------------------------------------------------------------


ERROR_CASES = {
    "composite.unknown_indicator": lambda d: composite_index(d, 2025, CompositeConfig({"nonsense": 1.0})),
    "composite.all_weights_zero": lambda d: CompositeConfig({"poverty_rate": 0.0, "mobile_coverage": 0}),
    "composite.negative_weight": lambda d: CompositeConfig({"poverty_rate": -0.5}),
    "composite.weight_not_number": lambda d: CompositeConfig({"poverty_rate": float("nan")}),
    "composite.year_missing": lambda d: composite_index(d, 1999),
    "composite.no_directed_indicators": lambda d: composite_index(d[["commune_id", "year", "population"]], 2025),
    "composite.no_direction": lambda d: composite_index(d, 2025, CompositeConfig({"population": 1.0})),
    "composite.direction_invalid": lambda d: CompositeConfig(directions={"poverty_rate": "yes"}),
    "composite.unknown_method": lambda d: CompositeConfig(method="harmonic"),
    "composite.invalid_change": lambda d: weight_sensitivity(d, 2025, change=1.5),
    "composite.reserved_name": lambda d: composite_index(d.assign(rank=1.0), 2025, CompositeConfig(directions={"rank": True})),
}


@pytest.mark.parametrize("code", sorted(ERROR_CASES))
def test_errors_render_in_both_languages(code: str) -> None:
    data = table(poverty_rate=[10.0, 20.0], mobile_coverage=[50.0, 40.0], population=[100.0, 200.0])
    with pytest.raises(CompositeError) as info:
        ERROR_CASES[code](data)
    error = info.value
    assert error.code == code
    messages = {lang: error.message(lang) for lang in LANGUAGES}
    for lang, text in messages.items():
        assert text.strip() and "{" not in text and "}" not in text, (lang, text)
    assert messages["vi"] != messages["en"]
    assert str(error) == messages["en"]
    assert pickle.loads(pickle.dumps(error)).message("vi") == messages["vi"]


def test_error_messages_name_the_offending_values() -> None:
    with pytest.raises(CompositeError) as info:
        CompositeConfig({"dropout_rate": -2})
    assert "dropout_rate" in info.value.message("vi") and "-2" in info.value.message("en")
    data = table(2024, poverty_rate=[1.0])
    with pytest.raises(CompositeError) as info:
        composite_index(data, 2025)
    assert "2025" in info.value.message("en") and "2024" in info.value.message("vi")


def test_config_is_frozen_hashable_and_copies_its_weights() -> None:
    weights = {"poverty_rate": 2}
    config = CompositeConfig(weights)
    weights["poverty_rate"] = -1  # later edits of the caller's dict do not reach the config
    assert config.weights == {"poverty_rate": 2.0}
    assert hash(config) == hash(CompositeConfig({"poverty_rate": 2.0})) and config == CompositeConfig({"poverty_rate": 2.0})
    with pytest.raises(AttributeError):
        config.method = "geometric"  # type: ignore[misc]


# --- the demo dataset ---------------------------------------------------------------------------------


@pytest.mark.skipif(not (DEMO / "dataset.json").exists(), reason="demo dataset not built")
def test_demo_composite_follows_poverty() -> None:
    """No wall-time assertion here: timings live in bench/ (shared, noisy machines)."""
    data = load_dataset(DEMO)
    result = composite_index(data.indicators, 2025, default_config(data.indicator_keys)).table
    sensitivity = weight_sensitivity(data.indicators, 2025)
    assert len(result) == 130 and result["index"].between(0, 100).all()
    assert (result["n_indicators"] == 8).all() and "population" not in result.columns
    poverty = data.indicators.loc[data.indicators["year"] == 2025].set_index("commune_id")["poverty_rate"]
    poverty_rank = poverty.rank(ascending=False)
    composite_rank = result.set_index("commune_id")["rank"].astype(float)
    correlation = composite_rank.corr(poverty_rank.reindex(composite_rank.index), method="spearman")
    assert correlation > 0.5, correlation
    assert len(sensitivity.per_perturbation) == 16 and len(sensitivity.per_commune) == 130


# --- the reasons behind a commune's index ---------------------------------------------------------


def test_index_drivers_are_weighted_distances_from_the_average_commune() -> None:
    from risk.analysis.composite import index_drivers

    data = table(poverty_rate=[10.0, 20.0, 30.0], mobile_coverage=[90.0, 60.0, 30.0])
    result = composite_index(data, 2025, CompositeConfig(weights={"poverty_rate": 3, "mobile_coverage": 1}))
    reasons = dict(zip(result.table["commune_id"], index_drivers(result)))
    # c2 is the poorest and least covered: both raise its index, poverty three times as much
    # (weights 0.75 and 0.25, normalised values 1 against a mean of 0.5, in index points).
    assert [(d.feature, d.contribution) for d in reasons["c2"]] == [("poverty_rate", 37.5), ("mobile_coverage", 12.5)]
    assert [(d.feature, d.contribution) for d in reasons["c0"]] == [("poverty_rate", -37.5), ("mobile_coverage", -12.5)]
    assert reasons["c1"] == ()  # the average commune on both


def test_index_drivers_skip_missing_values_and_follow_a_geometric_index() -> None:
    from risk.analysis.composite import index_drivers

    data = table(poverty_rate=[10.0, 20.0, np.nan, 40.0], mobile_coverage=[90.0, 60.0, 30.0, 60.0])
    for method in ("arithmetic", "geometric"):
        result = composite_index(data, 2025, CompositeConfig(method=method))
        reasons = dict(zip(result.table["commune_id"], index_drivers(result)))
        assert [d.feature for d in reasons["c2"]] == ["mobile_coverage"], method  # no poverty figure, no poverty reason
        assert all(d.contribution > 0 for d in reasons["c2"])
        assert reasons["c0"][0].contribution < 0
