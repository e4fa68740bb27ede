"""Build the embedded demo dataset: real names, codes, outline and border; generated everything else.

`build_demo(out, seed)` writes a dataset folder (see DESIGN.md, "Dataset folder")
that is byte-for-byte the same for the same seed, so the committed copy in
`data/demo/` can be checked against a fresh build. It reads only the reference
files in `data/reference/`, never the network.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from risk.demo import cases as demo_cases, indicators as demo_indicators, pre2025
from risk.demo.crosswalk import crosswalk_text, reference_crosswalk
from risk.demo.fields import commune_geography
from risk.demo.geometry import CommuneShapes, build_shapes, snap_gates, to_lonlat
from risk.demo.readme import readme_text
from risk.demo.reference import Reference, load_reference
from risk.demo.write import csv_text, feature_collection_text, json_text, write_text

DEFAULT_SEED = 20250701
DATASET_NAME = "Nghệ An (demo)"
CASE_PREFIX = "NA"
SOURCES = (
    "Real: names and official codes of the 130 communes and wards in force since 1 July 2025 and their "
    "former districts (national statistics office list, as packaged in vietnam-provinces 2026.9.0); "
    "province outline and Vietnam–Laos border line (Natural Earth 1:10m, public domain); border gate names "
    "and kinds; GeoNames places (CC BY 4.0) used only to place some generated commune seeds. "
    "GENERATED, not real: commune shapes, all indicators, all cases. See README.md."
)

# Independent random streams, so changing one stage does not reshuffle the others.
STAGE_SHAPES, STAGE_INDICATORS, STAGE_COUNTS, STAGE_CASE_DETAILS, STAGE_PRE2025 = 0, 1, 2, 3, 4


def _rng(seed: int, stage: int) -> np.random.Generator:
    return np.random.default_rng([seed, stage])


def boundaries_text(ref: Reference, shapes: CommuneShapes) -> str:
    """One feature per commune, sorted by commune_id."""
    info = ref.communes.set_index("code")
    features = []
    for code, polygon in zip(shapes.codes, shapes.polygons):
        row = info.loc[code]
        props = {"commune_id": code, "name": row["name"], "type": row["type"],
                 "former_district": row["former_district"], "province": ref.province}
        features.append((props, polygon))
    return feature_collection_text(features, "boundaries")


def border_text(ref: Reference) -> str:
    return feature_collection_text([(dict(ref.border_properties), ref.border)], "border")


def build_demo(out: Path, seed: int | None = None) -> list[Path]:
    """Write the demo dataset folder; returns the files written, in a fixed order."""
    seed = DEFAULT_SEED if seed is None else int(seed)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    ref = load_reference()
    gates = snap_gates(ref.gates, ref.border)
    shapes = build_shapes(ref, gates, _rng(seed, STAGE_SHAPES))
    geo = commune_geography(ref, shapes, gates)
    indicators, remoteness = demo_indicators.generate_indicators(geo, ref, _rng(seed, STAGE_INDICATORS))
    panel = indicators.merge(geo, on="commune_id", how="left", validate="many_to_one")
    counts, process = demo_cases.simulate_counts(panel, ref, _rng(seed, STAGE_COUNTS))
    cases = demo_cases.case_rows(counts, geo, shapes.polygons, remoteness, CASE_PREFIX, _rng(seed, STAGE_CASE_DETAILS))
    rate_formats = {c: "{:.2f}" for c in demo_indicators.INDICATOR_COLUMNS}
    files = {
        "boundaries.geojson": boundaries_text(ref, shapes),
        "border.geojson": border_text(ref),
        "border_gates.csv": csv_text(gates[["name", "kind", "lon", "lat"]], {"lon": "{:.6f}", "lat": "{:.6f}"}),
        "indicators.csv": csv_text(indicators, rate_formats),
        "cases.csv": csv_text(cases, {"lon": "{:.6f}", "lat": "{:.6f}"}),
        "dataset.json": json_text(dataset_metadata(ref, seed)),
        "README.md": readme_text(ref, seed, process, _bumps_lonlat(process), cases, len(shapes.codes)),
    }
    written = [write_text(out / name, text) for name, text in files.items()]
    return written + _write_pre2025(out / pre2025.FOLDER, files, ref, seed, indicators, cases, rate_formats)


def _write_pre2025(folder: Path, files: dict[str, str], ref: Reference, seed: int, indicators: pd.DataFrame,
                   cases: pd.DataFrame, rate_formats: dict[str, str]) -> list[Path]:
    """The same dataset with its pre-reform years keyed by the real pre-2025 communes, and the crosswalk."""
    folder.mkdir(parents=True, exist_ok=True)
    crosswalk = reference_crosswalk()
    rng = _rng(seed, STAGE_PRE2025)
    old_indicators = pre2025.old_unit_indicators(indicators, crosswalk, rng)
    old_cases = pre2025.old_unit_cases(cases, old_indicators, crosswalk, rng)
    years = [y for y in demo_indicators.YEARS if y < pre2025.REFORM_YEAR]
    meta = dataset_metadata(ref, seed)
    meta["name"] = f"{DATASET_NAME}, {years[0]}–{years[-1]} on pre-2025 communes"
    texts = {
        "boundaries.geojson": files["boundaries.geojson"],
        "border.geojson": files["border.geojson"],
        "border_gates.csv": files["border_gates.csv"],
        "crosswalk.csv": crosswalk_text(crosswalk),
        "indicators.csv": csv_text(old_indicators, rate_formats),
        "cases.csv": csv_text(old_cases, {}),
        "dataset.json": json_text(meta),
        "README.md": pre2025.readme_text(crosswalk["old_commune_id"].nunique(), crosswalk["new_commune_id"].nunique(),
                                         years[0], years[-1]),
    }
    return [write_text(folder / name, text) for name, text in texts.items()]


def dataset_metadata(ref: Reference, seed: int) -> dict:
    years = demo_indicators.YEARS
    return {"name": DATASET_NAME, "province": ref.province, "generated": True, "seed": seed,
            "years": [years[0], years[-1]], "crs": "EPSG:4326", "sources": SOURCES}


def _bumps_lonlat(process: demo_cases.CaseProcess) -> pd.DataFrame:
    """The hidden field's bumps with centres in lon/lat, for the README."""
    rows = []
    for b in process.bumps:
        centre = to_lonlat(shapely.Point(b.x, b.y))
        rows.append({"lon": centre.x, "lat": centre.y, "amplitude": b.amplitude, "sigma_km": b.sigma_m / 1000})
    return pd.DataFrame(rows)
