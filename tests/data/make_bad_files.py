"""Generate the hostile and broken upload files in tests/data/bad/ (committed).

    python tests/data/make_bad_files.py [OUT_DIR]

Each file breaks (or stretches) one thing a real upload can get wrong; the
expected outcome of each is asserted in tests/ingest/test_import.py. Files are small
(the zip bomb is about 200 kB and expands to 200 MB) and deterministic: zip
members carry a fixed date, shapefile and workbook dates are fixed, so running
the script again gives the same content. The valid dataset they are set
against (`write_base`) is a 3x3 grid of 0.1-degree communes near 104.5E 19N,
as in tests/ingest/test_loaders.py.
"""
from __future__ import annotations

import io
import json
import re
import sys
import tempfile
import unicodedata
import warnings
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Callable

HERE = Path(__file__).resolve().parent
BAD = HERE / "bad"
TODAY = date(2025, 6, 30)
STEP = 0.1
IDS = [f"0100{i}" for i in range(1, 10)]
NAMES = ["Mường Xén", "Tà Cạ", "Nậm Cắn", "Keng Đu", "Mỹ Lý", "Bắc Lý", "Huồi Tụ", "Mường Lống", "Na Ngoi"]
DISTRICT = "Kỳ Sơn"
ZIP_DATE = (2025, 1, 1, 0, 0, 0)
# VN-2000 as published with the datum (position-vector TOWGS84, the spatialreference.org
# definition of EPSG:4756), written independently of the EPSG transformation pyproj picks.
VN2000_TOWGS84 = "-191.90441429,-39.30318279,-111.45032835,0.00928836,-0.01975479,0.00427372,0.252906278"
VN2000_UTM48 = f"+proj=utm +zone=48 +ellps=WGS84 +towgs84={VN2000_TOWGS84} +units=m +no_defs"
VN2000_TM3_10445 = (f"+proj=tmerc +lat_0=0 +lon_0=104.75 +k=0.9999 +x_0=500000 +y_0=0 +ellps=WGS84 "
                    f"+towgs84={VN2000_TOWGS84} +units=m +no_defs")
BOMB_BYTES = 200 * 1000 * 1000


# --- the valid dataset -----------------------------------------------------------------


def cell_bounds(i: int) -> tuple[float, float, float, float]:
    """(minx, miny, maxx, maxy) of the i-th cell, row-major from the south-west."""
    x, y = 104.5 + STEP * (i % 3), 19.0 + STEP * (i // 3)
    return round(x, 6), round(y, 6), round(x + STEP, 6), round(y + STEP, 6)


def centre(i: int) -> tuple[float, float]:
    minx, miny, maxx, maxy = cell_bounds(i)
    return round((minx + maxx) / 2, 4), round((miny + maxy) / 2, 4)


def square(i: int) -> dict:
    minx, miny, maxx, maxy = cell_bounds(i)
    return {"type": "Polygon", "coordinates": [[[minx, miny], [maxx, miny], [maxx, maxy], [minx, maxy], [minx, miny]]]}


def properties(i: int) -> dict:
    return {"commune_id": IDS[i], "name": NAMES[i], "former_district": DISTRICT, "province": "Nghệ An"}


def geojson(features: list[tuple[dict, dict | None]], crs: str | None = None) -> bytes:
    """A FeatureCollection written by hand, so broken content is exactly what it says."""
    doc: dict = {"type": "FeatureCollection"}
    if crs:
        doc["crs"] = {"type": "name", "properties": {"name": crs}}
    doc["features"] = [{"type": "Feature", "properties": p, "geometry": g} for p, g in features]
    return json.dumps(doc, ensure_ascii=False).encode("utf-8")


def grid_features() -> list[tuple[dict, dict | None]]:
    return [(properties(i), square(i)) for i in range(9)]


def indicator_lines() -> list[str]:
    return ["commune_id,year,poverty_rate,near_poor_rate,population"] + [
        f"{cid},2024,{10 + i},{5 + i},{1000 * (i + 1)}" for i, cid in enumerate(IDS)]


def case_lines() -> list[str]:
    return [
        "case_id,date,lon,lat,commune_id,form,victims,destination,detected_by",
        f"C1,2024-03-25,{centre(0)[0]},{centre(0)[1]},{IDS[0]},forced_marriage,1,China,patrol",
        f"C2,2024-05-02,,,{IDS[4]},forced_labour,2,Laos,victim_or_family_report",
        f"C3,15/01/2025,{centre(8)[0]},{centre(8)[1]},,sexual_exploitation,1,China,returnee_screening",
    ]


def text_lines(lines: list[str]) -> bytes:
    return ("\n".join(lines) + "\n").encode("utf-8")


def write_base(folder: Path) -> Path:
    """A complete valid dataset folder (the files the bad ones replace one at a time)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "boundaries.geojson").write_bytes(geojson(grid_features()))
    (folder / "indicators.csv").write_bytes(text_lines(indicator_lines()))
    (folder / "cases.csv").write_bytes(text_lines(case_lines()))
    border = {"type": "LineString", "coordinates": [[104.5, 19.0], [104.5, 19.3]]}
    (folder / "border.geojson").write_bytes(geojson([({"name": "VN-LA"}, border)]))
    (folder / "border_gates.csv").write_bytes(text_lines(["name,kind,lon,lat", "Nậm Cắn,international,104.5,19.15"]))
    (folder / "dataset.json").write_text(json.dumps({"name": "Thử nghiệm", "generated": True}), encoding="utf-8")
    return folder


# --- writing helpers ------------------------------------------------------------------------


def zip_bytes(members: list[tuple[str, bytes]]) -> bytes:
    """A zip with fixed member dates (names are written as given, even hostile ones)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return buffer.getvalue()


def reproject(features: list[tuple[dict, dict | None]], proj: str) -> list[tuple[dict, dict | None]]:
    """Polygon coordinates from WGS 84 into `proj`, rounded to the millimetre."""
    from pyproj import Transformer

    to = Transformer.from_crs("EPSG:4326", proj, always_xy=True)
    out = []
    for props, geometry in features:
        rings = [[[round(v, 3) for v in to.transform(x, y)] for x, y in ring] for ring in geometry["coordinates"]]
        out.append((props, {"type": "Polygon", "coordinates": rings}))
    return out


def shapefile(features: list[tuple[dict, dict | None]], crs: str | None, encoding: str = "UTF-8",
              keep: tuple[str, ...] = (".shp", ".shx", ".dbf", ".prj", ".cpg")) -> list[tuple[str, bytes]]:
    """Shapefile members written by GDAL, with the .dbf date fixed."""
    import geopandas as gpd
    from shapely.geometry import shape

    frame = gpd.GeoDataFrame([p for p, _ in features], geometry=[shape(g) for _, g in features], crs=crs)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "communes.shp"
        with warnings.catch_warnings():  # GDAL cuts former_district to former_dis, as any shapefile does
            warnings.simplefilter("ignore")
            frame.to_file(path, engine="pyogrio", encoding=encoding)
        members = []
        for suffix in keep:
            part = path.with_suffix(suffix)
            if not part.is_file():
                continue
            data = bytearray(part.read_bytes())
            if suffix == ".dbf":
                data[1:4] = bytes([125, 1, 1])  # last-update date 2025-01-01
            members.append((part.name, bytes(data)))
    return members


def xlsx_bytes(build: Callable) -> bytes:
    """A workbook from openpyxl with its timestamps and member dates fixed."""
    import openpyxl

    book = openpyxl.Workbook()
    build(book.active)
    raw = io.BytesIO()
    book.save(raw)
    fixed = io.BytesIO()
    with zipfile.ZipFile(raw) as source, zipfile.ZipFile(fixed, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", b"2025-01-01T00:00:00Z", data)
            member = zipfile.ZipInfo(info.filename, date_time=ZIP_DATE)
            member.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(member, data)
    return fixed.getvalue()


def cp1258(text: str) -> bytes:
    """Windows-1258 as Windows writes it: precomposed base letters, tone marks as combining characters."""
    tones = "\u0300\u0301\u0303\u0309\u0323"
    out = b""
    for char in unicodedata.normalize("NFC", text):
        try:
            out += char.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        parts = unicodedata.normalize("NFD", char)
        base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in tones))
        out += base.encode("cp1258") + "".join(c for c in parts if c in tones).encode("cp1258")
    return out


# --- the files ------------------------------------------------------------------------------


def _bowtie() -> bytes:
    features = grid_features()
    minx, miny, maxx, maxy = cell_bounds(1)
    features[1] = (features[1][0], {"type": "Polygon", "coordinates": [
        [[minx, miny], [maxx, maxy], [maxx, miny], [minx, maxy], [minx, miny]]]})
    return geojson(features)


def _collapsed() -> bytes:
    features = grid_features()
    minx, miny, maxx, maxy = cell_bounds(2)
    mid = (round((minx + maxx) / 2, 6), round((miny + maxy) / 2, 6))
    features[2] = (features[2][0], {"type": "Polygon", "coordinates": [
        [[minx, miny], [maxx, maxy], list(mid), [minx, miny]]]})  # all on one line: no area
    return geojson(features)


def _empty_geometry() -> bytes:
    features = grid_features()
    features[3] = (features[3][0], None)
    features[4] = (features[4][0], {"type": "Polygon", "coordinates": []})
    return geojson(features)


def _duplicate_ids() -> bytes:
    features = grid_features()
    features[5][0]["commune_id"] = IDS[0]
    return geojson(features)


def _utm_no_crs() -> bytes:
    return geojson(reproject(grid_features(), "EPSG:32648"))


def _utm_no_prj() -> bytes:
    members = shapefile(reproject(grid_features(), "EPSG:32648"), None, keep=(".shp", ".shx", ".dbf", ".cpg"))
    return zip_bytes(members)


def _vn2000_utm() -> bytes:
    return zip_bytes(shapefile(reproject(grid_features(), VN2000_UTM48), "EPSG:3405"))


def _vn2000_tm3() -> bytes:
    return geojson(reproject(grid_features(), VN2000_TM3_10445), crs="urn:ogc:def:crs:EPSG::9208")


def _nfd_names() -> bytes:
    features = grid_features()
    for i, (props, _) in enumerate(features):
        props["name"] = unicodedata.normalize("NFD", ("Xã " if i % 2 else "") + NAMES[i])
    return geojson(features)


def _html_names() -> bytes:
    features = grid_features()
    features[0][0]["name"] = "<script>alert(1)</script>"
    features[1][0]["former_district"] = "<img src=x onerror=alert(1)>"
    return geojson(features)


def _formula_names() -> bytes:
    features = grid_features()
    features[0][0]["name"] = '=HYPERLINK("http://x","y")'
    features[1][0]["name"] = "+1+1"
    features[2][0]["name"] = "@SUM(A1:A9)"
    return geojson(features)


def _points() -> bytes:
    return geojson([(properties(i), {"type": "Point", "coordinates": list(centre(i))}) for i in range(9)])


def _unknown_layout() -> bytes:
    return geojson([({"MA_XA": IDS[i], "TEN_XA": NAMES[i], "HUYEN": DISTRICT}, square(i)) for i in range(9)])


def _duplicate_names() -> bytes:
    features = grid_features()
    features[8] = ({"commune_id": IDS[8], "name": "Bắc Lý", "former_district": "Tương Dương", "province": "Nghệ An"},
                   square(8))
    return geojson(features)


def _zip_bomb(path: Path) -> None:
    """200 MB of zeros deflated into about 200 kB."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        info = zipfile.ZipInfo("communes.shp", date_time=ZIP_DATE)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        chunk = bytes(1 << 20)
        with archive.open(info, "w") as member:
            left = BOMB_BYTES
            while left > 0:
                member.write(chunk[: min(left, len(chunk))])
                left -= len(chunk)


def _zip_slip() -> bytes:
    good = geojson(grid_features())
    return zip_bytes([("../evil.geojson", good), ("/tmp/absolute.geojson", good),
                      ("ok/../../evil2.geojson", good), ("boundaries.geojson", good)])


def _zip_no_layer() -> bytes:
    return zip_bytes([("readme.txt", "Ranh giới xã: xem tệp đính kèm.\n".encode())])


def _shapefile_no_cpg(encoding: str) -> Callable[[], bytes]:
    def build() -> bytes:
        features = grid_features()
        return zip_bytes(shapefile(features, "EPSG:4326", encoding=encoding, keep=(".shp", ".shx", ".dbf", ".prj")))
    return build


def _semicolon() -> bytes:
    return ("\r\n".join(line.replace(",", ";") for line in indicator_lines()) + "\r\n").encode("utf-8")


def _names_only(lines_names: list[str]) -> list[str]:
    return ["name,year,poverty_rate,population"] + [
        f"{name},2024,{10 + i}.5,{1000 * (i + 1)}" for i, name in enumerate(lines_names)]


def _cp1258_csv() -> bytes:
    names = [("Xã " if i % 3 == 0 else "") + n for i, n in enumerate(NAMES)]
    return cp1258("\r\n".join(_names_only(names)) + "\r\n")


def _nfd_csv() -> bytes:
    names = [("xã " if i % 2 else "Xã ") + (n.upper() if i % 3 == 0 else n) for i, n in enumerate(NAMES)]
    return unicodedata.normalize("NFD", "\n".join(_names_only(names)) + "\n").encode("utf-8")


def _formulas_csv() -> bytes:
    lines = ["commune_id,name,year,poverty_rate"] + [f"{cid},{NAMES[i]},2024,{10 + i}" for i, cid in enumerate(IDS)]
    lines[1] = f'{IDS[0]},"=HYPERLINK(""http://x"",""y"")",2024,10'
    lines[2] = f"{IDS[1]},+1+1,2024,11"
    return text_lines(lines)


def _html_csv() -> bytes:
    lines = ["commune_id,name,year,poverty_rate"] + [f"{cid},{NAMES[i]},2024,{10 + i}" for i, cid in enumerate(IDS)]
    lines[3] = f"{IDS[2]},<script>alert(1)</script>,2024,12"
    return text_lines(lines)


def _merged_title(sheet) -> None:
    sheet.append(["BÁO CÁO CHỈ TIÊU KINH TẾ - XÃ HỘI NĂM 2024"])
    sheet.merge_cells("A1:D1")
    sheet.append(["Đơn vị tính: %", None, None, None])
    sheet.merge_cells("A2:D2")
    sheet.append(["Mã xã", "Năm", "poverty_rate", "population"])
    for i, cid in enumerate(IDS):
        sheet.append([cid, 2024, 10.5 + i, 1000 * (i + 1)])


def _merged_title_no_header(sheet) -> None:
    sheet.append(["BÁO CÁO CHỈ TIÊU KINH TẾ - XÃ HỘI NĂM 2024"])
    sheet.merge_cells("A1:D1")
    for i, cid in enumerate(IDS):
        sheet.append([cid, 2024, 10.5 + i, 1000 * (i + 1)])


def _unmatched_csv() -> bytes:
    return text_lines(_names_only(["Muong Xen", "Xã Tà Cạ", "Xã Không Có Thật"]))


def _ambiguous_csv() -> bytes:
    return text_lines(["name,former_district,year,poverty_rate", "Bắc Lý,,2024,10", f"Bắc Lý,{DISTRICT},2024,11",
                       "Bắc Lý,Tương Dương,2024,12"])


def _legacy_encoding() -> bytes:
    # TCVN3 (ABC) bytes for Vietnamese letters: in Windows-1258 they read as symbols (µ ¸ ¹ ...).
    rows = [b"name,year,poverty_rate", b"T\xb5 C\xb9,2024,10", b"N\xb8m C\xb5n,2024,11", b"M\xb7 L\xb8,2024,12",
            b"B\xb9c L\xb8,2024,13", b"Hu\xb6i T\xb9,2024,14"]
    return b"\r\n".join(rows) + b"\r\n"


def _utf16() -> bytes:
    return ("\r\n".join(line.replace(",", "\t") for line in indicator_lines()) + "\r\n").encode("utf-16")


def _decimal_comma() -> bytes:
    lines = ["commune_id;year;poverty_rate;population"] + [
        f"{cid};2024;{10 + i},5;{1000 * (i + 1)}" for i, cid in enumerate(IDS)]
    return text_lines(lines)


def _case_lines(dates: list[str], points: list[tuple[float, float]] | None = None) -> list[str]:
    lines = ["case_id,date,lon,lat,commune_id,form,victims,destination,detected_by"]
    for k, day in enumerate(dates):
        lon, lat = points[k] if points else centre(k % 9)
        lines.append(f"C{k + 1},{day},{lon},{lat},,forced_marriage,1,China,patrol")
    return lines


def _three_dates() -> bytes:
    return text_lines(_case_lines(["2024-03-25", "25/03/2024", "25-03-2024"]))


def _future_dates() -> bytes:
    return text_lines(_case_lines(["2024-03-25", "2031-01-01", "01/01/2099"]))


def _outside() -> bytes:
    return text_lines(_case_lines(["2024-03-25", "2024-04-01"], [centre(0), (106.0, 21.0)]))


def _excel_dates(sheet) -> None:
    sheet.append(["case_id", "date", "lon", "lat", "commune_id", "form", "victims", "destination", "detected_by"])
    sheet.append(["C1", datetime(2024, 3, 25), centre(0)[0], centre(0)[1], None, "forced_marriage", 1, "China",
                  "patrol"])
    sheet.append(["C2", 45376, centre(1)[0], centre(1)[1], None, "forced_labour", 2, "Laos", "patrol"])
    sheet.append(["C3", "25/03/2024", centre(2)[0], centre(2)[1], None, "other", 1, "China", "other"])
    sheet["B3"].number_format = "General"  # a date typed as a bare serial number


def _duplicate_cases() -> bytes:
    lines = _case_lines(["2024-03-25", "2024-04-01", "2024-05-01"])
    lines[3] = lines[3].replace("C3,", "C1,", 1)
    return text_lines(lines)


def _formula_destination() -> bytes:
    lines = _case_lines(["2024-03-25", "2024-04-01"])
    lines[2] = lines[2].replace(",China,", ",=cmd|' /C calc'!A0,")
    return text_lines(lines)


def _gates_html() -> bytes:
    return text_lines(["name,kind,lon,lat", "<b onmouseover=alert(1)>Nậm Cắn</b>,international,104.5,19.15"])


# name -> bytes builder, or a writer taking the path (for the zip bomb, streamed)
FILES: dict[str, Callable[[], bytes] | Callable[[Path], None]] = {
    "boundaries_bowtie.geojson": _bowtie,
    "boundaries_collapsed.geojson": _collapsed,
    "boundaries_empty_geometry.geojson": _empty_geometry,
    "boundaries_duplicate_ids.geojson": _duplicate_ids,
    "boundaries_utm_no_crs.geojson": _utm_no_crs,
    "boundaries_utm_no_prj.zip": _utm_no_prj,
    "boundaries_vn2000_utm48n.zip": _vn2000_utm,
    "boundaries_vn2000_tm3_10445.geojson": _vn2000_tm3,
    "boundaries_nfd_names.geojson": _nfd_names,
    "boundaries_html_names.geojson": _html_names,
    "boundaries_formula_names.geojson": _formula_names,
    "boundaries_points.geojson": _points,
    "boundaries_unknown_layout.geojson": _unknown_layout,
    "boundaries_duplicate_names.geojson": _duplicate_names,
    "boundaries_zip_bomb.zip": _zip_bomb,
    "boundaries_zip_slip.zip": _zip_slip,
    "boundaries_zip_no_layer.zip": _zip_no_layer,
    "boundaries_not_a_zip.zip": lambda: b"PK\x03\x04 this is not really a zip archive\n",
    "boundaries_utf8_no_cpg.zip": _shapefile_no_cpg("UTF-8"),
    "boundaries_cp1258_no_cpg.zip": _shapefile_no_cpg("cp1258"),
    "boundaries_empty.geojson": lambda: b"",
    "indicators_semicolon.csv": _semicolon,
    "indicators_cp1258.csv": _cp1258_csv,
    "indicators_nfd_names.csv": _nfd_csv,
    "indicators_formulas.csv": _formulas_csv,
    "indicators_html.csv": _html_csv,
    "indicators_merged_title.xlsx": lambda: xlsx_bytes(_merged_title),
    "indicators_merged_title_no_header.xlsx": lambda: xlsx_bytes(_merged_title_no_header),
    "indicators_unmatched_names.csv": _unmatched_csv,
    "indicators_ambiguous_names.csv": _ambiguous_csv,
    "indicators_legacy_encoding.csv": _legacy_encoding,
    "indicators_utf16.csv": _utf16,
    "indicators_decimal_comma.csv": _decimal_comma,
    "indicators_empty.csv": lambda: b"",
    "cases_three_date_formats.csv": _three_dates,
    "cases_future_dates.csv": _future_dates,
    "cases_outside_province.csv": _outside,
    "cases_excel_dates.xlsx": lambda: xlsx_bytes(_excel_dates),
    "cases_duplicate_ids.csv": _duplicate_cases,
    "cases_formula_destination.csv": _formula_destination,
    "gates_html.csv": _gates_html,
}


def write_all(out: Path = BAD) -> list[Path]:
    """Write every file into `out`; returns the paths."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, build in FILES.items():
        path = out / name
        if build is _zip_bomb:
            path.unlink(missing_ok=True)
            _zip_bomb(path)
        else:
            path.write_bytes(build())  # type: ignore[call-arg]
        written.append(path)
    return written


if __name__ == "__main__":
    sys.path.insert(0, str(HERE.parent.parent))
    for written_path in write_all(Path(sys.argv[1]) if len(sys.argv) > 1 else BAD):
        print(f"{written_path.stat().st_size:>9}  {written_path}")
