"""Static map images for exports (PDF briefs), drawn with Pillow.

A PDF has to carry its map as a picture, and the app runs offline with no
browser in the loop, so the map is drawn here: commune polygons in an
equirectangular projection with the x axis scaled by cos(mid-latitude), so
shapes are not stretched east-west at 19°N. Drawn at 2× and downsampled for
smooth edges. No clock, no randomness: the same input gives the same bytes.
"""
from __future__ import annotations

import io
import math
from dataclasses import dataclass, field
from typing import Iterable, Mapping

import geopandas as gpd
import numpy as np
import shapely
from PIL import Image, ImageColor, ImageDraw

__all__ = ["BACKGROUND", "MISSING_FILL", "RenderedMap", "render_map", "render_map_png"]

BACKGROUND = "#ffffff"
MISSING_FILL = "#e6e6e6"  # communes without a colour
EDGE = "#8c8c8c"
OUTLINE = "#000000"
BORDER_LINE = "#542788"
SUPERSAMPLE = 2
PADDING = 12  # pixels, at output size
KM_PER_DEGREE_LAT = 111.32  # a degree of latitude; with the cos(lat0) correction, of longitude too


@dataclass(frozen=True)
class RenderedMap:
    """A drawn map and what a page needs to annotate it: pixels per kilometre (for a scale bar) and,
    for each commune asked for, a point inside it in image pixels (for a marker)."""

    png: bytes
    width: int
    height: int
    pixels_per_km: float  # 0 when nothing was drawn
    anchors: Mapping[str, tuple[float, float]] = field(default_factory=dict)


def _to_4326(frame: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame | None:
    if frame is None or frame.crs is None:
        return frame
    return frame if frame.crs.to_epsg() == 4326 else frame.to_crs(4326)


class _Projection:
    """lon/lat -> pixel: equirectangular with cos(lat0) correction, fitted into the image with padding."""

    def __init__(self, bounds: tuple[float, float, float, float], width: int, height: int, pad: int):
        minx, miny, maxx, maxy = bounds
        self.kx = math.cos(math.radians((miny + maxy) / 2))
        span_x = max((maxx - minx) * self.kx, 1e-9)
        span_y = max(maxy - miny, 1e-9)
        self.scale = min((width - 2 * pad) / span_x, (height - 2 * pad) / span_y)
        self.x0 = (width - span_x * self.scale) / 2 - minx * self.kx * self.scale
        self.y0 = (height - span_y * self.scale) / 2 + maxy * self.scale

    def __call__(self, coords: np.ndarray) -> list[tuple[float, float]]:
        xs = self.x0 + coords[:, 0] * self.kx * self.scale
        ys = self.y0 - coords[:, 1] * self.scale
        return list(zip(np.round(xs, 2).tolist(), np.round(ys, 2).tolist()))


def _polygons(geom: shapely.Geometry | None) -> Iterable[shapely.Polygon]:
    if geom is None or geom.is_empty:
        return []
    if isinstance(geom, shapely.Polygon):
        return [geom]
    if isinstance(geom, (shapely.MultiPolygon, shapely.GeometryCollection)):
        return [p for g in geom.geoms for p in _polygons(g)]
    return []


def _lines(geom: shapely.Geometry | None) -> Iterable[np.ndarray]:
    if geom is None or geom.is_empty:
        return []
    if isinstance(geom, (shapely.LineString, shapely.LinearRing)):
        return [np.asarray(geom.coords)]
    if isinstance(geom, shapely.Polygon):
        return [np.asarray(geom.exterior.coords)]
    if hasattr(geom, "geoms"):
        return [line for g in geom.geoms for line in _lines(g)]
    return []


def render_map_png(
    boundaries: gpd.GeoDataFrame, fill_colours: Mapping[str, str], outline_ids: Iterable[str] = (),
    size: tuple[int, int] = (900, 700), border: gpd.GeoDataFrame | None = None,
) -> bytes:
    """PNG bytes of the communes filled with `fill_colours` (commune_id -> hex; others light grey),
    `outline_ids` outlined in black and the border line (if given) on top."""
    return render_map(boundaries, fill_colours, outline_ids, size, border).png


def render_map(
    boundaries: gpd.GeoDataFrame, fill_colours: Mapping[str, str], outline_ids: Iterable[str] = (),
    size: tuple[int, int] = (900, 700), border: gpd.GeoDataFrame | None = None, anchor_ids: Iterable[str] = (),
) -> RenderedMap:
    """The map of `render_map_png`, with its scale and a point inside each commune of `anchor_ids`."""
    width, height = int(size[0]), int(size[1])
    big_w, big_h = width * SUPERSAMPLE, height * SUPERSAMPLE
    image = Image.new("RGB", (big_w, big_h), BACKGROUND)
    communes = _to_4326(boundaries)
    if communes is None or communes.empty or communes.geometry.is_empty.all():
        return RenderedMap(_png(image.resize((width, height), Image.Resampling.LANCZOS)), width, height, 0.0)
    draw = ImageDraw.Draw(image)
    project = _Projection(tuple(communes.total_bounds), big_w, big_h, PADDING * SUPERSAMPLE)
    ids = communes["commune_id"].astype(str).to_numpy()
    geoms = communes.geometry.to_numpy()
    # Largest first, so an enclave drawn over its host's hole stays visible.
    order = sorted(range(len(geoms)), key=lambda i: (-(geoms[i].area if geoms[i] is not None else 0.0), ids[i]))
    edge_w = max(1, SUPERSAMPLE)
    for i in order:
        fill = ImageColor.getrgb(fill_colours.get(ids[i], MISSING_FILL))
        for poly in _polygons(geoms[i]):
            draw.polygon(project(np.asarray(poly.exterior.coords)), fill=fill, outline=EDGE, width=edge_w)
            for hole in poly.interiors:
                draw.polygon(project(np.asarray(hole.coords)), fill=BACKGROUND, outline=EDGE, width=edge_w)
    if border is not None and len(border):
        for geom in _to_4326(border).geometry.to_numpy():
            for line in _lines(geom):
                draw.line(project(line), fill=BORDER_LINE, width=3 * SUPERSAMPLE, joint="curve")
    chosen = {str(c) for c in outline_ids}
    for i in sorted((i for i in range(len(ids)) if ids[i] in chosen), key=lambda i: ids[i]):
        for poly in _polygons(geoms[i]):
            draw.line(project(np.asarray(poly.exterior.coords)), fill=OUTLINE, width=2 * SUPERSAMPLE, joint="curve")
    wanted = {str(c) for c in anchor_ids}
    anchors = {}
    for i in (i for i in range(len(ids)) if ids[i] in wanted and geoms[i] is not None and not geoms[i].is_empty):
        point = shapely.point_on_surface(geoms[i])
        (x, y), = project(np.array([[point.x, point.y]]))
        anchors[ids[i]] = (x / SUPERSAMPLE, y / SUPERSAMPLE)
    return RenderedMap(_png(image.resize((width, height), Image.Resampling.LANCZOS)), width, height,
                       project.scale / SUPERSAMPLE / KM_PER_DEGREE_LAT, anchors)


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=False)
    return buffer.getvalue()
