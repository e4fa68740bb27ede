"""risk/ingest/vector.py: reading boundary files, their CRS and geometry checks."""
from __future__ import annotations

import geopandas as gpd
import pandas as pd
import shapely

from risk.ingest.checks import ProblemLog
from risk.ingest.vector import check_geometry, locate_points, read_vector, to_wgs84

SQUARE = shapely.box(104.0, 19.0, 104.1, 19.1)


def test_a_geojson_reads_with_rows_from_one_and_known_columns_matched(tmp_path) -> None:
    path = tmp_path / "communes.geojson"
    gpd.GeoDataFrame({"COMMUNE_ID": ["1"], "Name": ["Xã A"]}, geometry=[SQUARE], crs=4326).to_file(path)
    log = ProblemLog(path.name)
    frame = read_vector(path, log, known={"commune_id", "name"})
    assert not log and frame.index.tolist() == [1] and {"commune_id", "name"} <= set(frame.columns)


def test_a_broken_or_unsupported_file_is_a_problem_not_an_exception(tmp_path) -> None:
    broken = tmp_path / "broken.geojson"
    broken.write_text("{ not json")
    log = ProblemLog(broken.name)
    assert read_vector(broken, log) is None and log.problems[0].code == "io.file_unreadable"
    other = tmp_path / "communes.kml"
    other.write_text("<kml/>")
    log = ProblemLog(other.name)
    assert read_vector(other, log) is None and log.problems[0].code == "io.unsupported_format"


def test_metres_without_a_crs_are_refused_and_utm_is_reprojected() -> None:
    metres = gpd.GeoDataFrame(geometry=[shapely.box(500000, 2100000, 501000, 2101000)])
    log = ProblemLog("communes.gpkg")
    assert to_wgs84(metres, log) is None and log.problems[0].code == "io.crs_missing"
    utm = metres.set_crs(32648)
    log = ProblemLog("communes.gpkg")
    out = to_wgs84(utm, log)
    assert not log and out.crs.to_epsg() == 4326
    minx, miny, _, _ = out.total_bounds
    assert 104.9 < minx < 105.1 and 18.9 < miny < 19.1  # UTM 48N, 500 km east: 105°E


def test_geometry_problems_are_reported_feature_by_feature() -> None:
    bowtie = shapely.Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])
    frame = gpd.GeoDataFrame(geometry=[SQUARE, shapely.Point(104, 19), bowtie, None], index=[1, 2, 3, 4])
    log = ProblemLog("communes.geojson")
    check_geometry(frame, frozenset({"Polygon", "MultiPolygon"}), "io.geometry_not_polygon", log)
    assert [(p.row, p.code) for p in log.problems] == [
        (2, "io.geometry_not_polygon"), (3, "io.geometry_invalid"), (4, "io.geometry_empty")]


def test_points_are_placed_in_their_commune_and_wrong_ones_reported() -> None:
    communes = gpd.GeoDataFrame({"commune_id": ["a", "b"], "name": ["Xã A", "Xã B"]},
                                geometry=[SQUARE, shapely.box(104.1, 19.0, 104.2, 19.1)], crs=4326)
    lon, lat = pd.Series([104.05, 104.15, 110.0], index=[2, 3, 4]), pd.Series([19.05, 19.05, 19.0], index=[2, 3, 4])
    log = ProblemLog("cases.csv")
    ids = locate_points(lon, lat, pd.Series(["", "a", ""], index=[2, 3, 4], dtype=object), communes, log)
    assert ids.tolist() == ["a", "a", ""]
    assert [(p.row, p.code) for p in log.problems] == [(3, "io.point_wrong_commune"), (4, "io.point_outside")]
