"""Generated commune polygons that partition a real province outline.

No openly licensed commune polygons exist for the demo province, so shapes are
generated: district regions get their real area share (capacity-constrained
power diagram around each former district's inner point), each region is split
by k-means into as many seeds as the district has communes, and the Voronoi
diagram of all seeds is clipped to the outline. The result is a clean coverage
(shared edges are identical, coordinates on a 1e-6 degree grid), so the shapes
tile the outline with no gaps and no overlaps.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer
from shapely.geometry.base import BaseGeometry

from risk.demo.reference import Reference, short_name

METRIC_CRS = "EPSG:32648"
GRID_DEG = 1e-6  # coordinates are written with 6 decimals; build on that grid
N_SAMPLES = 24_000  # sample points inside the outline (about one per 0.7 km²)
SEED_MARGIN_M = 400.0  # every seed stays at least this far inside the outline
MIN_SEED_GAP_M = 300.0  # no two seeds closer than this
ANCHOR_INWARD_M = 2_500.0  # an anchored seed sits this far from its anchor, toward its district

_TO_METRIC = Transformer.from_crs("EPSG:4326", METRIC_CRS, always_xy=True)
_TO_LONLAT = Transformer.from_crs(METRIC_CRS, "EPSG:4326", always_xy=True)


def to_metric(geom: BaseGeometry) -> BaseGeometry:
    """EPSG:4326 -> metric CRS, vertex by vertex (deterministic for shared vertices)."""
    return shapely.transform(geom, lambda xy: np.column_stack(_TO_METRIC.transform(xy[:, 0], xy[:, 1])))


def to_lonlat(geom: BaseGeometry) -> BaseGeometry:
    """Metric CRS -> EPSG:4326."""
    return shapely.transform(geom, lambda xy: np.column_stack(_TO_LONLAT.transform(xy[:, 0], xy[:, 1])))


def xy_to_metric(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Arrays of lon/lat -> (n, 2) metric coordinates."""
    x, y = _TO_METRIC.transform(np.asarray(lon, float), np.asarray(lat, float))
    return np.column_stack([x, y])


@dataclass(frozen=True)
class CommuneShapes:
    """Generated shapes, aligned with `codes`."""

    codes: list[str]
    polygons: list[BaseGeometry]  # EPSG:4326, vertices on the 1e-6 grid
    seeds_lonlat: np.ndarray  # (n, 2), the generating seed of each commune


def sample_points(outline_m: shapely.Polygon, n: int, rng: np.random.Generator) -> np.ndarray:
    """Uniform random points inside the outline (rejection sampling in the bounding box)."""
    minx, miny, maxx, maxy = outline_m.bounds
    shapely.prepare(outline_m)
    chunks, total = [], 0
    while total < n:
        xy = rng.uniform([minx, miny], [maxx, maxy], size=(2 * n, 2))
        xy = xy[shapely.contains_xy(outline_m, xy[:, 0], xy[:, 1])]
        chunks.append(xy)
        total += len(xy)
    return np.concatenate(chunks)[:n]


def _sq_dist(points: np.ndarray, centers: np.ndarray) -> np.ndarray:
    """Squared distances, elementwise (no BLAS, so results are bit-stable)."""
    dx = points[:, None, 0] - centers[None, :, 0]
    dy = points[:, None, 1] - centers[None, :, 1]
    return dx * dx + dy * dy


def capacity_regions(points: np.ndarray, centers: np.ndarray, shares: np.ndarray,
                     iterations: int = 400) -> np.ndarray:
    """Assign points to centers so each gets about its share (power-diagram weights).

    Plain nearest-center assignment would give small districts huge areas and big
    ones small; raising or lowering each center's weight until its point count
    matches its area share gives a partition with the right sizes around the
    right places.
    """
    d2 = _sq_dist(points, centers)
    target = shares * len(points)
    scale = target / len(points) * float(np.ptp(points[:, 0]) * np.ptp(points[:, 1])) / np.pi
    weights = np.zeros(len(centers))
    labels = np.argmin(d2, axis=1)
    for step in range(iterations):
        labels = np.argmin(d2 - weights[None, :], axis=1)
        counts = np.bincount(labels, minlength=len(centers))
        rate = 0.5 if step < iterations // 2 else 0.15
        weights += rate * scale * (target - counts) / target
    return labels


def kmeans(points: np.ndarray, init: np.ndarray, n_fixed: int = 0, iterations: int = 40) -> np.ndarray:
    """Lloyd's k-means from given initial centres; the first `n_fixed` centres stay put."""
    centers = init.copy()
    for _ in range(iterations):
        labels = np.argmin(_sq_dist(points, centers), axis=1)
        for j in range(n_fixed, len(centers)):
            members = points[labels == j]
            if len(members):
                centers[j] = members.mean(axis=0)
            else:  # an empty cluster restarts at the point worst served
                worst = np.argmax(np.min(_sq_dist(points, centers), axis=1))
                centers[j] = points[worst]
    return centers


def farthest_point_init(points: np.ndarray, fixed: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """k initial centres: the fixed ones (anchors) first, then farthest-point picks."""
    chosen = [c for c in fixed]
    if not chosen:
        chosen.append(points[rng.integers(len(points))])
    while len(chosen) < k:
        d = np.min(_sq_dist(points, np.array(chosen)), axis=1)
        chosen.append(points[int(np.argmax(d))])
    return np.array(chosen[:k], dtype=float)


def district_groups(ref: Reference) -> dict[str, str]:
    """Former district -> the district whose communes fill its area.

    A former district with no communes in the list (its wards were attached to a
    neighbour in the reform) is filled by the nearest district that has some.
    """
    has_communes = set(ref.communes["district_code"])
    d = ref.districts
    xy = xy_to_metric(d["lon"], d["lat"])
    groups = {}
    for i, code in enumerate(d["district_code"]):
        if code in has_communes:
            groups[code] = code
            continue
        order = np.argsort(np.hypot(*(xy - xy[i]).T), kind="stable")
        groups[code] = next(d["district_code"].iloc[j] for j in order if d["district_code"].iloc[j] in has_communes)
    return groups


def commune_anchors(ref: Reference, gates_lonlat: pd.DataFrame) -> dict[str, tuple[float, float]]:
    """Known real locations of some communes (lon, lat), used to place their seeds.

    A commune named after a border gate of its own former district holds that gate;
    a commune named after a former district merged into its group sits at that
    district's inner point; a GeoNames place matched to a commune marks it.
    """
    anchors: dict[str, tuple[float, float]] = {}
    c = ref.communes
    for _, place in ref.places.iterrows():
        if place["commune_code"] in set(c["code"]):
            anchors[place["commune_code"]] = (place["lon"], place["lat"])
    groups = district_groups(ref)
    for _, dist in ref.districts.iterrows():
        if groups[dist["district_code"]] != dist["district_code"]:
            hit = c[(c["district_code"] == groups[dist["district_code"]])
                    & (c["short_name"] == short_name(dist["former_district"]))]
            for code in hit["code"]:
                anchors[code] = (dist["lon"], dist["lat"])
    for _, gate in gates_lonlat.iterrows():
        same_district = c["former_district"].map(short_name) == short_name(gate["former_district"])
        hit = c[(c["short_name"] == gate["name"]) & same_district]
        for code in hit["code"]:
            anchors[code] = (gate["lon"], gate["lat"])
    return anchors


def _pull_inward(anchor: np.ndarray, members: np.ndarray) -> np.ndarray:
    """An anchored seed: the member point nearest to a spot a little inside the anchor.

    Anchors such as border gates lie on the outline; a seed a couple of km inward
    still owns the anchor's surroundings but gives its commune a sensible shape.
    """
    toward = members.mean(axis=0) - anchor
    spot = anchor + toward * min(1.0, ANCHOR_INWARD_M / max(float(np.hypot(*toward)), 1.0))
    return members[np.argmin(np.hypot(*(members - spot).T))]


def _inside_seed(seed: np.ndarray, members: np.ndarray, inner: shapely.Polygon) -> np.ndarray:
    """The seed itself if safely inside the outline, else the nearest member point that is."""
    if shapely.contains_xy(inner, seed[0], seed[1]):
        return seed
    ok = members[shapely.contains_xy(inner, members[:, 0], members[:, 1])]
    return ok[np.argmin(np.hypot(*(ok - seed).T))]


def _spread(seeds: np.ndarray, members: np.ndarray, inner: shapely.Polygon) -> np.ndarray:
    """Seeds kept apart: one too close to an earlier one moves to the nearest free member point.

    Two anchors in one district can land on the same spot; coincident seeds would
    share a Voronoi cell and leave a commune without a polygon.
    """
    chosen: list[np.ndarray] = []
    usable = members[shapely.contains_xy(inner, members[:, 0], members[:, 1])]
    for seed in seeds:
        if chosen and np.min(np.hypot(*(np.array(chosen) - seed).T)) < MIN_SEED_GAP_M:
            far = np.min(_sq_dist(usable, np.array(chosen)), axis=1) >= MIN_SEED_GAP_M ** 2
            candidates = usable[far]
            seed = candidates[np.argmin(np.hypot(*(candidates - seed).T))]
        chosen.append(seed)
    return np.array(chosen)


def _group_seeds(members: np.ndarray, codes: list[str], anchors: dict[str, tuple[float, float]],
                 inner: shapely.Polygon, rng: np.random.Generator) -> tuple[list[str], np.ndarray]:
    """Seeds for one district group: anchored communes near their anchor, k-means for the rest."""
    anchored = [code for code in codes if code in anchors]
    free = [code for code in codes if code not in anchors]
    fixed = np.empty((0, 2))
    if anchored:
        lonlat = np.array([anchors[c] for c in anchored])
        fixed = np.array([_pull_inward(a, members) for a in xy_to_metric(lonlat[:, 0], lonlat[:, 1])])
    centres = kmeans(members, farthest_point_init(members, fixed, len(codes), rng), n_fixed=len(fixed))
    seeds = np.array([_inside_seed(c, members, inner) for c in centres])
    return anchored + free, _spread(seeds, members, inner)


def generate_seeds(ref: Reference, gates_lonlat: pd.DataFrame,
                   rng: np.random.Generator) -> tuple[list[str], np.ndarray]:
    """One seed per commune (metric CRS), grouped by former district and sized by its area."""
    outline_m = to_metric(ref.outline)
    inner = outline_m.buffer(-SEED_MARGIN_M)
    points = sample_points(outline_m, N_SAMPLES, rng)
    d = ref.districts
    centers = np.array([_inside_seed(c, points, inner) for c in xy_to_metric(d["lon"], d["lat"])])
    labels = capacity_regions(points, centers, d["area_km2"].to_numpy() / d["area_km2"].sum())
    groups = district_groups(ref)
    anchors = commune_anchors(ref, gates_lonlat)
    codes: list[str] = []
    seeds: list[np.ndarray] = []
    for group in sorted(set(groups.values())):
        members_idx = [i for i, code in enumerate(d["district_code"]) if groups[code] == group]
        members = points[np.isin(labels, members_idx)]
        group_codes = list(ref.communes.loc[ref.communes["district_code"] == group, "code"])
        got_codes, got_seeds = _group_seeds(members, group_codes, anchors, inner, rng)
        codes += got_codes
        seeds += list(got_seeds)
    if len(np.unique(np.array(seeds), axis=0)) != len(seeds):
        raise RuntimeError("two communes got the same seed")
    return codes, np.array(seeds)


def voronoi_cells(seeds: np.ndarray, outline_m: shapely.Polygon) -> list[shapely.Polygon]:
    """The Voronoi cell of each seed, in seed order, reaching past the outline."""
    envelope = outline_m.buffer(50_000).envelope
    cells = shapely.voronoi_polygons(shapely.MultiPoint(seeds), extend_to=envelope, ordered=True)
    return list(cells.geoms)


def _faces(cells_lonlat: list[BaseGeometry], outline: shapely.Polygon) -> list[shapely.Polygon]:
    """Node all cell edges with the outline on the 1e-6 grid and cut the outline into faces."""
    lines = [c.boundary for c in cells_lonlat] + [outline.boundary]
    noded = shapely.union_all(lines, grid_size=GRID_DEG)
    faces = list(shapely.polygonize(list(shapely.get_parts(noded))).geoms)
    shapely.prepare(outline)
    return [f for f in faces if outline.contains(f.representative_point())]


def _owner(face: shapely.Polygon, cells: list[BaseGeometry], tree: shapely.STRtree) -> int:
    """The cell that overlaps the face most."""
    idx = tree.query(face)
    return int(idx[np.argmax([face.intersection(cells[i]).area for i in idx])])


def _union(faces: list[shapely.Polygon]) -> BaseGeometry:
    return shapely.union_all(faces, grid_size=GRID_DEG)


def _absorb_stray_parts(faces: list[shapely.Polygon], owner: np.ndarray, seeds: list[shapely.Point]) -> np.ndarray:
    """Give each detached part of a commune to the neighbour sharing its longest edge.

    Clipping a convex cell to a concave outline can leave a commune in pieces; the
    piece that holds the seed stays, the others join a neighbour, so every commune
    is a single polygon.
    """
    owner = owner.copy()
    for _ in range(10):
        changed = False
        shapes = [_union([f for f, o in zip(faces, owner) if o == k]) for k in range(len(seeds))]
        for k, geom in enumerate(shapes):
            for part in shapely.get_parts(geom):
                if part.contains(seeds[k]):
                    continue
                shared = [(part.boundary.intersection(shapes[j].boundary).length, j)
                          for j in range(len(shapes)) if j != k and part.touches(shapes[j])]
                if not shared:  # an island: nobody to give it to, keep a MultiPolygon
                    continue
                target = max(shared)[1]
                for i, f in enumerate(faces):
                    if owner[i] == k and part.contains(f.representative_point()):
                        owner[i] = target
                changed = True
        if not changed:
            return owner
    return owner


def partition(seeds_m: np.ndarray, outline: shapely.Polygon) -> list[BaseGeometry]:
    """Polygons (EPSG:4326) of the seeds' Voronoi cells clipped to the outline, gap- and overlap-free."""
    cells = [to_lonlat(c) for c in voronoi_cells(seeds_m, to_metric(outline))]
    faces = _faces(cells, outline)
    tree = shapely.STRtree(cells)
    owner = np.array([_owner(f, cells, tree) for f in faces])
    seed_points = [to_lonlat(shapely.Point(s)) for s in seeds_m]
    owner = _absorb_stray_parts(faces, owner, seed_points)
    polygons = []
    for k in range(len(seeds_m)):
        geom = _union([f for f, o in zip(faces, owner) if o == k])
        if not geom.is_valid:
            geom = shapely.set_precision(shapely.make_valid(geom), GRID_DEG)
        polygons.append(geom)
    return polygons


def build_shapes(ref: Reference, gates_lonlat: pd.DataFrame, rng: np.random.Generator) -> CommuneShapes:
    """Generated commune polygons for every commune in the reference list."""
    codes, seeds_m = generate_seeds(ref, gates_lonlat, rng)
    polygons = partition(seeds_m, ref.outline)
    seeds_lonlat = np.array([to_lonlat(shapely.Point(s)).coords[0] for s in seeds_m])
    order = np.argsort(np.array(codes), kind="stable")
    return CommuneShapes(
        codes=[codes[i] for i in order],
        polygons=[polygons[i] for i in order],
        seeds_lonlat=seeds_lonlat[order],
    )


def snap_gates(gates: pd.DataFrame, border: shapely.LineString) -> pd.DataFrame:
    """Gates moved to the nearest point of the border line (rough coordinates are ~10 km off)."""
    border_m = to_metric(border)
    rows = []
    for _, gate in gates.iterrows():
        point_m = shapely.Point(xy_to_metric([gate["lon"]], [gate["lat"]])[0])
        snapped = to_lonlat(border_m.interpolate(border_m.project(point_m)))
        rows.append({**gate.to_dict(), "lon": round(snapped.x, 6), "lat": round(snapped.y, 6)})
    return pd.DataFrame(rows)
