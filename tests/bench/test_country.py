"""The country benchmark's data generator (bench.coverage, bench.country_data): no browser, no timing.

The benchmark's figures only mean something if its communes are what a real national dataset is:
a clean coverage (neighbours share their edges vertex for vertex, no gaps, no overlaps), boundaries
of 100–300 vertices, and a folder the app's own loader accepts and labels as generated.
"""
from __future__ import annotations

import numpy as np
import pytest
import shapely

from bench.country_data import DEMO_SCALE, country_folder, folder_facts
from bench.coverage import country_coverage, vertex_counts
from risk.access.settings import DEFAULT_DATA_DIR
from risk.ingest.folder import load_dataset

N = 80


@pytest.fixture(scope="module")
def coverage():
    return country_coverage(N, seed=3)


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return country_folder(N, tmp_path_factory.mktemp("country"), seed=3)


def test_neighbours_share_their_edges_exactly(coverage):
    polygons = np.asarray(coverage.polygons, dtype=object)
    assert len(polygons) == N
    assert shapely.is_valid(polygons).all()
    # No overlaps, shared edges vertex for vertex, and no gap narrower than ~10 m between communes
    # (a vertex moved by a centimetre on one side only fails this).
    assert shapely.coverage_is_valid(polygons, gap_width=1e-4)
    assert shapely.coverage_union_all(polygons).geom_type == "Polygon", "the country falls apart"
    # Shared edges, not touching corners: most communes meet several neighbours along a line.
    tree = shapely.STRtree(polygons)
    left, right = tree.query(polygons, predicate="touches")
    shared = [shapely.intersection(polygons[a], polygons[b]) for a, b in zip(left, right) if a < b]
    lines = [g for g in shared if g.geom_type in ("LineString", "MultiLineString")]
    assert len(lines) >= 2 * N, f"only {len(lines)} shared edges among {N} communes"
    assert min(shapely.get_num_coordinates(np.asarray(lines, dtype=object))) >= 3  # densified, not bare sides


def test_every_commune_has_100_to_300_vertices(coverage):
    counts = vertex_counts(coverage.polygons)
    assert counts.min() >= 100 and counts.max() <= 300, (counts.min(), counts.max())


def test_the_border_runs_along_the_outline(coverage):
    outline = shapely.coverage_union_all(np.asarray(coverage.polygons, dtype=object)).exterior
    assert coverage.border.geom_type == "LineString"
    assert shapely.hausdorff_distance(coverage.border, shapely.intersection(outline, coverage.border.buffer(1e-6))) \
        < 1e-3
    assert coverage.border.length > 10  # degrees: most of the way round the north and west


def test_the_folder_loads_with_the_apps_loader_and_says_generated(folder):
    ds = load_dataset(folder)
    assert len(ds.boundaries) == N
    assert ds.generated
    assert set(ds.indicators["commune_id"]) == set(ds.boundaries["commune_id"])
    assert sorted(ds.indicators["year"].unique()) == list(range(2019, 2026))
    assert len(ds.cases) > 0 and ds.cases["lon"].notna().all()
    assert ds.border is not None and len(ds.gates) > 0
    facts = folder_facts(folder)
    assert facts.communes == N and 100 <= facts.vertices_min and facts.vertices_max <= 300
    assert facts.file_bytes["boundaries.geojson"] > 0


def test_a_built_folder_is_reused_and_130_is_the_demo(folder):
    stamp = (folder / "boundaries.geojson").stat().st_mtime_ns
    assert country_folder(N, folder.parent, seed=3) == folder
    assert (folder / "boundaries.geojson").stat().st_mtime_ns == stamp
    assert country_folder(DEMO_SCALE, folder.parent) == DEFAULT_DATA_DIR
