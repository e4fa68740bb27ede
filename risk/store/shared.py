"""What both store backends do the same way: the checks before a version is stored, what is
recorded about it, the rows each part is written as, and the frames read back from rows.

Why a module of its own: the GeoPackage store (risk/store/versions.py) and the PostgreSQL/PostGIS
store (risk/store/postgis/) differ only in SQL, geometry encoding and locking. The label rule,
the checksum re-check of `add_checked`, the counts and the long form of the indicators must be
one rule, or the two backends would accept and return different data. Each backend writes the
rows produced here with its own SQL and turns the rows it reads into the frames built here.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator, Mapping, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from risk.contracts import text as text_rule
from risk.contracts.dataset import (
    BOUNDARY_TEXT_COLUMNS, CASE_COLUMNS, CROSSWALK_COLUMNS, PATROL_COLUMNS, VINTAGE_COLUMNS, WGS84, Dataset,
    dataset_checksum, empty_cases,
)
from risk.contracts.problems import Problem
from risk.contracts.report import ImportReport
from risk.i18n import LocalisedError
from risk.store.codec import _multi, _single, _value
from risk.store.schema import PART_NAMES

__all__ = ["CHANGE_ROWS", "MAX_LABEL_CHARS", "StoreBase", "StoreError", "VersionPlan", "check_label", "plan_version"]

MAX_LABEL_CHARS = 200
# Rows of Store.compare that count what differs between two versions, not rows.
CHANGE_ROWS = ("indicator_values_changed", "cases_changed", "communes_changed")
CASE_FIELDS = ("case_id", "lon", "lat", "commune_id", "form", "victims", "destination", "detected_by")
GATE_FIELDS = ("name", "kind", "lon", "lat")
VERSION_COLUMNS = ["id", "created_at", "label", "user", "active", *PART_NAMES, "years", "checksum", "source"]
MODEL_RUN_COLUMNS = ["id", "version_id", "created_at", "kind", "user", "config", "metrics"]


class StoreError(LocalisedError):
    """A store operation that cannot be done; `message(lang)` says why."""


def check_label(label: str) -> None:
    """A version label is shown on pages and in exports: the loaders' text rule applies."""
    text = str(label or "").strip()
    if len(text) > MAX_LABEL_CHARS:
        raise StoreError("store.label_too_long", limit=MAX_LABEL_CHARS)
    reason = text_rule.unsafe_reason(text)
    if reason:
        raise StoreError("store.label_unsafe", label=text[:60])


def note(code: str, **params: object) -> Problem:
    return Problem("store", None, None, code, params)


# --- what is recorded about a version ----------------------------------------------------------------


@dataclass(frozen=True)
class VersionPlan:
    """Everything a backend writes into the `versions` row, decided once for both backends."""

    label: str
    source: dict
    checksum: str
    counts: tuple[int, ...]  # in PART_NAMES order
    years: str
    meta: dict
    schema: dict
    report: dict

    @property
    def total_rows(self) -> int:
        return sum(self.counts)


def plan_version(dataset: Dataset, *, label: str, source: Mapping[str, str] | None, checksum: str,
                 report: ImportReport | None) -> VersionPlan:
    """The checked label, the columns each part had (`schema`, to read it back the same), counts and years."""
    check_label(label)
    schema = {
        "boundaries": [c for c in BOUNDARY_TEXT_COLUMNS if c in dataset.boundaries.columns],
        "indicators": [c for c in dataset.indicators.columns if c not in ("commune_id", "year")],
        "border": None if dataset.border is None else [c for c in dataset.border.columns
                                                       if c != dataset.border.geometry.name],
        "gates": dataset.gates is not None,
        "patrols": None if dataset.patrols is None else len(dataset.patrols),
        "crosswalk": None if dataset.crosswalk is None else len(dataset.crosswalk),
        "vintage": None if dataset.vintage is None else len(dataset.vintage),
    }
    sizes = {"boundaries": len(dataset.boundaries), "indicators": len(dataset.indicators),
             "cases": len(dataset.cases), "border": 0 if dataset.border is None else len(dataset.border),
             "gates": 0 if dataset.gates is None else len(dataset.gates)}
    years = sorted(int(y) for y in dataset.indicators["year"].unique())
    meta = dict(dataset.meta)
    meta.setdefault("name", label)
    stored_report = {} if report is None else {
        "parts": {k: v.to_dict() for k, v in report.parts.items()},
        "notes": [{"file": n.file, "row": n.row, "column": n.column, "code": n.code, "params": n.params}
                  for n in report.notes],
    }
    return VersionPlan(label, dict(source or {}), checksum, tuple(sizes[p] for p in PART_NAMES),
                       f"{years[0]}–{years[-1]}" if years else "", meta, schema, stored_report)


def import_audit_details(version: int, plan: VersionPlan, activate: bool) -> dict:
    return {"version": version, "label": plan.label, "source": plan.source, "active": activate,
            "checksum": plan.checksum}


# --- rows written per part (geometries as shapely objects; each backend encodes them) --------------------


def boundary_rows(frame: gpd.GeoDataFrame) -> Iterator[tuple]:
    """(MultiPolygon, *BOUNDARY_TEXT_COLUMNS) per commune."""
    geoms = [_multi(g) for g in frame.geometry.array]
    values = [frame[c].tolist() if c in frame else [None] * len(frame) for c in BOUNDARY_TEXT_COLUMNS]
    return ((geom, *(_value(v) for v in row)) for geom, *row in zip(geoms, *values))


def indicator_rows(frame: pd.DataFrame) -> Iterator[tuple]:
    """(position, commune_id, year, indicator, value): the long form. A table without indicator
    columns still records which communes and years exist, with indicator and value NULL."""
    keys = [c for c in frame.columns if c not in ("commune_id", "year")]
    ids, years = frame["commune_id"].tolist(), frame["year"].astype("int64").tolist()
    if not keys:
        return ((i, ids[i], years[i], None, None) for i in range(len(frame)))
    columns = [frame[k].to_numpy(dtype="float64") for k in keys]
    return ((i, ids[i], years[i], key, None if np.isnan(col[i]) else float(col[i]))
            for i in range(len(frame)) for key, col in zip(keys, columns))


def case_rows(frame: pd.DataFrame) -> Iterator[tuple]:
    """(Point or None, ISO date or None, *CASE_FIELDS) per case."""
    lon, lat = frame["lon"].to_numpy(dtype="float64"), frame["lat"].to_numpy(dtype="float64")
    located = ~(np.isnan(lon) | np.isnan(lat))
    points = np.full(len(frame), None, dtype=object)
    points[located] = shapely.points(lon[located], lat[located])
    dates = [None if pd.isna(d) else pd.Timestamp(d).date().isoformat() for d in frame["date"]]
    values = [frame[c].tolist() for c in CASE_FIELDS]
    return ((point, day, *(_value(v) for v in row)) for point, day, *row in zip(points, dates, *values))


def border_rows(frame: gpd.GeoDataFrame, columns: list[str]) -> Iterator[tuple]:
    """(MultiLineString, the file's own attributes as a dict) per line."""
    records = frame[columns].to_dict("records") if columns else [{}] * len(frame)
    return ((_multi(g), {k: _value(v) for k, v in rec.items()}) for g, rec in zip(frame.geometry.array, records))


def gate_rows(frame: gpd.GeoDataFrame) -> Iterator[tuple]:
    """(Point, *GATE_FIELDS) per gate."""
    values = [frame[c].tolist() for c in GATE_FIELDS]
    return ((g, *(_value(v) for v in row)) for g, *row in zip(frame.geometry.array, *values))


def patrol_rows(frame: pd.DataFrame) -> Iterator[tuple]:
    return ((str(c), int(y), float(e), str(u)) for c, y, e, u in frame[list(PATROL_COLUMNS)].itertuples(index=False))


def crosswalk_rows(frame: pd.DataFrame) -> Iterator[tuple]:
    return ((str(o), str(n), str(d), str(c), float(w))
            for o, n, d, c, w in frame[list(CROSSWALK_COLUMNS)].itertuples(index=False))


def vintage_rows(frame: pd.DataFrame) -> Iterator[tuple]:
    """(part, commune_id, year, old_units, rows, unweighted as bool)."""
    return ((str(p), str(c), int(y), int(u), int(r), bool(w))
            for p, c, y, u, r, w in frame[list(VINTAGE_COLUMNS)].itertuples(index=False))


# --- frames read back from rows ---------------------------------------------------------------------


def boundaries_frame(geoms: Sequence, rows: Sequence[Sequence], columns: list[str]) -> gpd.GeoDataFrame:
    """`rows` hold the `columns` values (without the geometry), in stored order."""
    data = {c: pd.Series([r[i] for r in rows], dtype=object).astype(str) for i, c in enumerate(columns)}
    return gpd.GeoDataFrame(data, geometry=[_single(g) for g in geoms], crs=WGS84)


def indicators_frame(rows: Iterable[Sequence], keys: list[str]) -> pd.DataFrame:
    """The wide table from long rows (position, commune_id, year, indicator, value)."""
    long = pd.DataFrame(list(rows), columns=["position", "commune_id", "year", "indicator", "value"])
    base = long.drop_duplicates("position").set_index("position")
    out = pd.DataFrame({"commune_id": base["commune_id"].astype(object).astype(str),
                        "year": base["year"].astype("int64")})
    values = long.dropna(subset=["indicator"])
    wide = values.pivot(index="position", columns="indicator", values="value") if len(values) else pd.DataFrame()
    for key in keys:
        out[key] = wide[key].reindex(out.index).astype("float64") if key in wide else np.nan
    return out.reset_index(drop=True)


def cases_frame(rows: Sequence[Sequence]) -> pd.DataFrame:
    """Rows in CASE_COLUMNS order; the date as ISO text or a date."""
    if not rows:
        return empty_cases()
    frame = pd.DataFrame(list(rows), columns=list(CASE_COLUMNS))
    frame["date"] = pd.to_datetime(frame["date"])
    frame["commune_id"] = frame["commune_id"].astype(object).where(frame["commune_id"].notna(), None)
    return frame.astype(empty_cases().dtypes.to_dict())


def border_frame(geoms: Sequence, records: list[dict], columns: list[str]) -> gpd.GeoDataFrame:
    data = pd.DataFrame(records, columns=columns) if records else pd.DataFrame({c: [] for c in columns})
    return gpd.GeoDataFrame(data, geometry=[_single(g) for g in geoms], crs=WGS84)


def patrols_frame(rows: Sequence[Sequence]) -> pd.DataFrame:
    frame = pd.DataFrame(list(rows), columns=list(PATROL_COLUMNS))
    return frame.astype({"commune_id": str, "year": "int64", "effort": "float64", "unit": str})


def crosswalk_frame(rows: Sequence[Sequence]) -> pd.DataFrame:
    frame = pd.DataFrame(list(rows), columns=list(CROSSWALK_COLUMNS))
    return frame.astype({c: str for c in CROSSWALK_COLUMNS if c != "weight"} | {"weight": "float64"})


def vintage_frame(rows: Sequence[Sequence]) -> pd.DataFrame:
    frame = pd.DataFrame(list(rows), columns=list(VINTAGE_COLUMNS))
    return frame.astype({"part": str, "commune_id": str, "year": "int64", "old_units": "int64", "rows": "int64",
                         "unweighted": bool})


def gates_frame(rows: Sequence[Sequence]) -> gpd.GeoDataFrame:
    """Rows (name, kind, lon, lat); the points are made from lon and lat."""
    frame = pd.DataFrame(list(rows), columns=list(GATE_FIELDS))
    lon, lat = frame["lon"].to_numpy(dtype="float64"), frame["lat"].to_numpy(dtype="float64")
    text = {c: frame[c].astype(object).astype(str).to_numpy() for c in ("name", "kind")}
    return gpd.GeoDataFrame({**text, "lon": lon, "lat": lat}, geometry=shapely.points(lon, lat), crs=WGS84)


def versions_frame(rows: Sequence[Sequence]) -> pd.DataFrame:
    """Rows in VERSION_COLUMNS order; `source` as JSON text or already a dict."""
    frame = pd.DataFrame(list(rows), columns=VERSION_COLUMNS)
    frame["active"] = frame["active"].astype(bool)
    frame["source"] = frame["source"].map(_loaded)
    return frame


def model_runs_frame(rows: Sequence[Sequence]) -> pd.DataFrame:
    frame = pd.DataFrame(list(rows), columns=MODEL_RUN_COLUMNS)
    for column in ("config", "metrics"):
        frame[column] = frame[column].map(_loaded)
    return frame


def empty_frame(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({c: [] for c in columns})


def _loaded(value: object) -> object:
    return json.loads(value) if isinstance(value, (str, bytes)) else value


def compare_frame(v1: int, v2: int, counts: Mapping[int, list[int]], ids: Mapping[int, set],
                  changed: Mapping[str, int]) -> pd.DataFrame:
    """Store.compare's table from the two versions' counts, commune ids and CHANGE_ROWS counts."""
    index = [*PART_NAMES, "communes_added", "communes_removed", *CHANGE_ROWS]
    extra = [len(ids[v2] - ids[v1]), len(ids[v1] - ids[v2]), *(changed[k] for k in CHANGE_ROWS)]
    first = list(counts[v1]) + [0] * len(extra)
    second = list(counts[v2]) + extra
    frame = pd.DataFrame({f"v{v1}": first, f"v{v2}": second}, index=index)
    frame["change"] = [b - a for a, b in zip(first[:5], second[:5])] + second[5:]
    frame.index.name = "part"
    return frame


def differing(a: Mapping, b: Mapping) -> int:
    """Keys present in both whose values differ, plus keys in only one."""
    return sum(1 for k in a.keys() | b.keys() if a.get(k) != b.get(k))


# --- the part of the interface both backends share ------------------------------------------------------


class StoreBase:
    """The public interface of a store, with what does not depend on the backend.

    Every store (risk.store.open_store) has: exists, add_checked, add_version, versions,
    active_version, activate, load, compare, record_model_run, model_runs, append_audit,
    verify_audit, audit, integrity_check, stamp and `location` (what RISK_STORE names)."""

    location: str

    def exists(self) -> bool:  # pragma: no cover (each backend)
        raise NotImplementedError

    def _version_with_checksum(self, checksum: str) -> int | None:  # pragma: no cover (each backend)
        raise NotImplementedError

    def add_version(self, dataset: Dataset, *, label: str, user: str, source: Mapping[str, str] | None = None,
                    checksum: str = "", report: ImportReport | None = None,
                    activate: bool = True) -> int:  # pragma: no cover (each backend)
        raise NotImplementedError

    def add_checked(self, dataset: Dataset | None, report: ImportReport, *, user: str, label: str | None = None,
                    activate: bool = True) -> ImportReport:
        """Store an upload `risk.ingest.upload.check_upload` already accepted, as a new version;
        returns the report with `version_id` set (`risk.ingest.upload.import_files` checks and
        saves in one call).

        The Data page keeps the checked Dataset in memory and saves it with this,
        so the uploaded files need not stay on disk between the check and the
        save (see risk/ingest/uploads.py); what is saved is exactly what was previewed: the
        dataset's content checksum must still be the one the check recorded, else StoreError
        store.dataset_changed and nothing is stored.
        Default label: the dataset's name, else the boundaries file's name.
        """
        if dataset is None or not report.ok:
            raise StoreError("store.report_rejected", errors=len(report.problems))
        if not report.content_checksum or dataset_checksum(dataset) != report.content_checksum:
            raise StoreError("store.dataset_changed")  # changed since its check: what was previewed is not this
        if self.exists():
            same = self._version_with_checksum(report.checksum)
            same_note = note("import.note.same_as_version", version=same)
            if same is not None and same_note not in report.notes:  # a retried save adds it once
                report.notes.append(same_note)
        sources = {part: info.file for part, info in report.parts.items()}
        if not label:
            boundaries = report.parts.get("boundaries")
            label = str(dataset.meta.get("name") or (boundaries.file if boundaries else Path(dataset.folder).name))
        report.version_id = self.add_version(dataset, label=label, user=user, source=sources,
                                             checksum=report.checksum, report=report, activate=activate)
        return report
