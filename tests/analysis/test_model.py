"""Risk model (risk/analysis/model.py): backtest, scores, model-card helpers and awkward data.

Besides the demo, a second made-up province is built here as files: a 9 × 12 grid
of square communes in the far north (border line along the top edge), years
2015–2024, some indicator values missing, an extra indicator outside the
registry (`flood_exposure`), three border gates and cases from a simple process
with signal (out-migration, border proximity, population, persistence).
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from risk.analysis.features import ModelError
from risk.ingest.folder import load_dataset
from risk.analysis.features import CASE_FEATURES
from risk.analysis.model import (
    METHODS, METRICS, ModelConfig, backtest, calibration_table, capture_curve, compare_without, importance, score,
)

DEMO = Path(__file__).resolve().parents[2] / "data" / "demo"
LON0, LAT0, CELL = 103.60, 22.00, 0.06  # a made-up province near the northern border
ROWS, COLS = 9, 12
FAST = ModelConfig(n_bootstrap=0)


# --- a second province, written as a dataset folder ------------------------------------------


def province_frames(seed: int = 11, years: range = range(2015, 2025), cases_per_year: float = 36.0) -> dict:
    """Boundaries, indicators, cases, border and gates of the made-up province (see module docstring)."""
    rng = np.random.default_rng(seed)
    ids, cells, rem, d_border = [], [], [], []
    for r in range(ROWS):
        for c in range(COLS):
            ids.append(f"TB-{r + 1:02d}{c + 1:02d}")
            x, y = LON0 + c * CELL, LAT0 + r * CELL
            cells.append(shapely.box(x, y, x + CELL, y + CELL))
            rem.append(r / (ROWS - 1))
            d_border.append(((ROWS - r - 0.5) * CELL + 0.01) * 111.0)
    n = len(ids)
    rem = np.clip(np.asarray(rem) + rng.normal(0, 0.1, n), 0, 1.2)
    d_border = np.asarray(d_border)
    boundaries = gpd.GeoDataFrame({"commune_id": ids, "name": [f"Xã Thử {i + 1}" for i in range(n)]},
                                  geometry=cells, crs=4326)
    top = LAT0 + ROWS * CELL + 0.01
    border = gpd.GeoDataFrame({"name": ["border"]},
                              geometry=[shapely.LineString([(LON0 - 0.1, top), (LON0 + COLS * CELL + 0.1, top)])],
                              crs=4326)
    gates = pd.DataFrame({"name": ["Cửa A", "Cửa B", "Cửa C"], "lon": [103.75, 103.95, 104.2], "lat": [top] * 3})

    commune_out = rng.normal(0, 4, n)
    population = rng.uniform(4000, 30000, n)
    flood = rng.uniform(0, 1, n)
    rows, counts = [], {}
    prev = np.zeros(n)
    hidden = rng.normal(0, 0.3, n)
    for k, year in enumerate(years):
        out = np.clip(10 + 15 * rem + commune_out + rng.normal(0, 1, n) + 0.3 * k, 1, 60)
        pop = population * (1.01 ** k)
        eta = 0.12 * (out - 17) + 1.0 * np.exp(-d_border / 10) + 0.5 * np.log(pop / 10000) + hidden
        eta += 0.3 * np.log1p(prev)
        b0 = math.log(cases_per_year / np.exp(eta).sum())
        prev = rng.poisson(np.exp(b0 + eta))
        counts[year] = prev
        for i in range(n):
            rows.append({
                "commune_id": ids[i], "year": year,
                "poverty_rate": round(float(np.clip(5 + 35 * rem[i] + rng.normal(0, 5), 0.5, 95)), 2),
                "ethnic_minority_share": round(float(np.clip(5 + 80 * rem[i] + rng.normal(0, 8), 0, 100)), 2),
                "outmigration_rate": round(float(out[i]), 2),
                "dropout_rate": round(float(np.clip(1 + 6 * rem[i] + rng.normal(0, 1), 0, 100)), 2),
                "mobile_coverage": round(float(np.clip(97 - 25 * rem[i] + rng.normal(0, 3), 0, 100)), 2),
                "population": int(pop[i]),
                "flood_exposure": round(float(flood[i] + rng.normal(0, 0.02)), 3),
            })
    indicators = pd.DataFrame(rows)
    for column, share in (("poverty_rate", 0.06), ("dropout_rate", 0.04), ("flood_exposure", 0.05)):
        indicators.loc[rng.random(len(indicators)) < share, column] = np.nan

    case_rows = []
    for year, per_commune in counts.items():
        for i in np.flatnonzero(per_commune):
            minx, miny, maxx, maxy = cells[i].bounds
            for _ in range(int(per_commune[i])):
                near = d_border[i] < 15
                case_rows.append({
                    "case_id": f"TB-{year}-{len(case_rows) + 1:05d}",
                    "date": f"{year}-{int(rng.integers(1, 13)):02d}-{int(rng.integers(1, 29)):02d}",
                    "lon": round(float(rng.uniform(minx + 1e-4, maxx - 1e-4)), 6),
                    "lat": round(float(rng.uniform(miny + 1e-4, maxy - 1e-4)), 6),
                    "commune_id": ids[i], "form": "forced_labour", "victims": 1, "destination": "CN",
                    "detected_by": "patrol" if rng.random() < (0.6 if near else 0.1) else "victim_or_family_report",
                })
    cases = pd.DataFrame(case_rows)
    return {"boundaries": boundaries, "indicators": indicators, "cases": cases, "border": border, "gates": gates}


def write_frames(folder: Path, frames: dict) -> Path:
    """A dataset folder from frames (cases and gates optional)."""
    folder.mkdir(parents=True, exist_ok=True)
    frames["boundaries"].to_file(folder / "boundaries.geojson", driver="GeoJSON")
    frames["indicators"].to_csv(folder / "indicators.csv", index=False)
    if frames.get("cases") is not None:
        frames["cases"].to_csv(folder / "cases.csv", index=False)
    if frames.get("border") is not None:
        frames["border"].to_file(folder / "border.geojson", driver="GeoJSON")
    if frames.get("gates") is not None:
        frames["gates"].to_csv(folder / "border_gates.csv", index=False)
    (folder / "dataset.json").write_text(json.dumps({"name": "Tỉnh Thử (test)", "generated": True}), encoding="utf-8")
    return folder


def write_province(folder: Path, **kwargs) -> Path:
    return write_frames(folder, province_frames(**kwargs))


@pytest.fixture(scope="module")
def province_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_province(tmp_path_factory.mktemp("province"))


@pytest.fixture(scope="module")
def province(province_dir: Path):
    return load_dataset(province_dir)


@pytest.fixture(scope="module")
def province_backtest(province):
    return backtest(province, FAST)


@pytest.fixture(scope="module")
def demo():
    return load_dataset(DEMO)


def _both_languages(err: ModelError) -> tuple[str, str]:
    vi, en = err.message("vi"), err.message("en")
    assert vi and en and vi != en and "{" not in vi + en
    return vi, en


# --- backtest ---------------------------------------------------------------------------------


def test_province_loads_with_its_extra_indicator(province) -> None:
    assert len(province.boundaries) == ROWS * COLS and province.years == list(range(2015, 2025))
    assert province.extra_indicators == ["flood_exposure"]
    assert province.indicators["poverty_rate"].isna().any()
    assert len(province.cases) > 200


def test_backtest_folds_never_train_on_the_test_year(province_backtest) -> None:
    folds = province_backtest.folds
    assert [f.test_year for f in folds] == list(range(2017, 2025))
    for fold in folds:
        assert max(fold.train_years) < fold.test_year
        assert fold.train_years == tuple(range(2016, fold.test_year))
        assert fold.n == ROWS * COLS and 0 < fold.n_positive < fold.n


def test_backtest_finds_the_signal_in_another_province(province_backtest) -> None:
    result = province_backtest
    assert "flood_exposure" in result.features and "dist_border_km" in result.features
    assert result.mean["model"]["auc"] > 0.65
    assert result.mean["model"]["auc"] > result.mean["last_year"]["auc"]
    assert abs(result.shuffled_auc - 0.5) < 0.1
    for method in METHODS:
        metrics = result.mean[method]
        assert set(metrics) == set(METRICS)
        assert 0 <= metrics["brier"] <= 1 and 0 <= metrics["capture_10"] <= metrics["capture_20"] <= 1
        assert metrics["pai_10"] == pytest.approx(metrics["capture_10"] / (11 / 108), rel=1e-9)


def test_backtest_to_dict_is_json(province_backtest) -> None:
    data = json.loads(json.dumps(province_backtest.to_dict("en"), allow_nan=False))
    assert set(data) == {"mean", "intervals", "calibration", "shuffled_auc", "folds", "config", "features", "notes"}
    assert set(data["mean"]) == {"model", "last_year", "poverty", "composite", "poisson"}
    fold = data["folds"][0]
    assert {"train_years", "test_year", "n", "n_positive", "model", "last_year", "poverty", "composite",
            "poisson"} <= set(fold)
    assert data["config"] == {"kind": "logistic", "drop_features": [], "patrol_weight": 1.0, "n_bootstrap": 0,
                              "seed": 0, "margin_draws": 200, "composite": None, "rank_noise": True,
                              "recalibrate": False}
    intervals = data["intervals"]
    assert intervals["draws"] == 200 and intervals["level"] == 0.9 and intervals["communes"] == 108
    for method in METHODS:
        for metric, interval in intervals["metrics"][method].items():
            assert interval["estimate"] == pytest.approx(data["mean"][method][metric])
            assert interval["lower"] <= interval["upper"]
    margin = intervals["margins"]["last_year"]["auc"]
    assert margin["estimate"] == pytest.approx(data["mean"]["model"]["auc"] - data["mean"]["last_year"]["auc"])
    assert 0.0 <= margin["no_gain"] <= 1.0


def test_gbm_backtest_and_score(tmp_path: Path) -> None:
    ds = _load(tmp_path, province_frames(years=range(2019, 2025)))  # fewer folds: boosting is slower
    config = ModelConfig(kind="gbm", n_bootstrap=3)
    result = backtest(ds, config)
    assert result.mean["model"]["auc"] > 0.6 and abs(result.shuffled_auc - 0.5) < 0.1
    table = score(ds, 2024, config).table
    assert sorted(table["rank"]) == list(range(1, ROWS * COLS + 1))
    assert all(len(d) == 3 and all(math.isfinite(x.contribution) for x in d) for d in table["drivers"])


def test_patrol_weight_changes_the_target(province, province_backtest) -> None:
    full = province_backtest
    none = backtest(province, ModelConfig(patrol_weight=0.0))
    assert sum(f.n_positive for f in none.folds) < sum(f.n_positive for f in full.folds)
    assert none.to_dict()["config"]["patrol_weight"] == 0.0


# --- score ------------------------------------------------------------------------------------


def test_score_ranks_intervals_and_drivers(province) -> None:
    config = ModelConfig(n_bootstrap=20, seed=3)
    result = score(province, 2024, config)
    table = result.table
    n = ROWS * COLS
    assert list(table.columns) == ["commune_id", "name", "score", "rank", "rank_low", "rank_high", "drivers",
                                   "drivers_without_cases"]
    assert list(table["rank"]) == list(range(1, n + 1))
    assert table["score"].is_monotonic_decreasing and table["score"].between(0, 1).all()
    assert (table["rank_low"] <= table["rank"]).all() and (table["rank"] <= table["rank_high"]).all()
    assert (table["rank_low"] >= 1).all() and (table["rank_high"] <= n).all()
    assert (table["rank_high"] > table["rank_low"]).any()  # the bootstrap did something
    features = set(result.features)
    for drivers in table["drivers"]:
        assert len(drivers) == 3 and {d.feature for d in drivers} <= features
        assert all(math.isfinite(d.contribution) for d in drivers)
        sizes = [abs(d.contribution) for d in drivers]
        assert sizes == sorted(sizes, reverse=True)
    for drivers in table["drivers_without_cases"]:  # shown to roles that may not see case rows
        assert len(drivers) == 3 and not {d.feature for d in drivers} & CASE_FEATURES
        sizes = [abs(d.contribution) for d in drivers]
        assert sizes == sorted(sizes, reverse=True)
    assert any(d.feature in CASE_FEATURES for row in table["drivers"] for d in row)  # the test can fail
    again = score(province, 2024, config).table
    pd.testing.assert_frame_equal(table, again)


def test_logistic_drivers_add_up_to_the_log_odds_shape(province) -> None:
    """Contributions are coefficient × standardised value: the top commune's biggest driver pushes up."""
    table = score(province, 2024, FAST).table
    assert table["drivers"].iloc[0][0].contribution > 0
    assert table["drivers"].iloc[-1][0].contribution < 0


def test_score_an_earlier_year_uses_only_its_history(province) -> None:
    early = score(province, 2018, FAST).table
    assert len(early) == ROWS * COLS and early["score"].between(0, 1).all()


def test_drop_feature_leaves_it_out(province, province_backtest) -> None:
    config = ModelConfig(drop_features=("outmigration_rate",), n_bootstrap=0)
    result = backtest(province, config)
    assert "outmigration_rate" not in result.features
    table = score(province, 2024, config).table
    assert all(d.feature != "outmigration_rate" for ds in table["drivers"] for d in ds)
    assert result.mean["model"]["auc"] < province_backtest.mean["model"]["auc"]


def test_demo_score(demo) -> None:
    table = score(demo, 2025, ModelConfig(n_bootstrap=5)).table
    assert len(table) == 130 and list(table["rank"]) == list(range(1, 131))


# --- model card helpers -------------------------------------------------------------------------


def test_calibration_table(province_backtest) -> None:
    table = calibration_table(province_backtest)
    assert list(table.columns) == ["bin", "n", "predicted", "observed"]
    assert list(table["bin"]) == list(range(1, 11)) and table["n"].sum() == len(province_backtest.predictions)
    assert table["predicted"].is_monotonic_increasing
    assert table["observed"].iloc[-1] > table["observed"].iloc[0]


def test_capture_curve(province_backtest) -> None:
    curve = capture_curve(province_backtest)
    assert list(curve.columns) == ["share_communes", *METHODS]
    for method in METHODS:
        assert curve[method].iloc[0] == 0 and curve[method].iloc[-1] == pytest.approx(1.0)
        assert curve[method].is_monotonic_increasing
    at_10 = curve.loc[np.isclose(curve["share_communes"], 0.10), "model"].iloc[0]
    assert 0 < at_10 < 1


@pytest.mark.parametrize("kind", ["logistic", "gbm"])
def test_importance(province, kind: str) -> None:
    table = importance(province, ModelConfig(kind=kind)).table
    assert list(table.columns) == ["feature", "importance", "importance_sd"]
    assert table["importance"].abs().is_monotonic_decreasing
    assert table["feature"].iloc[0] in {"outmigration_rate", "dist_border_km", "dist_gate_km", "population",
                                        "mobile_coverage", "cases_t", "ethnic_minority_share", "poverty_rate"}
    if kind == "logistic":
        coef = table.set_index("feature")["importance"]
        assert coef["outmigration_rate"] > 0 and coef["dist_border_km"] < 0


def test_compare_without_ethnic_share(province) -> None:
    out = compare_without(province, "ethnic_minority_share", FAST)
    assert out.feature == "ethnic_minority_share" and out.year == 2024 and out.top_n == 20
    assert 0 <= out.top_overlap <= 20 and out.top_overlap_share == out.top_overlap / 20
    assert out.auc_change == pytest.approx(out.auc_without - out.auc_with)
    json.dumps(out.to_dict(), allow_nan=False)


# --- awkward data ---------------------------------------------------------------------------------


def _load(tmp_path: Path, frames: dict):
    return load_dataset(write_frames(tmp_path / "data", frames))


def test_constant_indicator_is_dropped_with_a_note(tmp_path: Path) -> None:
    frames = province_frames(years=range(2018, 2023))
    frames["indicators"]["dropout_rate"] = 4.0
    result = backtest(_load(tmp_path, frames), FAST)
    assert "dropout_rate" not in result.features
    notes = [n for n in result.notes if n.code == "model.note.dropped_constant"]
    assert notes and notes[0].params["feature"] == "dropout_rate"
    assert "dropout_rate" in notes[0].message("vi") and "dropout_rate" in notes[0].message("en")


def test_all_missing_indicator_is_dropped(tmp_path: Path) -> None:
    frames = province_frames(years=range(2018, 2023))
    frames["indicators"]["flood_exposure"] = frames["indicators"]["flood_exposure"].where(
        frames["indicators"]["year"] == 2022)  # values only in the last year: never in training
    ds = _load(tmp_path, frames)
    result = backtest(ds, FAST)
    assert "flood_exposure" not in result.features
    assert any(n.code == "model.note.dropped_missing" for n in result.notes)
    assert len(score(ds, 2022, FAST).table) == ROWS * COLS


def test_a_year_without_cases_gives_a_fold_without_auc(tmp_path: Path) -> None:
    frames = province_frames(years=range(2016, 2023))
    frames["cases"] = frames["cases"][~frames["cases"]["date"].str.startswith("2020")]
    result = backtest(_load(tmp_path, frames), FAST)
    fold = next(f for f in result.folds if f.test_year == 2020)
    assert fold.n_positive == 0
    assert all(fold.metrics[m]["auc"] is None and fold.metrics[m]["capture_10"] is None for m in METHODS)
    assert fold.metrics["model"]["brier"] is not None
    others = [f.metrics["model"]["auc"] for f in result.folds if f.test_year != 2020]
    assert result.mean["model"]["auc"] == pytest.approx(np.mean(others))
    note = next(n for n in result.notes if n.code == "model.note.no_positive_year")
    assert "2020" in note.message("vi") and "2020" in note.message("en")
    json.dumps(result.to_dict(), allow_nan=False)


def test_a_single_year_cannot_be_backtested(tmp_path: Path) -> None:
    ds = _load(tmp_path, province_frames(years=range(2024, 2025)))
    for run in (lambda: backtest(ds, FAST), lambda: score(ds, 2024, FAST).table):
        with pytest.raises(ModelError) as info:
            run()
        assert info.value.code == "model.single_year"
        vi, en = _both_languages(info.value)
        assert "2024" in vi and "backtest" in en


def test_two_years_can_be_scored_but_not_backtested(tmp_path: Path) -> None:
    ds = _load(tmp_path, province_frames(years=range(2023, 2025), cases_per_year=60))
    with pytest.raises(ModelError) as info:
        backtest(ds, FAST)
    assert info.value.code == "model.no_folds"
    _both_languages(info.value)
    assert len(score(ds, 2024, FAST).table) == ROWS * COLS


def test_no_cases_at_all(tmp_path: Path) -> None:
    frames = province_frames(years=range(2020, 2024))
    frames["cases"] = None
    ds = _load(tmp_path, frames)
    with pytest.raises(ModelError) as info:
        backtest(ds, FAST)
    assert info.value.code == "model.no_cases"
    _both_languages(info.value)


def test_every_commune_with_cases_every_year(tmp_path: Path) -> None:
    frames = province_frames(years=range(2020, 2024))
    ids = frames["boundaries"]["commune_id"]
    frames["cases"] = pd.DataFrame([
        {"case_id": f"x{k}-{y}", "date": f"{y}-05-01", "commune_id": cid, "form": "other", "victims": 1,
         "destination": "CN", "detected_by": "other"} for k, cid in enumerate(ids) for y in range(2020, 2024)])
    with pytest.raises(ModelError) as info:
        backtest(_load(tmp_path, frames), FAST)
    assert info.value.code == "model.one_class_positive"
    _both_languages(info.value)


def test_only_patrol_cases_with_patrol_weight_zero(tmp_path: Path) -> None:
    frames = province_frames(years=range(2020, 2024))
    frames["cases"]["detected_by"] = "patrol"
    ds = _load(tmp_path, frames)
    with pytest.raises(ModelError) as info:
        backtest(ds, ModelConfig(patrol_weight=0.0, n_bootstrap=0))
    assert info.value.code == "model.one_class_negative"
    _both_languages(info.value)
    assert backtest(ds, ModelConfig(patrol_weight=0.5, n_bootstrap=0)).folds


def test_bad_options_are_model_errors(province) -> None:
    cases = [
        (lambda: backtest(province, ModelConfig(drop_features=("no_such_thing",))), "model.unknown_feature"),
        (lambda: score(province, 2031, FAST), "model.year_not_in_data"),
        (lambda: score(province, 2015, FAST), "model.no_history"),
        (lambda: backtest(province, ModelConfig(kind="forest")), "model.bad_kind"),
        (lambda: score(province, 2024, ModelConfig(n_bootstrap=-1)), "model.bad_bootstrap"),
        (lambda: backtest(province, ModelConfig(patrol_weight=2.0)), "model.bad_patrol_weight"),
        (lambda: compare_without(province, "no_such_thing", FAST), "model.unknown_feature"),
    ]
    for run, code in cases:
        with pytest.raises(ModelError) as info:
            run()
        assert info.value.code == code
        vi, en = _both_languages(info.value)
        if code == "model.year_not_in_data":
            assert "2031" in vi and "2015" in en and "2024" in en
        if code == "model.unknown_feature":
            assert "no_such_thing" in vi and "flood_exposure" in en


def test_everything_dropped_is_a_model_error(province) -> None:
    every = tuple(province.indicator_keys) + ("dist_border_km", "dist_gate_km", "cases_t", "cases_t1",
                                              "neighbour_cases_t")
    with pytest.raises(ModelError) as info:
        backtest(province, ModelConfig(drop_features=every))
    assert info.value.code == "model.no_features"
    _both_languages(info.value)


def test_no_border_or_gates_drops_the_distances_with_one_note_each(tmp_path: Path) -> None:
    frames = province_frames(years=range(2018, 2023))
    frames["border"] = frames["gates"] = None
    result = backtest(_load(tmp_path, frames), FAST)
    assert "dist_border_km" not in result.features and "dist_gate_km" not in result.features
    dropped = [n for n in result.notes if n.code == "model.note.dropped_missing" and n.params["feature"] != "cases_t1"]
    assert sorted(n.params["feature"] for n in dropped) == ["dist_border_km", "dist_gate_km"]
    assert dropped[0].params["years"] == "2020–2022"
    assert "2020–2022" in dropped[0].message("en") and "2020–2022" in dropped[0].message("vi")


def test_time_travel_a_fit_truncated_at_the_scored_year_gives_identical_predictions(demo) -> None:
    """The leakage test (the no-signal control cannot detect leakage): scoring year T must use
    nothing recorded after T, so removing every indicator row and case after T changes nothing."""
    import dataclasses

    year = 2023
    config = ModelConfig(n_bootstrap=5)
    truncated = dataclasses.replace(
        demo, indicators=demo.indicators[demo.indicators["year"] <= year].copy(),
        cases=demo.cases[pd.to_datetime(demo.cases["date"]).dt.year <= year].copy())
    assert len(truncated.cases) < len(demo.cases) and max(truncated.years) == year
    full = score(demo, year, config).table.set_index("commune_id")
    cut = score(truncated, year, config).table.set_index("commune_id").loc[full.index]
    assert np.allclose(full["score"].to_numpy(float), cut["score"].to_numpy(float), rtol=0, atol=1e-12)
    assert list(full["rank"]) == list(cut["rank"])
    # The check can fail: dropping year T's cases, which the fit rightly learns from, does change it.
    earlier = dataclasses.replace(truncated, cases=demo.cases[pd.to_datetime(demo.cases["date"]).dt.year < year].copy())
    moved = score(earlier, year, config).table.set_index("commune_id").loc[full.index]
    assert not np.allclose(full["score"].to_numpy(float), moved["score"].to_numpy(float), rtol=0, atol=1e-6)


def test_the_backtest_holds_the_model_against_the_composite_index_and_an_expected_count_model(province,
                                                                                               province_backtest):
    """Two honest rows in the same folds: the transparent composite index (equal weights, in the
    feature year) and a Poisson regression of next year's count on the model's features."""
    from risk.analysis.composite import composite_index

    pred = province_backtest.predictions
    fold = pred[pred["test_year"] == pred["test_year"].max()]
    year = int(fold["year"].iloc[0])
    index = composite_index(province.indicators, year).table.set_index("commune_id")["index"]
    by_index = fold.assign(index=index.reindex(fold["commune_id"].astype(str)).to_numpy())
    expected_order = by_index.sort_values(["index", "commune_id"], ascending=[False, True])["commune_id"].tolist()
    assert fold.sort_values("rank_composite")["commune_id"].tolist() == expected_order
    assert fold["prob_poisson"].between(0, 1).all() and fold["rank_poisson"].notna().all()
    for method in ("composite", "poisson"):
        assert province_backtest.mean[method]["auc"] > 0.5
