"""The commune-year feature table (risk/analysis/features.py) on small hand-made datasets."""
from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from risk.analysis.features import DERIVED_FEATURES, ModelError, feature_label, feature_table, metric_crs
from risk.contracts.dataset import Dataset

UTM48 = "EPSG:32648"


def _cases(rows: list[tuple[str, int, str]]) -> pd.DataFrame:
    """Cases from (commune_id, year, detected_by) triples, in the loader's column layout."""
    return pd.DataFrame({
        "case_id": [f"c{i}" for i in range(len(rows))],
        "date": pd.to_datetime([f"{year}-06-01" for _, year, _ in rows]).astype("datetime64[ns]"),
        "lon": np.nan, "lat": np.nan,
        "commune_id": [cid for cid, _, _ in rows],
        "form": "other", "victims": 1, "destination": "CN",
        "detected_by": [by for _, _, by in rows],
    })


def _grid(n: int = 3, size_m: float = 5_000.0, x0: float = 500_000.0, y0: float = 2_100_000.0) -> gpd.GeoDataFrame:
    """n × n square communes in UTM 48N, returned in EPSG:4326; id 'g{row}{col}', row 0 at the bottom."""
    cells, ids = [], []
    for r in range(n):
        for c in range(n):
            cells.append(shapely.box(x0 + c * size_m, y0 + r * size_m, x0 + (c + 1) * size_m, y0 + (r + 1) * size_m))
            ids.append(f"g{r}{c}")
    frame = gpd.GeoDataFrame({"commune_id": ids, "name": ids}, geometry=cells, crs=UTM48)
    return frame.to_crs(4326)


def _indicators(ids: list[str], years: list[int]) -> pd.DataFrame:
    rows = [{"commune_id": cid, "year": y, "poverty_rate": 10.0 + i, "population": 1000.0 * (i + 1)}
            for i, cid in enumerate(ids) for y in years]
    return pd.DataFrame(rows)


def _dataset(boundaries: gpd.GeoDataFrame, cases: pd.DataFrame, years: list[int],
             border: gpd.GeoDataFrame | None = None, gates: gpd.GeoDataFrame | None = None) -> Dataset:
    return Dataset(Path("."), boundaries, _indicators(list(boundaries["commune_id"]), years), cases, border, gates)


def test_distances_in_km_from_a_straight_border_and_a_gate() -> None:
    # Measured from the polygon (its nearest point), as risk.analysis.geography.commune_distances_km does.
    square = shapely.box(499_000, 2_099_000, 501_000, 2_101_000)  # east edge at x = 501 km
    far = shapely.box(460_000, 2_099_000, 462_000, 2_101_000)  # east edge at x = 462 km
    communes = gpd.GeoDataFrame({"commune_id": ["near", "far"], "name": ["A", "B"]},
                                geometry=[square, far], crs=UTM48).to_crs(4326)
    line = shapely.LineString([(510_000, 2_000_000), (510_000, 2_200_000)])  # 9 km east of the square's east edge
    border = gpd.GeoDataFrame(geometry=[line], crs=UTM48).to_crs(4326)
    gates = gpd.GeoDataFrame({"name": ["G"]}, geometry=[shapely.Point(510_000, 2_106_000)], crs=UTM48).to_crs(4326)
    table = feature_table(_dataset(communes, _cases([]), [2020, 2021], border, gates))
    row = table[(table.commune_id == "near") & (table.year == 2020)].iloc[0]
    assert row["dist_border_km"] == pytest.approx(9.0, abs=0.02)
    assert row["dist_gate_km"] == pytest.approx(np.hypot(9, 5), abs=0.02)  # from the corner (501 km, 2101 km)
    far_row = table[(table.commune_id == "far") & (table.year == 2020)].iloc[0]
    assert far_row["dist_border_km"] == pytest.approx(48.0, abs=0.05)


def test_no_border_or_gates_gives_nan_distances() -> None:
    table = feature_table(_dataset(_grid(2), _cases([]), [2020, 2021]))
    assert table["dist_border_km"].isna().all() and table["dist_gate_km"].isna().all()


def test_metric_crs_is_the_utm_zone_of_the_data() -> None:
    assert metric_crs(_grid(2)) == "EPSG:32648"  # around 105° E, like Nghệ An
    east = gpd.GeoDataFrame(geometry=[shapely.box(108.6, 15.0, 108.9, 15.3)], crs=4326)  # Quảng Ngãi: zone 49
    assert metric_crs(east) == "EPSG:32649"
    south = gpd.GeoDataFrame(geometry=[shapely.box(-47.0, -15.0, -46.5, -14.5)], crs=4326)
    assert metric_crs(south) == "EPSG:32723"


def test_neighbour_cases_on_a_3x3_grid() -> None:
    cases = _cases([("g11", 2020, "other")] * 4 + [("g00", 2020, "other")] * 2)
    table = feature_table(_dataset(_grid(3), cases, [2020, 2021]))
    at = table[table.year == 2020].set_index("commune_id")
    assert at.loc["g11", "cases_t"] == 4 and at.loc["g00", "cases_t"] == 2
    # corner g00: neighbours g01, g10, g11 (queen) → (0 + 0 + 4) / 3
    assert at.loc["g00", "neighbour_cases_t"] == pytest.approx(4 / 3)
    # centre: all 8 others, one of which has 2 cases
    assert at.loc["g11", "neighbour_cases_t"] == pytest.approx(2 / 8)
    # edge g01: neighbours g00, g02, g10, g11, g12 → (2 + 4) / 5
    assert at.loc["g01", "neighbour_cases_t"] == pytest.approx(6 / 5)
    # far corner g22: g12, g21, g11 → 4 / 3
    assert at.loc["g22", "neighbour_cases_t"] == pytest.approx(4 / 3)
    assert (table[table.year == 2021]["neighbour_cases_t"] == 0).all()


def test_an_island_has_no_neighbour_value() -> None:
    grid = _grid(2)
    island = gpd.GeoDataFrame({"commune_id": ["isle"], "name": ["isle"]},
                              geometry=[shapely.box(106.5, 19.5, 106.6, 19.6)], crs=4326)
    communes = pd.concat([grid, island], ignore_index=True)
    table = feature_table(_dataset(communes, _cases([("g00", 2020, "other")]), [2020, 2021]))
    assert table.loc[table.commune_id == "isle", "neighbour_cases_t"].isna().all()
    assert table.loc[table.commune_id != "isle", "neighbour_cases_t"].notna().all()


def test_target_is_next_years_and_last_year_is_unknown() -> None:
    cases = _cases([("g00", 2021, "other"), ("g01", 2020, "other")])
    table = feature_table(_dataset(_grid(2), cases, [2020, 2021, 2022])).set_index(["commune_id", "year"])
    assert table.loc[("g00", 2020), "target"] == 1 and table.loc[("g00", 2021), "target"] == 0
    assert table.loc[("g01", 2020), "target"] == 0 and table.loc[("g01", 2020), "cases_t"] == 1
    assert table.loc[("g00", 2021), "cases_t"] == 1 and table.loc[("g00", 2022), "cases_t1"] == 1
    assert table.xs(2022, level="year")["target"].isna().all()
    assert table.xs(2022, level="year")["cases_next"].isna().all()
    assert (table.reset_index()["target_year"] == table.reset_index()["year"] + 1).all()
    # cases at t-1 are unknown before the first recorded year, not zero
    assert table.xs(2020, level="year")["cases_t1"].isna().all()


def test_patrol_weight_zero_removes_patrol_cases_from_features_and_targets() -> None:
    cases = _cases([("g00", 2020, "patrol"), ("g00", 2020, "other"), ("g01", 2021, "patrol"),
                    ("g10", 2021, "patrol"), ("g10", 2021, "returnee_screening")])
    ds = _dataset(_grid(2), cases, [2020, 2021, 2022])
    full = feature_table(ds, 1.0).set_index(["commune_id", "year"])
    none = feature_table(ds, 0.0).set_index(["commune_id", "year"])
    half = feature_table(ds, 0.5).set_index(["commune_id", "year"])
    assert full.loc[("g00", 2020), "cases_t"] == 2 and none.loc[("g00", 2020), "cases_t"] == 1
    assert half.loc[("g00", 2020), "cases_t"] == 1.5
    # g01's only next-year case came from a patrol
    assert full.loc[("g01", 2020), ["target", "weight"]].tolist() == [1, 1]
    assert half.loc[("g01", 2020), ["target", "weight"]].tolist() == [1, 0.5]
    assert none.loc[("g01", 2020), ["target", "weight"]].tolist() == [0, 1]
    assert none.loc[("g01", 2020), "cases_next"] == 0
    # g10 also had a non-patrol case: a full positive whatever the weight
    for table in (full, half, none):
        assert table.loc[("g10", 2020), ["target", "weight"]].tolist() == [1, 1]
    assert none["cases_t"].sum() == 2  # the "other" and the "returnee_screening" case


@pytest.mark.parametrize("weight", [-0.1, 1.5, float("nan")])
def test_patrol_weight_outside_0_1_is_a_model_error(weight: float) -> None:
    with pytest.raises(ModelError) as info:
        feature_table(_dataset(_grid(2), _cases([]), [2020, 2021]), weight)
    assert info.value.code == "model.bad_patrol_weight"
    assert "0" in info.value.message("vi") and "1" in info.value.message("en")


def test_columns_and_bilingual_labels() -> None:
    table = feature_table(_dataset(_grid(2), _cases([]), [2020, 2021]))
    assert list(table.columns) == ["commune_id", "name", "year", "target_year", "poverty_rate", "population",
                                   *DERIVED_FEATURES, "target", "weight", "cases_next"]
    assert len(table) == 8
    for key in DERIVED_FEATURES:
        assert feature_label(key, "vi") != feature_label(key, "en")
    assert feature_label("dist_border_km", "en") == "Distance to the border (km)"
    assert feature_label("poverty_rate", "en") == "Multidimensional poverty rate"
    assert feature_label("flood_exposure", "vi") == "flood_exposure"


# --- patrol effort ---------------------------------------------------------------------------


def _patrols(rows: list[tuple[str, int, float]]) -> pd.DataFrame:
    return pd.DataFrame({"commune_id": [r[0] for r in rows], "year": [r[1] for r in rows],
                         "effort": [float(r[2]) for r in rows], "unit": "days"})


def test_effort_features_exist_only_with_patrol_data() -> None:
    from dataclasses import replace

    from risk.analysis.features import EFFORT_FEATURES, feature_keys

    ds = _dataset(_grid(2), _cases([("g00", 2022, "patrol")]), [2022, 2023])
    assert not set(EFFORT_FEATURES) & set(feature_table(ds).columns)
    assert not set(EFFORT_FEATURES) & set(feature_keys(ds))
    with_effort = replace(ds, patrols=_patrols([("g00", 2022, 9.0)]))
    assert set(EFFORT_FEATURES) <= set(feature_keys(with_effort)) & set(feature_table(with_effort).columns)


def test_effort_is_zero_where_a_covered_year_lists_no_patrol_and_unknown_in_an_uncovered_year() -> None:
    from dataclasses import replace

    ds = replace(_dataset(_grid(2), _cases([("g00", 2022, "patrol")]), [2022, 2023, 2024]),
                 patrols=_patrols([("g00", 2022, 8.0), ("g01", 2022, 4.0), ("g00", 2023, 2.0)]))
    table = feature_table(ds).set_index(["commune_id", "year"])
    assert table.loc[("g00", 2022), "patrol_effort_t"] == 8.0
    assert table.loc[("g10", 2022), "patrol_effort_t"] == 0.0  # listed nowhere in a covered year: no patrol
    assert np.isnan(table.loc[("g00", 2024), "patrol_effort_t"])  # 2024 has no patrol rows at all
    assert table.loc[("g00", 2022), "patrol_effort_next"] == 2.0
    assert np.isnan(table.loc[("g00", 2023), "patrol_effort_next"])
    # the reference is the province's mean of the feature year, over every commune
    assert table.loc[("g11", 2022), "patrol_effort_reference"] == pytest.approx(12.0 / 4)


def test_scoring_at_reference_effort_sets_next_years_effort_to_the_province_mean() -> None:
    from dataclasses import replace

    from risk.analysis.features import at_reference_effort

    ds = replace(_dataset(_grid(2), _cases([("g00", 2022, "patrol")]), [2022, 2023]),
                 patrols=_patrols([("g00", 2022, 8.0), ("g00", 2023, 40.0)]))
    table = feature_table(ds)
    even = at_reference_effort(table)
    rows = even[even["year"] == 2022]
    assert rows["patrol_effort_next"].tolist() == [2.0] * 4
    assert table[table["year"] == 2022]["patrol_effort_next"].max() == 40.0  # the input is not changed
    plain = feature_table(_dataset(_grid(2), _cases([("g00", 2022, "patrol")]), [2022, 2023]))
    assert at_reference_effort(plain) is plain
