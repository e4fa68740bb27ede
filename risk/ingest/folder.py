"""Reading and validating a dataset folder: boundaries, indicators, cases, border.

Every loader either returns a complete, typed table or raises `DataError`
listing every problem it found (file, row, column, what is wrong, in Vietnamese
and English). Nothing is repaired silently and nothing half-loads.
"""
from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Collection

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from risk.contracts.cases import DETECTED_BY, FORMS
from risk.contracts.dataset import (
    BOUNDARY_TEXT_COLUMNS, CASE_COLUMNS, PARTS, PATROL_COLUMNS, REQUIRED_PARTS, WGS84, Dataset, empty_cases,
)
from risk.contracts.indicators import REGISTRY
from risk.contracts.problems import Problem
from risk.ingest.vector import check_geometry, locate_points, read_vector, to_wgs84
from risk.ingest.text_safety import TEXT_COLUMNS, check_header, check_meta, check_text
from risk.ingest.checks import DataError, ProblemLog, check_integers, clean_text, file_ok, is_missing, normalise_choice, parse_numbers, report_duplicates, report_unknown_ids, require_columns, required_text
from risk.ingest.crosswalk import CROSSWALK_KNOWN, Reform, validate_crosswalk
from risk.ingest.rekey import Rekeyed, check_placed_points, combine_vintage, convert_indicators, convert_patrols, \
    place_cases, resolve_keys
from risk.ingest.text import decode_utf8, read_table

__all__ = [
    "DETECTED_BY", "FORMS", "DataError", "find_files", "keyed_cases", "keyed_indicators", "keyed_patrols", "load_border",
    "load_boundaries", "load_cases", "load_crosswalk", "load_dataset", "load_gates", "load_indicators", "load_patrols",
    "read_meta", "validate_border", "validate_boundaries", "validate_cases", "validate_gates", "validate_indicators",
    "validate_patrols",
]

YEAR_MIN, YEAR_MAX = 1990, 2100
_CHOICE_ALIASES = {"forced_labor": "forced_labour", "victim_report": "victim_or_family_report",
                   "family_report": "victim_or_family_report"}
INDICATOR_TEXT_COLUMNS = frozenset({"name", "former_district", "province", "type"})
_CASE_REQUIRED = ("case_id", "date", "form", "victims", "detected_by")
GATE_COLUMNS = ("name", "lon", "lat", "kind")
# A patrol file gives effort in days or in hours (one column, one unit for the file).
PATROL_EFFORT_COLUMNS = {"patrol_days": "days", "patrol_hours": "hours"}
PATROL_KNOWN = frozenset({"commune_id", "year", *PATROL_EFFORT_COLUMNS})
# Column names recognised case-insensitively in each table (for readers outside this module).
INDICATOR_KNOWN = frozenset({"commune_id", "year", *INDICATOR_TEXT_COLUMNS, *REGISTRY})
_POLYGONS = frozenset({"Polygon", "MultiPolygon"})
_LINES = frozenset({"LineString", "MultiLineString"})

# Which file names a dataset folder may use for each part, in order of preference.
FILE_CHOICES: dict[str, tuple[str, ...]] = {
    "boundaries": ("boundaries.gpkg", "boundaries.geojson", "boundaries.zip", "boundaries.shp"),
    "crosswalk": ("crosswalk.csv", "crosswalk.xlsx"),
    "indicators": ("indicators.csv", "indicators.xlsx"),
    "cases": ("cases.csv", "cases.xlsx"),
    "border": ("border.geojson", "border.gpkg"),
    "gates": ("border_gates.csv", "border_gates.xlsx"),
    "patrols": ("patrols.csv", "patrols.xlsx"),
    "meta": ("dataset.json",),
}
assert tuple(FILE_CHOICES) == PARTS, "one file choice per dataset part (risk/contracts/dataset.py PARTS)"


# --- shared helpers -------------------------------------------------------------


def _open_log(path: str | Path) -> tuple[Path, ProblemLog]:
    """The path and an empty problem log named after the file."""
    path = Path(path)
    return path, ProblemLog(path.name)


# --- boundaries -----------------------------------------------------------------


def _boundaries(path: Path, log: ProblemLog) -> gpd.GeoDataFrame | None:
    """Validated communes in EPSG:4326, or None with the problems in `log`."""
    frame = read_vector(path, log, BOUNDARY_TEXT_COLUMNS)
    if frame is None:
        return None
    check_text(frame, TEXT_COLUMNS["boundaries"], log)
    return validate_boundaries(frame, log)


def validate_boundaries(frame: gpd.GeoDataFrame, log: ProblemLog) -> gpd.GeoDataFrame | None:
    """Communes from features already read (numbered from 1), so the importer
    can recognise layouts and repair geometry first and still share these checks."""
    have_columns = require_columns(frame, ("commune_id", "name"), log)
    if have_columns:
        ids = required_text(frame, "commune_id", log)
        required_text(frame, "name", log)
        report_duplicates(pd.DataFrame({"value": ids[ids != ""]}), log, "io.duplicate_feature_id", "commune_id")
    check_geometry(frame, _POLYGONS, "io.geometry_not_polygon", log)
    if log:
        return None
    out = to_wgs84(frame, log)
    if out is None:
        return None
    kept = [c for c in BOUNDARY_TEXT_COLUMNS if c in out.columns]
    result = gpd.GeoDataFrame(
        {c: out[c].map(clean_text).astype(str) for c in kept}, geometry=out.geometry.array, crs=WGS84
    )
    return result.reset_index(drop=True)


def load_boundaries(path: str | Path) -> gpd.GeoDataFrame:
    """Commune polygons (`commune_id`, `name`, optional `former_district`, `province`,
    `type`) in EPSG:4326 from a GeoPackage, GeoJSON or zipped shapefile.

    Raises DataError listing every problem; invalid geometry is reported, never
    repaired here, so a user is not shown shapes that differ from their file.
    """
    path, log = _open_log(path)
    result = _boundaries(path, log)
    log.raise_if_any()
    return result


# --- indicators -----------------------------------------------------------------


def _indicator_columns(frame: pd.DataFrame) -> list[str]:
    """Registry columns plus extra columns that hold numbers (text columns are ignored).

    An extra column counts as an indicator when at least half of its filled
    cells are numbers, so one typo is reported rather than the column dropped.
    """
    columns = []
    for column in frame.columns:
        if column in ("commune_id", "year") or column.lower() in INDICATOR_TEXT_COLUMNS:
            continue
        if column not in REGISTRY:
            values = frame[column]
            filled = values[~is_missing(values)]
            numeric = pd.to_numeric(filled.str.removesuffix("%"), errors="coerce").notna()
            if not len(filled) or numeric.mean() < 0.5:
                continue
        columns.append(column)
    return sorted(columns, key=lambda c: (c not in REGISTRY, list(REGISTRY).index(c) if c in REGISTRY else 0))


def _check_ranges(column: str, numbers: pd.Series, values: pd.Series, log: ProblemLog) -> None:
    """Rates within [0, 100]; population not negative."""
    spec = REGISTRY.get(column)
    if spec is None:
        return
    if spec.is_rate:
        for row in numbers.index[(numbers < 0) | (numbers > 100)]:
            log.add("io.rate_out_of_range", row=row, column=column, value=values[row])
    elif column == "population":
        for row in numbers.index[numbers < 0]:
            log.add("io.negative_value", row=row, column=column, value=values[row])


def _whole_numbers(frame: pd.DataFrame, column: str, log: ProblemLog) -> tuple[pd.Series, pd.Series]:
    """A required whole-number column: empty cells, non-numbers and fractions reported.

    Returns the parsed numbers and the mask of cells that are whole numbers.
    """
    values = frame[column]
    missing = is_missing(values)
    for row in values.index[missing]:
        log.add("io.empty_value", row=row, column=column)
    numbers = parse_numbers(values.where(~missing, "n/a"), column, log)
    return numbers, check_integers(numbers, values, column, log)


def _years(frame: pd.DataFrame, log: ProblemLog) -> pd.Series:
    """Whole years within the plausible range; others reported (and NaN)."""
    values = frame["year"]
    numbers, whole = _whole_numbers(frame, "year", log)
    numbers = numbers.where(whole)
    for row in numbers.index[(numbers < YEAR_MIN) | (numbers > YEAR_MAX)]:
        log.add("io.year_out_of_range", row=row, column="year", value=values[row], min=YEAR_MIN, max=YEAR_MAX)
    return numbers.where(numbers.between(YEAR_MIN, YEAR_MAX))


def _commune_years(frame: pd.DataFrame, commune_ids: Collection[str] | None, log: ProblemLog) -> pd.DataFrame:
    """The checked `commune_id` and `year` columns of a table with one row per commune and year."""
    out = pd.DataFrame(index=frame.index)
    if "commune_id" in frame:
        out["commune_id"] = required_text(frame, "commune_id", log)
        report_unknown_ids(out["commune_id"], commune_ids, "commune_id", log)
    if "year" in frame:
        out["year"] = _years(frame, log)
    return out


def _one_row_per_commune_year(out: pd.DataFrame, log: ProblemLog) -> None:
    """Report a commune and year given twice (naming both rows)."""
    if "commune_id" in out and "year" in out:
        keys = out.loc[(out.commune_id != "") & out.year.notna(), ["commune_id", "year"]].astype({"year": "int64"})
        report_duplicates(keys, log, "io.duplicate_commune_year", None)


def _typed_keys(out: pd.DataFrame) -> pd.DataFrame:
    out["commune_id"] = out["commune_id"].astype(str)
    out["year"] = out["year"].astype("int64")
    return out


def _indicators(path: Path, commune_ids: Collection[str] | None, log: ProblemLog,
                reform: Reform | None = None) -> Rekeyed | None:
    """Validated wide indicator table (rows of pre-2025 communes converted through `reform`), or
    None with the problems in `log`."""
    if not file_ok(path, log):
        return None
    frame = read_table(path, log, known=INDICATOR_KNOWN)
    if frame is None or not len(frame):
        return None
    check_header(frame.columns, log)
    check_text(frame, TEXT_COLUMNS["indicators"], log)
    return keyed_indicators(frame, commune_ids, log, reform)


def keyed_indicators(frame: pd.DataFrame, commune_ids: Collection[str] | None, log: ProblemLog,
                     reform: Reform | None = None, *, names: bool = False, report=None) -> Rekeyed | None:
    """`validate_indicators`, with rows keyed by pre-2025 communes converted through `reform` (see
    risk/ingest/rekey.py); `names` and `report` as in `resolve_keys` (the importer matches names)."""
    if reform is None:
        table = validate_indicators(frame, commune_ids, log)
        return None if table is None else Rekeyed(table, None)
    years = pd.to_numeric(frame["year"].map(clean_text), errors="coerce") if "year" in frame \
        else pd.Series(np.nan, index=frame.index)
    keys = resolve_keys(frame, years, reform, log, names=names, whole_years=True, report=report)
    table = validate_indicators(frame, None, log)  # codes were checked against both sides just now
    return None if table is None else convert_indicators(table, keys, reform, log.file)


def validate_indicators(frame: pd.DataFrame, commune_ids: Collection[str] | None,
                        log: ProblemLog) -> pd.DataFrame | None:
    """Indicators from text cells indexed by spreadsheet row (see `read_table`),
    so the importer's own readers (encodings, header rows) share these checks."""
    require_columns(frame, ("commune_id", "year"), log)
    out = _commune_years(frame, commune_ids, log)
    for column in _indicator_columns(frame):
        out[column] = parse_numbers(frame[column], column, log)
        _check_ranges(column, out[column], frame[column], log)
    _one_row_per_commune_year(out, log)
    if log:
        return None
    return _typed_keys(out).reset_index(drop=True)


def load_indicators(path: str | Path, commune_ids: Collection[str] | None = None) -> pd.DataFrame:
    """Wide indicator table (`commune_id`, `year`, one float column per indicator)
    from CSV (see `csv_rows`) or XLSX; extra numeric columns are kept as extra indicators.

    `commune_ids`, when given, are the codes in the boundaries: others are errors.
    """
    path, log = _open_log(path)
    result = _indicators(path, commune_ids, log)
    log.raise_if_any()
    return None if result is None else result.table


# --- cases ------------------------------------------------------------------------


def _parse_date(text: str) -> date | None:
    """ISO dates (2024-03-25, with or without time) or Vietnamese day-first (25/03/2024)."""
    try:
        return datetime.fromisoformat(text).date()
    except ValueError:
        pass
    for fmt in ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _dates(frame: pd.DataFrame, today: date, log: ProblemLog) -> pd.Series:
    """Case dates as datetime64; unparseable, too old and future dates reported."""
    values = frame["date"].map(clean_text)
    parsed: dict[str, date | None] = {v: _parse_date(v) for v in values.unique() if v}
    result = []
    for row, value in values.items():
        day = parsed.get(value)
        if not value:
            log.add("io.empty_value", row=row, column="date")
        elif day is None:
            log.add("io.date_invalid", row=row, column="date", value=value)
        elif day.year < YEAR_MIN:
            log.add("io.date_too_old", row=row, column="date", value=value, min=YEAR_MIN)
            day = None
        elif day > today:
            log.add("io.date_future", row=row, column="date", value=value, today=today.isoformat())
        result.append(pd.Timestamp(day) if day else pd.NaT)
    return pd.Series(result, index=values.index, dtype="datetime64[ns]")


def _victims(frame: pd.DataFrame, log: ProblemLog) -> pd.Series:
    """Whole numbers of victims, at least one per case."""
    values = frame["victims"]
    numbers, whole = _whole_numbers(frame, "victims", log)
    for row in numbers.index[whole & (numbers < 1)]:
        log.add("io.victims_below_one", row=row, column="victims", value=values[row])
    return numbers


def _choices(frame: pd.DataFrame, column: str, allowed: tuple[str, ...], log: ProblemLog) -> pd.Series:
    """Coded values (form, detected_by) normalised; others reported with the allowed list."""
    values = required_text(frame, column, log)
    codes = values.map(lambda v: normalise_choice(v, _CHOICE_ALIASES) if v else "")
    for row in codes.index[(codes != "") & ~codes.isin(allowed)]:
        log.add("io.unknown_value", row=row, column=column, value=values[row], allowed=", ".join(allowed))
    return codes


def _coordinates(frame: pd.DataFrame, log: ProblemLog,
                 report_incomplete: bool = True) -> tuple[pd.Series, pd.Series]:
    """lon/lat floats (NaN where absent); half-given and out-of-range pairs reported."""
    nan = pd.Series(np.nan, index=frame.index)
    lon = parse_numbers(frame["lon"], "lon", log) if "lon" in frame else nan
    lat = parse_numbers(frame["lat"], "lat", log) if "lat" in frame else nan
    if report_incomplete and "lon" in frame and "lat" in frame:  # a missing column is reported once
        half = (lon.isna() != lat.isna()) & (is_missing(frame["lon"]) | is_missing(frame["lat"]))
        for row in frame.index[half]:  # (a non-number is already reported as such)
            log.add("io.lonlat_incomplete", row=row, column="lat" if pd.isna(lat[row]) else "lon")
    outside = lon.notna() & lat.notna() & ~(lon.between(-180, 180) & lat.between(-90, 90))
    for row in frame.index[outside]:
        log.add("io.lonlat_out_of_range", row=row, column="lon", lon=frame.at[row, "lon"], lat=frame.at[row, "lat"])
    ok = lon.notna() & lat.notna() & ~outside
    return lon.where(ok), lat.where(ok)


def _cases(path: Path, communes: gpd.GeoDataFrame | None, log: ProblemLog, today: date | None = None,
           reform: Reform | None = None, report_unknown: bool = True) -> Rekeyed | None:
    """Validated cases (those keyed by pre-2025 communes placed through `reform`), or None with the
    problems in `log`. A header without rows is a year with no cases: an empty table, still checked
    for its columns."""
    if not file_ok(path, log):
        return None
    frame = read_table(path, log, known=CASE_COLUMNS, allow_empty=True)
    if frame is None:
        return None
    check_header(frame.columns, log)
    check_text(frame, TEXT_COLUMNS["cases"], log)
    return keyed_cases(frame, communes, log, today, reform, report_unknown=report_unknown)


def _case_years(frame: pd.DataFrame) -> pd.Series:
    """Each case's year from its date cell (NaN where it does not read: the date check reports it)."""
    if "date" not in frame:
        return pd.Series(np.nan, index=frame.index)
    days = frame["date"].map(lambda v: _parse_date(clean_text(v)) if clean_text(v) else None)
    return days.map(lambda d: d.year if d else np.nan).astype("float64")


def _has_point(frame: pd.DataFrame) -> pd.Series:
    """Rows with both coordinates readable as numbers."""
    if "lon" not in frame or "lat" not in frame:
        return pd.Series(False, index=frame.index)
    numbers = [pd.to_numeric(frame[c].map(clean_text), errors="coerce") for c in ("lon", "lat")]
    return numbers[0].notna() & numbers[1].notna()


def keyed_cases(frame: pd.DataFrame, communes: gpd.GeoDataFrame | None, log: ProblemLog, today: date | None = None,
                reform: Reform | None = None, *, names: bool = False, report=None,
                report_unknown: bool = True) -> Rekeyed | None:
    """`validate_cases`, with cases keyed by pre-2025 communes placed through `reform`: by their
    point when they have one (which must lie in what their old commune became), else assigned to
    the commune their old commune went to (risk/ingest/rekey.py)."""
    if reform is None:
        cases = validate_cases(frame, communes, log, today, report_unknown=report_unknown)
        return None if cases is None else Rekeyed(cases, None)
    keys = resolve_keys(frame, _case_years(frame), reform, log, located=_has_point(frame), names=names,
                        report=report)
    plan = place_cases(frame, keys, reform)
    cases = validate_cases(frame, communes, log, today, report_unknown=False)
    if cases is None:
        return None
    placed = check_placed_points(cases, frame.index, plan, reform, log, log.file)
    return None if log else placed


def validate_cases(frame: pd.DataFrame, communes: gpd.GeoDataFrame | None, log: ProblemLog,
                   today: date | None = None, *, report_unknown: bool = True) -> pd.DataFrame | None:
    """Cases from text cells indexed by spreadsheet row (see `validate_indicators`). Without
    `report_unknown`, a code not in `communes` is left to the caller (the crosswalk's checks)."""
    required = list(_CASE_REQUIRED)
    if "commune_id" not in frame:
        required += ["lon", "lat"]
    elif ("lon" in frame) != ("lat" in frame):
        required += ["lon", "lat"]
    require_columns(frame, required, log)
    out = pd.DataFrame(index=frame.index)
    if "case_id" in frame:
        out["case_id"] = required_text(frame, "case_id", log)
        given = pd.DataFrame({"value": out.case_id[out.case_id != ""]})
        report_duplicates(given, log, "io.duplicate_row_id", "case_id")
    if "date" in frame:
        out["date"] = _dates(frame, today or date.today(), log)
    out["lon"], out["lat"] = _coordinates(frame, log)
    ids = frame["commune_id"].map(clean_text) if "commune_id" in frame else pd.Series("", index=frame.index)
    known = None if communes is None or not report_unknown else set(communes["commune_id"])
    report_unknown_ids(ids, known, "commune_id", log)
    no_location = (ids == "") & out.lon.isna() & out.lat.isna()
    if "lon" in frame:
        no_location &= is_missing(frame["lon"])
    if "lat" in frame:
        no_location &= is_missing(frame["lat"])
    has_location_columns = "commune_id" in frame or ("lon" in frame and "lat" in frame)
    for row in frame.index[no_location & has_location_columns]:
        log.add("io.no_location", row=row)
    if communes is not None and len(communes):
        ids = locate_points(out.lon, out.lat, ids, communes, log)
    out["commune_id"] = ids
    if "form" in frame:
        out["form"] = _choices(frame, "form", FORMS, log)
    if "victims" in frame:
        out["victims"] = _victims(frame, log)
    out["destination"] = frame["destination"].map(clean_text) if "destination" in frame else ""
    if "detected_by" in frame:
        out["detected_by"] = _choices(frame, "detected_by", DETECTED_BY, log)
    if log:
        return None
    return _typed_cases(out)


def _typed_cases(out: pd.DataFrame) -> pd.DataFrame:
    """Cases in contract column order and dtypes (an unknown commune id is missing)."""
    dtypes = empty_cases().dtypes
    result = pd.DataFrame({column: out[column].to_numpy() for column in CASE_COLUMNS})
    result["commune_id"] = result["commune_id"].replace("", None)
    return result.astype(dtypes.to_dict())


def load_cases(path: str | Path, communes: gpd.GeoDataFrame | None = None, *,
               today: date | None = None) -> pd.DataFrame:
    """Recorded cases (`case_id`, `date`, `lon`, `lat`, `commune_id`, `form`,
    `victims`, `destination`, `detected_by`) from CSV (see `csv_rows`) or XLSX.

    With `communes`, ids are checked, missing ids are filled by point in
    polygon, and points outside the province or in another commune than stated
    are errors. `today` (default: the real date) bounds case dates.
    """
    path, log = _open_log(path)
    result = _cases(path, communes, log, today)
    log.raise_if_any()
    return None if result is None else result.table


# --- border line and border gates -----------------------------------------------------


def _border(path: Path, log: ProblemLog) -> gpd.GeoDataFrame | None:
    """Validated border lines in EPSG:4326, or None."""
    frame = read_vector(path, log, BOUNDARY_TEXT_COLUMNS)
    return None if frame is None else validate_border(frame, log)


def validate_border(frame: gpd.GeoDataFrame, log: ProblemLog) -> gpd.GeoDataFrame | None:
    """Border lines from features already read (see `validate_boundaries`)."""
    check_geometry(frame, _LINES, "io.geometry_not_line", log)
    if log:
        return None
    out = to_wgs84(frame, log)
    if out is None:
        return None
    for column in out.columns.drop("geometry"):
        if pd.api.types.is_object_dtype(out[column]) or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(clean_text)
    return out.reset_index(drop=True)


def load_border(path: str | Path) -> gpd.GeoDataFrame:
    """International border line(s) (LineString/MultiLineString) in EPSG:4326."""
    path, log = _open_log(path)
    result = _border(path, log)
    log.raise_if_any()
    return result


def _gates(path: Path, log: ProblemLog) -> gpd.GeoDataFrame | None:
    """Validated border gates as points, or None."""
    if not file_ok(path, log):
        return None
    frame = read_table(path, log, known=GATE_COLUMNS)
    if frame is None or not len(frame):
        return None
    check_header(frame.columns, log)
    check_text(frame, TEXT_COLUMNS["gates"], log)
    return validate_gates(frame, log)


def validate_gates(frame: pd.DataFrame, log: ProblemLog) -> gpd.GeoDataFrame | None:
    """Border gates from text cells indexed by spreadsheet row."""
    if not require_columns(frame, ("name", "lon", "lat"), log):
        return None
    names = required_text(frame, "name", log)
    for column in ("lon", "lat"):
        for row in frame.index[is_missing(frame[column])]:
            log.add("io.empty_value", row=row, column=column)
    lon, lat = _coordinates(frame, log, report_incomplete=False)
    if log:
        return None
    kinds = frame["kind"].map(clean_text) if "kind" in frame else pd.Series("", index=frame.index)
    return gpd.GeoDataFrame(
        {"name": names.astype(str).to_numpy(), "kind": kinds.astype(str).to_numpy(),
         "lon": lon.to_numpy(), "lat": lat.to_numpy()},
        geometry=shapely.points(lon.to_numpy(), lat.to_numpy()), crs=WGS84,
    )


def load_gates(path: str | Path) -> gpd.GeoDataFrame:
    """Border gates (`name`, `kind`, `lon`, `lat`, point geometry in EPSG:4326)."""
    path, log = _open_log(path)
    result = _gates(path, log)
    log.raise_if_any()
    return result


# --- crosswalk (the July 2025 reform) ----------------------------------------------------------


def _crosswalk(path: Path, commune_ids: Collection[str] | None, log: ProblemLog) -> pd.DataFrame | None:
    """A validated crosswalk (risk/ingest/crosswalk.py), or None with the problems in `log`."""
    if not file_ok(path, log):
        return None
    frame = read_table(path, log, known=CROSSWALK_KNOWN)
    if frame is None:
        return None
    if not len(frame):
        log.add("io.no_data")
        return None
    check_header(frame.columns, log)
    check_text(frame, TEXT_COLUMNS["crosswalk"], log)
    return validate_crosswalk(frame, commune_ids, log)


def load_crosswalk(path: str | Path, commune_ids: Collection[str] | None = None) -> pd.DataFrame:
    """A crosswalk (`old_commune_id`, `old_name`, `old_district`, `new_commune_id`, `weight`) from CSV
    or XLSX; `commune_ids`, when given, are the codes in the boundaries: others are errors."""
    path, log = _open_log(path)
    result = _crosswalk(path, commune_ids, log)
    log.raise_if_any()
    return result


# --- patrol effort -------------------------------------------------------------------------


def _patrols(path: Path, commune_ids: Collection[str] | None, log: ProblemLog,
             reform: Reform | None = None) -> Rekeyed | None:
    """Validated patrol effort (rows of pre-2025 communes summed through `reform`), or None with the
    problems in `log`."""
    if not file_ok(path, log):
        return None
    frame = read_table(path, log, known=PATROL_KNOWN)
    if frame is None:
        return None
    check_text(frame, TEXT_COLUMNS["patrols"], log)
    return keyed_patrols(frame, commune_ids, log, reform)


def keyed_patrols(frame: pd.DataFrame, commune_ids: Collection[str] | None, log: ProblemLog,
                  reform: Reform | None = None, *, names: bool = False, report=None) -> Rekeyed | None:
    """`validate_patrols`, with effort logged on pre-2025 communes summed into today's through `reform`.
    A patrol file lists only the communes patrolled, so a year is not expected to be whole."""
    if reform is None:
        table = validate_patrols(frame, commune_ids, log)
        return None if table is None else Rekeyed(table, None)
    years = pd.to_numeric(frame["year"].map(clean_text), errors="coerce") if "year" in frame \
        else pd.Series(np.nan, index=frame.index)
    keys = resolve_keys(frame, years, reform, log, names=names, report=report)
    table = validate_patrols(frame, None, log)
    return None if table is None else convert_patrols(table, keys, reform, log.file)


def validate_patrols(frame: pd.DataFrame, commune_ids: Collection[str] | None,
                     log: ProblemLog) -> pd.DataFrame | None:
    """Patrol effort (`commune_id`, `year`, `patrol_days` or `patrol_hours`) from text cells indexed
    by spreadsheet row: one row per commune and year, effort a number of at least 0."""
    require_columns(frame, ("commune_id", "year"), log)
    given = [c for c in PATROL_EFFORT_COLUMNS if c in frame.columns]
    if not given:
        found = ", ".join(str(c) for c in frame.columns) or "-"
        log.add("io.patrol_effort_missing", column="patrol_days", found=found)
    elif len(given) > 1:
        log.add("io.patrol_two_units", row=1, column=given[1], columns=", ".join(given))
    out = _commune_years(frame, commune_ids, log)
    if len(given) == 1:
        column = given[0]
        values = frame[column]
        missing = is_missing(values)
        for row in values.index[missing]:
            log.add("io.empty_value", row=row, column=column)
        out["effort"] = parse_numbers(values.where(~missing, "n/a"), column, log)
        for row in out.index[out["effort"] < 0]:
            log.add("io.negative_value", row=row, column=column, value=values[row])
    _one_row_per_commune_year(out, log)
    if log:
        return None
    out = _typed_keys(out)
    out["effort"] = out["effort"].astype("float64")
    out["unit"] = PATROL_EFFORT_COLUMNS[given[0]]
    return out[list(PATROL_COLUMNS)].reset_index(drop=True)


def load_patrols(path: str | Path, commune_ids: Collection[str] | None = None) -> pd.DataFrame:
    """Patrol effort per commune and year (`commune_id`, `year`, `effort`, `unit`) from CSV or XLSX.

    `commune_ids`, when given, are the codes in the boundaries: others are errors."""
    path, log = _open_log(path)
    result = _patrols(path, commune_ids, log)
    log.raise_if_any()
    return None if result is None else result.table


MAX_SITES_BYTES = 1 << 20  # a list of patrol posts is a few kilobytes


def load_sites_upload(filename: str, data: bytes) -> pd.DataFrame:
    """Patrol sites uploaded on a page (`name, lon, lat`), checked like border gates.

    Read from a temporary folder that is gone when this returns. Raises DataError
    naming the file, row and column; a file over 1 MiB is refused before parsing.
    """
    import tempfile

    name = Path(filename.replace("\\", "/")).name or "sites.csv"
    if len(data) > MAX_SITES_BYTES:
        raise DataError([Problem(name, None, None, "io.sites_too_large", {"limit_kb": MAX_SITES_BYTES // 1024})])
    with tempfile.TemporaryDirectory(prefix="risk-sites-") as folder:
        path = Path(folder) / ("sites" + (Path(name).suffix.lower() or ".csv"))
        path.write_bytes(data)
        log = ProblemLog(name)
        sites = _gates(path, log)
        log.raise_if_any()
    if sites is None:
        raise DataError([Problem(name, None, None, "io.no_data", {})])
    return pd.DataFrame(sites[["name", "lon", "lat"]])


# --- dataset folder ----------------------------------------------------------------------


def read_meta(path: Path, log: ProblemLog) -> dict:
    """dataset.json as a dict, or {} with a problem."""
    if not file_ok(path, log):
        return {}
    text = decode_utf8(path.read_bytes(), log)
    if text is None:
        return {}
    try:
        meta = json.loads(text)
    except json.JSONDecodeError as err:
        log.add("io.json_invalid", row=err.lineno, reason=err.msg)
        return {}
    if not isinstance(meta, dict):
        log.add("io.json_not_object")
        return {}
    check_meta(meta, log)
    return meta


def find_files(folder: Path, problems: list[Problem]) -> dict[str, Path]:
    """The file used for each part; a missing required part or two candidates is a problem."""
    found: dict[str, Path] = {}
    for part, names in FILE_CHOICES.items():
        present = [folder / n for n in names if (folder / n).is_file()]
        if len(present) > 1:
            problems.append(Problem(present[0].name, None, None, "io.ambiguous_files",
                                    {"found": ", ".join(p.name for p in present)}))
        elif present:
            found[part] = present[0]
        elif part in REQUIRED_PARTS:
            problems.append(Problem(part, None, None, "io.file_missing",
                                    {"expected": ", ".join(names), "folder": str(folder)}))
    return found


def load_dataset(folder: str | Path, *, today: date | None = None) -> Dataset:
    """Load and validate a whole dataset folder.

    Problems from all files are collected and raised together as one DataError,
    so a user sees everything to fix at once; no partial Dataset is returned.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise DataError([Problem(str(folder), None, None, "io.folder_missing", {})])
    problems: list[Problem] = []
    files = find_files(folder, problems)
    logs = {part: ProblemLog(path.name) for part, path in files.items()}
    boundaries = _boundaries(files["boundaries"], logs["boundaries"]) if "boundaries" in files else None
    ids = None if boundaries is None else list(boundaries["commune_id"])
    crosswalk = _crosswalk(files["crosswalk"], ids, logs["crosswalk"]) if "crosswalk" in files else None
    reform = Reform(crosswalk, boundaries) if crosswalk is not None and boundaries is not None else None
    check_ids = reform is not None or "crosswalk" not in files  # a broken crosswalk: no flood of unknown codes
    indicators = (_indicators(files["indicators"], ids if check_ids else None, logs["indicators"], reform)
                  if "indicators" in files else None)
    cases = (_cases(files["cases"], boundaries, logs["cases"], today, reform, report_unknown=check_ids)
             if "cases" in files else Rekeyed(empty_cases(), None))
    border = _border(files["border"], logs["border"]) if "border" in files else None
    gates = _gates(files["gates"], logs["gates"]) if "gates" in files else None
    patrols = (_patrols(files["patrols"], ids if check_ids else None, logs["patrols"], reform)
               if "patrols" in files else Rekeyed(None, None))
    meta = read_meta(files["meta"], logs["meta"]) if "meta" in files else {}
    for log in logs.values():
        problems.extend(log.problems)
    if problems or boundaries is None or indicators is None or cases is None:
        raise DataError(problems)
    if patrols is None:
        raise DataError(problems)
    return Dataset(folder, boundaries, indicators.table, cases.table, border, gates, meta, patrols=patrols.table,
                   crosswalk=crosswalk, vintage=combine_vintage(indicators.vintage, cases.vintage, patrols.vintage))
