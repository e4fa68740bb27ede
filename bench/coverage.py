"""A country of synthetic communes whose boundaries look surveyed: a clean coverage for benchmarks.

Why not bench.synthetic's box: a national map is a long, bent country with a coast, communes
of different sizes and boundaries of a few hundred vertices that neighbours share exactly. A
map that sends shared edges once (TopoJSON) or simplifies them must meet that, not straight
Voronoi sides in a square.

How: Voronoi cells of random seeds (denser around the deltas and cities), clipped to a
Vietnam-like outline, are turned into a network of edges (each edge between two junctions,
shared by the one or two communes beside it). Every edge is densified and wiggled once, then
the communes are rebuilt from the wiggled edges, so both sides of an edge carry the very same
vertices. An edge that would cross another after wiggling is wiggled less until none does.
Coordinates are rounded to 6 decimals (as the dataset files store them) before the rebuild.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from pyproj import Transformer

__all__ = ["Coverage", "OUTLINE_COAST", "OUTLINE_LAND", "country_coverage", "vertex_counts"]

# Land border, from the Gulf of Tonkin round the north and west to the Gulf of Thailand (lon, lat).
OUTLINE_LAND = (
    (108.0, 21.55), (107.4, 21.65), (106.7, 22.0), (106.7, 22.8), (106.0, 22.95), (105.4, 23.3), (104.8, 22.85),
    (104.0, 22.5), (103.3, 22.8), (102.5, 22.75), (102.15, 22.4), (102.3, 21.7), (102.9, 21.2), (103.2, 20.8),
    (104.2, 20.6), (104.0, 20.0), (103.9, 19.3), (104.6, 18.8), (105.2, 18.5), (105.6, 18.1), (105.8, 17.6),
    (106.5, 16.9), (106.8, 16.3), (107.3, 16.0), (107.5, 15.5), (107.6, 14.7), (107.5, 14.0), (107.6, 12.6),
    (106.9, 12.2), (106.4, 11.7), (105.9, 11.2), (105.2, 10.9), (104.45, 10.42),
)
# Coast, from the Gulf of Thailand round the south and up the east back to the start.
OUTLINE_COAST = (
    (104.8, 9.9), (104.8, 8.6), (105.3, 8.8), (106.3, 9.5), (106.8, 10.3), (107.5, 10.5), (108.3, 11.0),
    (109.0, 11.5), (109.2, 12.3), (109.4, 12.9), (109.2, 13.9), (108.9, 15.2), (108.3, 16.0), (107.6, 16.6),
    (106.8, 17.3), (106.4, 18.0), (105.9, 18.6), (105.6, 19.3), (105.9, 19.9), (106.5, 20.3), (106.8, 20.8),
    (107.4, 21.2),
)
# Where communes are small: the two deltas and the large cities (lon, lat, weight, radius in degrees).
DENSE = ((105.9, 20.9, 5.0, 0.6), (106.7, 10.8, 5.0, 0.4), (105.7, 10.0, 3.0, 0.7), (108.2, 16.05, 2.0, 0.3),
         (105.7, 18.7, 1.5, 0.4))
METRIC = "EPSG:32648"  # UTM 48N: metres, good enough for shapes over the whole country
TARGET_VERTICES = (130, 220)  # each commune's own boundary density is drawn from this range
DECIMALS = 6


@dataclass(frozen=True)
class Coverage:
    """Communes (lon/lat, in seed order), the land border as one line, and how much wiggle was undone."""

    polygons: tuple[shapely.Polygon | shapely.MultiPolygon, ...]
    seeds_lonlat: np.ndarray
    border: shapely.LineString
    calmed_edges: int


def _to_metric() -> Transformer:
    return Transformer.from_crs("EPSG:4326", METRIC, always_xy=True)


def _density(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    weight = np.ones_like(lon)
    for x, y, w, r in DENSE:
        weight += w * np.exp(-((lon - x) ** 2 + (lat - y) ** 2) / (2 * r * r))
    return weight


def _seeds(n: int, outline_m: shapely.Polygon, rng: np.random.Generator) -> np.ndarray:
    """n seeds inside the outline, denser where DENSE says, then one Lloyd step to even them out."""
    back = Transformer.from_crs(METRIC, "EPSG:4326", always_xy=True)
    minx, miny, maxx, maxy = outline_m.bounds
    top = 1 + sum(w for _, _, w, _ in DENSE)
    chosen: list[np.ndarray] = []
    while sum(len(c) for c in chosen) < n:
        xy = np.column_stack([rng.uniform(minx, maxx, 4 * n), rng.uniform(miny, maxy, 4 * n)])
        xy = xy[shapely.contains_xy(outline_m, xy[:, 0], xy[:, 1])]
        lon, lat = back.transform(xy[:, 0], xy[:, 1])
        chosen.append(xy[rng.uniform(0, top, len(xy)) < _density(np.asarray(lon), np.asarray(lat))])
    seeds = np.concatenate(chosen)[:n]
    cells = _cells(seeds, outline_m)
    moved = shapely.get_coordinates(shapely.centroid(cells))
    return 0.5 * seeds + 0.5 * moved  # half a step: keeps the dense areas dense


def _cells(seeds: np.ndarray, outline_m: shapely.Polygon) -> np.ndarray:
    """Each seed's Voronoi cell clipped to the outline, in seed order."""
    voronoi = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=outline_m.envelope))
    tree = shapely.STRtree(voronoi)
    seed_idx, cell_idx = tree.query(shapely.points(seeds), predicate="within")
    order = np.empty(len(seeds), dtype=int)
    order[seed_idx] = cell_idx
    return shapely.intersection(voronoi[order], outline_m, grid_size=0.01)


def _faces(cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The polygon parts of the cells and the seed each belongs to (a cell cut by a bay has two)."""
    parts, owner = shapely.get_parts(cells, return_index=True)
    keep = shapely.get_type_id(parts) == 3
    return parts[keep], owner[keep]


def _edges(faces: np.ndarray) -> np.ndarray:
    """The edge network: maximal lines between junctions, each shared by at most two faces."""
    noded = shapely.union_all(shapely.boundary(faces), grid_size=0.01)
    return np.asarray(shapely.get_parts(shapely.line_merge(noded)))


def _spacing(faces: np.ndarray, owner: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """Vertex spacing wanted along each face's boundary: its commune's perimeter / its vertex target."""
    perimeter = np.bincount(owner, weights=shapely.length(faces), minlength=n)
    target = rng.uniform(*TARGET_VERTICES, n)
    return (perimeter / target)[owner]


def _wiggle(line: shapely.LineString, spacing: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Evenly spaced points along `line` and each one's sideways offset (zero at both ends)."""
    length = line.length
    k = max(2, int(np.ceil(length / spacing)))
    t = np.linspace(0.0, 1.0, k + 1)
    pts = shapely.get_coordinates(shapely.line_interpolate_point(line, t, normalized=True))
    pts[0], pts[-1] = shapely.get_coordinates(line)[[0, -1]]
    tangent = np.gradient(pts, axis=0)
    normal = np.column_stack([-tangent[:, 1], tangent[:, 0]])
    normal /= np.maximum(np.linalg.norm(normal, axis=1, keepdims=True), 1e-12)
    meander = sum(rng.normal() / f * np.sin(np.pi * f * t + rng.uniform(0, 2 * np.pi)) for f in (1, 2, 3, 5, 8))
    envelope = np.sin(np.pi * t)
    offset = envelope * (0.05 * length * meander + 0.25 * spacing * rng.normal(size=len(t)))
    offset[[0, -1]] = 0.0
    return pts, normal * offset[:, None]


def _lonlat_lines(points: list[np.ndarray], offsets: list[np.ndarray], scale: np.ndarray) -> np.ndarray:
    back = Transformer.from_crs(METRIC, "EPSG:4326", always_xy=True)
    lines = []
    for pts, off, s in zip(points, offsets, scale):
        xy = pts + s * off
        lon, lat = back.transform(xy[:, 0], xy[:, 1])
        coords = np.round(np.column_stack([lon, lat]), DECIMALS)
        keep = np.r_[True, np.any(np.diff(coords, axis=0) != 0, axis=1)]  # rounding may merge two points
        lines.append(shapely.linestrings(coords[keep]))
    return np.asarray(lines)


def _bad_edges(lines: np.ndarray) -> np.ndarray:
    """Indices of edges that are not simple or cross or overlap another edge."""
    bad = set(np.flatnonzero(~shapely.is_simple(lines)))
    tree = shapely.STRtree(lines)
    for predicate in ("crosses", "overlaps"):
        a, b = tree.query(lines, predicate=predicate)
        bad.update(a[a != b])
        bad.update(b[a != b])
    return np.asarray(sorted(bad), dtype=int)


def country_coverage(n: int, seed: int = 0) -> Coverage:
    """n communes covering the outline, with shared, wiggled edges and 100–300 vertices each."""
    rng = np.random.default_rng(seed)
    fwd = _to_metric()
    ring = OUTLINE_LAND + OUTLINE_COAST
    lon, lat = fwd.transform(*zip(*ring))
    outline_m = shapely.Polygon(np.column_stack([lon, lat]))
    seeds = _seeds(n, outline_m, rng)
    faces, owner = _faces(_cells(seeds, outline_m))
    edges = _edges(faces)
    spacing = _spacing(faces, owner, n, rng)
    # The faces beside each edge: those within a centimetre of a point inside the edge.
    middles = shapely.line_interpolate_point(edges, 0.5, normalized=True)
    edge_idx, face_idx = shapely.STRtree(faces).query(middles, predicate="dwithin", distance=0.01)
    edge_spacing = np.full(len(edges), np.inf)
    np.minimum.at(edge_spacing, edge_idx, spacing[face_idx])
    points, offsets = zip(*(_wiggle(e, s, rng) for e, s in zip(edges, edge_spacing)))
    scale = np.ones(len(edges))
    lines = _lonlat_lines(list(points), list(offsets), scale)
    calmed: set[int] = set()
    for attempt in range(12):  # halve the wiggle of crossing edges; the last attempt straightens them
        bad = _bad_edges(lines)
        if not len(bad):
            break
        calmed.update(bad.tolist())
        scale[bad] = 0.0 if attempt == 10 else scale[bad] / 2
        lines[bad] = _lonlat_lines([points[i] for i in bad], [offsets[i] for i in bad], scale[bad])
    else:
        raise RuntimeError("edges still cross after straightening them")
    land = shapely.LineString(np.column_stack(fwd.transform(*zip(*OUTLINE_LAND)))).buffer(1.0)
    on_land = shapely.within(edges, land)  # decided on the straight edges, before any wiggle
    return Coverage(_rebuild(lines, faces, owner, n), _seeds_lonlat(seeds), _border(lines[on_land]), len(calmed))


def _seeds_lonlat(seeds: np.ndarray) -> np.ndarray:
    back = Transformer.from_crs(METRIC, "EPSG:4326", always_xy=True)
    return np.column_stack(back.transform(seeds[:, 0], seeds[:, 1]))


def _rebuild(lines: np.ndarray, faces: np.ndarray, owner: np.ndarray, n: int) -> tuple:
    """Communes from the wiggled edges: each new face goes to the seed whose old face holds its inside."""
    new_faces = np.asarray(shapely.get_parts(shapely.polygonize(lines)))
    if len(new_faces) != len(faces):
        raise RuntimeError(f"rebuilt {len(new_faces)} faces from {len(faces)}")
    back = Transformer.from_crs(METRIC, "EPSG:4326", always_xy=True)
    old = shapely.transform(faces, lambda xy: np.column_stack(back.transform(xy[:, 0], xy[:, 1])))
    inside = shapely.point_on_surface(new_faces)
    new_idx, old_idx = shapely.STRtree(old).query(inside, predicate="within")
    if len(set(new_idx)) != len(new_faces) or len(new_idx) != len(new_faces):
        raise RuntimeError("a rebuilt face matched no old face, or several")
    groups: list[list] = [[] for _ in range(n)]
    for i, j in zip(new_idx, old_idx):
        groups[owner[j]].append(new_faces[i])
    return tuple(g[0] if len(g) == 1 else shapely.MultiPolygon(g) for g in groups)


def _border(land_edges: np.ndarray) -> shapely.LineString:
    """The land border: the wiggled outline edges along OUTLINE_LAND, merged into one line."""
    merged = shapely.line_merge(shapely.multilinestrings(land_edges))
    if merged.geom_type != "LineString":
        raise RuntimeError("the land border's edges do not join into one line")
    return merged


def vertex_counts(polygons) -> np.ndarray:
    """Coordinates per commune, as a GeoJSON file stores them (each ring's closing point included)."""
    return shapely.get_num_coordinates(np.asarray(polygons, dtype=object))
