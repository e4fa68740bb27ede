"""Reading a user's upload into a validated Dataset, with a report of what was
found and what was done, before anything reaches the store.

The checks themselves are the loaders' (risk/ingest/folder.py `validate_*`), so an upload
and a dataset folder are held to the same contract. This module adds what an
upload needs first: size and zip limits (risk/ingest/archives.py), text encodings and
delimiters, header rows under titles, known boundary layouts (GADM,
geoBoundaries, HDX COD-AB) or a user's column mapping, commune names matched to
codes, geometry repaired with `make_valid` (each repair reported, with why),
and spreadsheet formulas or HTML in names refused.
"""
from __future__ import annotations

import hashlib
import re
import tempfile
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from risk.ingest.text import DELIMITER_NAMES, excel_serial_date, find_header, header_key, read_rows, redecode_1258
from risk.ingest.archives import Limits, check_size, default_limits, extract_zip, stage_shapefile, WINDOWS_1258
from risk.ingest.vector import _pick_layer, read_vector
from risk.contracts.dataset import (
    BOUNDARY_TEXT_COLUMNS, CASE_COLUMNS, PARTS, REQUIRED_PARTS, WGS84, Dataset, dataset_checksum, empty_cases,
)
from risk.contracts.problems import Problem
from risk.contracts.report import GeometryRepair, ImportReport, NameMatch, PartReport
from risk.ingest.crosswalk import CROSSWALK_KNOWN, Reform, validate_crosswalk
from risk.ingest.folder import (
    FILE_CHOICES,
    GATE_COLUMNS,
    INDICATOR_KNOWN,
    PATROL_KNOWN,
    DataError,
    find_files,
    keyed_cases,
    keyed_indicators,
    keyed_patrols,
    read_meta,
    validate_border,
    validate_boundaries,
    validate_cases,
    validate_gates,
    validate_indicators,
    validate_patrols,
)
from risk.ingest.rekey import Rekeyed, combine_vintage
from risk.ingest.text_safety import TEXT_COLUMNS as _TEXT_COLUMNS, check_header, check_text
from risk.ingest.checks import ProblemLog, clean_text
from risk.ingest.names import CommuneIndex, name_key
from risk.ingest.text import table_from_rows

if TYPE_CHECKING:
    from risk.store.versions import Store

__all__ = [
    "ImportRejected", "PART_LABEL_KEYS",
    "check_upload", "import_files", "name_key", "parse_mapping", "save_upload",
]

# Catalogue keys of the uploadable parts' names (risk/i18n). dataset.json is uploaded too: without
# it a generated dataset lost its "generated" flag and looked real on every page.
PART_LABEL_KEYS = {"boundaries": "dp.part.boundaries", "crosswalk": "dp.part.crosswalk",
                   "indicators": "dp.part.indicators", "cases": "dp.part.cases",
                   "border": "dp.part.border", "gates": "dp.part.gates", "patrols": "dp.part.patrols",
                   "meta": "dp.part.meta"}
VECTOR_SUFFIXES = (".gpkg", ".geojson", ".json", ".zip", ".shp")
_LAYER_SUFFIXES = (".shp", ".gpkg", ".geojson", ".json")
_SHAPEFILE_SIDECARS = (".shp", ".shx", ".dbf", ".prj", ".cpg")

# Boundary layouts recognised without a mapping: contract column -> candidate
# file columns (case-insensitive; the first present wins, Vietnamese before English).
LAYOUTS: tuple[tuple[str, dict[str, tuple[str, ...]]], ...] = (
    ("standard", {"commune_id": ("commune_id",), "name": ("name",),
                  "former_district": ("former_district", "former_dis"),  # shapefiles cut names at 10 letters
                  "province": ("province",), "type": ("type",)}),
    ("GADM level 3", {"commune_id": ("GID_3",), "name": ("NAME_3",), "former_district": ("NAME_2",),
                      "province": ("NAME_1",), "type": ("TYPE_3",)}),
    ("GADM level 2", {"commune_id": ("GID_2",), "name": ("NAME_2",), "province": ("NAME_1",), "type": ("TYPE_2",)}),
    ("HDX COD-AB level 3", {"commune_id": ("ADM3_PCODE",), "name": ("ADM3_VI", "ADM3_EN"),
                            "former_district": ("ADM2_VI", "ADM2_EN"), "province": ("ADM1_VI", "ADM1_EN")}),
    ("HDX COD-AB level 2", {"commune_id": ("ADM2_PCODE",), "name": ("ADM2_VI", "ADM2_EN"),
                            "province": ("ADM1_VI", "ADM1_EN")}),
    ("geoBoundaries", {"commune_id": ("shapeID",), "name": ("shapeName",)}),
)
# Layouts whose ids are the publisher's, not the official commune codes.
_FOREIGN_ID_LAYOUTS = ("GADM level 3", "GADM level 2", "geoBoundaries")

# Header names in Vietnamese (and a few English variants) for the table columns.
TABLE_ALIASES: dict[str, tuple[str, ...]] = {
    "commune_id": ("mã xã", "ma xa", "mã đơn vị", "commune code", "commune id"),
    "name": ("tên xã", "ten xa", "tên", "xã", "xã/phường", "tên đơn vị", "commune", "commune name"),
    "former_district": ("huyện", "huyện cũ", "district"),
    "year": ("năm", "nam"),
    "case_id": ("mã vụ việc", "mã vụ", "ma vu"),
    "date": ("ngày", "ngay", "ngày phát hiện"),
    "lon": ("kinh độ", "longitude", "lng"),
    "lat": ("vĩ độ", "latitude"),
    "victims": ("số nạn nhân", "so nan nhan"),
    "destination": ("nơi đến", "quốc gia đến"),
    "form": ("hình thức",),
    "detected_by": ("phát hiện bởi", "nguồn phát hiện"),
    "kind": ("loại",),
    "patrol_days": ("ngày tuần tra", "số ngày tuần tra", "patrol days"),
    "patrol_hours": ("giờ tuần tra", "số giờ tuần tra", "patrol hours"),
    "old_commune_id": ("mã xã cũ", "ma xa cu", "mã đơn vị cũ", "mã xã trước 2025", "old code", "old commune code",
                       "old commune id"),
    "old_name": ("tên xã cũ", "ten xa cu", "tên đơn vị cũ", "xã cũ", "tên xã trước 2025", "old name",
                 "old commune", "old commune name"),
    "old_district": ("huyện cũ", "huyện", "old district", "district"),
    "new_commune_id": ("mã xã mới", "ma xa moi", "mã đơn vị mới", "mã xã sau 2025", "new code", "new commune code",
                       "new commune id"),
    "weight": ("tỷ trọng", "ty trong", "tỉ trọng", "tỷ lệ dân số", "tỉ lệ dân số", "share"),
}
_TABLE_KNOWN: dict[str, frozenset[str]] = {
    "indicators": INDICATOR_KNOWN,
    "cases": frozenset({*CASE_COLUMNS, "name", "former_district"}),
    "gates": frozenset(GATE_COLUMNS),
    "patrols": frozenset({*PATROL_KNOWN, "name", "former_district"}),
    "crosswalk": CROSSWALK_KNOWN,
}
_TABLE_EXPECTED = {
    "indicators": ("commune_id", "year"),
    "cases": ("case_id", "date", "commune_id", "form", "victims", "detected_by"),
    "gates": ("name", "lon", "lat"),
    "patrols": ("commune_id", "year"),
    "crosswalk": ("old_commune_id", "old_name", "new_commune_id"),
}
# Tables whose header alone is valid: a cases file of a year with no cases.
_MAY_BE_EMPTY = frozenset({"cases"})


# --- report ------------------------------------------------------------------------------------


class ImportRejected(DataError):
    """An upload with blocking problems; nothing was written. `report` says why."""

    def __init__(self, report: ImportReport):
        super().__init__(report.problems)
        self.report = report

    def __reduce__(self):
        return (type(self), (self.report,))


# --- small helpers ------------------------------------------------------------------------------


class _Notes:
    """Notes of one file, located like problems (so they render the same way)."""

    def __init__(self, file: str, into: list[Problem]):
        self.file, self.into = file, into

    def add(self, code: str, row: int | None = None, column: str | None = None, **params: object) -> None:
        self.into.append(Problem(self.file, row, column, code, params))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


_UNSAFE_NAME = re.compile(r"[^\w.\- ()]")


def save_upload(filename: str, data: bytes, folder: Path) -> Path:
    """Write uploaded bytes into `folder` under a safe name: browsers may send a
    path ('C:\\x\\..\\a.csv'), and the name only has to keep its suffix readable."""
    name = re.split(r"[\\/]", filename)[-1].strip()
    name = _UNSAFE_NAME.sub("_", clean_text(name)).lstrip(".")[-120:] or "upload"
    path = Path(folder) / name
    path.write_bytes(data)
    return path


def parse_mapping(pairs: Iterable[str]) -> dict[str, dict[str, str]]:
    """`commune_id=MA_XA` (boundaries) or `indicators:commune_id=Mã xã` into {part: {column: source}}."""
    mapping: dict[str, dict[str, str]] = {}
    for pair in pairs:
        target, sep, source = pair.partition("=")
        if not sep or not source.strip():
            raise ValueError(pair)
        part, colon, column = target.partition(":")
        if not colon:
            part, column = "boundaries", target
        if part.strip() not in PARTS or not column.strip():
            raise ValueError(pair)
        mapping.setdefault(part.strip(), {})[column.strip()] = source.strip()
    return mapping


# --- boundaries: layouts and repairs -----------------------------------------------------------------


def _non_empty(frame: pd.DataFrame, column: str) -> bool:
    return bool(frame[column].map(clean_text).ne("").any())


def _detect_layout(frame: pd.DataFrame) -> tuple[str, dict[str, str]] | None:
    """The first known layout whose id and name columns are present: its name and column choices."""
    by_lower = {str(c).lower(): c for c in frame.columns if c != frame.geometry.name}
    for layout, spec in LAYOUTS:
        chosen: dict[str, str] = {}
        for target, candidates in spec.items():
            present = [by_lower[c.lower()] for c in candidates if c.lower() in by_lower]
            filled = [c for c in present if _non_empty(frame, c)]
            if present:
                chosen[target] = (filled or present)[0]
        if "commune_id" in chosen and "name" in chosen:
            return layout, chosen
    return None


def _apply_layout(frame: gpd.GeoDataFrame, mapping: Mapping[str, str], log: ProblemLog,
                  report: PartReport, notes: _Notes) -> gpd.GeoDataFrame | None:
    """The features with contract column names, from a known layout and/or the user's mapping."""
    found = ", ".join(str(c) for c in frame.columns if c != frame.geometry.name) or "-"
    by_lower = {str(c).lower(): c for c in frame.columns if c != frame.geometry.name}
    detected = _detect_layout(frame)
    layout, chosen = detected if detected else (None, {})
    ok = True
    for target, source in mapping.items():
        if target not in BOUNDARY_TEXT_COLUMNS:
            log.add("import.mapping_target_unknown", column=target, allowed=", ".join(BOUNDARY_TEXT_COLUMNS))
            ok = False
        elif source.lower() not in by_lower:
            log.add("import.mapping_column_missing", column=source, found=found)
            ok = False
        else:
            chosen[target] = by_lower[source.lower()]
    if not ok:
        return None
    if "commune_id" not in chosen or "name" not in chosen:
        log.add("import.layout_unknown", found=found)
        return None
    if mapping:
        layout = "mapping" if layout in (None, "standard") else f"{layout} + mapping"
    report.layout, report.columns = layout, {k: str(v) for k, v in chosen.items()}
    if layout != "standard":
        notes.add("import.note.layout", layout=layout,
                  columns=", ".join(f"{k} ← {v}" for k, v in report.columns.items()))
    if layout in _FOREIGN_ID_LAYOUTS:
        example = clean_text(frame[chosen["commune_id"]].iloc[0])
        notes.add("import.note.foreign_ids", layout=layout, example=example)
    data = {target: frame[source] for target, source in chosen.items()}
    return gpd.GeoDataFrame(data, geometry=frame.geometry.array, crs=frame.crs, index=frame.index)


def _polygonal(geometry: shapely.Geometry) -> shapely.Geometry:
    """The polygon parts of a geometry (make_valid may also return collapsed lines or points)."""
    if geometry.geom_type in ("Polygon", "MultiPolygon"):
        return geometry
    parts = [g for g in shapely.get_parts(geometry) if g.geom_type in ("Polygon", "MultiPolygon")]
    polys = [p for g in parts for p in shapely.get_parts(g)]
    if not polys:
        return shapely.Polygon()
    return polys[0] if len(polys) == 1 else shapely.MultiPolygon(polys)


def _repair_polygons(frame: gpd.GeoDataFrame, log: ProblemLog, report: PartReport,
                     notes: _Notes) -> gpd.GeoDataFrame:
    """Invalid polygons made valid (GEOS make_valid, 'structure' method), each
    repair reported with GEOS's reason; a shape with no area left is an error."""
    geoms = frame.geometry.array
    polygon_like = frame.geometry.geom_type.isin(("Polygon", "MultiPolygon")).to_numpy()
    candidates = polygon_like & ~shapely.is_empty(geoms) & ~shapely.is_missing(geoms)
    invalid = candidates & ~shapely.is_valid(geoms)
    if not invalid.any():
        return frame
    fixed = np.array(geoms, dtype=object)
    ids = frame["commune_id"].map(clean_text) if "commune_id" in frame else pd.Series("", index=frame.index)
    for position in np.flatnonzero(invalid):
        row = int(frame.index[position])
        before = geoms[position]
        reason = str(shapely.is_valid_reason(before))
        after = _polygonal(shapely.make_valid(before, method="structure", keep_collapsed=False))
        if after.is_empty:
            log.add("import.geometry_unrepairable", row=row, reason=reason)
            continue
        fixed[position] = after
        report.repairs.append(GeometryRepair(row, ids.iloc[position], reason, before.geom_type, after.geom_type))
        notes.add("import.note.geometry_repaired", row=row, reason=reason, before=before.geom_type,
                  after=after.geom_type)
    return frame.set_geometry(gpd.GeoSeries(list(fixed), index=frame.index, crs=frame.crs))


def _describe_crs(frame: gpd.GeoDataFrame, report: PartReport, notes: _Notes) -> None:
    """Record the CRS found and how it will reach EPSG:4326 (a ballpark shift is flagged)."""
    crs = frame.crs
    if crs is None:
        return
    report.crs = crs.name
    report.crs_epsg = crs.to_epsg()
    if crs.equals(WGS84):
        return
    from pyproj.transformer import TransformerGroup

    try:
        group = TransformerGroup(crs, WGS84, always_xy=True)
    except Exception:  # the loader reports an unusable CRS itself
        return
    if not group.transformers:
        return
    best = group.transformers[0]
    accuracy = f"{best.accuracy:g} m" if best.accuracy and best.accuracy > 0 else "?"
    report.reprojection = f"{best.description} ({accuracy})"
    code = f"EPSG:{report.crs_epsg}" if report.crs_epsg else crs.name
    notes.add("import.note.reprojected", crs=f"{crs.name} ({code})", method=best.description, accuracy=accuracy)
    if "ballpark" in best.description.lower():
        notes.add("import.note.crs_ballpark", crs=crs.name)


# --- reading files ----------------------------------------------------------------------------------


def _vector_source(path: Path, log: ProblemLog, report: PartReport, notes: _Notes, limits: Limits,
                   workdir: Path) -> Path | None:
    """The vector file to open: an upload as is, the single layer of a checked zip,
    or a shapefile copied with a detected .cpg."""
    if not check_size(path, log, limits):
        return None
    suffix = path.suffix.lower()
    if suffix not in VECTOR_SUFFIXES:
        log.add("io.unsupported_format", suffix=suffix or path.name, expected=", ".join(VECTOR_SUFFIXES))
        return None
    target = path
    if suffix == ".zip":
        members = extract_zip(path, workdir / "zip", log, limits)
        if members is None:
            return None
        layers = [m for m in members if m.suffix.lower() in _LAYER_SUFFIXES]
        names = ", ".join(str(m.relative_to(workdir / "zip")) for m in (layers or members)) or "-"
        if not layers:
            log.add("import.zip_no_layer", found=names)
            return None
        if len(layers) > 1:
            log.add("import.zip_several_layers", found=names)
            return None
        target = layers[0]
        report.format = f"zip ({target.suffix.lstrip('.').lower()})"
    if target.suffix.lower() == ".shp":
        sidecars = [target.with_suffix(s) for s in _SHAPEFILE_SIDECARS]
        total = sum(p.stat().st_size for p in sidecars if p.is_file())
        if total > limits.max_upload_bytes and suffix == ".shp":
            log.add("import.file_too_large", size_mb=f"{total / 2**20:.1f}",
                    limit_mb=f"{limits.max_upload_bytes / 2**20:.1f}")
            return None
        staged = workdir / "shp"
        staged.mkdir(exist_ok=True)
        declared = any(target.with_suffix(s).is_file() for s in (".cpg", ".CPG"))
        target, encoding = stage_shapefile(target, staged)
        report.encoding = encoding
        if encoding and not declared:
            notes.add("import.note.dbf_encoding", encoding=encoding)
        report.format = report.format or "shapefile"
    if not report.format:
        report.format = target.suffix.lstrip(".").lower()
    if target.suffix.lower() == ".gpkg":
        import pyogrio

        try:
            layers = [str(name) for name, _ in pyogrio.list_layers(target)]
        except Exception:
            layers = []  # read_vector reports the unreadable file
        if len(layers) > 1:
            report.layer = _pick_layer(target)  # the loader's own choice, so the report says what it reads
            notes.add("import.note.layer_chosen", layer=report.layer, layers=", ".join(layers))
    return target


def _read_vector(path: Path, log: ProblemLog, report: PartReport, notes: _Notes, limits: Limits,
                 workdir: Path) -> gpd.GeoDataFrame | None:
    source = _vector_source(path, log, report, notes, limits, workdir)
    if source is None:
        return None
    frame = read_vector(source, log)
    if frame is not None:
        report.rows_read = len(frame)
        if report.encoding == WINDOWS_1258:
            frame = frame.rename(columns=redecode_1258)
            for column in frame.columns:
                if column != frame.geometry.name and not pd.api.types.is_numeric_dtype(frame[column]):
                    frame[column] = frame[column].map(redecode_1258)
    return frame


def _alias_header(row: list[str], known: frozenset[str], mapping: Mapping[str, str], notes: _Notes,
                  report: PartReport, header_at: int) -> list[str]:
    """The header row with Vietnamese names and the user's mapping turned into contract names."""
    keys = [header_key(c) for c in row]
    present = set(keys)
    renamed = list(row)
    for target, source in mapping.items():
        if header_key(source) in keys:
            renamed[keys.index(header_key(source))] = target
            present.add(target)
    for target, aliases in TABLE_ALIASES.items():
        if target not in known or target in present:
            continue
        for position, key in enumerate(keys):
            if key in aliases and renamed[position] == row[position]:
                renamed[position] = target
                present.add(target)
                break
    changes = {new: old for old, new in zip(row, renamed) if old != new}
    if changes:
        report.columns.update(changes)
        notes.add("import.note.columns_renamed", row=header_at,
                  columns=", ".join(f"{k} ← {v}" for k, v in changes.items()))
    return renamed


def _read_table(path: Path, part: str, log: ProblemLog, report: PartReport, notes: _Notes, limits: Limits,
                mapping: Mapping[str, str]) -> pd.DataFrame | None:
    """Text cells indexed by spreadsheet row, header found under any title rows."""
    table = read_rows(path, log, limits)
    if table is None:
        return None
    report.format, report.encoding = table.format, table.encoding
    if table.delimiter is not None:
        report.delimiter = DELIMITER_NAMES.get(table.delimiter, table.delimiter)
    if table.encoding not in (None, "UTF-8", "UTF-8 (BOM)"):
        notes.add("import.note.encoding", encoding=table.encoding)
    if table.delimiter not in (None, ","):
        notes.add("import.note.delimiter", delimiter=table.delimiter)
    known = _TABLE_KNOWN[part]
    detect = set(known) | {a for t, aliases in TABLE_ALIASES.items() if t in known for a in aliases}
    detect |= {header_key(s) for s in mapping.values()}
    rows = table.rows
    header_at = find_header(rows, detect, log, _TABLE_EXPECTED[part])
    if header_at is None:
        if not log and not any(any(c for c in r) for r in rows):
            log.add("io.no_data")
        return None
    first = next(i + 1 for i, r in enumerate(rows) if any(c for c in r))
    if header_at != first:
        notes.add("import.note.header_row", row=header_at, skipped=f"{first}–{header_at - 1}")
    report.header_row = header_at
    rows = list(rows)
    rows[header_at - 1] = _alias_header(rows[header_at - 1], known, mapping, notes, report, header_at)
    frame = table_from_rows(rows, log, known, header_at, allow_empty=part in _MAY_BE_EMPTY)
    if frame is not None:
        report.rows_read = len(frame)
    return frame


# --- names to codes -------------------------------------------------------------------------------


def _match_names(frame: pd.DataFrame, communes: gpd.GeoDataFrame | None, log: ProblemLog,
                 report: PartReport, notes: _Notes) -> set[int]:
    """Fill missing commune codes from names; returns the rows left unmatched."""
    ids = frame["commune_id"].map(clean_text) if "commune_id" in frame else pd.Series("", index=frame.index)
    report.matched_by_id = int((ids != "").sum())
    if "name" not in frame:
        return set()
    names = frame["name"].map(clean_text)
    need = (ids == "") & (names != "")
    if communes is None:  # boundaries failed: keep other checks meaningful without false id errors
        frame["commune_id"] = ids.where(~need, names)
        return set()
    index = CommuneIndex(communes)
    districts = frame["former_district"].map(clean_text) if "former_district" in frame else None
    unmatched: set[int] = set()
    filled = ids.copy()
    for row in frame.index[need]:
        name = names[row]
        found = index.match(name, districts[row] if districts is not None else "")
        if len(found) == 1:
            filled[row] = index.ids[found[0]]
            report.matched_by_name += 1
        elif found:
            candidates = ", ".join(f"{index.labels[p]} ({index.ids[p]})" for p in found)
            log.add("import.name_ambiguous", row=row, column="name", value=name, candidates=candidates)
            unmatched.add(int(row))
        else:
            near = next(iter(index.closest(name)), None)
            if near is None:
                log.add("import.name_unmatched", row=row, column="name", value=name)
                report.unmatched.append(NameMatch(int(row), name))
            else:
                log.add("import.name_unmatched_suggest", row=row, column="name", value=name,
                        suggestion=index.labels[near], suggestion_id=index.ids[near])
                report.unmatched.append(NameMatch(int(row), name, index.labels[near], index.ids[near]))
            unmatched.add(int(row))
    frame["commune_id"] = filled
    if report.matched_by_name:
        notes.add("import.note.matched_by_name", count=report.matched_by_name)
    return unmatched


def _excel_dates(frame: pd.DataFrame, notes: _Notes) -> None:
    """Excel date serials (a date cell formatted as a number) turned into ISO dates."""
    if "date" not in frame:
        return
    converted = frame["date"].map(lambda v: excel_serial_date(v) if isinstance(v, str) else None)
    mask = converted.notna()
    if mask.any():
        frame.loc[mask, "date"] = converted[mask]
        notes.add("import.note.excel_serial_dates", column="date", count=int(mask.sum()))


# --- the whole upload -----------------------------------------------------------------------------


def _resolve(source: Path | str | Mapping[str, Path | str], problems: list[Problem]) -> tuple[dict[str, Path], Path]:
    """The file for each part, from a dataset folder or an explicit {part: file} mapping."""
    if isinstance(source, Mapping):
        unknown = set(source) - set(PARTS)
        if unknown:
            raise ValueError(f"unknown parts: {sorted(unknown)}; expected some of {PARTS}")
        files = {part: Path(path) for part, path in source.items() if path}
        for part in REQUIRED_PARTS:
            if part not in files:
                problems.append(Problem(part, None, None, "io.file_missing",
                                        {"expected": ", ".join(FILE_CHOICES[part]), "folder": "-"}))
        folder = files["boundaries"].parent if "boundaries" in files else Path(".")
        return files, folder
    folder = Path(source)
    if not folder.is_dir():
        problems.append(Problem(str(folder), None, None, "io.folder_missing", {}))
        return {}, folder
    return find_files(folder, problems), folder


# Problems with a row's commune name: the row's missing code or location says nothing more.
_NAME_KEY_CODES = frozenset({"import.name_ambiguous", "crosswalk.name_unmatched", "crosswalk.mixed_year_new",
                             "crosswalk.mixed_year_old", "crosswalk.same_commune_both"})


def _finish(log: ProblemLog, unmatched_rows: set[int] | None = None) -> list[Problem]:
    """A log's problems without repeats: no "empty commune_id" (or "no location") on rows already
    reported for their commune name, no "invalid geometry" on features already reported as
    unrepairable."""
    problems = log.problems
    unrepairable = {p.row for p in problems if p.code == "import.geometry_unrepairable"}
    unmatched_rows = set(unmatched_rows or ()) | {p.row for p in problems
                                                  if p.code in _NAME_KEY_CODES and p.column == "name"}
    return [p for p in problems
            if not (p.code == "io.empty_value" and p.column == "commune_id" and p.row in unmatched_rows)
            and not (p.code == "io.no_location" and p.row in unmatched_rows)
            and not (p.code == "io.geometry_invalid" and p.row in unrepairable)]


def check_upload(source: Path | str | Mapping[str, Path | str], *,
                 mapping: Mapping[str, Mapping[str, str]] | None = None,
                 today: date | None = None, limits: Limits | None = None,
                 repair: bool = True) -> tuple[Dataset | None, ImportReport]:
    """Read and validate an upload without writing anything.

    `source` is a dataset folder or {part: file} for the parts in PARTS
    (boundaries and indicators required). `mapping` maps contract columns to the
    file's columns per part, e.g. {"boundaries": {"commune_id": "MA_XA"}}.
    Returns the Dataset (None when anything blocks) and the report.
    """
    limits = limits or default_limits()
    mapping = mapping or {}
    report = ImportReport()
    files, folder = _resolve(source, report.problems)
    logs: dict[str, ProblemLog] = {}
    results: dict[str, object] = {}
    unmatched: dict[str, set[int]] = {}
    vintages: dict[str, pd.DataFrame | None] = {}
    with tempfile.TemporaryDirectory(prefix="risk-import-") as tmp:
        for part in PARTS:
            if part not in files:
                continue
            path = files[part]
            log, notes = ProblemLog(path.name), _Notes(path.name, report.notes)
            logs[part] = log
            part_report = report.parts[part] = PartReport(part, path.name)
            if path.is_file():
                part_report.size_bytes = path.stat().st_size
                part_report.sha256 = _sha256(path)
            workdir = Path(tmp) / part
            workdir.mkdir()
            part_mapping = dict(mapping.get(part, {}))
            if part == "boundaries":
                results[part] = _boundaries(path, log, part_report, notes, limits, workdir, part_mapping, repair)
            elif part == "border":
                frame = _read_vector(path, log, part_report, notes, limits, workdir)
                if frame is not None:
                    text = [c for c in frame.columns if c != frame.geometry.name
                            and (pd.api.types.is_object_dtype(frame[c]) or pd.api.types.is_string_dtype(frame[c]))]
                    check_text(frame, text, log)
                    _describe_crs(frame, part_report, notes)
                    results[part] = None if log else validate_border(frame, log)
            elif part == "meta":
                if check_size(path, log, limits):
                    results[part] = read_meta(path, log)
                    part_report.format = "json"
            else:
                communes = results.get("boundaries")
                crosswalk = results.get("crosswalk")
                reform = Reform(crosswalk, communes) if crosswalk is not None and communes is not None else None
                broken_crosswalk = "crosswalk" in files and reform is None
                found, unmatched[part] = _table_part(part, path, communes, log, part_report, notes, limits,
                                                     part_mapping, today, reform, broken_crosswalk)
                if isinstance(found, Rekeyed):
                    vintages[part] = found.vintage
                    report.notes.extend(found.notes)
                    part_report.converted_rows, part_report.converted_years = found.rows, list(found.years)
                    found = found.table
                results[part] = found
        for part, log in logs.items():
            report.problems.extend(_finish(log, unmatched.get(part)))
    for part, value in results.items():
        if isinstance(value, pd.DataFrame) and part != "meta":
            report.parts[part].rows_kept = len(value)
    report.checksum = _checksum(report.parts)
    if report.problems or results.get("boundaries") is None or results.get("indicators") is None:
        return None, report
    cases = results.get("cases")
    dataset = Dataset(folder, results["boundaries"], results["indicators"],
                      cases if cases is not None else empty_cases(),
                      results.get("border"), results.get("gates"), dict(results.get("meta") or {}),
                      patrols=results.get("patrols"), crosswalk=results.get("crosswalk"),
                      vintage=combine_vintage(*vintages.values()))
    report.content_checksum = dataset_checksum(dataset)  # Store.add_checked saves it only while it still matches
    return dataset, report


def import_files(store: "Store", source: Path | str | Mapping[str, Path | str], *, user: str,
                 label: str | None = None, mapping: Mapping[str, Mapping[str, str]] | None = None,
                 today: date | None = None, limits: Limits | None = None, repair: bool = True,
                 activate: bool = True) -> ImportReport:
    """Check an upload (see `check_upload`) and save it in `store` as a new version.

    Raises ImportRejected (a DataError carrying the report) when anything
    blocks; the store is then not touched at all. Returns the report, with
    `version_id` set. Default label: the dataset's name, else the folder's name
    (a folder) or the boundaries file's name (single files).
    """
    dataset, report = check_upload(source, mapping=mapping, today=today, limits=limits, repair=repair)
    if dataset is None:
        raise ImportRejected(report)
    if not label and not isinstance(source, Mapping):
        label = str(dataset.meta.get("name") or Path(dataset.folder).name)
    return store.add_checked(dataset, report, user=user, label=label, activate=activate)


def _checksum(parts: Mapping[str, PartReport]) -> str:
    """One digest over every uploaded file (part, name, content), to spot a repeated import."""
    digest = hashlib.sha256()
    for name in sorted(parts):
        digest.update(f"{name}\0{parts[name].file}\0{parts[name].sha256}\n".encode())
    return digest.hexdigest()


def _boundaries(path: Path, log: ProblemLog, report: PartReport, notes: _Notes, limits: Limits, workdir: Path,
                mapping: Mapping[str, str], repair: bool) -> gpd.GeoDataFrame | None:
    frame = _read_vector(path, log, report, notes, limits, workdir)
    if frame is None:
        return None
    frame = _apply_layout(frame, mapping, log, report, notes)
    if frame is None:
        return None
    check_text(frame, _TEXT_COLUMNS["boundaries"], log)
    if repair:
        frame = _repair_polygons(frame, log, report, notes)
    _describe_crs(frame, report, notes)
    if log:  # still run the loader's checks so every problem is listed at once
        validate_boundaries(frame, log)
        return None
    return validate_boundaries(frame, log)


def _table_part(part: str, path: Path, communes: gpd.GeoDataFrame | None, log: ProblemLog, report: PartReport,
                notes: _Notes, limits: Limits, mapping: Mapping[str, str], today: date | None,
                reform: Reform | None = None, broken_crosswalk: bool = False,
                ) -> tuple[pd.DataFrame | Rekeyed | None, set[int]]:
    """A validated table, and the rows whose commune name matched nothing. With a crosswalk
    (`reform`), indicator and case rows keyed by pre-2025 communes, by code or by name, are
    converted (risk/ingest/rekey.py) and come back as Rekeyed; so do patrol effort rows."""
    frame = _read_table(path, part, log, report, notes, limits, mapping)
    if frame is None or (not len(frame) and part not in _MAY_BE_EMPTY):
        if frame is not None and not log:
            log.add("io.no_data")
        return None, set()
    check_header(frame.columns, log)
    check_text(frame, _TEXT_COLUMNS[part], log)
    ids = None if communes is None else list(communes["commune_id"])
    if part == "gates":
        return validate_gates(frame, log), set()
    if part == "crosswalk":
        return validate_crosswalk(frame, ids, log), set()
    if report.format == "XLSX" and part == "cases":
        _excel_dates(frame, notes)
    if reform is not None and part in ("indicators", "cases", "patrols"):
        keyed = (keyed_indicators(frame, ids, log, reform, names=True, report=report) if part == "indicators"
                 else keyed_patrols(frame, ids, log, reform, names=True, report=report) if part == "patrols"
                 else keyed_cases(frame, communes, log, today, reform, names=True, report=report))
        if report.matched_by_name:
            notes.add("import.note.matched_by_name", count=report.matched_by_name)
        return keyed, set()
    unmatched = _match_names(frame, communes, log, report, notes)
    if broken_crosswalk and part in ("indicators", "cases", "patrols"):
        ids = None  # the crosswalk's own errors come first: no flood of unknown pre-2025 codes
    if part == "indicators":
        return validate_indicators(frame, ids, log), unmatched
    if part == "patrols":
        return validate_patrols(frame, ids, log), unmatched
    return validate_cases(frame, communes, log, today, report_unknown=ids is not None), unmatched
