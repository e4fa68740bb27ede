"""Data-contract tests for the dataset loaders (risk/ingest/folder.py).

Each bad input must be refused with its own error code, located by file, row
and column, and explained in Vietnamese and English. Fixtures are a 3x3 grid
of square communes near 104.5E 19N, written into tmp_path.
"""
from __future__ import annotations

import hashlib
import json
import re
import unicodedata
import zipfile
from datetime import date
from pathlib import Path
from typing import Callable

import geopandas as gpd
import openpyxl
import pandas as pd
import pytest
from shapely.geometry import LineString, Point, Polygon, box

from risk.i18n import LANGUAGES
from risk.contracts.dataset import Dataset, empty_cases
from risk.contracts.problems import Problem
from risk.ingest.folder import DataError, load_border, load_boundaries, load_cases, load_dataset, load_gates, load_indicators
from risk.ingest.checks import MAX_PROBLEMS_PER_FILE

TODAY = date(2025, 6, 30)
STEP = 0.1
IDS = [f"0100{i}" for i in range(1, 10)]  # leading zeros must survive
NAMES = ["Mường Xén", "Tà Cạ", "Nậm Cắn", "Keng Đu", "Mỹ Lý", "Bắc Lý", "Huồi Tụ", "Mường Lống", "Na Ngoi"]
INDICATOR_HEADER = "commune_id,year,poverty_rate,near_poor_rate,population"


# --- fixtures and helpers ---------------------------------------------------------


def cell(i: int) -> Polygon:
    """The i-th square of the 3x3 grid (row-major from the south-west corner)."""
    x, y = 104.5 + STEP * (i % 3), 19.0 + STEP * (i // 3)
    return box(x, y, x + STEP, y + STEP)


def centre(i: int) -> tuple[float, float]:
    c = cell(i).centroid
    return round(c.x, 4), round(c.y, 4)


def grid(crs: str | int | None = "EPSG:4326") -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"commune_id": IDS, "name": NAMES, "former_district": ["Kỳ Sơn"] * 9, "province": ["Nghệ An"] * 9},
        geometry=[cell(i) for i in range(9)], crs=crs,
    )


def write_geojson(path: Path, features: list[dict], crs: str | None = None) -> Path:
    """A GeoJSON written by hand, so broken content is exactly what the test says."""
    doc: dict = {"type": "FeatureCollection", "features": [{"type": "Feature", **f} for f in features]}
    if crs:
        doc["crs"] = {"type": "name", "properties": {"name": crs}}
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


def square(x: float, y: float, size: float = STEP) -> dict:
    return {"type": "Polygon", "coordinates": [[[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]]}


def grid_features() -> list[dict]:
    return [
        {"properties": {"commune_id": IDS[i], "name": NAMES[i]}, "geometry": square(*cell(i).bounds[:2])}
        for i in range(9)
    ]


def write_csv(path: Path, lines: list[str], encoding: str = "utf-8") -> Path:
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


def indicator_lines() -> list[str]:
    return [INDICATOR_HEADER] + [f"{cid},2024,{10 + i},{5 + i},{1000 * (i + 1)}" for i, cid in enumerate(IDS)]


def case_lines() -> list[str]:
    lon, lat = centre(0)
    return [
        "case_id,date,lon,lat,commune_id,form,victims,destination,detected_by",
        f"C1,2024-03-25,{lon},{lat},{IDS[0]},forced_marriage,1,China,patrol",
        f"C2,2024-05-02,,,{IDS[4]},forced_labour,2,Laos,victim_or_family_report",
        f"C3,15/01/2025,{centre(8)[0]},{centre(8)[1]},,sexual_exploitation,1,China,returnee_screening",
    ]


def problems(call: Callable[[], object]) -> list[Problem]:
    """The problems of a call that must fail; every message must render in both languages."""
    with pytest.raises(DataError) as info:
        call()
    found = info.value.problems
    assert found, "a DataError must carry problems"
    for problem in found:
        assert_renders(problem)
    return found


def only(found: list[Problem], code: str) -> Problem:
    """The single problem with `code`."""
    matching = [p for p in found if p.code == code]
    assert len(matching) == 1, [(p.code, p.row, p.column) for p in found]
    return matching[0]


def assert_renders(problem: Problem) -> None:
    """A full sentence in each language, naming file, row and column, no {placeholder} left."""
    for lang in LANGUAGES:
        text = problem.message(lang)
        assert text.startswith(problem.file)
        assert not re.search(r"\{[A-Za-z_]+\}", text), text
        if problem.row is not None:
            assert str(problem.row) in text
        if problem.column is not None:
            assert problem.column in text
        assert text.rstrip().endswith("."), text


def assert_problem(problem: Problem, file: str, row: int | None, column: str | None) -> None:
    assert (problem.file, problem.row, problem.column) == (file, row, column)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def communes() -> gpd.GeoDataFrame:
    return grid()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A complete, valid dataset folder."""
    grid().to_file(tmp_path / "boundaries.geojson", driver="GeoJSON")
    write_csv(tmp_path / "indicators.csv", indicator_lines())
    write_csv(tmp_path / "cases.csv", case_lines())
    gpd.GeoDataFrame({"name": ["VN-LA"]}, geometry=[LineString([(104.5, 19.0), (104.5, 19.3)])],
                     crs="EPSG:4326").to_file(tmp_path / "border.geojson", driver="GeoJSON")
    write_csv(tmp_path / "border_gates.csv", ["name,kind,lon,lat", "Nậm Cắn,international,104.5,19.15"])
    (tmp_path / "dataset.json").write_text(json.dumps({"name": "Thử nghiệm", "generated": True, "seed": 1}))
    return tmp_path


# --- boundaries: bad inputs ---------------------------------------------------------


def test_boundaries_missing_column(tmp_path: Path) -> None:
    features = [{"properties": {"commune_id": IDS[i], "ten": NAMES[i]}, "geometry": square(104.5 + i * STEP, 19)}
                for i in range(2)]
    path = write_geojson(tmp_path / "boundaries.geojson", features)
    problem = only(problems(lambda: load_boundaries(path)), "io.missing_column")
    assert_problem(problem, "boundaries.geojson", None, "name")
    assert "ten" in problem.message("en")


def test_boundaries_empty_id(tmp_path: Path) -> None:
    features = grid_features()
    features[1]["properties"]["commune_id"] = "  "
    features[2]["properties"]["commune_id"] = None
    path = write_geojson(tmp_path / "boundaries.geojson", features)
    found = problems(lambda: load_boundaries(path))
    assert [(p.code, p.row, p.column) for p in found] == [
        ("io.empty_value", 2, "commune_id"), ("io.empty_value", 3, "commune_id")]
    assert "feature 2" in found[0].message("en") and "đối tượng 2" in found[0].message("vi")


def test_boundaries_duplicate_id_names_both_features(tmp_path: Path) -> None:
    features = grid_features()
    features[4]["properties"]["commune_id"] = IDS[1]
    path = write_geojson(tmp_path / "boundaries.geojson", features)
    problem = only(problems(lambda: load_boundaries(path)), "io.duplicate_feature_id")
    assert_problem(problem, "boundaries.geojson", 5, "commune_id")
    assert problem.params["first_row"] == 2
    assert "feature 5" in problem.message("en") and "feature 2" in problem.message("en")


def test_boundaries_bow_tie_is_reported_not_repaired(tmp_path: Path) -> None:
    features = grid_features()
    features[6]["geometry"] = {"type": "Polygon", "coordinates": [
        [[104.5, 19.2], [104.6, 19.3], [104.6, 19.2], [104.5, 19.3], [104.5, 19.2]]]}
    path = write_geojson(tmp_path / "boundaries.geojson", features)
    before = digest(path)
    problem = only(problems(lambda: load_boundaries(path)), "io.geometry_invalid")
    assert_problem(problem, "boundaries.geojson", 7, None)
    assert "Self-intersection" in problem.message("vi")
    assert digest(path) == before


def test_boundaries_empty_geometry(tmp_path: Path) -> None:
    features = grid_features()
    features[3]["geometry"] = None
    features[5]["geometry"] = {"type": "Polygon", "coordinates": []}
    path = write_geojson(tmp_path / "boundaries.geojson", features)
    found = problems(lambda: load_boundaries(path))
    assert [(p.code, p.row) for p in found] == [("io.geometry_empty", 4), ("io.geometry_empty", 6)]


def test_boundaries_point_is_not_a_commune(tmp_path: Path) -> None:
    features = grid_features()
    features[8]["geometry"] = {"type": "Point", "coordinates": [104.7, 19.25]}
    path = write_geojson(tmp_path / "boundaries.geojson", features)
    problem = only(problems(lambda: load_boundaries(path)), "io.geometry_not_polygon")
    assert_problem(problem, "boundaries.geojson", 9, None)
    assert "Point" in problem.message("en")


def test_boundaries_zero_byte_file(tmp_path: Path) -> None:
    path = tmp_path / "boundaries.gpkg"
    path.write_bytes(b"")
    assert_problem(only(problems(lambda: load_boundaries(path)), "io.file_empty"), "boundaries.gpkg", None, None)


def test_boundaries_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "boundaries.geojson"
    path.write_text("this is not { geojson", encoding="utf-8")
    only(problems(lambda: load_boundaries(path)), "io.file_unreadable")


def test_boundaries_projected_shapefile_without_prj(tmp_path: Path) -> None:
    shp = tmp_path / "shp"
    shp.mkdir()
    with pytest.warns(UserWarning):  # pyogrio warns that no CRS is written
        metres = grid()[["commune_id", "name", "geometry"]].to_crs(32648)
        metres.set_crs(None, allow_override=True).to_file(shp / "xa.shp")
    path = tmp_path / "boundaries.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for part in shp.iterdir():
            if part.suffix != ".prj":
                archive.write(part, part.name)
    problem = only(problems(lambda: load_boundaries(path)), "io.crs_missing")
    assert_problem(problem, "boundaries.zip", None, None)
    assert "EPSG:32648" in problem.message("en") and "VN-2000" in problem.message("vi")


def test_boundaries_geojson_with_metres_and_no_crs(tmp_path: Path) -> None:
    features = [{"properties": {"commune_id": "1", "name": "A"}, "geometry": square(580000, 2100000, 1000)}]
    path = write_geojson(tmp_path / "boundaries.geojson", features)
    only(problems(lambda: load_boundaries(path)), "io.crs_missing")


def test_boundaries_declared_utm_but_degrees(tmp_path: Path) -> None:
    path = tmp_path / "boundaries.gpkg"
    grid().set_crs(32648, allow_override=True).to_file(path)
    only(problems(lambda: load_boundaries(path)), "io.crs_mismatch")


def test_boundaries_outside_lonlat_after_reprojection(tmp_path: Path) -> None:
    path = tmp_path / "boundaries.gpkg"
    frame = grid(32648)
    frame.loc[2, "geometry"] = box(5e7, 5e7, 5e7 + 10, 5e7 + 10)
    frame.to_file(path)
    problem = only(problems(lambda: load_boundaries(path)), "io.coords_out_of_range")
    assert_problem(problem, "boundaries.gpkg", 3, None)


def test_boundaries_reports_every_problem_at_once(tmp_path: Path) -> None:
    features = grid_features()
    features[0]["properties"]["name"] = ""
    features[2]["properties"]["commune_id"] = IDS[1]
    features[7]["geometry"] = {"type": "LineString", "coordinates": [[104.5, 19], [104.6, 19.1]]}
    path = write_geojson(tmp_path / "boundaries.geojson", features)
    found = problems(lambda: load_boundaries(path))
    assert [p.code for p in found] == ["io.empty_value", "io.duplicate_feature_id", "io.geometry_not_polygon"]


# --- indicators: bad inputs -------------------------------------------------------------


def test_indicators_zero_byte_file(tmp_path: Path) -> None:
    path = tmp_path / "indicators.csv"
    path.write_bytes(b"")
    only(problems(lambda: load_indicators(path)), "io.file_empty")


def test_indicators_header_only(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "indicators.csv", [INDICATOR_HEADER, ",,,,"])
    only(problems(lambda: load_indicators(path)), "io.no_data")


def test_indicators_windows_1258_bytes(tmp_path: Path) -> None:
    """Folder CSVs are decoded like uploads: Windows-1258 is read, and NFC-normalised."""
    lines = [INDICATOR_HEADER + ",name", f"{IDS[0]},2024,1,1,1000,Mo", f"{IDS[1]},2024,1,1,1000,Bản Vẽ",
             f"{IDS[2]},2024,1,1,1000,Tà Cạ"]
    path = tmp_path / "indicators.csv"
    # Windows-1258 writes tone marks as combining characters after the letter
    path.write_bytes(unicodedata.normalize("NFD", "\n".join(lines)).encode("cp1258"))
    table = load_indicators(path)
    assert table["commune_id"].tolist() == IDS[:3]
    assert table["population"].tolist() == [1000.0] * 3


def test_indicators_utf16_bytes(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "indicators.csv", indicator_lines(), encoding="utf-16")
    expected = load_indicators(write_csv(tmp_path / "utf8.csv", indicator_lines()))
    pd.testing.assert_frame_equal(load_indicators(path), expected)


def test_indicators_undecodable_bytes(tmp_path: Path) -> None:
    path = tmp_path / "indicators.csv"
    path.write_bytes(b"commune_id,year,poverty_rate\n01001,2024,\x81\x8a\x8d\n")  # invalid UTF-8 and Windows-1258
    problem = only(problems(lambda: load_indicators(path)), "import.encoding_unknown")
    assert_problem(problem, "indicators.csv", None, None)


def test_indicators_missing_commune_id_column(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "indicators.csv", ["ma_xa,year,poverty_rate", f"{IDS[0]},2024,10"])
    problem = only(problems(lambda: load_indicators(path)), "io.missing_column")
    assert_problem(problem, "indicators.csv", None, "commune_id")
    assert "ma_xa" in problem.message("vi")


def test_indicators_non_numeric_value_message(tmp_path: Path) -> None:
    lines = indicator_lines()
    lines[6] = f"{IDS[5]},2024,abc,5,1000"  # spreadsheet row 7
    path = write_csv(tmp_path / "indicators.csv", lines)
    problem = only(problems(lambda: load_indicators(path)), "io.not_a_number")
    assert_problem(problem, "indicators.csv", 7, "poverty_rate")
    assert problem.message("vi") == "indicators.csv, dòng 7, cột poverty_rate: giá trị 'abc' không phải là số."
    assert problem.message("en") == "indicators.csv, row 7, column poverty_rate: 'abc' is not a number."


def test_indicators_decimal_comma_gets_a_hint(tmp_path: Path) -> None:
    lines = indicator_lines()
    lines[2] = f'{IDS[1]},2024,"12,5",5,1000'
    path = write_csv(tmp_path / "indicators.csv", lines)
    problem = only(problems(lambda: load_indicators(path)), "io.decimal_comma")
    assert_problem(problem, "indicators.csv", 3, "poverty_rate")
    assert "'12,5'" in problem.message("en") and "12.5" in problem.message("vi")


def test_indicators_bad_years(tmp_path: Path) -> None:
    lines = indicator_lines()
    lines[1] = f"{IDS[0]},2020.5,10,5,1000"
    lines[2] = f"{IDS[1]},1850,10,5,1000"
    lines[3] = f"{IDS[2]},,10,5,1000"
    path = write_csv(tmp_path / "indicators.csv", lines)
    found = problems(lambda: load_indicators(path))
    assert [(p.code, p.row, p.column) for p in found] == [
        ("io.not_integer", 2, "year"), ("io.year_out_of_range", 3, "year"), ("io.empty_value", 4, "year")]


def test_indicators_duplicate_commune_year_names_both_rows(tmp_path: Path) -> None:
    lines = indicator_lines() + [f"{IDS[2]},2024,11,6,900"]  # row 11 repeats row 4
    path = write_csv(tmp_path / "indicators.csv", lines)
    problem = only(problems(lambda: load_indicators(path)), "io.duplicate_commune_year")
    assert_problem(problem, "indicators.csv", 11, None)
    assert "row 11" in problem.message("en") and "row 4" in problem.message("en")


def test_indicators_unknown_commune(tmp_path: Path) -> None:
    lines = indicator_lines() + ["99999,2024,10,5,1000"]
    path = write_csv(tmp_path / "indicators.csv", lines)
    problem = only(problems(lambda: load_indicators(path, IDS)), "io.unknown_commune")
    assert_problem(problem, "indicators.csv", 11, "commune_id")
    assert "99999" in problem.message("vi")


def test_indicators_rate_out_of_range_and_negative_population(tmp_path: Path) -> None:
    lines = indicator_lines()
    lines[2] = f"{IDS[1]},2024,120,5,1000"
    lines[5] = f"{IDS[4]},2024,10,-0.5,-3"
    path = write_csv(tmp_path / "indicators.csv", lines)
    found = problems(lambda: load_indicators(path))
    assert [(p.code, p.row, p.column) for p in found] == [
        ("io.rate_out_of_range", 3, "poverty_rate"), ("io.rate_out_of_range", 6, "near_poor_rate"),
        ("io.negative_value", 6, "population")]


def test_indicators_xlsx_problems_use_sheet_rows(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(INDICATOR_HEADER.split(","))
    sheet.append([IDS[0], 2024, 10, 5, 1000])
    sheet.append([])  # a blank row still counts
    sheet.append([IDS[1], 2024, "n.a.", 5, 1000])  # sheet row 4
    path = tmp_path / "indicators.xlsx"
    book.save(path)
    problem = only(problems(lambda: load_indicators(path)), "io.not_a_number")
    assert_problem(problem, "indicators.xlsx", 4, "poverty_rate")


def test_indicators_renamed_or_old_spreadsheets(tmp_path: Path) -> None:
    fake = write_csv(tmp_path / "indicators.xlsx", indicator_lines())  # a CSV renamed to .xlsx
    only(problems(lambda: load_indicators(fake)), "io.file_unreadable")
    old = tmp_path / "indicators.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0")
    problem = only(problems(lambda: load_indicators(old)), "io.unsupported_format")
    assert ".xlsx" in problem.message("vi")


def test_indicators_long_values_are_truncated(tmp_path: Path) -> None:
    lines = indicator_lines()
    lines[1] = f"{IDS[0]},2024,{'x' * 500},5,1000"
    path = write_csv(tmp_path / "indicators.csv", lines)
    problem = only(problems(lambda: load_indicators(path)), "io.not_a_number")
    assert len(problem.message("en")) < 160 and "…" in problem.message("en")


def test_indicators_problems_are_capped(tmp_path: Path) -> None:
    lines = [INDICATOR_HEADER] + [f"{IDS[0]},{1990 + i % 100},bad,5,1000" for i in range(300)]
    path = write_csv(tmp_path / "indicators.csv", lines)
    found = problems(lambda: load_indicators(path))
    assert len(found) == MAX_PROBLEMS_PER_FILE + 1
    assert found[-1].code == "io.more_problems"
    # 300 non-numbers + 200 repeated (commune, year) pairs, 200 of them shown
    assert found[-1].params["count"] == 300 and "300" in found[-1].message("vi")


# --- cases: bad inputs --------------------------------------------------------------------


def load_case_lines(tmp_path: Path, lines: list[str], communes: gpd.GeoDataFrame | None = None) -> list[Problem]:
    path = write_csv(tmp_path / "cases.csv", lines)
    return problems(lambda: load_cases(path, communes, today=TODAY))


def test_cases_zero_byte_and_wrong_encoding(tmp_path: Path) -> None:
    (tmp_path / "cases.csv").write_bytes(b"")
    only(problems(lambda: load_cases(tmp_path / "cases.csv")), "io.file_empty")
    path = write_csv(tmp_path / "cases.csv", case_lines(), encoding="utf-16")
    assert load_cases(path, today=TODAY)["case_id"].tolist() == ["C1", "C2", "C3"]


def test_cases_missing_column(tmp_path: Path) -> None:
    lines = [line.rsplit(",", 1)[0] for line in case_lines()]  # drop detected_by
    problem = only(load_case_lines(tmp_path, lines), "io.missing_column")
    assert_problem(problem, "cases.csv", None, "detected_by")


def test_cases_without_any_location_column(tmp_path: Path) -> None:
    lines = ["case_id,date,form,victims,detected_by", "C1,2024-01-01,other,1,patrol"]
    found = load_case_lines(tmp_path, lines)
    assert [(p.code, p.column) for p in found] == [("io.missing_column", "lon"), ("io.missing_column", "lat")]


def test_cases_duplicate_case_id(tmp_path: Path) -> None:
    lines = case_lines()
    lines[3] = lines[3].replace("C3,", "C1,", 1)
    problem = only(load_case_lines(tmp_path, lines), "io.duplicate_row_id")
    assert_problem(problem, "cases.csv", 4, "case_id")
    assert problem.params["first_row"] == 2


def test_cases_unparseable_and_future_dates(tmp_path: Path) -> None:
    lines = case_lines()
    lines[1] = lines[1].replace("2024-03-25", "25 tháng 3")
    lines[2] = lines[2].replace("2024-05-02", "2031-01-01")
    found = load_case_lines(tmp_path, lines)
    assert_problem(only(found, "io.date_invalid"), "cases.csv", 2, "date")
    future = only(found, "io.date_future")
    assert_problem(future, "cases.csv", 3, "date")
    assert "2025-06-30" in future.message("en")


def test_cases_non_numeric_lon_and_victims(tmp_path: Path) -> None:
    lines = case_lines()
    lines[1] = f"C1,2024-03-25,104.5E,19.05,{IDS[0]},forced_marriage,two,China,patrol"
    found = load_case_lines(tmp_path, lines)
    assert [(p.code, p.row, p.column) for p in found] == [
        ("io.not_a_number", 2, "lon"), ("io.not_a_number", 2, "victims")]


def test_cases_victims_below_one_and_fractional(tmp_path: Path) -> None:
    lines = case_lines()
    lines[1] = lines[1].replace("forced_marriage,1,", "forced_marriage,0,")
    lines[2] = lines[2].replace("forced_labour,2,", "forced_labour,1.5,")
    found = load_case_lines(tmp_path, lines)
    assert_problem(only(found, "io.victims_below_one"), "cases.csv", 2, "victims")
    assert_problem(only(found, "io.not_integer"), "cases.csv", 3, "victims")


def test_cases_no_location_and_half_location(tmp_path: Path) -> None:
    lines = case_lines()
    lines[2] = "C2,2024-05-02,,,,forced_labour,2,Laos,patrol"
    lines[3] = f"C3,2024-05-03,104.55,,{IDS[0]},forced_labour,2,Laos,patrol"
    found = load_case_lines(tmp_path, lines)
    assert_problem(only(found, "io.no_location"), "cases.csv", 3, None)
    assert_problem(only(found, "io.lonlat_incomplete"), "cases.csv", 4, "lat")


def test_cases_unknown_commune(tmp_path: Path, communes: gpd.GeoDataFrame) -> None:
    lines = case_lines()
    lines[2] = lines[2].replace(IDS[4], "16999")
    problem = only(load_case_lines(tmp_path, lines, communes), "io.unknown_commune")
    assert_problem(problem, "cases.csv", 3, "commune_id")


def test_cases_unknown_form_and_detected_by_list_allowed(tmp_path: Path) -> None:
    lines = case_lines()
    lines[1] = lines[1].replace("forced_marriage", "kidnapping")
    lines[2] = lines[2].replace("victim_or_family_report", "hotline")
    found = load_case_lines(tmp_path, lines)
    form, detected = [p for p in found if p.code == "io.unknown_value"]
    assert_problem(form, "cases.csv", 2, "form")
    assert_problem(detected, "cases.csv", 3, "detected_by")
    assert "child_trafficking" in form.message("en") and "returnee_screening" in detected.message("vi")


def test_cases_point_outside_the_province(tmp_path: Path, communes: gpd.GeoDataFrame) -> None:
    lines = case_lines()
    lines[1] = "C1,2024-03-25,105.9,18.6,,forced_marriage,1,China,patrol"
    problem = only(load_case_lines(tmp_path, lines, communes), "io.point_outside")
    assert_problem(problem, "cases.csv", 2, None)
    assert "105.9" in problem.message("vi")


def test_cases_point_in_another_commune(tmp_path: Path, communes: gpd.GeoDataFrame) -> None:
    lines = case_lines()
    lines[1] = lines[1].replace(f",{IDS[0]},", f",{IDS[3]},")  # the point is in IDS[0]
    problem = only(load_case_lines(tmp_path, lines, communes), "io.point_wrong_commune")
    assert_problem(problem, "cases.csv", 2, "commune_id")
    assert NAMES[0] in problem.message("vi") and IDS[3] in problem.message("en")


def test_cases_degrees_out_of_range(tmp_path: Path) -> None:
    lines = case_lines()
    lines[1] = f"C1,2024-03-25,580000,2100000,{IDS[0]},forced_marriage,1,China,patrol"
    problem = only(load_case_lines(tmp_path, lines), "io.lonlat_out_of_range")
    assert_problem(problem, "cases.csv", 2, "lon")


# --- border and gates ------------------------------------------------------------------------


def test_border_must_be_lines(tmp_path: Path) -> None:
    path = write_geojson(tmp_path / "border.geojson", grid_features()[:1])
    only(problems(lambda: load_border(path)), "io.geometry_not_line")


def test_gates_bad_rows(tmp_path: Path) -> None:
    lines = ["name,lon,lat", ",104.5,19.1", "Nậm Cắn,abc,19.2", "Thanh Thuỷ,104.6,"]
    path = write_csv(tmp_path / "border_gates.csv", lines)
    found = problems(lambda: load_gates(path))
    assert [(p.code, p.row, p.column) for p in found] == [
        ("io.empty_value", 2, "name"), ("io.not_a_number", 3, "lon"), ("io.empty_value", 4, "lat")]


def test_border_and_gates_load(tmp_path: Path) -> None:
    line = gpd.GeoDataFrame(geometry=[LineString([(104.5, 19.0), (104.6, 19.3)])], crs=4326).to_crs(32648)
    line.to_file(tmp_path / "border.gpkg")
    border = load_border(tmp_path / "border.gpkg")
    assert border.crs.to_epsg() == 4326 and border.geom_type.tolist() == ["LineString"]
    assert border.total_bounds == pytest.approx([104.5, 19.0, 104.6, 19.3], abs=1e-6)
    gates = load_gates(write_csv(tmp_path / "border_gates.csv", ["name,lon,lat", "Nậm Cắn,104.5,19.1"]))
    assert gates[["name", "kind"]].values.tolist() == [["Nậm Cắn", ""]]
    assert gates.geometry.iloc[0].equals(Point(104.5, 19.1))


# --- good paths ---------------------------------------------------------------------------------


def test_valid_folder_loads(folder: Path) -> None:
    data = load_dataset(folder, today=TODAY)
    assert isinstance(data, Dataset)
    assert data.boundaries.crs.to_epsg() == 4326
    assert data.boundaries["commune_id"].tolist() == IDS
    assert list(data.boundaries.columns) == ["commune_id", "name", "former_district", "province", "geometry"]
    assert data.years == [2024]
    assert data.indicator_keys == ["poverty_rate", "near_poor_rate", "population"]
    assert data.extra_indicators == []
    assert data.indicators["year"].dtype == "int64"
    assert data.indicators["poverty_rate"].dtype == "float64"
    assert data.generated is True and data.name == "Thử nghiệm"
    assert len(data.border) == 1 and len(data.gates) == 1
    cases = data.cases
    assert list(cases.columns) == list(empty_cases().columns)
    assert cases.dtypes.to_dict() == empty_cases().dtypes.to_dict()
    assert cases["commune_id"].tolist() == [IDS[0], IDS[4], IDS[8]]  # C3 located by point in polygon
    assert cases["date"].dt.strftime("%Y-%m-%d").tolist() == ["2024-03-25", "2024-05-02", "2025-01-15"]
    assert cases["victims"].tolist() == [1, 2, 1]
    assert cases["lon"].isna().tolist() == [False, True, False]


def test_folder_without_cases_or_extras(folder: Path) -> None:
    for name in ("cases.csv", "border.geojson", "border_gates.csv", "dataset.json"):
        (folder / name).unlink()
    data = load_dataset(folder)
    assert data.cases.empty and data.cases.dtypes.to_dict() == empty_cases().dtypes.to_dict()
    assert data.border is None and data.gates is None and data.meta == {}
    assert data.generated is False and data.name == folder.name


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_cases_header_only_is_a_year_without_cases(tmp_path: Path, communes: gpd.GeoDataFrame,
                                                   suffix: str) -> None:
    header = case_lines()[0].split(",")
    path = tmp_path / f"cases{suffix}"
    if suffix == ".csv":
        write_csv(path, [",".join(header), ",,,,,,,,"])  # a blank row below the header is still no case
    else:
        book = openpyxl.Workbook()
        book.active.append(header)
        book.save(path)
    cases = load_cases(path, communes, today=TODAY)
    assert cases.empty and list(cases.columns) == list(empty_cases().columns)
    assert cases.dtypes.to_dict() == empty_cases().dtypes.to_dict()


def test_cases_header_only_still_needs_the_columns(tmp_path: Path) -> None:
    found = load_case_lines(tmp_path, ["case_id,date,commune_id,form,victims"])
    assert [(p.code, p.column) for p in found] == [("io.missing_column", "detected_by")]
    (tmp_path / "cases.csv").write_text(",,,\n,,\n", encoding="utf-8")  # no header at all: no data
    only(problems(lambda: load_cases(tmp_path / "cases.csv")), "io.no_data")


def test_folder_with_header_only_cases(folder: Path) -> None:
    write_csv(folder / "cases.csv", case_lines()[:1])
    data = load_dataset(folder, today=TODAY)
    assert data.cases.empty and data.cases.dtypes.to_dict() == empty_cases().dtypes.to_dict()
    assert data.boundaries["commune_id"].tolist() == IDS


def test_extra_indicator_is_accepted_and_flagged(tmp_path: Path) -> None:
    lines = [INDICATOR_HEADER + ",name,distance_to_market_km"]
    lines += [f"{cid},2024,10,5,1000,Xã {i},{i * 2.5}" for i, cid in enumerate(IDS)]
    path = write_csv(tmp_path / "indicators.csv", lines)
    table = load_indicators(path, IDS)
    assert list(table.columns) == ["commune_id", "year", "poverty_rate", "near_poor_rate", "population",
                                   "distance_to_market_km"]
    data = Dataset(tmp_path, grid(), table, empty_cases())
    assert data.indicator_keys[-1] == "distance_to_market_km"
    assert data.extra_indicators == ["distance_to_market_km"]


@pytest.mark.parametrize("crs", [32648, 4756])
def test_projected_and_vn2000_boundaries_are_reprojected(tmp_path: Path, crs: int) -> None:
    path = tmp_path / "boundaries.gpkg"
    grid().to_crs(crs).to_file(path)
    loaded = load_boundaries(path)
    assert loaded.crs.to_epsg() == 4326
    assert loaded.total_bounds == pytest.approx([104.5, 19.0, 104.8, 19.3], abs=1e-6)


def test_vn2000_degrees_are_shifted_to_wgs84(tmp_path: Path) -> None:
    path = tmp_path / "boundaries.gpkg"
    grid().set_crs(4756, allow_override=True).to_file(path)  # the same numbers, read as VN-2000
    minx, miny, _, _ = load_boundaries(path).total_bounds
    assert 0.0005 < abs(minx - 104.5) + abs(miny - 19.0) < 0.01  # a datum shift of a few hundred metres


def test_zipped_shapefile_with_prj_loads(tmp_path: Path) -> None:
    shp = tmp_path / "shp"
    shp.mkdir()
    grid()[["commune_id", "name", "geometry"]].to_crs(32648).to_file(shp / "communes.shp")
    path = tmp_path / "boundaries.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for part in shp.iterdir():
            archive.write(part, part.name)
    loaded = load_boundaries(path)
    assert loaded["commune_id"].tolist() == IDS and loaded.crs.to_epsg() == 4326


def test_xlsx_indicators_load_with_leading_zeros(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Commune_ID", "Year", "poverty_rate", "population"])
    for i, cid in enumerate(IDS):
        sheet.append([cid, 2023 + i % 2, 10.5 + i, 1000 * (i + 1)])
    path = tmp_path / "indicators.xlsx"
    book.save(path)
    table = load_indicators(path, IDS)
    assert table["commune_id"].tolist() == IDS
    assert sorted(table["year"].unique()) == [2023, 2024] and table["year"].dtype == "int64"
    assert table["poverty_rate"].tolist()[:2] == [10.5, 11.5]


def test_csv_keeps_leading_zeros_and_strips_spaces(tmp_path: Path) -> None:
    lines = [INDICATOR_HEADER, " 00123 ,2024,10%,5,1000", "00124,2024.0,NA,,"]
    table = load_indicators(write_csv(tmp_path / "indicators.csv", lines))
    assert table["commune_id"].tolist() == ["00123", "00124"]
    assert table["year"].tolist() == [2024, 2024]
    assert table["poverty_rate"].iloc[0] == 10 and table["poverty_rate"].isna().iloc[1]


def test_semicolon_csv_with_bom_loads(tmp_path: Path) -> None:
    path = tmp_path / "indicators.csv"
    path.write_bytes("\ufeffcommune_id;year;poverty_rate\r\n01001;2024;12.5\r\n".encode("utf-8"))
    assert load_indicators(path)["poverty_rate"].tolist() == [12.5]


def test_nfd_names_come_back_nfc(tmp_path: Path) -> None:
    features = grid_features()
    nfd = unicodedata.normalize("NFD", "Mường Xén")
    assert nfd != "Mường Xén"
    features[0]["properties"]["name"] = nfd
    path = write_geojson(tmp_path / "boundaries.geojson", features)
    assert load_boundaries(path)["name"].iloc[0] == "Mường Xén"
    lines = case_lines()
    lines[1] = lines[1].replace("China", unicodedata.normalize("NFD", "Trung Quốc"))
    cases = load_cases(write_csv(tmp_path / "cases.csv", lines), today=TODAY)
    assert cases["destination"].iloc[0] == "Trung Quốc"


def test_case_values_are_normalised(tmp_path: Path) -> None:
    lines = case_lines()
    lines[1] = lines[1].replace("forced_marriage", "Forced Marriage").replace("patrol", "PATROL")
    cases = load_cases(write_csv(tmp_path / "cases.csv", lines), today=TODAY)
    assert cases[["form", "detected_by"]].iloc[0].tolist() == ["forced_marriage", "patrol"]


# --- whole folder ---------------------------------------------------------------------------------


def test_dataset_lists_problems_from_several_files(folder: Path) -> None:
    lines = indicator_lines()
    lines[3] = f"{IDS[2]},2024,abc,5,1000"
    write_csv(folder / "indicators.csv", lines)
    cases = case_lines()
    cases[2] = cases[2].replace("forced_labour", "slavery")
    write_csv(folder / "cases.csv", cases)
    (folder / "dataset.json").write_text("{not json", encoding="utf-8")
    before = {p.name: digest(p) for p in folder.iterdir()}
    found = problems(lambda: load_dataset(folder, today=TODAY))
    assert {(p.file, p.code) for p in found} == {
        ("indicators.csv", "io.not_a_number"), ("cases.csv", "io.unknown_value"), ("dataset.json", "io.json_invalid")}
    assert {p.name: digest(p) for p in folder.iterdir()} == before  # nothing is kept or rewritten


def test_dataset_bad_boundaries_still_checks_other_files(folder: Path) -> None:
    (folder / "boundaries.geojson").write_bytes(b"")
    write_csv(folder / "indicators.csv", [INDICATOR_HEADER, f"{IDS[0]},3000,1,1,1"])
    found = problems(lambda: load_dataset(folder, today=TODAY))
    assert [(p.file, p.code) for p in found] == [
        ("boundaries.geojson", "io.file_empty"), ("indicators.csv", "io.year_out_of_range")]


def test_dataset_missing_and_ambiguous_files(tmp_path: Path) -> None:
    found = problems(lambda: load_dataset(tmp_path))
    assert [(p.file, p.code) for p in found] == [("boundaries", "io.file_missing"), ("indicators", "io.file_missing")]
    assert "boundaries.gpkg" in found[0].message("en")
    grid().to_file(tmp_path / "boundaries.geojson", driver="GeoJSON")
    write_csv(tmp_path / "indicators.csv", indicator_lines())
    write_csv(tmp_path / "indicators.xlsx", ["x"])
    only(problems(lambda: load_dataset(tmp_path)), "io.ambiguous_files")


def test_dataset_folder_must_exist(tmp_path: Path) -> None:
    only(problems(lambda: load_dataset(tmp_path / "nowhere")), "io.folder_missing")


def test_data_error_str_is_english(tmp_path: Path) -> None:
    (tmp_path / "cases.csv").write_bytes(b"")
    with pytest.raises(DataError) as info:
        load_cases(tmp_path / "cases.csv")
    assert str(info.value) == "cases.csv: the file is empty (0 bytes)."
    assert info.value.messages("vi") == ["cases.csv: tệp rỗng (0 byte)."]


# --- demo ------------------------------------------------------------------------------------------


DEMO = Path(__file__).parents[2] / "data" / "demo"


@pytest.mark.skipif(not (DEMO / "dataset.json").exists(), reason="demo dataset not built")
def test_demo_dataset_loads() -> None:
    data = load_dataset(DEMO)
    assert len(data.boundaries) == 130
    assert data.boundaries["commune_id"].is_unique and data.boundaries.crs.to_epsg() == 4326
    assert data.generated is True
    assert set(data.indicators["commune_id"]) <= set(data.boundaries["commune_id"])
    assert data.extra_indicators == [] and len(data.years) >= 2
    assert len(data.cases) and data.cases["commune_id"].notna().all()
    assert data.border is not None and data.gates is not None
