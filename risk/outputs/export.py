"""Export writers: CSV, XLSX, GeoJSON, GeoPackage and a PDF brief, each returning bytes.

Excel reads a CSV without a BOM as the local code page, which garbles
Vietnamese names; with one it reads UTF-8. A text cell starting with = + - @,
a tab or a carriage return can be run as a formula by Excel or LibreOffice
("CSV injection"), and names in data files are not ours to trust, so such
cells get a leading single quote, which spreadsheets show as text. Numbers
are left as numbers: a float cannot carry a formula.

Rule for XLSX: the same neutralised text as the CSV (leading ' when it would
start a formula), stored as an inline string cell (data_type "s"), never as a
formula. GeoJSON and GeoPackage are data for GIS tools and scripts: their text
is kept raw, exactly as in the dataset, so codes and names join back; a user
who opens them in a spreadsheet should use the CSV/XLSX export instead. The PDF
shows raw text too (a PDF runs nothing).

Numbers are written as the screen shows them: `ExportMeta.decimals` says how
many places each numeric column has on screen, every writer rounds to it, and
the XLSX cells carry a matching number format. A column mixing exact counts
(numbers) and suppressed cells ("<3", "≥4": text, decided by
risk.access.privacy) keeps each cell's type in CSV and XLSX; the GIS formats
write such a column as text, since a GIS field has one type.

Every writer takes the table plus an ExportMeta (what, method, data version,
date, filters, user, language) so the file says what it is; the caller writes
`audit_details(...)` to the audit log, the same way for pages and the CLI.
"""
from __future__ import annotations

import io
import json
import math
import re
import tempfile
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from risk.i18n import DEFAULT_LANGUAGE, VIETNAM_TIME, t
from risk.contracts.text import FORMULA_PREFIXES, starts_like_formula  # the one formula rule
from risk.outputs.formats import FORMATS, MIME_TYPES

__all__ = [
    "FORMATS", "FORMULA_PREFIXES", "METHOD_SHEET", "MIME_TYPES", "ExportMeta", "audit_details",
    "export_filename", "export_table", "safe_cell", "to_csv_bytes", "utc_now_iso", "write_csv", "write_geojson",
    "write_gpkg", "write_pdf", "write_xlsx",
]

# Excel forbids "/" in sheet names, so the brief's "Phương pháp / Method" is written with a dash.
METHOD_SHEET = "Phương pháp - Method"
FONT_DIR = Path(__file__).resolve().parents[2] / "static" / "fonts"
GEO_FORMATS = ("geojson", "gpkg")
# Characters XML 1.0 (so XLSX) cannot hold; tab, LF and CR are allowed.
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True)
class ExportMeta:
    """What an exported file is: it travels inside XLSX/PDF/GeoJSON/GPKG and goes to the audit log.

    `column_labels` maps the table's column keys to the headers people read
    (CSV, XLSX, PDF); GIS formats keep the keys as field names. `notes` are
    extra lines shown on the brief (e.g. the demo-data notice). `filters` are the
    raw settings (audit log, GIS metadata); `filter_lines` say them in words for
    people (XLSX method sheet, PDF).
    """

    title: str
    method: str
    data_version: str
    dataset: str
    date: str  # UTC, ISO 8601
    filters: Mapping[str, Any] = field(default_factory=dict)
    user: str = ""
    language: str = DEFAULT_LANGUAGE
    column_labels: Mapping[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    decimals: Mapping[str, int] = field(default_factory=dict)  # column key -> places shown on screen
    issuer: str = ""  # the unit that issues the file (the brief's letterhead)
    place: str = ""  # where it is issued (the brief's place-and-date line)
    subtitle: str = ""  # what is ranked, in one sentence
    filter_lines: tuple[tuple[str, str], ...] = ()  # the filters in words: (label, value)
    figures: tuple[tuple[str, str], ...] = ()  # an allocation's budget, cost, result and gain: (label, value)


def folder_version(folder) -> str:
    """sha256 (first 12 hex) over a dataset folder's files, so an exported file says which data it came from."""
    import hashlib
    from pathlib import Path

    digest = hashlib.sha256()
    for path in sorted(p for p in Path(folder).iterdir() if p.is_file() and p.name.split(".")[0] in (
            "boundaries", "crosswalk", "indicators", "cases", "border", "border_gates", "patrols", "dataset")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return "sha256:" + digest.hexdigest()[:12]


def utc_now_iso() -> str:
    """The current UTC time, to the second, for ExportMeta.date."""
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()



def safe_cell(value: Any) -> Any:
    """The value, with a leading ' when it is text a spreadsheet could run as a formula."""
    if isinstance(value, str) and starts_like_formula(value):
        return "'" + value
    return value


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """CSV bytes (UTF-8 with BOM, CRLF line ends), header and text cells neutralised."""
    out = frame.copy()
    out.columns = [safe_cell(str(c)) for c in out.columns]
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(safe_cell)
    return out.to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


# --- shared helpers ------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """A cell as a plain Python scalar: numpy to Python, missing to None, lists/dicts to JSON text."""
    if isinstance(value, (list, tuple, dict, set)):
        return json.dumps(list(value) if isinstance(value, set) else value, ensure_ascii=False, default=str)
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, (pd.Timestamp, datetime, date)):
        return value.isoformat()
    if isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def _plain_frame(table: pd.DataFrame) -> pd.DataFrame:
    """The table with plain cells and string column names, geometry dropped (kept by the geo writers)."""
    frame = pd.DataFrame(table).drop(columns=[c for c in table.columns if isinstance(table[c].dtype, gpd.array.GeometryDtype)])
    out = pd.DataFrame(index=range(len(frame)))
    for column in frame.columns:
        series = frame[column]
        if pd.api.types.is_bool_dtype(series) or pd.api.types.is_numeric_dtype(series):
            out[str(column)] = series.to_numpy()
        else:
            out[str(column)] = pd.Series([_plain(v) for v in series.to_numpy()], dtype=object)
    return out


def _rounded(frame: pd.DataFrame, meta: ExportMeta) -> pd.DataFrame:
    """Numeric columns named in `meta.decimals` rounded as the screen shows them (no 0.8368499227957272)."""
    out = frame.copy()
    for column, places in meta.decimals.items():
        if column in out.columns and pd.api.types.is_float_dtype(out[column]):
            out[column] = out[column].round(int(places))
    return out


def _mixed_columns(frame: pd.DataFrame) -> list[str]:
    """Object columns holding both numbers and text (exact and suppressed case counts)."""
    mixed = []
    for column in frame.columns:
        if frame[column].dtype == object:
            kinds = {isinstance(v, str) for v in frame[column].to_numpy() if v is not None and v == v}
            if kinds == {True, False}:
                mixed.append(column)
    return mixed


def _labelled(frame: pd.DataFrame, meta: ExportMeta) -> pd.DataFrame:
    return frame.rename(columns={k: str(v) for k, v in meta.column_labels.items()})


def _filters_text(filters: Mapping[str, Any], lang: str) -> str:
    """The raw settings as 'key: value; ...' (for a reader of a file that has no words for them)."""
    if not filters:
        return t("export.meta.no_filters", lang)
    parts = []
    for key, value in filters.items():
        if isinstance(value, (list, tuple, set)):
            value = ", ".join(str(v) for v in value)
        parts.append(f"{key}: {value}")
    return "; ".join(parts)


def _meta_rows(meta: ExportMeta, rows: int) -> list[tuple[str, str]]:
    """Key/value lines describing the file, in the export's language (the XLSX method sheet)."""
    from risk.i18n import format_datetime

    lang = meta.language
    lines = [(t("export.meta.title", lang), meta.title)]
    if meta.subtitle:
        lines.append((t("export.meta.subtitle", lang), meta.subtitle))
    if meta.issuer:
        lines.append((t("export.meta.issuer", lang), meta.issuer))
    if meta.place:
        lines.append((t("export.meta.place", lang), meta.place))
    lines += [
        (t("export.meta.dataset", lang), meta.dataset),
        (t("export.meta.data_version", lang), meta.data_version),
        (t("export.meta.date", lang), format_datetime(meta.date, lang)),
        (t("export.meta.user", lang), meta.user),
        (t("export.meta.rows", lang), str(rows)),
    ]
    lines += list(meta.filter_lines) or [(t("export.meta.filters", lang), _filters_text(meta.filters, lang))]
    lines += list(meta.figures)
    lines.append((t("export.meta.method", lang), meta.method))
    lines += [(t("export.meta.note", lang), note) for note in meta.notes]
    return lines


def _slug(text: str) -> str:
    """ASCII file-name part: diacritics dropped (đ -> d), anything else to '-'."""
    text = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()[:60] or "export"


def local_day(stamp: str) -> date | None:
    """The Vietnam calendar day of an ISO timestamp (UTC when it has no offset); None if unreadable."""
    try:
        moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except (ValueError, AttributeError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(VIETNAM_TIME).date()


def export_filename(meta: ExportMeta, fmt: str) -> str:
    """'<title>_<yyyymmdd>.<fmt>' (the day in Vietnam), ASCII only, so every browser and mail client keeps it."""
    day = local_day(meta.date)
    return f"{_slug(meta.title)}{'_' + day.strftime('%Y%m%d') if day else ''}.{fmt}"


def audit_details(meta: ExportMeta, fmt: str, rows: int) -> dict:
    """What the audit log records for an export (who and when are added by the store)."""
    return {"what": meta.title, "format": fmt, "rows": int(rows), "filters": dict(meta.filters),
            "dataset": meta.dataset, "data_version": meta.data_version, "language": meta.language}


# --- CSV and XLSX ---------------------------------------------------------------------


def write_csv(table: pd.DataFrame, meta: ExportMeta) -> bytes:
    """UTF-8 CSV with BOM, labelled headers, text cells neutralised, numbers left as numbers.

    The CSV carries the table only, so it reads straight into any tool; the
    method, date and filters travel in the XLSX method sheet, the PDF and the audit log.
    """
    return to_csv_bytes(_labelled(_rounded(_plain_frame(table), meta), meta))


def _xlsx_text(value: str) -> str:
    return _XML_ILLEGAL.sub("\ufffd", safe_cell(value))


def _write_rows(ws, rows: list[list[Any]]) -> None:
    """Rows into a sheet; every str becomes a neutralised string cell (data_type 's'), never a formula."""
    for values in rows:
        ws.append([None if v is None else (_xlsx_text(v) if isinstance(v, str) else v) for v in values])
        for cell in ws[ws.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"


def _fit_widths(ws, limit: int = 60) -> None:
    from openpyxl.utils import get_column_letter

    for idx, column in enumerate(ws.iter_cols(min_row=1, max_row=min(ws.max_row, 500)), start=1):
        longest = max((len(str(c.value)) for c in column if c.value is not None), default=4)
        ws.column_dimensions[get_column_letter(idx)].width = min(limit, max(6, longest + 2))


def _number_format(places: int) -> str:
    """Excel's format for `places` decimals; Excel shows its own locale's marks (83,5 in Vietnamese)."""
    return "0" if places <= 0 else "0." + "0" * places


def _format_numbers(ws, frame: pd.DataFrame, meta: ExportMeta) -> None:
    """Number cells shown with the screen's decimals; text cells in a column of numbers (suppressed
    counts such as "<3") right-aligned, so the column reads as one column of figures."""
    from openpyxl.styles import Alignment

    keys = list(frame.columns)
    mixed = set(_mixed_columns(frame))
    for idx, key in enumerate(keys, start=1):
        numeric = pd.api.types.is_numeric_dtype(frame[key]) or key in mixed
        if not numeric:
            continue
        places = int(meta.decimals.get(key, 0 if pd.api.types.is_integer_dtype(frame[key]) or key in mixed else -1))
        for (cell,) in ws.iter_rows(min_row=2, min_col=idx, max_col=idx):
            if isinstance(cell.value, (int, float)) and not isinstance(cell.value, bool) and places >= 0:
                cell.number_format = _number_format(places)
            elif isinstance(cell.value, str):
                cell.alignment = Alignment(horizontal="right")


def write_xlsx(table: pd.DataFrame, meta: ExportMeta) -> bytes:
    """XLSX: the table (header frozen and bold, widths from content, autofilter) and a method sheet.

    Numbers are number cells with the screen's decimals; exact case counts are numbers and
    suppressed ones ("<3", "≥4") stay text, so a sum never silently counts a hidden cell."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    plain = _rounded(_plain_frame(table), meta)
    frame = _labelled(plain, meta)
    wb = Workbook()
    ws = wb.active
    ws.title = t("export.sheet.table", meta.language)
    _write_rows(ws, [list(frame.columns)])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    _write_rows(ws, [[_plain(v) for v in row] for row in frame.itertuples(index=False, name=None)])
    _format_numbers(ws, plain, meta)
    ws.freeze_panes = "A2"
    if len(frame.columns):
        ws.auto_filter.ref = ws.dimensions
    _fit_widths(ws)

    info = wb.create_sheet(METHOD_SHEET)
    _write_rows(info, [[t("export.meta.key", meta.language), t("export.meta.value", meta.language)]])
    for cell in info[1]:
        cell.font = Font(bold=True)
    _write_rows(info, [list(pair) for pair in _meta_rows(meta, len(frame))])
    info.column_dimensions["A"].width = 28
    info.column_dimensions["B"].width = 100
    for cell in info["B"]:
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    info.freeze_panes = "A2"

    wb.properties.creator = "risk"
    wb.properties.title = _XML_ILLEGAL.sub("", meta.title)
    try:
        stamp = datetime.fromisoformat(meta.date.replace("Z", "+00:00")).astimezone(timezone.utc).replace(tzinfo=None)
        wb.properties.created = wb.properties.modified = stamp
    except ValueError:
        pass
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


# --- GeoJSON and GeoPackage -----------------------------------------------------------


def _gis_props(frame: pd.DataFrame, meta: ExportMeta) -> pd.DataFrame:
    """Properties as GIS fields: numbers rounded as on screen; a column mixing numbers and text
    (exact and suppressed counts) written as text, since a field has one type."""
    out = _rounded(frame, meta)
    for column in _mixed_columns(out):
        out[column] = pd.Series([None if v is None else str(v) for v in out[column].to_numpy()], dtype=object)
    return out


def _geo_frame(table: pd.DataFrame, geometry: gpd.GeoDataFrame | None, id_column: str,
               meta: ExportMeta | None = None) -> gpd.GeoDataFrame:
    """The table with one geometry per row, in EPSG:4326, valid, same rows and order as the table.

    A GeoDataFrame table keeps its own geometry; otherwise geometries come from
    `geometry` joined on `id_column` (a row without a match gets none).
    """
    if isinstance(table, gpd.GeoDataFrame) and table.geometry.name in table.columns:
        geo = table.set_crs(4326) if table.crs is None else table.to_crs(4326)
        props = _plain_frame(geo)
        geoms = geo.geometry.to_numpy()
    else:
        if geometry is None:
            raise ValueError("geometry formats need a GeoDataFrame table or `geometry` boundaries")
        shapes = geometry.set_crs(4326) if geometry.crs is None else geometry.to_crs(4326)
        lookup = dict(zip(shapes[id_column].astype(str), shapes.geometry.to_numpy()))
        props = _plain_frame(table)
        geoms = np.array([lookup.get(str(v)) for v in table[id_column].to_numpy()], dtype=object)
    if meta is not None:
        props = _gis_props(props, meta)
    present = np.array([g is not None for g in geoms])
    fixed = np.array(geoms, dtype=object)
    if present.any():
        fixed[present] = shapely.make_valid(np.array(list(geoms[present]), dtype=object))
    return gpd.GeoDataFrame(props, geometry=gpd.GeoSeries(list(fixed), crs=4326), crs=4326)


def _meta_dict(meta: ExportMeta, rows: int) -> dict[str, Any]:
    return {"title": meta.title, "method": meta.method, "dataset": meta.dataset, "data_version": meta.data_version,
            "date": meta.date, "filters": dict(meta.filters), "user": meta.user, "rows": rows,
            "language": meta.language, "notes": list(meta.notes)}


def write_geojson(table: pd.DataFrame, meta: ExportMeta, geometry: gpd.GeoDataFrame | None = None,
                  id_column: str = "commune_id") -> bytes:
    """RFC 7946 GeoJSON (EPSG:4326), raw text properties, export metadata as a foreign member."""
    geo = _geo_frame(table, geometry, id_column, meta)
    doc = json.loads(geo.to_json(na="null", drop_id=True, ensure_ascii=False))
    doc.pop("crs", None)
    doc["metadata"] = _meta_dict(meta, len(geo))
    return json.dumps(doc, ensure_ascii=False, default=str).encode("utf-8")


def write_gpkg(table: pd.DataFrame, meta: ExportMeta, geometry: gpd.GeoDataFrame | None = None,
               id_column: str = "commune_id", layer: str = "export") -> bytes:
    """GeoPackage with one layer (EPSG:4326, multi-polygons), raw text; metadata in the layer description."""
    import pyogrio

    geo = _geo_frame(table, geometry, id_column, meta)
    reserved = {"fid", "geom", "geometry"}
    geo = geo.rename(columns={c: f"{c}_" for c in geo.columns if str(c).lower() in reserved and c != geo.geometry.name})
    with tempfile.TemporaryDirectory(prefix="risk-export-") as folder:
        path = Path(folder) / "export.gpkg"
        pyogrio.write_dataframe(
            geo, path, layer=layer, driver="GPKG", promote_to_multi=True,
            layer_options={"DESCRIPTION": json.dumps(_meta_dict(meta, len(geo)), ensure_ascii=False, default=str),
                           "IDENTIFIER": meta.title[:250]},
        )
        return path.read_bytes()


# --- dispatch -------------------------------------------------------------------------


def write_pdf(table: pd.DataFrame, meta: ExportMeta, geometry: gpd.GeoDataFrame | None = None,
              id_column: str = "commune_id", border: gpd.GeoDataFrame | None = None, brief_map=None) -> bytes:
    """The PDF brief (risk.outputs.brief), every row of `table`."""
    from risk.outputs.brief import write_pdf as brief

    return brief(table, meta, geometry, id_column, border=border, brief_map=brief_map)


def export_table(
    table: pd.DataFrame, fmt: str, meta: ExportMeta, geometry: gpd.GeoDataFrame | None = None, *,
    id_column: str = "commune_id", border: gpd.GeoDataFrame | None = None, brief_map=None,
) -> tuple[bytes, str, str]:
    """(bytes, file name, MIME type) of `table` in `fmt` (csv, xlsx, geojson, gpkg, pdf).

    `geometry` (boundaries with `id_column`) is needed for geojson/gpkg unless
    the table is a GeoDataFrame, and draws the PDF's map when given; `brief_map`
    (risk.outputs.brief.BriefMap) says what that map shows.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; expected one of {', '.join(FORMATS)}")
    if fmt == "csv":
        data = write_csv(table, meta)
    elif fmt == "xlsx":
        data = write_xlsx(table, meta)
    elif fmt == "geojson":
        data = write_geojson(table, meta, geometry, id_column)
    elif fmt == "gpkg":
        data = write_gpkg(table, meta, geometry, id_column)
    else:
        data = write_pdf(table, meta, geometry, id_column, border=border, brief_map=brief_map)
    return data, export_filename(meta, fmt), MIME_TYPES[fmt]
