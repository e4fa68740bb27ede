"""Export writers read back: CSV/XLSX values, formula neutralisation, geometry formats, the PDF brief, the CLI."""
from __future__ import annotations

import io
import json
import subprocess
import sys
import unicodedata
from pathlib import Path

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pyogrio
import pytest
import shapely
from PIL import Image

from risk.outputs.export import (
    FORMATS, METHOD_SHEET, ExportMeta, audit_details, export_table, safe_cell, to_csv_bytes, write_csv, write_xlsx,
)
from risk.ingest.folder import load_dataset
from risk.outputs.render import render_map_png
from risk.store.versions import Store
import csv
from risk.outputs.export import safe_cell, to_csv_bytes

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "data" / "demo"
HOSTILE = ['=HYPERLINK("http://x","y")', "+1+1", "-2", "@SUM(A1)", "\tTab", "\rCR"]


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


@pytest.fixture(scope="module")
def ds():
    return load_dataset(DEMO)


@pytest.fixture(scope="module")
def table(ds) -> pd.DataFrame:
    b = ds.boundaries.reset_index(drop=True)
    n = len(b)
    return pd.DataFrame({
        "rank": np.arange(1, n + 1), "commune_id": b["commune_id"].astype(str), "name": b["name"].astype(str),
        "former_district": b["former_district"].astype(str), "score": np.round(np.linspace(0.9, 0.1, n), 4),
        "change": np.round(np.linspace(-3.5, 2.5, n), 2),
    })


@pytest.fixture
def meta() -> ExportMeta:
    return ExportMeta(title="Danh sách xã ưu tiên 2024", method="Hồi quy logistic; khoảng hạng 90 % (bootstrap).",
                      data_version="v7 · sha256:abc", dataset="Nghệ An (demo)", date="2025-03-04T05:06:07+00:00",
                      filters={"year": 2024, "former_district": ["Huyện Kỳ Sơn", "Huyện Tương Dương"]},
                      user="hoa.nguyen", language="vi")


def _hostile(table: pd.DataFrame) -> pd.DataFrame:
    out = table.head(len(HOSTILE) + 2).copy()
    out.loc[: len(HOSTILE) - 1, "name"] = HOSTILE
    return out


# --- CSV ------------------------------------------------------------------------------


def test_csv_round_trip_with_bom(table, meta):
    data = write_csv(table, meta)
    assert data.startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype={"commune_id": str})
    assert list(back.columns) == list(table.columns)
    assert len(back) == len(table)
    pd.testing.assert_frame_equal(back, table, check_dtype=False)
    assert "Phường Thành Vinh" in back["name"].tolist() and "Xã Mường Xén" in back["name"].tolist()


def test_csv_uses_column_labels(table, meta):
    labelled = ExportMeta(**{**meta.__dict__, "column_labels": {"name": "Tên xã/phường", "score": "Điểm"}})
    back = pd.read_csv(io.BytesIO(write_csv(table, labelled)), encoding="utf-8-sig")
    assert "Tên xã/phường" in back.columns and "Điểm" in back.columns and "name" not in back.columns


def test_csv_neutralises_formulas_but_not_numbers(table, meta):
    hostile = _hostile(table)
    back = pd.read_csv(io.BytesIO(write_csv(hostile, meta)), encoding="utf-8-sig", dtype={"commune_id": str},
                       keep_default_na=False)
    for raw, got in zip(HOSTILE, back["name"]):
        # The CSV parser keeps a quoted CR/tab; the cell must begin with the apostrophe, not the formula.
        assert got == "'" + raw
    assert pd.api.types.is_numeric_dtype(back["change"]) and (back["change"] < 0).any()
    assert back["change"].tolist() == hostile["change"].tolist()
    text = write_csv(hostile, meta).decode("utf-8-sig")
    assert "\n=" not in text and ",=" not in text and ",+1+1" not in text


def test_to_csv_bytes_unchanged_for_callers():
    frame = pd.DataFrame({"Tên": ["=1+1", "Kỳ Sơn"], "n": [-1, 2]})
    data = to_csv_bytes(frame)
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.decode("utf-8-sig") == "Tên,n\r\n'=1+1,-1\r\nKỳ Sơn,2\r\n"
    assert safe_cell(-3) == -3 and safe_cell("-3") == "'-3"


# --- XLSX -----------------------------------------------------------------------------


def test_xlsx_round_trip_frozen_header_and_method_sheet(table, meta):
    data = write_xlsx(table, meta)
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb.worksheets[0]
    assert ws.freeze_panes == "A2"
    assert wb.sheetnames[1] == METHOD_SHEET
    assert all(ws.column_dimensions[c].width and ws.column_dimensions[c].width >= 6 for c in "ABCDEF")
    back = pd.read_excel(io.BytesIO(data), sheet_name=0, dtype={"commune_id": str})
    pd.testing.assert_frame_equal(back, table, check_dtype=False)
    method = {row[0]: row[1] for row in wb[METHOD_SHEET].iter_rows(min_row=2, values_only=True)}
    assert method["Phiên bản dữ liệu"] == "v7 · sha256:abc"
    assert method["Ngày xuất (giờ Việt Nam)"] == "04/03/2025 12:06"  # 05:06 UTC is 12:06 in Vietnam
    assert method["Người xuất"] == "hoa.nguyen"
    # Without filters in words, the raw settings are still named.
    assert "Huyện Kỳ Sơn" in method["Bộ lọc"] and "year: 2024" in method["Bộ lọc"]
    assert method["Phương pháp"].startswith("Hồi quy logistic")


def test_xlsx_method_sheet_says_the_filters_in_words_when_given(table, meta):
    worded = ExportMeta(**{**meta.__dict__, "filter_lines": (("Dữ liệu năm", "2024"), ("Huyện cũ", "Huyện Kỳ Sơn")),
                           "issuer": "Sở Nội vụ tỉnh Nghệ An", "place": "Vinh"})
    wb = openpyxl.load_workbook(io.BytesIO(write_xlsx(table, worded)))
    method = {row[0]: row[1] for row in wb[METHOD_SHEET].iter_rows(min_row=2, values_only=True)}
    assert method["Dữ liệu năm"] == "2024" and method["Huyện cũ"] == "Huyện Kỳ Sơn"
    assert "Bộ lọc" not in method and not any("year:" in str(v) for v in method.values())
    assert method["Đơn vị ban hành"] == "Sở Nội vụ tỉnh Nghệ An" and method["Địa điểm"] == "Vinh"


def test_xlsx_text_cells_are_strings_never_formulas(table, meta):
    wb = openpyxl.load_workbook(io.BytesIO(write_xlsx(_hostile(table), meta)))
    ws = wb.worksheets[0]
    heads = [c.value for c in ws[1]]
    name_col, change_col = heads.index("name") + 1, heads.index("change") + 1
    for row, raw in enumerate(HOSTILE, start=2):
        cell = ws.cell(row=row, column=name_col)
        # Rule: same text as the CSV, i.e. a leading apostrophe, stored as a string cell.
        # (XML turns a bare CR into LF on reading; the apostrophe still comes first.)
        assert cell.data_type == "s" and cell.value == ("'" + raw).replace("\r", "\n")
    for row in ws.iter_rows(min_row=1):
        for cell in row:
            assert cell.data_type != "f"
    changes = [ws.cell(row=r, column=change_col) for r in range(2, ws.max_row + 1)]
    assert all(c.data_type == "n" and isinstance(c.value, (int, float)) for c in changes)
    assert any(c.value < 0 for c in changes)


# --- GeoJSON and GeoPackage -----------------------------------------------------------


@pytest.mark.parametrize("fmt", ["geojson", "gpkg"])
def test_geometry_formats_read_back(fmt, table, meta, ds, tmp_path):
    data, name, mime = export_table(_hostile(table).pipe(lambda h: pd.concat([h, table.iloc[len(h):]])), fmt, meta,
                                    geometry=ds.boundaries)
    assert name.endswith("." + fmt) and mime
    path = tmp_path / name
    path.write_bytes(data)
    back = gpd.read_file(path)
    assert len(back) == len(table)
    assert back.crs.to_epsg() == 4326
    assert shapely.is_valid(back.geometry.to_numpy()).all() and back.geometry.notna().all()
    assert back["name"].iloc[0] == HOSTILE[0]  # GIS formats keep raw text
    assert "Xã Mường Xén" in back["name"].tolist()
    if fmt == "gpkg":
        assert pyogrio.list_layers(path)[0][0] == "export"
    else:
        doc = json.loads(data)
        assert doc["metadata"]["data_version"] == meta.data_version and doc["metadata"]["user"] == meta.user


def test_geometry_format_needs_geometry(table, meta):
    with pytest.raises(ValueError):
        export_table(table, "geojson", meta)
    with pytest.raises(ValueError):
        export_table(table, "shp", meta)


# --- PDF and the map image ------------------------------------------------------------


def _pdftotext(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True,
                          text=True).stdout


def test_pdf_has_names_with_diacritics_and_an_image(table, meta, ds, tmp_path):
    wanted = ["Phường Thành Vinh", "Xã Mường Xén"]
    # Put the communes asked for within the printed rows.
    first = table[table["name"].isin(wanted)]
    ordered = pd.concat([first, table[~table["name"].isin(wanted)]]).reset_index(drop=True)
    data, name, mime = export_table(ordered, "pdf", meta, geometry=ds.boundaries, border=ds.border)
    assert mime == "application/pdf" and data.startswith(b"%PDF")
    path = tmp_path / name
    path.write_bytes(data)
    text = _nfc(_pdftotext(path))
    for word in [*wanted, "Kỳ Sơn", "Nghệ An (demo)", "hoa.nguyen", "v7 · sha256:abc", "04/03/2025 12:06",
                 "Hồi quy logistic", "Phương pháp"]:
        assert _nfc(word) in text, word
    assert all(_nfc(n) in text for n in table["name"])  # the whole list, not the first 50
    images = subprocess.run(["pdfimages", "-list", str(path)], check=True, capture_output=True, text=True).stdout
    assert len([line for line in images.splitlines()[2:] if line.strip()]) >= 1


def test_pdf_font_comes_from_repo():
    fonts = ROOT / "static" / "fonts"
    assert (fonts / "DejaVuSans.ttf").is_file() and (fonts / "DejaVuSans-Bold.ttf").is_file()
    assert "Bitstream" in (fonts / "LICENSE-DejaVu.txt").read_text()


def test_render_map_deterministic_and_not_blank(ds):
    ids = ds.boundaries["commune_id"].astype(str).tolist()
    palette = ["#fee5d9", "#fcae91", "#fb6a4a", "#de2d26", "#a50f15"]
    fills = {c: palette[i % 5] for i, c in enumerate(ids)}
    one = render_map_png(ds.boundaries, fills, outline_ids=ids[:3], size=(300, 240), border=ds.border)
    two = render_map_png(ds.boundaries, fills, outline_ids=ids[:3], size=(300, 240), border=ds.border)
    assert one == two
    image = Image.open(io.BytesIO(one)).convert("RGB")
    assert image.size == (300, 240)
    colours = {c for _, c in image.getcolors(maxcolors=300 * 240)}
    for hex_colour in palette:
        rgb = tuple(int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
        assert rgb in colours
    assert len(colours) > 10


def test_render_map_reprojects_and_handles_empty(ds):
    png = render_map_png(ds.boundaries.to_crs(32648), {}, size=(120, 90))
    assert len(Image.open(io.BytesIO(png)).getcolors(maxcolors=120 * 90)) > 1
    blank = render_map_png(ds.boundaries.iloc[0:0], {}, size=(50, 40))
    assert Image.open(io.BytesIO(blank)).getcolors() == [(2000, (255, 255, 255))]


def test_audit_details(meta):
    details = audit_details(meta, "xlsx", 12)
    assert details["format"] == "xlsx" and details["rows"] == 12 and details["what"] == meta.title
    assert details["filters"] == dict(meta.filters)
    json.dumps(details)


# --- command line ---------------------------------------------------------------------


def _cli(*args: str, env_store: Path) -> subprocess.CompletedProcess:
    import os

    env = {**os.environ, "RISK_STORE": str(env_store)}
    return subprocess.run([sys.executable, "-m", "risk", *args], cwd=ROOT, capture_output=True, text=True, env=env)


def test_cli_export_every_format_is_audited(tmp_path):
    from risk.cli.main import main

    store = tmp_path / "store.gpkg"  # also RISK_STORE via conftest; --store wins
    for fmt in FORMATS:
        out = tmp_path / f"priorities.{fmt}"
        code = main(["export", "--data", str(DEMO), "--year", "2024", "--format", fmt, "--out", str(out),
                     "--lang", "en", "--user", "cli.tester", "--store", str(store)])
        assert code == 0 and out.stat().st_size > 0
    audit = Store(store).audit(action="export")
    assert sorted(audit["details"].map(lambda d: d["format"])) == sorted(FORMATS)
    assert set(audit["user"]) == {"cli.tester"} and set(audit["rows"]) == {130}
    csv = pd.read_csv(tmp_path / "priorities.csv", encoding="utf-8-sig", dtype=str)
    assert list(csv.columns[:4]) == ["Rank", "Rank low (90%)", "Rank high (90%)", "Commune code"]
    assert len(csv) == 130 and csv["Rank"].tolist()[:3] == ["1", "2", "3"]
    assert "Cases 2022–2024" in csv.columns and "To the border (km)" in csv.columns
    assert not any(c in csv.columns for c in ("case_id", "lon", "lat"))  # counts only
    # Default role official: a total that holds a hidden year is a lower bound, never exact.
    assert any(cell.startswith("≥") for cell in csv["Cases 2022–2024"].tolist())
    assert len(gpd.read_file(tmp_path / "priorities.gpkg")) == 130


def test_cli_export_errors_in_language(tmp_path):
    done = _cli("export", "--data", str(DEMO), "--year", "1990", "--format", "csv", "--out",
                str(tmp_path / "x.csv"), "--lang", "vi", env_store=tmp_path / "s.gpkg")
    assert done.returncode == 2 and "Năm 1990" in done.stderr
    assert not (tmp_path / "x.csv").exists()
    done = _cli("export", "--data", str(tmp_path / "missing"), "--year", "2024", "--format", "csv", "--out",
                str(tmp_path / "x.csv"), "--lang", "en", env_store=tmp_path / "s.gpkg")
    assert done.returncode == 2 and "could not be read" in done.stderr


# --- CSV export ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["=1+1", "+1", "-2+3", "@SUM(A1)", "\tx", "\rx", "=HYPERLINK(\"http://x\")"])
def test_formula_cells_are_neutralised(text):
    assert safe_cell(text) == "'" + text


def test_plain_cells_and_numbers_are_left_alone():
    assert safe_cell("Xã Mường Típ") == "Xã Mường Típ"
    assert safe_cell(-1.5) == -1.5 and safe_cell(None) is None and safe_cell("a=b") == "a=b"


def test_csv_has_a_bom_and_round_trips_with_neutralised_cells():
    frame = pd.DataFrame({"=name": ["=cmd|' /C calc'!A0", "Xã Nậm Cắn", "-", "@x"], "z": [-1.25, 2.0, 0.0, 1.0],
                          "cases": ["<3", "≥4", "0", "12"]})
    data = to_csv_bytes(frame)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == ["'=name", "z", "cases"]
    assert rows[1][0] == "'=cmd|' /C calc'!A0" and rows[2][0] == "Xã Nậm Cắn"
    assert rows[3][0] == "'-" and rows[4][0] == "'@x"
    assert rows[1][1] == "-1.25" and rows[1][2] == "<3"


# --- exports equal the screen: rounding and cell types --------------------------------------------


@pytest.fixture
def screen_table() -> pd.DataFrame:
    return pd.DataFrame({
        "commune_id": ["001", "002", "003"], "score": [83.49790140101706, 7.25, 0.04999],
        "dist_border_km": [12.8999999, 0.0, 101.25], "cases": pd.Series([13, "<3", "≥4"], dtype=object),
    })


@pytest.fixture
def screen_meta(meta) -> ExportMeta:
    return ExportMeta(**{**meta.__dict__, "decimals": {"score": 1, "dist_border_km": 1}})


def test_every_format_rounds_as_the_screen(screen_table, screen_meta, ds, tmp_path):
    from risk.outputs.export import write_geojson

    csv_back = pd.read_csv(io.BytesIO(write_csv(screen_table, screen_meta)), encoding="utf-8-sig", dtype=str)
    assert csv_back["score"].tolist() == ["83.5", "7.2", "0.0"]  # round half to even, as the screen's %.1f
    assert csv_back["dist_border_km"].tolist() == ["12.9", "0.0", "101.2"]
    assert "0.8368" not in write_csv(screen_table, screen_meta).decode("utf-8-sig")
    ws = openpyxl.load_workbook(io.BytesIO(write_xlsx(screen_table, screen_meta))).worksheets[0]
    assert [ws.cell(row=r, column=2).value for r in (2, 3, 4)] == [83.5, 7.2, 0.0]
    assert {ws.cell(row=r, column=2).number_format for r in (2, 3, 4)} == {"0.0"}
    geo = screen_table.assign(commune_id=ds.boundaries["commune_id"].astype(str).head(3).to_numpy())
    doc = json.loads(write_geojson(geo, screen_meta, geometry=ds.boundaries))
    assert [f["properties"]["score"] for f in doc["features"]] == [83.5, 7.2, 0.0]


def test_xlsx_types_exact_counts_as_numbers_and_keeps_suppressed_cells_as_text(screen_table, screen_meta):
    ws = openpyxl.load_workbook(io.BytesIO(write_xlsx(screen_table, screen_meta))).worksheets[0]
    cells = [ws.cell(row=r, column=4) for r in (2, 3, 4)]
    assert cells[0].data_type == "n" and cells[0].value == 13 and cells[0].number_format == "0"
    assert [(c.data_type, c.value) for c in cells[1:]] == [("s", "<3"), ("s", "≥4")]
    assert all(c.alignment.horizontal == "right" for c in cells[1:])  # one column of figures
    assert ws.cell(row=2, column=1).data_type == "s" and ws.cell(row=2, column=1).value == "001"  # codes stay text


@pytest.mark.parametrize("fmt", ["geojson", "gpkg"])
def test_gis_formats_write_a_mixed_count_column_as_text(fmt, screen_table, screen_meta, ds, tmp_path):
    geo = screen_table.assign(commune_id=ds.boundaries["commune_id"].astype(str).head(3).to_numpy())
    data, name, _ = export_table(geo, fmt, screen_meta, geometry=ds.boundaries)
    (tmp_path / name).write_bytes(data)
    back = gpd.read_file(tmp_path / name)
    assert back["cases"].tolist() == ["13", "<3", "≥4"]
    assert back["score"].tolist() == [83.5, 7.2, 0.0]


def test_cli_xlsx_equals_the_screen_rounding_and_keeps_hidden_counts(tmp_path):
    """The real list: 0–100 scores with one decimal, exact counts as numbers, hidden ones as text."""
    from risk.cli.main import main

    out = tmp_path / "list.xlsx"
    assert main(["export", "--data", str(DEMO), "--year", "2025", "--format", "xlsx", "--out", str(out),
                 "--lang", "vi", "--store", str(tmp_path / "s.gpkg")]) == 0
    ws = openpyxl.load_workbook(out).worksheets[0]
    heads = [c.value for c in ws[1]]
    score = [ws.cell(row=r, column=heads.index("Điểm nguy cơ") + 1).value for r in range(2, ws.max_row + 1)]
    assert len(score) == 130 and all(isinstance(v, (int, float)) and 0 <= v <= 100 and round(v, 1) == v for v in score)
    cases = [ws.cell(row=r, column=heads.index("Số vụ việc 2023–2025") + 1) for r in range(2, ws.max_row + 1)]
    numbers = [c for c in cases if c.data_type == "n"]
    texts = [c.value for c in cases if c.data_type == "s"]
    assert numbers and all(isinstance(c.value, int) for c in numbers)
    assert texts and all(v.startswith(("<", "≥")) for v in texts)  # official role: small cells stay hidden
