"""The whole hotspot run on dataset-like input: expected counts from population, the scan's
classes, smoothed risk, trends, and what it says when it cannot answer."""
from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString, Point

from risk.access.privacy import Role, commune_case_counts
from risk.analysis.geography import commune_distances_km
from risk.analysis.hotspots import (
    CLASSES, TRENDS, HotspotError, HotspotOptions, hot_commune_table, hotspot_analysis, population_matrix,
)
from risk.analysis.hotspots.trends import GATED
from tests.analysis.hotspots.grids import N, block, cases_in, grid

YEARS = (2019, 2020, 2021, 2022, 2023)
CLUSTER = block(range(3, 6), range(3, 6))


def province(seed: int = 4, risk: float = 4.0):
    """A grid province with varying population, about 2 cases per 10,000 a year, and a planted 3×3 cluster."""
    g = grid()
    rng = np.random.default_rng(seed)
    pop = np.clip(np.exp(rng.normal(np.log(8000), 0.7, N * N)), 800, 60_000)
    rr = np.ones(N * N)
    rr[CLUSTER] = risk
    counts = {(cell, y): int(rng.poisson(pop[cell] * 2e-4 * rr[cell])) for cell in range(N * N) for y in YEARS}
    indicators = pd.DataFrame([{"commune_id": g["commune_id"].iloc[c], "year": y, "population": pop[c]}
                               for c in range(N * N) for y in YEARS])
    return g, cases_in(g, counts), indicators


def test_the_planted_cluster_is_found_against_expected_counts():
    g, cases, indicators = province()
    result = hotspot_analysis(g, cases, indicators, HotspotOptions(2019, 2023))
    table = result.table.set_index("commune_id")
    ids = g["commune_id"].to_numpy()
    in_cluster = table.loc[ids[CLUSTER], "class"].str.startswith("cluster_")
    assert in_cluster.mean() >= 0.6
    outside = table.drop(index=ids[CLUSTER])
    assert (outside["class"] != "not_in_cluster").sum() <= 3
    assert set(result.table["class"]) <= set(CLASSES)
    assert set(result.table["trend"]) <= set(TRENDS) | set(GATED)
    assert result.table["expected"].sum() == pytest.approx(result.table["observed"].sum())
    # expected follows population: the most populous commune expects the most
    assert table["expected"].idxmax() == table.index[np.argmax(indicators.groupby("commune_id")["population"]
                                                              .mean().reindex(table.index).to_numpy())]
    best = result.scan.significant[0]
    assert best.observed > 2 * best.expected
    members = result.cluster_members()[0]
    assert set(members) & set(ids[CLUSTER])
    records = result.records()
    assert len(records) == N * N and {"class", "observed", "expected", "exceedance", "trend"} <= set(records[0])


def test_the_same_map_for_another_seed():
    g, cases, indicators = province(seed=9)
    a = hotspot_analysis(g, cases, indicators, HotspotOptions(2019, 2023, seed=1))
    b = hotspot_analysis(g, cases, indicators, HotspotOptions(2019, 2023, seed=2))
    assert a.table["class"].str.startswith("cluster").tolist() == b.table["class"].str.startswith("cluster").tolist()


def test_a_null_province_stays_quiet():
    g, cases, indicators = province(seed=5, risk=1.0)
    result = hotspot_analysis(g, cases, indicators, HotspotOptions(2019, 2023))
    assert (result.table["class"] == "not_in_cluster").all()
    assert result.scan.clusters, "the strongest grouping is still reported, with its p-value"
    assert result.scan.clusters[0].p_value > 0.05


def test_without_population_every_commune_expects_the_same_and_gaps_are_left_out():
    g, cases, indicators = province()
    result = hotspot_analysis(g, cases, None, HotspotOptions(2019, 2023))
    assert not result.population_known
    assert np.allclose(result.table["expected"], result.table["observed"].sum() / (N * N))
    partial = indicators.copy()
    partial.loc[partial["commune_id"] == "0099", "population"] = np.nan
    result = hotspot_analysis(g, cases, partial, HotspotOptions(2019, 2023))
    table = result.table.set_index("commune_id")
    assert result.population_known and result.excluded == ("0099",)
    assert not table.loc["0099", "analysed"] and table.loc["0099", "class"] == "not_analysed"


def test_the_floor_and_no_cases_are_reported_not_drawn():
    g, cases, indicators = province()
    floor = hotspot_analysis(g, cases, indicators, HotspotOptions(2019, 2023, replicates=9))
    assert floor.scan.reason == "floor" and (floor.table["class"] == "not_in_cluster").all()
    empty = cases.iloc[0:0]
    none = hotspot_analysis(g, empty, indicators, HotspotOptions(2019, 2023))
    assert none.scan.reason == "no_cases" and (none.table["class"] == "not_in_cluster").all()
    assert set(none.table["trend"]) <= set(GATED)


def test_trends_use_years_when_there_are_enough_else_quarters():
    assert HotspotOptions(2019, 2023).time_step == "year"
    assert HotspotOptions(2021, 2023).time_step == "quarter"
    assert HotspotOptions(2021, 2023, slice="month").time_step == "month"
    g, cases, indicators = province()
    result = hotspot_analysis(g, cases, indicators, HotspotOptions(2022, 2023))
    assert result.trends.slice == "quarter" and len(result.trends.labels) == 8


def test_bad_options_are_rejected_with_translated_messages():
    g = grid(3)
    empty = cases_in(g, {})
    bad = [
        (HotspotOptions(2023, 2021), "hotspots.bad_period"),
        (HotspotOptions(2021, 2023, form="smuggling"), "hotspots.unknown_form"),
        (HotspotOptions(2021, 2023, weights="knn"), "hotspots.unknown_weights"),
        (HotspotOptions(2021, 2023, weights="distance", band_km=-1), "hotspots.bad_band"),
        (HotspotOptions(2021, 2023, slice="week"), "hotspots.unknown_slice"),
        (HotspotOptions(2021, 2023, replicates=-5), "hotspots.bad_replicates"),
    ]
    for options, code in bad:
        with pytest.raises(HotspotError) as err:
            hotspot_analysis(g, empty, pd.DataFrame({"commune_id": [], "year": []}), options)
        assert err.value.code == code
        assert err.value.message("vi") and err.value.message("en") != err.value.message("vi")


def test_population_gaps_take_the_latest_earlier_year_else_the_earliest_later():
    ind = pd.DataFrame({"commune_id": ["A", "A", "B", "C"], "year": [2020, 2023, 2022, 2020],
                        "population": [1000.0, 1300.0, 500.0, 0.0]})
    pop = population_matrix(ind, ["A", "B", "C"], [2021, 2022, 2023, 2024])
    assert pop.loc["A"].tolist() == [1000.0, 1000.0, 1300.0, 1300.0]
    assert pop.loc["B"].tolist() == [500.0] * 4
    assert pop.loc["C"].isna().all()  # zero is no population figure


def test_cluster_communes_table_is_by_cluster_and_limited_to_the_belt():
    g, cases, indicators = province()
    result = hotspot_analysis(g, cases, indicators, HotspotOptions(2019, 2023))
    border = gpd.GeoDataFrame(geometry=[LineString([(104, 19), (104, 20)])], crs="EPSG:4326")  # the west edge
    gates = gpd.GeoDataFrame({"name": ["G"]}, geometry=[Point(104.0, 19.45)], crs="EPSG:4326")
    dist = commune_distances_km(g, border, gates)
    shown = commune_case_counts(cases, list(g["commune_id"]), list(YEARS), Role.PLANNER)
    table = hot_commune_table(result, g[["commune_id", "name"]], dist, shown)
    assert not table.empty and table["cluster"].is_monotonic_increasing and (table["cluster"] > 0).all()
    assert list(table.columns[:6]) == ["commune_id", "name", "cluster", "class", "observed", "expected"]
    assert list(table.columns[-3:]) == ["total", "dist_border_km", "dist_gate_km"]
    near = dist.loc[dist["dist_border_km"] <= 35, "commune_id"]
    belt = hot_commune_table(result, g[["commune_id", "name"]], dist, shown, communes=near)
    assert set(belt["commune_id"]) <= set(near) and len(belt) < len(table)
