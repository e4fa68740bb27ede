"""Imports into the embedded store (risk/ingest/upload.py, risk/ingest/text.py, risk/store/versions.py).

Every file in tests/data/bad/ (made by tests/data/make_bad_files.py) is either
refused with its specific problems, leaving the store byte-for-byte unchanged,
or accepted with a specific detection or repair. Then: known boundary layouts,
the store as a GeoPackage GDAL can read, versions, the audit log, the CLI, and
an import killed midway.
"""
from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time
import unicodedata
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely

from risk.cli.main import main as cli_main
from risk.ingest.archives import MIB, Limits, check_zip, extract_zip
from risk.i18n import LANGUAGES
from risk.ingest.upload import ImportRejected, check_upload, import_files, name_key, parse_mapping, save_upload
from risk.contracts.dataset import CASE_COLUMNS, empty_cases
from risk.contracts.problems import Problem
from risk.ingest.folder import load_dataset
from risk.store.versions import STORE_LAYERS, Store, StoreError, append_audit
from risk.ingest.checks import ProblemLog
from risk.ingest.text import decode_text, detect_delimiter

ROOT = Path(__file__).resolve().parents[2]
BAD = ROOT / "tests" / "data" / "bad"
_spec = importlib.util.spec_from_file_location("make_bad_files", ROOT / "tests" / "data" / "make_bad_files.py")
bad = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bad)
TODAY = bad.TODAY
IDS, NAMES = bad.IDS, bad.NAMES
DEMO = ROOT / "data" / "demo"

# file -> the (code, row, column) of every problem it must give, and nothing else
REJECTED: dict[str, list[tuple[str, int | None, str | None]]] = {
    "boundaries_collapsed.geojson": [("import.geometry_unrepairable", 3, None)],
    "boundaries_empty_geometry.geojson": [("io.geometry_empty", 4, None), ("io.geometry_empty", 5, None)],
    "boundaries_duplicate_ids.geojson": [("io.duplicate_feature_id", 6, "commune_id")],
    "boundaries_utm_no_crs.geojson": [("io.crs_missing", None, None)],
    "boundaries_utm_no_prj.zip": [("io.crs_missing", None, None)],
    "boundaries_html_names.geojson": [("import.markup_in_text", 1, "name"),
                                      ("import.markup_in_text", 2, "former_district")],
    "boundaries_formula_names.geojson": [("import.formula_in_text", row, "name") for row in (1, 2, 3)],
    "boundaries_points.geojson": [("io.geometry_not_polygon", row, None) for row in range(1, 10)],
    "boundaries_unknown_layout.geojson": [("import.layout_unknown", None, None)],
    "boundaries_zip_bomb.zip": [("import.zip_ratio", None, None)],
    "boundaries_zip_slip.zip": [("import.zip_unsafe_path", None, None)] * 3,
    "boundaries_zip_no_layer.zip": [("import.zip_no_layer", None, None)],
    "boundaries_not_a_zip.zip": [("import.zip_invalid", None, None)],
    "boundaries_empty.geojson": [("io.file_empty", None, None)],
    "indicators_formulas.csv": [("import.formula_in_text", 2, "name"), ("import.formula_in_text", 3, "name")],
    "indicators_html.csv": [("import.markup_in_text", 4, "name")],
    "indicators_merged_title_no_header.xlsx": [("import.header_not_found", 1, None)],
    "indicators_unmatched_names.csv": [("import.name_unmatched_suggest", 2, "name"),
                                       ("import.name_unmatched", 4, "name")],
    "indicators_ambiguous_names.csv": [("import.name_ambiguous", 2, "name")],
    "indicators_legacy_encoding.csv": [("import.encoding_unknown", None, None)],
    "indicators_decimal_comma.csv": [("io.decimal_comma", row, "poverty_rate") for row in range(2, 11)],
    "indicators_empty.csv": [("io.file_empty", None, None)],
    "cases_future_dates.csv": [("io.date_future", 3, "date"), ("io.date_future", 4, "date")],
    "cases_outside_province.csv": [("io.point_outside", 3, None)],
    "cases_duplicate_ids.csv": [("io.duplicate_row_id", 4, "case_id")],
    "cases_formula_destination.csv": [("import.formula_in_text", 3, "destination")],
    "gates_html.csv": [("import.markup_in_text", 2, "name")],
}
# files accepted with a detection or repair; each has its own test below
ACCEPTED = {
    "boundaries_bowtie.geojson", "boundaries_vn2000_utm48n.zip", "boundaries_vn2000_tm3_10445.geojson",
    "boundaries_nfd_names.geojson", "boundaries_duplicate_names.geojson", "boundaries_utf8_no_cpg.zip",
    "boundaries_cp1258_no_cpg.zip", "indicators_semicolon.csv", "indicators_cp1258.csv", "indicators_nfd_names.csv",
    "indicators_merged_title.xlsx", "indicators_utf16.csv", "cases_three_date_formats.csv", "cases_excel_dates.xlsx",
}
PART_FILES = {"boundaries": "boundaries.geojson", "indicators": "indicators.csv", "cases": "cases.csv",
              "gates": "border_gates.csv", "border": "border.geojson", "meta": "dataset.json"}


# --- helpers ------------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def template(tmp_path_factory) -> tuple[Path, Path]:
    """The valid base dataset and a store holding it as version 1, built once."""
    root = tmp_path_factory.mktemp("template")
    folder = bad.write_base(root / "base")
    import_files(Store(root / "store.gpkg"), folder, user="admin", label="base", today=TODAY)
    return folder, root / "store.gpkg"


@pytest.fixture
def base(tmp_path: Path, template: tuple[Path, Path]) -> Path:
    return Path(shutil.copytree(template[0], tmp_path / "base"))


@pytest.fixture
def store(tmp_path: Path, template: tuple[Path, Path]) -> Store:
    """A store holding the valid base dataset as version 1 (active)."""
    return Store(shutil.copyfile(template[1], tmp_path / "store.gpkg"))


def files_with(base: Path, name: str) -> dict[str, Path]:
    """The base dataset's files with one part replaced by a file from tests/data/bad."""
    files = {part: base / file for part, file in PART_FILES.items()}
    part = "gates" if name.startswith("gates") else name.split("_")[0]
    files[part] = BAD / name
    if name == "indicators_ambiguous_names.csv":
        files["boundaries"] = BAD / "boundaries_duplicate_names.geojson"
    return files


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def snapshot(store: Store) -> tuple[list[dict], str]:
    return store.versions().to_dict("records"), digest(store.path)


def assert_renders(problem: Problem) -> None:
    """A full sentence in each language, naming the file, row and column, no {placeholder} left."""
    for lang in LANGUAGES:
        text = problem.message(lang)
        assert text.startswith(problem.file), text
        assert not re.search(r"\{[A-Za-z_]+\}", text), text
        if problem.row is not None:
            assert str(problem.row) in text
        if problem.column is not None:
            assert problem.column in text
        assert text.rstrip().endswith((".", "?")), text


def accept(store: Store, files: dict[str, Path], **options):
    """Import that must succeed; returns the report and the stored Dataset."""
    report = import_files(store, files, user="tester", today=TODAY, **options)
    for note in report.notes:
        assert_renders(note)
    return report, store.load(report.version_id)


def notes(report, code: str) -> list[Problem]:
    return [n for n in report.notes if n.code == code]


# --- every hostile file -------------------------------------------------------------------------------------


def test_every_bad_file_is_generated_committed_and_tested() -> None:
    committed = {p.name for p in BAD.iterdir()}
    assert len(committed) >= 25
    assert committed == set(bad.FILES) == set(REJECTED) | ACCEPTED
    assert not set(REJECTED) & ACCEPTED


def _content(path: Path) -> object:
    """A file's content: bytes, or for an archive its members (compressors may differ between zlib versions)."""
    if path.suffix in (".zip", ".xlsx") and zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            return [(i.filename, i.CRC, i.file_size, i.date_time) for i in archive.infolist()]
    return path.read_bytes()


def test_bad_files_are_reproducible(tmp_path: Path) -> None:
    for path in bad.write_all(tmp_path / "again"):
        assert _content(path) == _content(BAD / path.name), path.name


@pytest.mark.parametrize("name", sorted(REJECTED))
def test_bad_file_is_rejected_and_store_unchanged(name: str, store: Store, base: Path) -> None:
    before = snapshot(store)
    with pytest.raises(ImportRejected) as info:
        import_files(store, files_with(base, name), user="tester", today=TODAY)
    found = info.value.problems
    assert sorted((p.code, p.row or 0, p.column or "") for p in found) == sorted(
        (c, r or 0, col or "") for c, r, col in REJECTED[name])
    assert {p.file for p in found} == {name}
    for problem in found:
        assert_renders(problem)
    assert info.value.report.version_id is None and not info.value.report.ok
    assert snapshot(store) == before  # the versions table and every byte of the file


def test_zip_slip_names_each_member_and_writes_nothing(tmp_path: Path) -> None:
    log = ProblemLog("boundaries_zip_slip.zip")
    dest = tmp_path / "deep" / "dest"
    dest.mkdir(parents=True)
    assert extract_zip(BAD / "boundaries_zip_slip.zip", dest, log, Limits()) is None
    assert [p.params["member"] for p in log.problems] == ["../evil.geojson", "/tmp/absolute.geojson",
                                                        "ok/../../evil2.geojson"]
    assert not any(dest.iterdir()) and not (tmp_path / "deep" / "evil.geojson").exists()


def test_zip_bomb_is_refused_from_the_directory_alone() -> None:
    log = ProblemLog("bomb.zip")
    started = time.perf_counter()
    assert check_zip(BAD / "boundaries_zip_bomb.zip", log, Limits()) is None
    assert time.perf_counter() - started < 1  # nothing was decompressed
    assert log.problems[0].params["ratio"] == "1029"
    small = Limits(max_unzipped_bytes=100 * MIB)
    log = ProblemLog("bomb.zip")
    check_zip(BAD / "boundaries_zip_bomb.zip", log, small)
    assert [p.code for p in log.problems] == ["import.zip_too_large", "import.zip_ratio"]


def test_zip_expanding_past_the_limit_is_refused(store: Store, base: Path) -> None:
    before = snapshot(store)
    files = files_with(base, "boundaries_vn2000_utm48n.zip")
    with pytest.raises(ImportRejected) as info:
        import_files(store, files, user="tester", today=TODAY, limits=Limits(max_unzipped_bytes=1000))
    assert info.value.report.problems[0].code == "import.zip_too_large"
    assert snapshot(store) == before


def test_file_over_the_upload_limit(store: Store, base: Path, tmp_path: Path, monkeypatch) -> None:
    before = snapshot(store)
    big = tmp_path / "indicators.csv"
    with open(big, "wb") as handle:  # sparse: the limit is checked before anything is read
        handle.truncate(51 * MIB)
    files = {**files_with(base, "indicators_semicolon.csv"), "indicators": big}
    with pytest.raises(ImportRejected) as info:
        import_files(store, files, user="tester", today=TODAY)  # default RISK_MAX_UPLOAD_MB: 50
    problem = info.value.problems[0]
    assert (problem.code, problem.params) == ("import.file_too_large", {"size_mb": "51.0", "limit_mb": "50.0"})
    monkeypatch.setenv("RISK_MAX_UPLOAD_MB", "0.001")  # 1 kB: the setting is honoured
    with pytest.raises(ImportRejected) as info:
        import_files(store, base, user="tester", today=TODAY)
    assert {p.code for p in info.value.problems} == {"import.file_too_large"}
    assert snapshot(store) == before


# --- accepted with a repair or a detection ------------------------------------------------------------------


def test_bowtie_is_repaired_and_reported(store: Store, base: Path) -> None:
    report, data = accept(store, files_with(base, "boundaries_bowtie.geojson"))
    [repair] = report.parts["boundaries"].repairs
    assert (repair.feature, repair.commune_id, repair.before, repair.after) == (2, IDS[1], "Polygon", "MultiPolygon")
    assert repair.reason.startswith("Self-intersection")
    [note] = notes(report, "import.note.geometry_repaired")
    assert note.row == 2 and "Self-intersection" in note.message("vi")
    shape = data.boundaries.geometry.iloc[1]
    assert shape.is_valid and shapely.get_num_geometries(shape) == 2
    assert shape.area == pytest.approx(0.1 * 0.1 / 2)


def test_bowtie_without_repair_is_an_error(base: Path) -> None:
    dataset, report = check_upload(files_with(base, "boundaries_bowtie.geojson"), today=TODAY, repair=False)
    assert dataset is None and [p.code for p in report.problems] == ["io.geometry_invalid"]


def _metres(geoms) -> np.ndarray:
    return gpd.GeoSeries(geoms, crs="EPSG:4326").to_crs(32648).geometry.array


NO_DATUM_SHIFT = {3405: "EPSG:32648", 9208: "+proj=tmerc +lon_0=104.75 +k=0.9999 +x_0=500000 +datum=WGS84 +units=m"}


@pytest.mark.parametrize("name, epsg", [("boundaries_vn2000_utm48n.zip", 3405),
                                        ("boundaries_vn2000_tm3_10445.geojson", 9208)])
def test_vn2000_lands_within_metres_of_the_truth(name: str, epsg: int, store: Store, base: Path) -> None:
    report, data = accept(store, files_with(base, name))
    part = report.parts["boundaries"]
    assert part.crs_epsg == epsg and "VN-2000 to WGS 84" in part.reprojection
    assert notes(report, "import.note.reprojected") and not notes(report, "import.note.crs_ballpark")
    truth = _metres([shapely.box(*bad.cell_bounds(i)) for i in range(9)])
    error = shapely.hausdorff_distance(_metres(data.boundaries.geometry.array), truth)
    assert error.max() < 3  # metres
    # the datum shift matters: read as if it were WGS 84, the same numbers are ~200 m off
    raw = gpd.read_file(BAD / name).set_crs(NO_DATUM_SHIFT[epsg], allow_override=True).to_crs(4326)
    assert shapely.hausdorff_distance(_metres(raw.geometry.array), truth).min() > 100


def test_nfd_boundary_names_come_back_nfc(store: Store, base: Path) -> None:
    _, data = accept(store, files_with(base, "boundaries_nfd_names.geojson"))
    expected = [("Xã " if i % 2 else "") + n for i, n in enumerate(NAMES)]
    assert data.boundaries["name"].tolist() == expected
    assert all(unicodedata.is_normalized("NFC", n) for n in data.boundaries["name"])


@pytest.mark.parametrize("name, encoding", [("boundaries_utf8_no_cpg.zip", "UTF-8"),
                                            ("boundaries_cp1258_no_cpg.zip", "Windows-1258")])
def test_shapefile_without_cpg_keeps_vietnamese(name: str, encoding: str, store: Store, base: Path) -> None:
    report, data = accept(store, files_with(base, name))
    assert report.parts["boundaries"].encoding == encoding
    assert notes(report, "import.note.dbf_encoding")[0].params == {"encoding": encoding}
    assert data.boundaries["name"].tolist() == NAMES
    assert set(data.boundaries["former_district"]) == {"Kỳ Sơn"}  # from the 10-letter 'former_dis'


def test_semicolon_csv_is_detected(store: Store, base: Path) -> None:
    report, data = accept(store, files_with(base, "indicators_semicolon.csv"))
    assert report.parts["indicators"].delimiter == "semicolon"
    assert notes(report, "import.note.delimiter")[0].params == {"delimiter": ";"}
    assert data.indicators["commune_id"].tolist() == IDS and data.indicators["poverty_rate"].iloc[0] == 10


def test_cp1258_csv_is_detected_and_names_matched(store: Store, base: Path) -> None:
    report, data = accept(store, files_with(base, "indicators_cp1258.csv"))
    part = report.parts["indicators"]
    assert (part.encoding, part.matched_by_name, part.unmatched) == ("Windows-1258", 9, [])
    assert data.indicators["commune_id"].tolist() == IDS


def test_nfd_names_without_ids_are_matched(store: Store, base: Path) -> None:
    report, data = accept(store, files_with(base, "indicators_nfd_names.csv"))
    assert report.parts["indicators"].matched_by_name == 9
    assert data.indicators["commune_id"].tolist() == IDS
    assert data.indicators["poverty_rate"].tolist() == [10.5 + i for i in range(9)]


def test_utf16_csv_is_detected(store: Store, base: Path) -> None:
    report, data = accept(store, files_with(base, "indicators_utf16.csv"))
    assert (report.parts["indicators"].encoding, report.parts["indicators"].delimiter) == ("UTF-16", "tab")
    assert data.indicators["population"].tolist() == [1000.0 * (i + 1) for i in range(9)]


def test_xlsx_header_under_a_merged_title_is_found(store: Store, base: Path) -> None:
    report, data = accept(store, files_with(base, "indicators_merged_title.xlsx"))
    part = report.parts["indicators"]
    assert part.header_row == 3 and part.columns == {"commune_id": "Mã xã", "year": "Năm"}
    assert notes(report, "import.note.header_row")[0].row == 3
    assert data.indicators["commune_id"].tolist() == IDS and data.indicators["poverty_rate"].iloc[2] == 12.5


def test_header_not_found_names_the_title_row(base: Path) -> None:
    _, report = check_upload(files_with(base, "indicators_merged_title_no_header.xlsx"), today=TODAY)
    [problem] = report.problems
    assert problem.params["value"].startswith("BÁO CÁO") and "row 1" in problem.message("en")


def test_names_get_the_closest_commune_as_suggestion(base: Path) -> None:
    _, report = check_upload(files_with(base, "indicators_unmatched_names.csv"), today=TODAY)
    part = report.parts["indicators"]
    assert [(m.row, m.name, m.suggestion, m.suggestion_id) for m in part.unmatched] == [
        (2, "Muong Xen", "Mường Xén", IDS[0]), (4, "Xã Không Có Thật", None, None)]
    assert part.matched_by_name == 1  # "Xã Tà Cạ" without its prefix
    assert "Mường Xén" in report.problems[0].message("vi")


def test_repeated_names_are_told_apart_by_district(base: Path) -> None:
    _, report = check_upload(files_with(base, "indicators_ambiguous_names.csv"), today=TODAY)
    assert report.parts["indicators"].matched_by_name == 2
    assert "01006" in report.problems[0].params["candidates"] and "01009" in report.problems[0].params["candidates"]


@pytest.mark.parametrize("name", ["cases_three_date_formats.csv", "cases_excel_dates.xlsx"])
def test_dates_in_every_format_parse(name: str, store: Store, base: Path) -> None:
    report, data = accept(store, files_with(base, name))
    assert data.cases["date"].tolist() == [pd.Timestamp("2024-03-25")] * 3
    assert data.cases["commune_id"].tolist() == IDS[:3]  # filled from the points
    if name.endswith(".xlsx"):
        assert notes(report, "import.note.excel_serial_dates")[0].params == {"count": 1}


@pytest.mark.parametrize("header", ["case_id,date,lon,lat,commune_id,form,victims,destination,detected_by",
                                    "Mã vụ việc;Ngày;Mã xã;Hình thức;Số nạn nhân;Phát hiện bởi"])
def test_header_only_cases_upload_is_a_year_without_cases(header: str, store: Store, base: Path,
                                                          tmp_path: Path) -> None:
    empty = tmp_path / "cases.csv"
    empty.write_text(header + "\n", encoding="utf-8")
    files = {**{part: base / file for part, file in PART_FILES.items()}, "cases": empty}
    dataset, report = check_upload(files, today=TODAY)
    assert report.ok, report.messages("en")
    assert report.parts["cases"].rows_read == 0 and report.parts["cases"].rows_kept == 0
    assert dataset.cases.empty and list(dataset.cases.columns) == list(CASE_COLUMNS)
    assert dataset.cases.dtypes.to_dict() == empty_cases().dtypes.to_dict()
    report, data = accept(store, files)
    assert data.cases.empty and store.versions().set_index("id").at[report.version_id, "cases"] == 0


def test_header_only_cases_upload_still_needs_the_columns(base: Path, tmp_path: Path) -> None:
    empty = tmp_path / "cases.csv"
    empty.write_text("case_id,date,commune_id,form,victims\n", encoding="utf-8")
    files = {**{part: base / file for part, file in PART_FILES.items()}, "cases": empty}
    dataset, report = check_upload(files, today=TODAY)
    assert dataset is None and [(p.code, p.column) for p in report.problems] == [("io.missing_column", "detected_by")]


def test_unknown_layout_imports_with_a_mapping(store: Store, base: Path) -> None:
    files = files_with(base, "boundaries_unknown_layout.geojson")
    mapping = parse_mapping(["commune_id=MA_XA", "name=ten_xa", "former_district=HUYEN"])
    report, data = accept(store, files, mapping=mapping)
    assert report.parts["boundaries"].layout == "mapping"
    assert data.boundaries[["commune_id", "name"]].values.tolist() == [list(p) for p in zip(IDS, NAMES)]
    _, report = check_upload(files, mapping={"boundaries": {"commune_id": "MA", "nam": "TEN_XA"}}, today=TODAY)
    assert sorted(p.code for p in report.problems) == ["import.mapping_column_missing", "import.mapping_target_unknown"]


# --- known layouts ------------------------------------------------------------------------------------------


def _layout_file(path: Path, columns: dict[str, list]) -> Path:
    frame = gpd.GeoDataFrame(columns, geometry=[shapely.box(*bad.cell_bounds(i)) for i in range(9)], crs=4326)
    frame.to_file(path, driver="GPKG" if path.suffix == ".gpkg" else "GeoJSON")
    return path


LAYOUT_CASES = {
    "GADM level 3": {
        "GID_0": ["VNM"] * 9, "NAME_0": ["Vietnam"] * 9, "GID_1": ["VNM.40_1"] * 9, "NAME_1": ["Nghệ An"] * 9,
        "GID_2": ["VNM.40.9_1"] * 9, "NAME_2": ["Kỳ Sơn"] * 9, "GID_3": [f"VNM.40.9.{i}_1" for i in range(1, 10)],
        "NAME_3": NAMES, "VARNAME_3": ["NA"] * 9, "TYPE_3": ["Xã"] * 9, "ENGTYPE_3": ["Commune"] * 9,
        "CC_3": ["NA"] * 9},
    "HDX COD-AB level 3": {
        "ADM3_EN": [unicodedata.normalize("NFD", n) for n in NAMES], "ADM3_VI": ["Xã " + n for n in NAMES],
        "ADM3_PCODE": [f"VN4090{i}" for i in range(1, 10)], "ADM2_EN": ["Ky Son"] * 9, "ADM2_VI": ["Kỳ Sơn"] * 9,
        "ADM2_PCODE": ["VN409"] * 9, "ADM1_EN": ["Nghe An"] * 9, "ADM1_VI": ["Nghệ An"] * 9,
        "Shape_Leng": [0.4] * 9, "Shape_Area": [0.01] * 9},
    "geoBoundaries": {
        "shapeName": NAMES, "shapeISO": [""] * 9, "shapeID": [f"12345B{i}" for i in range(1, 10)],
        "shapeGroup": ["VNM"] * 9, "shapeType": ["ADM3"] * 9},
    "GADM level 2": {
        "GID_0": ["VNM"] * 9, "GID_1": ["VNM.40_1"] * 9, "NAME_1": ["Nghệ An"] * 9,
        "GID_2": [f"VNM.40.{i}_1" for i in range(1, 10)], "NAME_2": NAMES, "TYPE_2": ["Huyện"] * 9},
}


@pytest.mark.parametrize("layout", sorted(LAYOUT_CASES))
def test_known_layouts_import_without_a_mapping(layout: str, store: Store, base: Path, tmp_path: Path) -> None:
    columns = LAYOUT_CASES[layout]
    path = _layout_file(tmp_path / ("layout.gpkg" if "HDX" in layout else "layout.geojson"), columns)
    files = {"boundaries": path, "indicators": BAD / "indicators_nfd_names.csv"}  # names only: matched by name
    report, data = accept(store, files)
    assert report.parts["boundaries"].layout == layout
    assert len(notes(report, "import.note.foreign_ids")) == (layout != "HDX COD-AB level 3")
    assert data.boundaries["name"].map(name_key).tolist() == [name_key(n) for n in NAMES]
    assert data.indicators["commune_id"].tolist() == data.boundaries["commune_id"].tolist()
    if layout.endswith("level 3"):
        assert set(data.boundaries["former_district"]) == {"Kỳ Sơn"}
        assert set(data.boundaries["province"]) == {"Nghệ An"}


# --- the store ----------------------------------------------------------------------------------------------


def test_store_is_a_geopackage_gdal_and_qgis_read(store: Store, base: Path) -> None:
    import_files(store, files_with(base, "boundaries_bowtie.geojson"), user="tester", today=TODAY)
    layers = dict(pyogrio.list_layers(store.path))
    assert set(STORE_LAYERS) <= set(layers)
    assert {layers[p] for p in ("boundaries", "boundaries_active")} == {"MultiPolygon"}
    assert (layers["cases"], layers["border"], layers["gates"]) == ("Point", "MultiLineString", "Point")
    info = pyogrio.read_info(store.path, layer="boundaries")
    assert info["crs"] == "EPSG:4326" and info["features"] == 18
    old = pyogrio.read_dataframe(store.path, layer="boundaries", where="version_id = 1")
    assert old["commune_id"].tolist() == IDS and old.geometry.is_valid.all()
    active = pyogrio.read_dataframe(store.path, layer="boundaries_active")
    assert set(active["version_id"]) == {2}
    cases = pyogrio.read_dataframe(store.path, layer="cases_active")
    assert str(cases["date"].iloc[0])[:10] == "2024-03-25"
    with sqlite3.connect(store.path) as con:
        assert con.execute("PRAGMA application_id").fetchone()[0] == 0x47504B47  # 'GPKG'
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        extent = con.execute("SELECT min_x, min_y, max_x, max_y FROM gpkg_contents WHERE table_name = 'boundaries'")
        assert extent.fetchone() == pytest.approx((104.5, 19.0, 104.8, 19.3))
        assert con.execute("SELECT count(*) FROM rtree_boundaries_geom").fetchone()[0] == 18
    assert store.integrity_check() == ["ok"]


@pytest.mark.skipif(not (DEMO / "dataset.json").exists(), reason="demo dataset not built")
def test_demo_round_trips_exactly(tmp_path: Path) -> None:
    target = Store(tmp_path / "demo.gpkg")
    report = import_files(target, DEMO, user="admin")
    data, expected = target.load(), load_dataset(DEMO)
    assert data.stored.id == report.version_id and data.generated and data.name == expected.name
    pd.testing.assert_frame_equal(data.indicators, expected.indicators)
    pd.testing.assert_frame_equal(data.cases, expected.cases)
    pd.testing.assert_frame_equal(pd.DataFrame(data.boundaries.drop(columns="geometry")),
                                  pd.DataFrame(expected.boundaries.drop(columns="geometry")))
    assert shapely.equals_exact(data.boundaries.geometry.array, expected.boundaries.geometry.array, 0).all()
    assert data.border.drop(columns="geometry").equals(expected.border.drop(columns="geometry"))
    assert shapely.equals_exact(data.border.geometry.array, expected.border.geometry.array, 0).all()
    assert data.gates.equals(expected.gates)


def test_versions_compare_and_activate_an_earlier_one(store: Store, base: Path, tmp_path: Path) -> None:
    cases = pd.read_csv(base / "cases.csv", dtype=str).iloc[:1]
    fewer = tmp_path / "fewer_cases.csv"
    cases.to_csv(fewer, index=False)
    second = import_files(store, {**files_with(base, "indicators_semicolon.csv"), "cases": fewer},
                                  user="planner", label="fewer cases", today=TODAY).version_id
    assert second == 2 and store.active_version() == 2
    table = store.versions()
    assert table["id"].tolist() == [2, 1] and table["active"].tolist() == [True, False]
    assert table[["label", "user", "cases"]].values.tolist() == [["fewer cases", "planner", 1], ["base", "admin", 3]]
    diff = store.compare(1, 2)
    assert diff.loc["cases"].tolist() == [3, 1, -2] and diff.loc["boundaries"].tolist() == [9, 9, 0]
    assert diff.loc["communes_added"].tolist() == [0, 0, 0]
    store.activate(1, user="admin")
    assert store.active_version() == 1 and len(store.load().cases) == 3 and len(store.load(2).cases) == 1
    actions = store.audit()[["user", "action"]].values.tolist()
    assert actions == [["admin", "activate"], ["planner", "import"], ["admin", "import"]]
    assert store.audit(action="activate")["details"].iloc[0] == {"version": 1, "label": "base", "previous": 2}
    with pytest.raises(StoreError) as info:
        store.activate(7, user="admin")
    assert info.value.code == "store.version_unknown" and "7" in info.value.message("vi")


def test_same_files_again_are_flagged(store: Store, base: Path) -> None:
    report = import_files(store, base, user="admin", today=TODAY)
    assert notes(report, "import.note.same_as_version")[0].params == {"version": 1}


def test_audit_log_is_append_only(store: Store) -> None:
    first = append_audit(store.path, "official", "export", {"format": "xlsx", "what": "priority list"}, rows=130)
    store.append_audit("commander", "export", {"format": "geojson"}, rows=12)
    log = store.audit(action="export")
    assert log["user"].tolist() == ["commander", "official"] and log["rows"].tolist() == [12, 130]
    assert store.audit(user="official")["details"].iloc[0] == {"format": "xlsx", "what": "priority list"}
    assert len(store.audit(since="2000-01-01", until="2000-01-02")) == 0
    assert not any(hasattr(store, name) for name in ("update_audit", "delete_audit", "clear_audit"))
    with sqlite3.connect(store.path) as con:
        for sql in ("UPDATE audit_log SET user = 'x'", f"DELETE FROM audit_log WHERE id = {first}",
                    "DELETE FROM versions"):
            with pytest.raises(sqlite3.IntegrityError):
                con.execute(sql)


def test_model_runs_are_kept_with_their_version(store: Store) -> None:
    run = store.record_model_run(1, "logistic", {"seed": 0, "drop": ["ethnic_minority_share"]}, {"auc": 0.71},
                                 user="planner")
    runs = store.model_runs(version_id=1)
    assert runs["id"].tolist() == [run] and runs["metrics"].iloc[0] == {"auc": 0.71}
    with pytest.raises(StoreError):
        store.record_model_run(9, "logistic", {}, {})


def test_reading_never_creates_a_store(tmp_path: Path) -> None:
    missing = Store(tmp_path / "nowhere" / "store.gpkg")
    assert missing.versions().empty and missing.active_version() is None and missing.audit().empty
    with pytest.raises(StoreError) as info:
        missing.load()
    assert info.value.code == "store.no_active_version"
    assert not missing.path.exists() and not missing.path.parent.exists()
    other = tmp_path / "other.gpkg"
    gpd.GeoDataFrame({"a": [1]}, geometry=[shapely.Point(0, 0)], crs=4326).to_file(other)
    with pytest.raises(StoreError) as info:
        Store(other).versions()
    assert info.value.code == "store.not_a_store"


def test_store_path_comes_from_settings(tmp_path: Path) -> None:
    assert Store().path == tmp_path / "store.gpkg"  # conftest sets RISK_STORE


def test_failure_inside_the_transaction_rolls_back(store: Store, base: Path, monkeypatch) -> None:
    import risk.store.versions as store_module

    before = snapshot(store)

    def fail(stage: str) -> None:
        if stage == "cases":
            raise RuntimeError("disk full")

    monkeypatch.setattr(store_module, "_checkpoint", fail)
    with pytest.raises(RuntimeError):
        import_files(store, files_with(base, "indicators_semicolon.csv"), user="tester", today=TODAY)
    assert store.versions().to_dict("records") == before[0] and store.active_version() == 1
    with sqlite3.connect(store.path) as con:
        assert con.execute("SELECT count(*) FROM boundaries WHERE version_id <> 1").fetchone() == (0,)
    assert store.integrity_check() == ["ok"]


# --- an import killed midway --------------------------------------------------------------------------------

_KILLED_IMPORT = """
import os, sys, time
from pathlib import Path
import risk.store.versions as store_module
from risk.ingest.upload import import_files
stage, marker, store_path, folder, cache_kib = sys.argv[1:6]
store_module.WRITE_CACHE_KIB = int(cache_kib)

def pause(name):
    if name == stage:
        Path(marker).write_text(str(os.getpid()))
        time.sleep(120)

store_module._checkpoint = pause
import_files(store_module.Store(store_path), folder, user="killed", label="never")
"""


def _large_dataset(folder: Path, side: int = 30) -> Path:
    """side x side communes, three years of indicators, a case in every tenth commune."""
    folder.mkdir()
    ids = [f"9{i:05d}" for i in range(side * side)]
    cells = [shapely.box(104.0 + 0.01 * (i % side), 19.0 + 0.01 * (i // side),
                         104.01 + 0.01 * (i % side), 19.01 + 0.01 * (i // side)) for i in range(side * side)]
    gpd.GeoDataFrame({"commune_id": ids, "name": [f"Xã {i}" for i in range(len(ids))]}, geometry=cells,
                     crs=4326).to_file(folder / "boundaries.geojson", driver="GeoJSON")
    rows = [f"{cid},{year},{(i * 7 + year) % 100},{1000 + i}"
            for i, cid in enumerate(ids) for year in (2022, 2023, 2024)]
    (folder / "indicators.csv").write_text("commune_id,year,poverty_rate,population\n" + "\n".join(rows) + "\n")
    cases = [f"K{i},2024-01-{1 + i % 28:02d},,,{cid},other,1,China,patrol" for i, cid in enumerate(ids) if i % 10 == 0]
    (folder / "cases.csv").write_text("case_id,date,lon,lat,commune_id,form,victims,destination,detected_by\n"
                                      + "\n".join(cases) + "\n")
    return folder


@pytest.mark.parametrize("stage, cache_kib", [("indicators", 64), ("commit", 64), ("cases", 65536)])
def test_killed_import_leaves_the_previous_version(stage: str, cache_kib: int, store: Store, tmp_path: Path) -> None:
    """SIGKILL inside the write transaction. With a small page cache SQLite has
    already overwritten pages of the file, so recovery really needs the journal."""
    before = snapshot(store)
    folder = _large_dataset(tmp_path / "large")
    marker = tmp_path / "writing"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-c", _KILLED_IMPORT, stage, str(marker), str(store.path), str(folder),
                             str(cache_kib)], env=env, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not marker.exists():
        assert proc.poll() is None, proc.stderr.read().decode()
        assert time.monotonic() < deadline, "the import never reached its write transaction"
        time.sleep(0.05)
    proc.kill()  # SIGKILL: no cleanup of any kind
    proc.wait()
    proc.stderr.close()
    journal = store.path.with_name(store.path.name + "-journal")
    assert journal.exists()  # the transaction was in flight
    if cache_kib < 1024:
        assert digest(store.path) != before[1]  # pages were already written into the file: a hot journal
        assert store.integrity_check() == ["ok"]  # the first connection rolled the journal back
        assert not journal.exists()
    else:
        assert digest(store.path) == before[1]  # nothing reached the file before the commit
        assert store.integrity_check() == ["ok"]
    assert store.versions().to_dict("records") == before[0] and store.active_version() == 1
    with sqlite3.connect(store.path) as con:
        for part in ("boundaries", "indicators", "cases"):
            assert con.execute(f"SELECT count(*) FROM {part} WHERE version_id <> 1").fetchone() == (0,)
    assert store.load().boundaries["commune_id"].tolist() == IDS
    assert import_files(store, folder, user="again").version_id == 2  # and the store still works


# --- command line -------------------------------------------------------------------------------------------


def test_cli_import_versions_activate(tmp_path: Path, base: Path, capsys) -> None:
    path = str(tmp_path / "cli.gpkg")
    assert cli_main(["import", "--data", str(base), "--store", path, "--label", "đầu tiên", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["ok"], out["version"], out["errors"]) == (True, 1, [])
    assert out["report"]["parts"]["boundaries"]["rows_kept"] == 9
    args = ["import", "--boundaries", str(base / "boundaries.geojson"), "--indicators",
            str(BAD / "indicators_formulas.csv"), "--store", path, "--json", "--lang", "en"]
    assert cli_main(args) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["ok"] is False and out["version"] is None
    assert out["errors"][0] == {"file": "indicators_formulas.csv", "row": 2, "column": "name",
                                "code": "import.formula_in_text",
                                "message": out["errors"][0]["message"]}
    assert out["errors"][0]["message"].startswith("indicators_formulas.csv, row 2, column name:")
    args = ["import", "--boundaries", str(BAD / "boundaries_unknown_layout.geojson"), "--indicators",
            str(base / "indicators.csv"), "--store", path, "--map", "commune_id=MA_XA", "--map", "name=TEN_XA"]
    assert cli_main(args) == 0
    assert capsys.readouterr().out.startswith("ok: true\nversion: 2\n")
    assert cli_main(["versions", "--store", path, "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(v["id"], v["active"], v["label"]) for v in listed] == [
        (2, True, "boundaries_unknown_layout.geojson"), (1, False, "đầu tiên")]
    assert cli_main(["activate", "1", "--store", path, "--user", "admin", "--lang", "en"]) == 0
    assert capsys.readouterr().out.strip() == "Version 1 is now the active one."
    assert cli_main(["versions", "--store", path]) == 0
    assert re.search(r"^\*\s+1\s", capsys.readouterr().out, re.MULTILINE)
    assert cli_main(["activate", "9", "--store", path]) == 2


def test_cli_rejection_in_text_lists_errors(tmp_path: Path, base: Path, capsys) -> None:
    args = ["import", "--data", str(base), "--cases", str(BAD / "cases_future_dates.csv"),
            "--store", str(tmp_path / "s.gpkg")]
    with pytest.raises(SystemExit):  # --data and single files do not mix
        cli_main(args)
    capsys.readouterr()
    args = ["import", "--boundaries", str(base / "boundaries.geojson"), "--indicators", str(base / "indicators.csv"),
            "--cases", str(BAD / "cases_outside_province.csv"), "--store", str(tmp_path / "s.gpkg"), "--lang", "vi"]
    assert cli_main(args) == 1
    out = capsys.readouterr().out
    assert out.startswith("ok: false\nversion: -\n") and "cases_outside_province.csv, dòng 3" in out
    assert not (tmp_path / "s.gpkg").exists()  # a rejected first import creates no store


# --- small pieces -------------------------------------------------------------------------------------------


def test_detections() -> None:
    assert detect_delimiter("a;b;c\n1;2,5;3\n") == ";"
    assert detect_delimiter('name,value\n"Xã A; B",1\n') == ","
    assert detect_delimiter("a\tb\n1\t2\n") == "\t"
    log = ProblemLog("x.csv")
    assert decode_text("\ufeffTên xã".encode("utf-8"), log) == ("Tên xã", "UTF-8 (BOM)")
    assert decode_text(bad.cp1258("Mường Xén"), log) == ("Mường Xén", "Windows-1258")
    assert not log
    assert name_key("  XÃ  Mường   Xén ") == name_key("Mường Xén") == "mường xén"
    assert name_key("Thị trấn Mường Xén") == name_key("Phường Mường Xén") == "mường xén"


def test_uploads_are_saved_under_safe_names(tmp_path: Path) -> None:
    for sent, kept in [("C:\\Users\\a\\..\\Chỉ tiêu 2024.xlsx", "Chỉ tiêu 2024.xlsx"), ("../../etc/passwd", "passwd"),
                       ("..", "upload"), ("ranh<giới>.geojson", "ranh_giới_.geojson")]:
        path = save_upload(sent, b"x", tmp_path)
        assert path.parent == tmp_path and path.name == kept


def test_compare_sees_edited_values_with_the_same_row_counts(store: Store, base: Path, tmp_path: Path) -> None:
    indicators = pd.read_csv(base / "indicators.csv", dtype=str)
    indicators.loc[0, "poverty_rate"] = "55.5"  # one value edited, same rows
    edited = tmp_path / "indicators.csv"
    indicators.to_csv(edited, index=False)
    cases = pd.read_csv(base / "cases.csv", dtype=str)
    cases.loc[0, "victims"] = "9"
    edited_cases = tmp_path / "cases.csv"
    cases.to_csv(edited_cases, index=False)
    files = {part: base / file for part, file in PART_FILES.items()}
    second = import_files(store, {**files, "indicators": edited, "cases": edited_cases},
                          user="admin", label="edited", today=TODAY).version_id
    diff = store.compare(1, second)
    assert diff.loc["indicators", "change"] == 0 and diff.loc["cases", "change"] == 0
    assert diff.loc["indicator_values_changed", "change"] == 1
    assert diff.loc["cases_changed", "change"] == 1 and diff.loc["communes_changed", "change"] == 0
    same = store.compare(1, 1)
    assert same.loc[["indicator_values_changed", "cases_changed", "communes_changed"], "change"].tolist() == [0, 0, 0]
