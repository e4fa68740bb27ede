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
