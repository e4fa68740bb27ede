"""Distances to the border: one owner (risk.analysis.geography.commune_distances_km).

The model's `dist_border_km` / `dist_gate_km` features and the distance columns
of the hotspot and priority tables must be the same numbers: measured from the
commune's polygon (its nearest point), so a commune touching the border is 0 km.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from risk.analysis.features import feature_table
from risk.analysis.geography import commune_distances_km, metric_crs
from risk.ingest.folder import load_dataset
import geopandas as gpd
from shapely.geometry import LineString, Point, box
from risk.analysis.geography import contiguity_weights, default_band_km, distance_band_weights
from tests.analysis.hotspots.grids import grid

PROJECT_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def demo():
    return load_dataset(PROJECT_ROOT / "data" / "demo")


@pytest.fixture(scope="module")
def distances(demo):
    return commune_distances_km(demo.boundaries, demo.border, demo.gates).set_index("commune_id")


@pytest.fixture(scope="module")
def table(demo):
    return feature_table(demo)


def test_model_features_are_the_polygon_distances(demo, distances, table) -> None:
    assert distances["dist_border_km"].notna().all() and distances["dist_gate_km"].notna().all()
    for year, rows in table.groupby("year"):
        rows = rows.set_index("commune_id")
        assert set(rows.index) == set(distances.index), year
        for column in ("dist_border_km", "dist_gate_km"):
            np.testing.assert_array_equal(rows[column].reindex(distances.index).to_numpy(),
                                          distances[column].to_numpy(), err_msg=f"{column} in {year}")


def test_a_commune_touching_the_border_is_at_zero_km(demo, distances, table) -> None:
    crs = metric_crs(demo.boundaries)
    line = demo.border.to_crs(crs).union_all()
    communes = demo.boundaries.to_crs(crs)
    touching = communes.loc[communes.intersects(line), "commune_id"].astype(str)
    assert len(touching) > 0, "the demo should have communes on the border"
    assert (distances.loc[touching, "dist_border_km"] == 0).all()
    assert (table.loc[table["commune_id"].isin(touching), "dist_border_km"] == 0).all()
    inland = distances.drop(touching.to_numpy())
    assert (inland["dist_border_km"] > 0).all()


# --- spatial weights and distances -------------------------------------------------------------------


def test_queen_contiguity_on_a_grid_and_islands_linked_to_the_nearest():
    g = grid(4, extra=[box(104.45, 19.0, 104.55, 19.1)])  # 0.05° east of the grid: an island
    w = contiguity_weights(g)
    counts = w.neighbour_counts()
    assert counts["0000"] == 3 and counts["0001"] == 5 and counts["0005"] == 8
    assert w.islands == ("0016",) and w.islands_linked
    assert counts["0016"] == 1 and counts["0003"] == 4  # the island and its nearest commune, both ways
    kept = contiguity_weights(g, islands="keep")
    assert kept.neighbour_counts()["0016"] == 0 and not kept.islands_linked
    assert list(w.graph.unique_ids) == list(g["commune_id"])
    assert metric_crs(g) == "EPSG:32648"


def test_contiguity_matches_libpysal_queen_on_a_clean_coverage():
    from libpysal.graph import Graph

    g = grid(6)
    ours = contiguity_weights(g).graph.adjacency
    ref = Graph.build_contiguity(g.set_index("commune_id").geometry, rook=False).adjacency
    assert set(ours[ours > 0].index) == set(ref[ref > 0].index)


def test_distance_band_is_measured_in_kilometres():
    g = grid(4)
    side_km = 0.1 * 111.32 * np.cos(np.radians(19.2))  # a cell's width at this latitude, about 10.5 km
    rook = distance_band_weights(g, band_km=side_km * 1.1).neighbour_counts()
    assert rook["0000"] == 2 and rook["0005"] == 4
    queen = distance_band_weights(g, band_km=side_km * 1.5).neighbour_counts()
    assert queen["0000"] == 3 and queen["0005"] == 8
    band = default_band_km(g)
    assert side_km < band < side_km * 1.1
    assert distance_band_weights(g).islands == ()
    few = distance_band_weights(g, band_km=1.0)
    assert len(few.islands) == 16 and (few.neighbour_counts() >= 1).all()


def test_distances_are_from_the_nearest_point_of_the_commune():
    g = grid(3)
    border = gpd.GeoDataFrame(geometry=[LineString([(104, 19), (104, 19.3)])], crs="EPSG:4326")
    gates = gpd.GeoDataFrame({"name": ["G"]}, geometry=[Point(104.0, 19.05)], crs="EPSG:4326")
    dist = commune_distances_km(g, border, gates).set_index("commune_id")
    assert dist.loc["0000", "dist_border_km"] == pytest.approx(0, abs=1e-6)
    assert dist.loc["0001", "dist_border_km"] == pytest.approx(10.5, abs=0.3)
    assert dist.loc["0000", "dist_gate_km"] == pytest.approx(0, abs=1e-3)
    none = commune_distances_km(g, None, None)
    assert none["dist_border_km"].isna().all() and none["dist_gate_km"].isna().all()
