"""The optional patrol effort part (patrols.csv): loaded with the dataset, refused cell by cell when
wrong, stored and read back, and accepted by the upload importer with Vietnamese headers."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from risk.contracts.dataset import PATROL_COLUMNS, dataset_checksum
from risk.ingest.folder import load_dataset, load_patrols
from risk.ingest.upload import check_upload
from risk.store.versions import Store
from tests.ingest.test_loaders import IDS, NAMES, assert_problem, folder, only, problems, write_csv  # noqa: F401


def patrol_lines(header: str = "commune_id,year,patrol_days") -> list[str]:
    return [header, f"{IDS[0]},2024,12", f"{IDS[1]},2024,0", f"{IDS[4]},2024,3.5"]


def test_a_patrol_file_loads_with_its_unit(tmp_path: Path) -> None:
    frame = load_patrols(write_csv(tmp_path / "patrols.csv", patrol_lines()), IDS)
    assert list(frame.columns) == list(PATROL_COLUMNS)
    assert frame["effort"].tolist() == [12.0, 0.0, 3.5] and set(frame["unit"]) == {"days"}
    assert frame["commune_id"].tolist() == [IDS[0], IDS[1], IDS[4]]  # leading zeros kept
    hours = load_patrols(write_csv(tmp_path / "h.csv", patrol_lines("commune_id,year,patrol_hours")), IDS)
    assert set(hours["unit"]) == {"hours"}


def test_a_dataset_folder_brings_its_patrols_and_keeps_its_checksum_without(folder: Path) -> None:
    without = load_dataset(folder)
    assert without.patrols is None
    write_csv(folder / "patrols.csv", patrol_lines())
    with_effort = load_dataset(folder)
    assert len(with_effort.patrols) == 3
    assert dataset_checksum(with_effort) != dataset_checksum(without)


@pytest.mark.parametrize("lines, code, row, column", [
    (["commune_id,year,days", f"{IDS[0]},2024,1"], "io.patrol_effort_missing", None, "patrol_days"),
    (["commune_id,year,patrol_days,patrol_hours", f"{IDS[0]},2024,1,8"], "io.patrol_two_units", 1, "patrol_hours"),
    (patrol_lines() + [f"{IDS[2]},2024,-1"], "io.negative_value", 5, "patrol_days"),
    (patrol_lines() + [f"{IDS[2]},2024,"], "io.empty_value", 5, "patrol_days"),
    (patrol_lines() + [f"{IDS[2]},2024,abc"], "io.not_a_number", 5, "patrol_days"),
    (patrol_lines() + ["99999,2024,1"], "io.unknown_commune", 5, "commune_id"),
    (patrol_lines() + [f"{IDS[0]},2024,1"], "io.duplicate_commune_year", 5, None),
    (patrol_lines() + [f"{IDS[2]},1700,1"], "io.year_out_of_range", 5, "year"),
    (patrol_lines() + ["=HYPERLINK(1),2024,1"], "import.formula_in_text", 5, "commune_id"),
])
def test_a_bad_patrol_cell_is_named_by_row_and_column(tmp_path: Path, lines: list[str], code: str,
                                                       row: int | None, column: str | None) -> None:
    path = write_csv(tmp_path / "patrols.csv", lines)
    before = path.read_bytes()
    found = problems(lambda: load_patrols(path, IDS))
    assert_problem(only(found, code), "patrols.csv", row, column)
    assert path.read_bytes() == before


def test_a_bad_patrol_file_blocks_the_whole_dataset(folder: Path) -> None:
    write_csv(folder / "patrols.csv", patrol_lines() + [f"{IDS[2]},2024,-4"])
    found = problems(lambda: load_dataset(folder))
    assert only(found, "io.negative_value").file == "patrols.csv"


def test_patrols_are_stored_and_read_back_and_a_version_without_them_stays_without(folder: Path,
                                                                                     tmp_path: Path) -> None:
    store = Store(tmp_path / "var" / "store.gpkg")
    first = store.add_version(load_dataset(folder), label="no effort", user="t")
    write_csv(folder / "patrols.csv", patrol_lines())
    ds = load_dataset(folder)
    second = store.add_version(ds, label="with effort", user="t")  # the table is made on first use
    back = store.load(second)
    pd.testing.assert_frame_equal(back.patrols, ds.patrols)
    assert dataset_checksum(back) == dataset_checksum(ds)
    assert store.load(first).patrols is None
    assert store.integrity_check() == ["ok"]


def test_the_importer_reads_a_patrol_sheet_with_vietnamese_headers_and_names(folder: Path, tmp_path: Path) -> None:
    sheet = write_csv(tmp_path / "tuan_tra.csv", ["Tên xã,Năm,Số ngày tuần tra", f"Xã {NAMES[0]},2024,7",
                                                 f"{NAMES[3]},2024,2"])
    source = {"boundaries": folder / "boundaries.geojson", "indicators": folder / "indicators.csv",
              "patrols": sheet}
    dataset, report = check_upload(source)
    assert dataset is not None, [p.message("en") for p in report.problems]
    assert dataset.patrols["commune_id"].tolist() == [IDS[0], IDS[3]]
    assert dataset.patrols["effort"].tolist() == [7.0, 2.0]
    assert report.parts["patrols"].rows_kept == 2
