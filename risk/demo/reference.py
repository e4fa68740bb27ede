"""Read the real reference facts the demo dataset is generated around.

Only files under `data/reference/<province>/` are read, so the demo builds on a
fresh clone with no network and no shared folders.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

REFERENCE_DIR = Path(__file__).resolve().parents[2] / "data" / "reference" / "nghe_an"

OUTLINE_FILE = "nghe_an_province_ne10m.geojson"
CONTEXT_FILE = "nghe_an_context_admin1_ne10m.geojson"
BORDER_FILE = "vn_la_border_nghe_an_ne10m.geojson"
COMMUNES_FILE = "nghe_an_communes_2025.csv"
DISTRICTS_FILE = "former_districts.csv"
GATES_FILE = "border_crossings_approx.csv"
PLACES_FILE = "nghe_an_populated_places_geonames.csv"
SOURCES_FILE = "SOURCES.md"
USED_FILES = (OUTLINE_FILE, CONTEXT_FILE, BORDER_FILE, COMMUNES_FILE, DISTRICTS_FILE, GATES_FILE, PLACES_FILE)

_UNIT_PREFIX = re.compile(r"^(Thành phố|Thị xã|Huyện|Quận|Thị trấn|Phường|Xã)\s+", re.IGNORECASE)


@dataclass(frozen=True)
class Reference:
    """Real facts (EPSG:4326) the generated dataset is built around."""

    province: str
    outline: shapely.Polygon
    coast: BaseGeometry  # outline edges shared with no neighbour: the sea coast
    border: shapely.LineString
    border_properties: dict  # name, source, license of the border line
    communes: pd.DataFrame  # code, name, short_name, type, district_code, former_district
    districts: pd.DataFrame  # district_code, former_district, area_km2, lon, lat, borders_laos
    gates: pd.DataFrame  # name, kind, former_district, lon, lat (rough)
    places: pd.DataFrame  # name, lon, lat, population, commune_code (may be empty)
    sources_md: str


def short_name(name: str) -> str:
    """A unit's name without its administrative prefix ("Huyện Kỳ Sơn" -> "Kỳ Sơn")."""
    return _UNIT_PREFIX.sub("", name.strip())


def _features(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["features"]


def _read_outline(ref_dir: Path) -> tuple[str, shapely.Polygon]:
    feature = _features(ref_dir / OUTLINE_FILE)[0]
    return feature["properties"]["name"], shape(feature["geometry"])


def _read_coast(ref_dir: Path, outline: shapely.Polygon, province: str) -> BaseGeometry:
    """The coast is the part of the outline that touches no neighbouring unit."""
    neighbours = [shape(f["geometry"]) for f in _features(ref_dir / CONTEXT_FILE)
                  if f["properties"].get("name") != province]
    return outline.boundary.difference(shapely.union_all(neighbours).buffer(0.005))


def _read_border(ref_dir: Path) -> tuple[dict, shapely.LineString]:
    """The whole-stretch border feature (not the per-neighbour pieces)."""
    for feature in _features(ref_dir / BORDER_FILE):
        if feature["properties"].get("part") == "full":
            props = {k: feature["properties"][k] for k in ("name", "source", "license") if k in feature["properties"]}
            return props, shape(feature["geometry"])
    raise ValueError(f"{BORDER_FILE}: no feature with part == 'full'")


def _read_communes(ref_dir: Path) -> pd.DataFrame:
    raw = pd.read_csv(ref_dir / COMMUNES_FILE, dtype=str, keep_default_na=False)
    return pd.DataFrame({
        "code": raw["code"].str.strip(),
        "name": raw["name"].str.strip(),
        "short_name": raw["short_name"].str.strip(),
        "type": raw["type"].str.strip(),
        "district_code": raw["former_district_code"].str.strip(),
        "former_district": raw["former_district"].str.strip(),
    })


def _read_districts(ref_dir: Path) -> pd.DataFrame:
    raw = pd.read_csv(ref_dir / DISTRICTS_FILE, dtype={"former_district_code": str})
    return pd.DataFrame({
        "district_code": raw["former_district_code"].str.strip(),
        "former_district": raw["former_district"].str.strip(),
        "area_km2": raw["approx_area_km2"].astype(float),
        "lon": raw["approx_inner_lon"].astype(float),
        "lat": raw["approx_inner_lat"].astype(float),
        "borders_laos": raw["borders_laos"].str.strip().str.lower().eq("yes"),
    })


def _read_gates(ref_dir: Path) -> pd.DataFrame:
    raw = pd.read_csv(ref_dir / GATES_FILE)
    return pd.DataFrame({
        "name": raw["name"].str.strip(), "kind": raw["kind"].str.strip(),
        "former_district": raw["former_district"].str.strip(),
        "lon": raw["approx_lon"].astype(float), "lat": raw["approx_lat"].astype(float),
    })


def _read_places(ref_dir: Path) -> pd.DataFrame:
    """GeoNames places; `commune_code` only where the QA column names a matching commune."""
    path = ref_dir / PLACES_FILE
    if not path.exists():
        return pd.DataFrame(columns=["name", "lon", "lat", "population", "commune_code"])
    raw = pd.read_csv(path, dtype={"likely_new_commune": str}, keep_default_na=False)
    codes = raw["likely_new_commune"].str.extract(r"\((\d+)\)\s*$")[0].fillna("")
    population = pd.to_numeric(raw["population_geonames"], errors="coerce").fillna(0)
    return pd.DataFrame({
        "name": raw["name"], "lon": raw["lon"].astype(float), "lat": raw["lat"].astype(float),
        "population": population.astype(int), "commune_code": codes,
    })


def load_reference(ref_dir: Path = REFERENCE_DIR) -> Reference:
    """Everything the generator needs, read and lightly normalised."""
    province, outline = _read_outline(ref_dir)
    border_properties, border = _read_border(ref_dir)
    return Reference(
        province=province,
        outline=outline,
        coast=_read_coast(ref_dir, outline, province),
        border=border,
        border_properties=border_properties,
        communes=_read_communes(ref_dir),
        districts=_read_districts(ref_dir),
        gates=_read_gates(ref_dir),
        places=_read_places(ref_dir),
        sources_md=(ref_dir / SOURCES_FILE).read_text(encoding="utf-8"),
    )
