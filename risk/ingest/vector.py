"""Vector files: reading, geometry checks, coordinate systems, points in communes.

Everything leaves here in EPSG:4326. Problems are recorded in a ProblemLog,
located by feature number (1-based, file order); geometry is never repaired.
"""
from __future__ import annotations

from pathlib import Path
from typing import Collection

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from risk.contracts.dataset import WGS84
from risk.contracts.problems import VECTOR_SUFFIXES
from risk.ingest.checks import ProblemLog, file_ok, first_line, fmt_number


def read_vector(path: Path, log: ProblemLog, known: Collection[str] = ()) -> gpd.GeoDataFrame | None:
    """Features of a vector file, numbered from 1 in file order, or None.

    Column names in `known` are matched case-insensitively (COMMUNE_ID works).
    """
    if not file_ok(path, log):
        return None
    if path.suffix.lower() not in VECTOR_SUFFIXES | {".json"}:
        log.add("io.unsupported_format", suffix=path.suffix or path.name, expected=", ".join(sorted(VECTOR_SUFFIXES)))
        return None
    try:
        frame = gpd.read_file(path, engine="pyogrio", layer=_pick_layer(path))
    except Exception as err:  # pyogrio/GDAL raise several types for broken files
        log.add("io.file_unreadable", reason=first_line(err))
        return None
    if not len(frame):
        log.add("io.no_features")
        return None
    if not isinstance(frame, gpd.GeoDataFrame) or frame.active_geometry_name is None:
        log.add("io.no_geometry")
        return None
    frame.index = pd.RangeIndex(1, len(frame) + 1)
    frame.columns = [c if c == "geometry" or c.lower() not in known else c.lower() for c in frame.columns]
    return frame


def _pick_layer(path: Path) -> str | None:
    """In a multi-layer GeoPackage, the layer named like the file; else the first."""
    if path.suffix.lower() != ".gpkg":
        return None
    import pyogrio

    names = [str(name) for name, _ in pyogrio.list_layers(path)]
    for wanted in (path.stem, "communes", "boundaries"):
        if wanted in names:
            return wanted
    return names[0] if names else None


def check_geometry(frame: gpd.GeoDataFrame, allowed: frozenset[str], wrong_type_code: str,
                   log: ProblemLog) -> None:
    """Report empty, wrongly typed and invalid geometries, feature by feature."""
    geoms = frame.geometry.array
    empty = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    types = pd.Series(shapely.get_type_id(geoms), index=frame.index)
    names = frame.geometry.geom_type
    for row in frame.index[empty]:
        log.add("io.geometry_empty", row=row)
    wrong = ~empty & ~names.isin(allowed).to_numpy()
    for row in frame.index[wrong]:
        log.add(wrong_type_code, row=row, geom_type=str(names[row]))
    checkable = ~empty & ~wrong & (types >= 0).to_numpy()
    invalid = checkable & ~shapely.is_valid(geoms)
    if invalid.any():
        reasons = shapely.is_valid_reason(geoms[invalid])
        for row, reason in zip(frame.index[invalid], reasons):
            log.add("io.geometry_invalid", row=row, reason=str(reason))


def to_wgs84(frame: gpd.GeoDataFrame, log: ProblemLog) -> gpd.GeoDataFrame | None:
    """The features in EPSG:4326, or None when the CRS is missing or unusable.

    A file with no CRS (or a GeoJSON, which defaults to WGS 84) whose
    coordinates are not degrees must say which CRS it uses: guessing a zone
    would put communes in the wrong place without anyone noticing.
    """
    frame = frame.set_geometry(shapely.force_2d(frame.geometry.array))
    minx, miny, maxx, maxy = frame.total_bounds
    degrees = max(abs(minx), abs(maxx)) <= 180 and max(abs(miny), abs(maxy)) <= 90
    if frame.crs is None or frame.crs.is_geographic:
        if not degrees:
            log.add("io.crs_missing", x=fmt_number(minx), y=fmt_number(miny))
            return None
        if frame.crs is None:
            return frame.set_crs(WGS84)
    elif degrees:  # metres within 180 m of the false origin: really degrees
        log.add("io.crs_mismatch", crs=str(frame.crs), x=fmt_number(minx), y=fmt_number(miny))
        return None
    try:
        out = frame.to_crs(WGS84)
    except Exception as err:  # pyproj errors for CRSs without a usable transformation
        log.add("io.crs_unusable", crs=str(frame.crs), reason=first_line(err))
        return None
    bounds = out.geometry.bounds
    outside = ~(np.isfinite(bounds).all(axis=1) & bounds.minx.ge(-180) & bounds.maxx.le(180)
                & bounds.miny.ge(-90) & bounds.maxy.le(90))
    for row in out.index[outside & ~out.geometry.is_empty]:
        box = ", ".join(fmt_number(v) for v in bounds.loc[row])
        log.add("io.coords_out_of_range", row=row, crs=str(frame.crs), bounds=box)
    return None if outside.any() else out


def locate_points(lon: pd.Series, lat: pd.Series, ids: pd.Series, communes: gpd.GeoDataFrame,
                  log: ProblemLog) -> pd.Series:
    """Commune id of each point (filled where `ids` is empty); points outside
    every commune, or inside another commune than stated, are reported.

    A point on a shared edge belongs to every commune it touches, so a stated
    id that is one of them is accepted.
    """
    if communes.crs is not None and not communes.crs.equals(WGS84):
        communes = communes.to_crs(WGS84)
    located = (lon.notna() & lat.notna()).to_numpy()
    points = shapely.points(lon.to_numpy()[located], lat.to_numpy()[located])
    point_idx, poly_idx = shapely.STRtree(communes.geometry.array).query(points, predicate="intersects")
    commune_ids = communes["commune_id"].to_numpy()
    commune_names = communes["name"].to_numpy()
    hits: dict[int, list[int]] = {}
    for p, c in sorted(zip(point_idx.tolist(), poly_idx.tolist())):
        hits.setdefault(p, []).append(c)
    all_ids = set(commune_ids)
    rows, given_ids = lon.index.to_numpy(), ids.to_numpy(dtype=object)
    filled = given_ids.copy()
    for position, at in enumerate(np.flatnonzero(located)):
        found, given, row = hits.get(position, []), given_ids[at], rows[at]
        where = {"lon": fmt_number(lon.iat[at]), "lat": fmt_number(lat.iat[at])}
        if not found:
            log.add("io.point_outside", row=row, **where)
        elif not given:
            filled[at] = commune_ids[found[0]]
        elif given in all_ids and given not in {commune_ids[i] for i in found}:
            log.add("io.point_wrong_commune", row=row, column="commune_id", value=given,
                    actual_id=commune_ids[found[0]], actual_name=commune_names[found[0]], **where)
    return pd.Series(filled, index=ids.index, dtype=object)
