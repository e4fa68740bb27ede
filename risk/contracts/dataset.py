"""The dataset contract: what a checked dataset is, whoever reads, stores or shows it.

The loaders (risk/ingest) produce a `Dataset`, the store (risk/store) keeps and
returns one, the analysis and the pages read one. This module holds only the
shape they agree on: the parts, the columns, the coordinate system, the
`Dataset` value itself and its content checksum. No reading, no checking.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from risk.contracts.indicators import REGISTRY

__all__ = [
    "BOUNDARY_TEXT_COLUMNS", "CASE_COLUMNS", "CROSSWALK_COLUMNS", "LATER_PARTS", "PARTS", "PATROL_COLUMNS",
    "PATROL_UNITS", "REQUIRED_PARTS", "ROW_PARTS", "VINTAGE_COLUMNS", "VINTAGE_PARTS", "WGS84",
    "Dataset", "StoredVersion", "dataset_checksum", "empty_crosswalk", "empty_cases",
]

WGS84 = "EPSG:4326"

# The parts of a dataset, in reading order. Every part but "meta" (dataset.json) holds rows. The
# crosswalk is read right after the boundaries: indicator and case rows keyed by pre-2025 communes
# are converted through it as they are read.
PARTS = ("boundaries", "crosswalk", "indicators", "cases", "border", "gates", "patrols", "meta")
REQUIRED_PARTS = ("boundaries", "indicators")
ROW_PARTS = tuple(part for part in PARTS if part != "meta")
# Optional parts added after the first store layout: a dataset without one keeps the checksum it
# always had, and the store makes a part's table the first time a version brings it.
LATER_PARTS = ("crosswalk", "patrols")

BOUNDARY_TEXT_COLUMNS = ("commune_id", "name", "former_district", "province", "type")
# Patrol effort per commune and year (optional): what makes the patrol feedback loop correctable.
# `effort` is in one `unit` for the whole file ("days" or "hours"); a commune missing from a year
# that has rows had no patrol that year.
PATROL_COLUMNS = ("commune_id", "year", "effort", "unit")
PATROL_UNITS = ("days", "hours")
# The July 2025 reform as data (optional): each pre-2025 commune, the new commune it went to and the
# share of its population that went there (1 when it went whole). `old_district` is the old unit's
# former district ("" when the file gives none), which tells apart old communes that share a name.
CROSSWALK_COLUMNS = ("old_commune_id", "old_name", "old_district", "new_commune_id", "weight")
# Where rows were converted from pre-2025 communes: one row per part (VINTAGE_PARTS), new commune and
# year. `old_units`: how many pre-2025 communes the rows came from; `rows`: how many source rows
# (indicator or patrol rows, or cases placed through the crosswalk); `unweighted`: rates averaged without
# population weights because a part had no population.
VINTAGE_COLUMNS = ("part", "commune_id", "year", "old_units", "rows", "unweighted")
VINTAGE_PARTS = ("indicators", "cases", "patrols")
CASE_COLUMNS = ("case_id", "date", "lon", "lat", "commune_id", "form", "victims", "destination", "detected_by")


def empty_cases() -> pd.DataFrame:
    """A cases table with no rows and the contract's columns and dtypes."""
    return pd.DataFrame({
        "case_id": pd.Series([], dtype=str), "date": pd.Series([], dtype="datetime64[ns]"),
        "lon": pd.Series([], dtype="float64"), "lat": pd.Series([], dtype="float64"),
        "commune_id": pd.Series([], dtype=str), "form": pd.Series([], dtype=str),
        "victims": pd.Series([], dtype="int64"), "destination": pd.Series([], dtype=str),
        "detected_by": pd.Series([], dtype=str),
    })


def empty_crosswalk() -> pd.DataFrame:
    """A crosswalk with no rows and the contract's columns and dtypes."""
    return pd.DataFrame({c: pd.Series([], dtype="float64" if c == "weight" else str) for c in CROSSWALK_COLUMNS})


@dataclass(frozen=True)
class StoredVersion:
    """Where a Dataset read from the store came from: its version id, label and UTC creation time."""

    id: int
    label: str
    created_at: str
    location: str = ""  # the store it was read from (risk.store.open_store opens it again)

    def describe(self) -> str:
        return f"#{self.id} {self.label} ({self.created_at})"


@dataclass
class Dataset:
    """One loaded and validated dataset (a folder, an upload or a stored version)."""

    folder: Path
    boundaries: gpd.GeoDataFrame
    indicators: pd.DataFrame
    cases: pd.DataFrame
    border: gpd.GeoDataFrame | None = None
    gates: gpd.GeoDataFrame | None = None
    meta: dict = field(default_factory=dict)  # dataset.json as read
    stored: StoredVersion | None = None  # set when the dataset was read from the store
    patrols: pd.DataFrame | None = None  # PATROL_COLUMNS; None when the dataset brings no effort data
    crosswalk: pd.DataFrame | None = None  # CROSSWALK_COLUMNS; None when the dataset brings none
    vintage: pd.DataFrame | None = None  # VINTAGE_COLUMNS; None when no row was converted

    @property
    def generated(self) -> bool:
        """True only for machine-generated (demo) data, which pages must label."""
        return self.meta.get("generated") is True

    @property
    def name(self) -> str:
        return str(self.meta.get("name") or self.folder.name)

    @property
    def province(self) -> str:
        """The province the data covers: dataset.json's `province`, else the boundaries' one
        `province` value; "" when neither says (a country-wide dataset, for instance)."""
        named = str(self.meta.get("province") or "").strip()
        if named:
            return named
        if "province" in self.boundaries.columns:
            values = self.boundaries["province"].dropna().astype(str).str.strip()
            values = values[values != ""].unique()
            if len(values) == 1:
                return str(values[0])
        return ""

    @property
    def years(self) -> list[int]:
        return sorted(int(y) for y in self.indicators["year"].unique())

    @property
    def indicator_keys(self) -> list[str]:
        """Indicator columns: registry order first, then extras in file order."""
        columns = [c for c in self.indicators.columns if c not in ("commune_id", "year")]
        return [k for k in REGISTRY if k in columns] + [c for c in columns if c not in REGISTRY]

    @property
    def extra_indicators(self) -> list[str]:
        """Indicator columns that are not in the registry (labelled by column name)."""
        return [k for k in self.indicator_keys if k not in REGISTRY]


# --- content checksum ---------------------------------------------------------------------------


def _frame_digest(digest: "hashlib._Hash", frame: pd.DataFrame | None) -> None:
    if frame is None:
        digest.update(b"none\n")
        return
    geometry = frame.geometry.name if isinstance(frame, gpd.GeoDataFrame) \
        and frame._geometry_column_name in frame.columns else None
    digest.update(json.dumps([[str(c), str(frame[c].dtype)] for c in frame.columns]).encode() + b"\n")
    digest.update(str(len(frame)).encode() + b"\n")
    if geometry is not None:
        digest.update(str(frame.crs).encode() + b"\n")
        for blob in shapely.to_wkb(np.asarray(frame.geometry.array, dtype=object), byte_order=1, flavor="iso"):
            digest.update(b"\0" if blob is None else len(blob).to_bytes(8, "little") + blob)
    values = frame.drop(columns=[geometry]) if geometry is not None else frame
    for column in values.columns:
        series = values[column].reset_index(drop=True)
        try:
            hashed = pd.util.hash_pandas_object(series, index=False)
        except TypeError:  # unhashable cells (lists, dicts in a border file's properties)
            hashed = pd.util.hash_pandas_object(series.map(repr), index=False)
        digest.update(hashed.to_numpy(dtype="uint64").tobytes())


def dataset_checksum(dataset: Dataset) -> str:
    """SHA-256 over a dataset's content: every part's columns, dtypes, values and
    geometries, and its dataset.json. Two datasets with the same checksum hold the
    same data; a table changed in place after a check changes it."""
    digest = hashlib.sha256()
    for part in ROW_PARTS:
        if part in LATER_PARTS and getattr(dataset, part) is None:
            continue  # added later: a dataset without it keeps the checksum it always had
        digest.update(f"{part}\n".encode())
        _frame_digest(digest, getattr(dataset, part))
    if dataset.vintage is not None:  # which rows were converted is content too
        digest.update(b"vintage\n")
        _frame_digest(digest, dataset.vintage)
    digest.update(b"meta\n" + json.dumps(dataset.meta, sort_keys=True, ensure_ascii=False, default=str).encode())
    return "sha256:" + digest.hexdigest()
