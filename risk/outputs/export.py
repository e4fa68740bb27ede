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

from risk.i18n import DEFAULT_LANGUAGE, t
from risk.contracts.text import FORMULA_PREFIXES, starts_like_formula  # the one formula rule

__all__ = [
    "FORMATS", "FORMULA_PREFIXES", "METHOD_SHEET", "MIME_TYPES", "PDF_MAX_ROWS", "ExportMeta", "audit_details",
    "export_filename", "export_table", "safe_cell", "to_csv_bytes", "utc_now_iso", "write_csv", "write_geojson",
    "write_gpkg", "write_pdf", "write_xlsx",
]

FORMATS: tuple[str, ...] = ("csv", "xlsx", "geojson", "gpkg", "pdf")
MIME_TYPES: dict[str, str] = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "geojson": "application/geo+json",
    "gpkg": "application/geopackage+sqlite3",
    "pdf": "application/pdf",
}
# Excel forbids "/" in sheet names, so the brief's "Phương pháp / Method" is written with a dash.
METHOD_SHEET = "Phương pháp - Method"
PDF_MAX_ROWS = 50
FONT_DIR = Path(__file__).resolve().parents[2] / "static" / "fonts"
GEO_FORMATS = ("geojson", "gpkg")
# Characters XML 1.0 (so XLSX) cannot hold; tab, LF and CR are allowed.
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_PRIORITY_PALETTE = ("#fee5d9", "#fcae91", "#fb6a4a", "#de2d26", "#a50f15")  # low -> high priority


@dataclass(frozen=True)
class ExportMeta:
    """What an exported file is: it travels inside XLSX/PDF/GeoJSON/GPKG and goes to the audit log.

    `column_labels` maps the table's column keys to the headers people read
    (CSV, XLSX, PDF); GIS formats keep the keys as field names. `notes` are
    extra lines shown on the brief (e.g. the demo-data notice).
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


def _labelled(frame: pd.DataFrame, meta: ExportMeta) -> pd.DataFrame:
    return frame.rename(columns={k: str(v) for k, v in meta.column_labels.items()})


def _filters_text(filters: Mapping[str, Any], lang: str) -> str:
    if not filters:
        return t("export.meta.no_filters", lang)
    parts = []
    for key, value in filters.items():
        if isinstance(value, (list, tuple, set)):
            value = ", ".join(str(v) for v in value)
        parts.append(f"{key}: {value}")
    return "; ".join(parts)


def _meta_rows(meta: ExportMeta, rows: int) -> list[tuple[str, str]]:
    """Key/value lines describing the file, in the export's language."""
    lang = meta.language
    lines = [
        (t("export.meta.title", lang), meta.title),
        (t("export.meta.dataset", lang), meta.dataset),
        (t("export.meta.data_version", lang), meta.data_version),
        (t("export.meta.date", lang), meta.date),
        (t("export.meta.user", lang), meta.user),
        (t("export.meta.rows", lang), str(rows)),
        (t("export.meta.filters", lang), _filters_text(meta.filters, lang)),
    ]
    lines += [(f"{t('export.meta.filter', lang)}: {k}", _filters_text({k: v}, lang).split(": ", 1)[1])
              for k, v in meta.filters.items()]
    lines.append((t("export.meta.method", lang), meta.method))
    lines += [(t("export.meta.note", lang), note) for note in meta.notes]
    return lines


def _slug(text: str) -> str:
    """ASCII file-name part: diacritics dropped (đ -> d), anything else to '-'."""
    text = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()[:60] or "export"


def export_filename(meta: ExportMeta, fmt: str) -> str:
    """'<title>_<yyyymmdd>.<fmt>', ASCII only, so every browser and mail client keeps it."""
    day = re.sub(r"[^0-9]", "", meta.date[:10])
    return f"{_slug(meta.title)}{'_' + day if day else ''}.{fmt}"


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
    return to_csv_bytes(_labelled(_plain_frame(table), meta))


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


def write_xlsx(table: pd.DataFrame, meta: ExportMeta) -> bytes:
    """XLSX: the table (header frozen and bold, widths from content, autofilter) and a method sheet."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    frame = _labelled(_plain_frame(table), meta)
    wb = Workbook()
    ws = wb.active
    ws.title = t("export.sheet.table", meta.language)
    _write_rows(ws, [list(frame.columns)])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    _write_rows(ws, [[_plain(v) for v in row] for row in frame.itertuples(index=False, name=None)])
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


def _geo_frame(table: pd.DataFrame, geometry: gpd.GeoDataFrame | None, id_column: str) -> gpd.GeoDataFrame:
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
    geo = _geo_frame(table, geometry, id_column)
    doc = json.loads(geo.to_json(na="null", drop_id=True, ensure_ascii=False))
    doc.pop("crs", None)
    doc["metadata"] = _meta_dict(meta, len(geo))
    return json.dumps(doc, ensure_ascii=False, default=str).encode("utf-8")


def write_gpkg(table: pd.DataFrame, meta: ExportMeta, geometry: gpd.GeoDataFrame | None = None,
               id_column: str = "commune_id", layer: str = "export") -> bytes:
    """GeoPackage with one layer (EPSG:4326, multi-polygons), raw text; metadata in the layer description."""
    import pyogrio

    geo = _geo_frame(table, geometry, id_column)
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


# --- PDF brief ------------------------------------------------------------------------


def _pdf_text(value: Any) -> str:
    """Cell text for the PDF: NFC (precomposed Vietnamese, which the font has), no control characters."""
    value = _plain(value)
    if value is None:
        return ""
    if isinstance(value, float):
        value = f"{value:.4g}" if abs(value) < 1e6 else f"{value:,.0f}"
    return unicodedata.normalize("NFC", _CONTROL.sub(" ", str(value)))


def _default_fills(table: pd.DataFrame, id_column: str) -> dict[str, str]:
    """Communes in the table by priority: by `score` when present, else by row order (first = highest)."""
    ids = [str(v) for v in table[id_column].to_numpy()] if id_column in table.columns else []
    if not ids:
        return {}
    if "score" in table.columns and pd.api.types.is_numeric_dtype(table["score"]):
        key = pd.Series(table["score"].to_numpy(dtype=float)).rank(method="first", ascending=True).to_numpy()
    else:
        key = np.arange(len(ids), 0, -1, dtype=float)
    classes = np.minimum((key - 1) * len(_PRIORITY_PALETTE) // max(len(ids), 1), len(_PRIORITY_PALETTE) - 1)
    return {cid: _PRIORITY_PALETTE[int(c)] for cid, c in zip(ids, classes)}


def write_pdf(table: pd.DataFrame, meta: ExportMeta, geometry: gpd.GeoDataFrame | None = None,
              id_column: str = "commune_id", border: gpd.GeoDataFrame | None = None,
              fill_colours: Mapping[str, str] | None = None, max_rows: int = PDF_MAX_ROWS) -> bytes:
    """A printable brief: title, what/when/who, a map, the first `max_rows` rows, the method.

    The font comes from static/fonts (DejaVu Sans), never from the system, so
    Vietnamese diacritics print the same on every machine.
    """
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    from risk.outputs.render import render_map_png

    lang = meta.language
    frame = _plain_frame(table)
    labelled = _labelled(frame, meta)
    footer = _pdf_text(f"{meta.dataset} · {meta.data_version} · {meta.date}")

    class Brief(FPDF):
        def footer(self) -> None:  # every page says what it belongs to
            self.set_y(-9)
            self.set_font("DejaVu", "", 7)
            self.set_text_color(90, 90, 90)
            self.cell(0, 4, f"{footer} · {self.page_no()}/{{nb}}", align="C")
            self.set_text_color(0, 0, 0)

    pdf = Brief(orientation="landscape", unit="mm", format="A4")
    pdf.set_title(_pdf_text(meta.title))
    pdf.set_author(_pdf_text(meta.user))
    pdf.set_creator("risk")
    try:
        pdf.set_creation_date(datetime.fromisoformat(meta.date.replace("Z", "+00:00")))
    except (ValueError, TypeError):
        pass
    pdf.add_font("DejaVu", "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdf.set_auto_page_break(True, margin=12)
    pdf.alias_nb_pages()
    pdf.add_page()
    width = pdf.epw

    pdf.set_font("DejaVu", "B", 15)
    pdf.multi_cell(width, 7, _pdf_text(meta.title), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)
    if meta.notes:
        pdf.set_font("DejaVu", "B", 9)
        pdf.set_text_color(170, 20, 20)
        for note in meta.notes:
            pdf.multi_cell(width, 4.5, _pdf_text(note), new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0, 0, 0)
        pdf.ln(1)
    pdf.set_font("DejaVu", "", 9)
    for key, value in _meta_rows(meta, len(frame))[:7]:
        pdf.set_font("DejaVu", "B", 9)
        pdf.cell(38, 5, _pdf_text(key))
        pdf.set_font("DejaVu", "", 9)
        pdf.multi_cell(width - 38, 5, _pdf_text(value), new_x="LMARGIN", new_y="NEXT")

    shown = labelled.head(max_rows)
    if geometry is not None or isinstance(table, gpd.GeoDataFrame):
        shapes = geometry if geometry is not None else table
        fills = dict(fill_colours) if fill_colours is not None else _default_fills(frame, id_column)
        top = [str(v) for v in frame[id_column].head(10)] if id_column in frame.columns else []
        png = render_map_png(shapes, fills, outline_ids=top, size=(1100, 760), border=border)
        pdf.ln(2)
        map_h = min(150.0, pdf.eph - (pdf.get_y() - pdf.t_margin) - 8)
        if map_h < 80:
            pdf.add_page()
            map_h = 150.0
        pdf.image(io.BytesIO(png), x=pdf.l_margin + (width - map_h * 1100 / 760) / 2, h=map_h)
        pdf.set_font("DejaVu", "", 8)
        pdf.multi_cell(width, 4, _pdf_text(t("export.pdf.map_caption", lang, n=len(top))),
                       new_x="LMARGIN", new_y="NEXT", align="C")

    pdf.add_page()
    pdf.set_font("DejaVu", "B", 12)
    pdf.cell(width, 7, _pdf_text(t("export.pdf.table", lang)), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 8)
    if len(frame) > len(shown):
        pdf.multi_cell(width, 4.5, _pdf_text(t("export.pdf.truncated", lang, n=len(shown), total=len(frame))),
                       new_x="LMARGIN", new_y="NEXT")
    if len(shown.columns):
        cells = [[_pdf_text(c) for c in shown.columns]] + [[_pdf_text(v) for v in row]
                                                           for row in shown.itertuples(index=False, name=None)]
        # Width from the body and the header's longest word: headers wrap, codes and numbers do not.
        lengths = [min(45, max(4, max((len(w) for w in cells[0][i].split()), default=0),
                               *(len(r[i]) for r in cells[1:]))) + 1 for i in range(len(shown.columns))]
        pdf.set_font("DejaVu", "", 7 if len(shown.columns) > 8 else 8)
        with pdf.table(col_widths=tuple(lengths), text_align="LEFT", line_height=4,
                       headings_style=FontFace(emphasis="BOLD", fill_color=(230, 230, 230)),
                       repeat_headings=1) as grid:
            for values in cells:
                row = grid.row()
                for value in values:
                    row.cell(value)

    pdf.ln(4)
    pdf.set_font("DejaVu", "B", 12)
    pdf.cell(width, 7, _pdf_text(t("export.meta.method", lang)), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 9)
    pdf.multi_cell(width, 4.8, _pdf_text(meta.method), new_x="LMARGIN", new_y="NEXT")
    if meta.filters:
        pdf.ln(2)
        pdf.multi_cell(width, 4.8, _pdf_text(f"{t('export.meta.filters', lang)}: {_filters_text(meta.filters, lang)}"),
                       new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


# --- dispatch -------------------------------------------------------------------------


def export_table(
    table: pd.DataFrame, fmt: str, meta: ExportMeta, geometry: gpd.GeoDataFrame | None = None, *,
    id_column: str = "commune_id", border: gpd.GeoDataFrame | None = None,
    fill_colours: Mapping[str, str] | None = None,
) -> tuple[bytes, str, str]:
    """(bytes, file name, MIME type) of `table` in `fmt` (csv, xlsx, geojson, gpkg, pdf).

    `geometry` (boundaries with `id_column`) is needed for geojson/gpkg unless
    the table is a GeoDataFrame, and draws the PDF's map when given.
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
        data = write_pdf(table, meta, geometry, id_column, border=border, fill_colours=fill_colours)
    return data, export_filename(meta, fmt), MIME_TYPES[fmt]
