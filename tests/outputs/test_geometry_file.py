"""The commune geometry file served without sign-in: boundaries only, content-addressed, kept."""
from __future__ import annotations

import gzip
import json
from collections import Counter

import numpy as np
import pytest
import shapely

from risk.ingest.folder import load_dataset
from risk.access.settings import DEFAULT_DATA_DIR
from risk.outputs import geometry_file
from risk.outputs.geometry_file import OBJECT, PUBLIC_FIELDS, prepare_display, publish, published, topology
from risk.outputs.mapview import display_layer

TOPOLOGY_KEYS = {"type", "objects", "arcs", "transform", "bbox"}


@pytest.fixture(scope="module")
def demo():
    return load_dataset(DEFAULT_DATA_DIR)


@pytest.fixture(scope="module")
def demo_layer(demo):
    return display_layer(demo.boundaries)


def test_the_published_file_holds_boundaries_and_nothing_about_cases_or_scores(demo, demo_layer):
    data = json.loads(topology(demo_layer))
    assert set(data) <= TOPOLOGY_KEYS and set(data["objects"]) == {OBJECT}
    geometries = data["objects"][OBJECT]["geometries"]
    assert len(geometries) == len(demo.boundaries)
    for g in geometries:
        assert set(g) <= {"type", "arcs", "properties"}
        assert set(g["properties"]) <= set(PUBLIC_FIELDS)
        assert all(isinstance(v, str) for v in g["properties"].values())
    text = topology(demo_layer).decode("utf-8")
    # No case record, indicator key or count can be found in it.
    for case_id in demo.cases["case_id"].astype(str).head(50):
        assert f'"{case_id}"' not in text
    for key in (*demo.indicator_keys, "cases", "score", "count", "victim"):
        assert f'"{key}"' not in text


def test_only_boundary_fields_may_be_published(demo_layer):
    with pytest.raises(ValueError, match="only boundary fields"):
        topology(demo_layer, ("commune_id", "cases"))


def _decode(data: dict) -> list[shapely.Geometry]:
    """TopoJSON → shapely, written out here so the test does not trust the library that wrote it."""
    (sx, sy), (tx, ty) = data["transform"]["scale"], data["transform"]["translate"]
    arcs = []
    for arc in data["arcs"]:
        xy = np.cumsum(np.asarray(arc, dtype=float), axis=0)
        arcs.append(np.column_stack([xy[:, 0] * sx + tx, xy[:, 1] * sy + ty]))

    def ring(indexes):
        points = []
        for i in indexes:
            part = arcs[i] if i >= 0 else arcs[~i][::-1]
            points.extend(part[1:] if points else part)
        return points

    shapes = []
    for g in data["objects"][OBJECT]["geometries"]:
        polygons = g["arcs"] if g["type"] == "MultiPolygon" else [g["arcs"]]
        shapes.append(shapely.MultiPolygon([shapely.Polygon(ring(p[0]), [ring(h) for h in p[1:]]) for p in polygons]))
    return shapes


def test_the_file_draws_the_display_layer_with_shared_edges_stored_once(demo_layer):
    data = json.loads(topology(demo_layer))
    decoded = _decode(data)
    for feature, shape in zip(demo_layer.features, decoded):
        original = shapely.geometry.shape(feature["geometry"])
        assert shapely.hausdorff_distance(original, shape) < 1e-4  # quantisation: a few metres
        assert abs(original.area - shape.area) / original.area < 1e-3
    uses = Counter(i if i >= 0 else ~i for g in data["objects"][OBJECT]["geometries"]
                   for p in (g["arcs"] if g["type"] == "MultiPolygon" else [g["arcs"]]) for r in p for i in r)
    assert max(uses.values()) == 2 and sum(n == 2 for n in uses.values()) > 0.8 * len(uses)  # an edge is stored once
    vertices = sum(len(a) for a in data["arcs"])
    embedded = sum(len(shapely.get_coordinates(shapely.geometry.shape(f["geometry"]))) for f in demo_layer.features)
    assert vertices < embedded


def test_publishing_is_content_addressed_idempotent_and_gzipped(tmp_path, demo_layer):
    first = publish(demo_layer, tmp_path)
    again = publish(demo_layer, tmp_path)
    assert first == again and first.name.endswith(".topojson") and len(first.name) == 64 + len(".topojson")
    raw = first.path.read_bytes()
    assert gzip.decompress(first.path.with_name(first.name + ".gz").read_bytes()) == raw
    assert first.gzip_size < first.size / 2
    assert published(tmp_path, first.name) == first.path
    for bad in ("../prepared/x.pickle", first.name.upper(), first.name + ".gz", "x.topojson", "", "/etc/passwd"):
        assert published(tmp_path, bad) is None


def test_the_display_layer_is_prepared_once_and_kept_across_a_restart(tmp_path, demo, monkeypatch):
    prepared = prepare_display(demo.boundaries, tmp_path)

    def no_second_time(*_a, **_k):
        raise AssertionError("the display layer was prepared again")

    monkeypatch.setattr(geometry_file, "display_layer", no_second_time)
    kept = prepare_display(demo.boundaries, tmp_path)  # a new process would find the same files
    assert kept.geometry == prepared.geometry and kept.layer.bounds == prepared.layer.bounds
    changed = demo.boundaries.copy()
    changed.loc[changed.index[0], "name"] = "Xã Đổi Tên"
    with pytest.raises(AssertionError, match="prepared again"):
        prepare_display(changed, tmp_path)  # other boundaries are never served from the kept file
