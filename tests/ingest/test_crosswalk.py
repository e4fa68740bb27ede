"""The July 2025 crosswalk: indicator and case rows keyed by pre-2025 communes converted on load and on
import, and every bad input refused with its own error (file, row, column; Vietnamese and English), the
store untouched.

The fixture: the loaders' 3x3 grid of today's communes (IDS); each has two pre-2025 units, one that kept
its code (as most new communes did) and one with its own code; old unit 02010 was split 60/40 between
the first two communes.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from risk.contracts.dataset import CROSSWALK_COLUMNS, VINTAGE_COLUMNS, dataset_checksum
from risk.ingest.folder import load_crosswalk, load_dataset
from risk.ingest.upload import ImportRejected, check_upload, import_files
from risk.store.versions import Store
from tests.ingest.test_loaders import IDS, NAMES, assert_problem, centre, folder, only, problems, write_csv  # noqa: F401

OLD_OWN = [f"0200{i}" for i in range(1, 10)]  # the second old unit of each commune
SPLIT = "02010"
OLD_NAMES = {IDS[i]: f"Xã {NAMES[i]}" for i in range(9)} | {OLD_OWN[i]: f"Xã Bản {i + 1}" for i in range(9)}
OLD_NAMES[SPLIT] = "Xã Bình Sơn"


def crosswalk_lines() -> list[str]:
    lines = ["old_commune_id,old_name,new_commune_id,weight"]
    for i, new in enumerate(IDS):
        lines += [f"{new},{OLD_NAMES[new]},{new},", f"{OLD_OWN[i]},{OLD_NAMES[OLD_OWN[i]]},{new},"]
    return lines + [f"{SPLIT},Xã Bình Sơn,{IDS[0]},0.6", f"{SPLIT},Xã Bình Sơn,{IDS[1]},0.4"]


def old_population(code: str) -> int:
    return 1000 + 10 * int(code[-2:]) + (500 if code.startswith("02") else 0)


def old_rate(code: str) -> float:
    return 5.0 + int(code[-2:]) + (10.0 if code.startswith("02") else 0.0)


def old_indicator_lines(year: int = 2023, skip: tuple[str, ...] = ()) -> list[str]:
    codes = [c for c in [*IDS, *OLD_OWN, SPLIT] if c not in skip]
    return [f"{c},{year},{old_rate(c)},{old_rate(c) / 2},{old_population(c)}" for c in codes]


def new_indicator_lines(year: int = 2024) -> list[str]:
    return [f"{cid},{year},{10 + i},{5 + i},{1000 * (i + 1)}" for i, cid in enumerate(IDS)]


INDICATOR_HEADER = "commune_id,year,poverty_rate,near_poor_rate,population"


@pytest.fixture
def reform_folder(folder: Path) -> Path:
    """The loaders' folder with 2023 keyed by the old units, 2024 by today's, and crosswalk.csv."""
    write_csv(folder / "crosswalk.csv", crosswalk_lines())
    write_csv(folder / "indicators.csv", [INDICATOR_HEADER, *old_indicator_lines(), *new_indicator_lines()])
    return folder


def expected_first_commune() -> tuple[float, float]:
    """Population and poverty rate of IDS[0] in 2023 from its parts: itself, 02001 and 60 % of 02010."""
    parts = [(IDS[0], 1.0), (OLD_OWN[0], 1.0), (SPLIT, 0.6)]
    people = [w * old_population(c) for c, w in parts]
    rate = sum(p * old_rate(c) for p, (c, _) in zip(people, parts)) / sum(people)
    return sum(people), rate


# --- reading the crosswalk ------------------------------------------------------------------------


def test_a_crosswalk_loads_with_weights_defaulting_to_one(tmp_path: Path) -> None:
    frame = load_crosswalk(write_csv(tmp_path / "crosswalk.csv", crosswalk_lines()), IDS)
    assert list(frame.columns) == list(CROSSWALK_COLUMNS)
    assert len(frame) == 20 and frame["old_commune_id"].tolist()[:2] == [IDS[0], OLD_OWN[0]]  # zeros kept
    assert frame.set_index(["old_commune_id", "new_commune_id"])["weight"].to_dict()[(SPLIT, IDS[1])] == 0.4
    assert (frame.loc[frame["old_commune_id"] != SPLIT, "weight"] == 1.0).all()


def test_the_shipped_nghe_an_crosswalk_loads_against_its_130_communes() -> None:
    from risk.demo.crosswalk import CROSSWALK_FILE
    from risk.demo.reference import REFERENCE_DIR, load_reference

    codes = load_reference().communes["code"].tolist()
    frame = load_crosswalk(REFERENCE_DIR / CROSSWALK_FILE, codes)
    assert len(frame) == 412 and frame["new_commune_id"].nunique() == 130


# --- conversion on load -----------------------------------------------------------------------------


def test_old_rows_are_converted_and_todays_pass_through(reform_folder: Path) -> None:
    ds = load_dataset(reform_folder)
    table = ds.indicators.set_index(["commune_id", "year"])
    assert sorted(ds.indicators["commune_id"].unique()) == IDS and ds.years == [2023, 2024]
    people, rate = expected_first_commune()
    assert table.loc[(IDS[0], 2023), "population"] == pytest.approx(people)
    assert table.loc[(IDS[0], 2023), "poverty_rate"] == pytest.approx(rate)
    # An old unit that went whole: sum of its two parts, rate weighted by their people.
    p = [old_population(IDS[4]), old_population(OLD_OWN[4])]
    r = [old_rate(IDS[4]), old_rate(OLD_OWN[4])]
    assert table.loc[(IDS[4], 2023), "population"] == sum(p)
    assert table.loc[(IDS[4], 2023), "poverty_rate"] == pytest.approx((p[0] * r[0] + p[1] * r[1]) / sum(p))
    # Today's rows are the file's own values.
    assert table.loc[(IDS[2], 2024), "poverty_rate"] == 12 and table.loc[(IDS[2], 2024), "population"] == 3000
    assert list(ds.vintage.columns) == list(VINTAGE_COLUMNS)
    first = ds.vintage.set_index(["part", "commune_id", "year"]).loc[("indicators", IDS[0], 2023)]
    assert (first["old_units"], first["rows"], bool(first["unweighted"])) == (3, 3, False)
    assert set(ds.vintage["year"]) == {2023} and len(ds.crosswalk) == 20


def test_a_part_without_population_gives_an_unweighted_mean_and_a_note(reform_folder: Path) -> None:
    lines = [INDICATOR_HEADER, *old_indicator_lines(), *new_indicator_lines()]
    lines[1] = f"{IDS[0]},2023,{old_rate(IDS[0])},1,"  # IDS[0]'s own old unit: no population
    write_csv(reform_folder / "indicators.csv", lines)
    ds = load_dataset(reform_folder)
    table = ds.indicators.set_index(["commune_id", "year"])
    parts = [(IDS[0], 1.0), (OLD_OWN[0], 1.0), (SPLIT, 0.6)]
    plain = sum(w * old_rate(c) for c, w in parts) / sum(w for _, w in parts)
    assert table.loc[(IDS[0], 2023), "poverty_rate"] == pytest.approx(plain)
    assert pd.isna(table.loc[(IDS[0], 2023), "population"])  # a sum with a part missing is not a sum
    flags = ds.vintage.set_index(["commune_id", "year"])["unweighted"]
    assert bool(flags[(IDS[0], 2023)]) and not bool(flags[(IDS[3], 2023)])
    _, report = check_upload(reform_folder)
    assert "crosswalk.note.unweighted" in [n.code for n in report.notes]


def test_the_check_report_says_how_many_rows_and_years_were_converted(reform_folder: Path) -> None:
    write_csv(reform_folder / "indicators.csv", [INDICATOR_HEADER, *old_indicator_lines(2022),
                                                 *old_indicator_lines(2023), *new_indicator_lines()])
    dataset, report = check_upload(reform_folder)
    assert dataset is not None, report.messages("en")
    part = report.parts["indicators"]
    assert part.converted_rows == 38 and part.converted_years == [2022, 2023]
    note = only(report.notes, "crosswalk.note.indicators_converted")
    assert "38" in note.message("en") and "2022–2023" in note.message("vi")
    assert report.parts["crosswalk"].rows_kept == 20


def test_a_dataset_without_a_crosswalk_keeps_its_checksum(folder: Path) -> None:
    before = load_dataset(folder)
    assert before.crosswalk is None and before.vintage is None
    write_csv(folder / "crosswalk.csv", crosswalk_lines())
    after = load_dataset(folder)  # a crosswalk that converts nothing: same rows, the crosswalk kept
    pd.testing.assert_frame_equal(after.indicators, before.indicators)
    assert after.vintage is None and dataset_checksum(after) != dataset_checksum(before)


# --- cases --------------------------------------------------------------------------------------------


CASE_HEADER = "case_id,date,lon,lat,commune_id,form,victims,destination,detected_by"


def test_cases_without_points_go_through_the_crosswalk_and_points_place_the_rest(reform_folder: Path) -> None:
    lon, lat = centre(1)
    write_csv(reform_folder / "cases.csv", [
        CASE_HEADER,
        f"C1,2023-03-25,,,{OLD_OWN[4]},forced_marriage,1,CN,patrol",
        f"C2,2023-05-02,,,{SPLIT},forced_labour,2,LA,patrol",  # split 60/40: goes to the larger share
        f"C3,2023-06-02,{lon},{lat},{SPLIT},other,1,LA,patrol",  # a point in IDS[1], which 02010 partly became
        f"C4,2024-01-15,,,{IDS[7]},other,1,CN,patrol",  # today's commune, another year
    ])
    ds = load_dataset(reform_folder)
    assert ds.cases.set_index("case_id")["commune_id"].to_dict() == {
        "C1": IDS[4], "C2": IDS[0], "C3": IDS[1], "C4": IDS[7]}
    cases = ds.vintage[ds.vintage["part"] == "cases"].set_index("commune_id")
    assert cases.loc[IDS[4], "rows"] == 1 and IDS[1] not in cases.index  # a point is not a conversion
    _, report = check_upload(reform_folder)
    codes = [n.code for n in report.notes]
    assert {"crosswalk.note.cases_converted", "crosswalk.note.cases_by_point", "crosswalk.note.cases_split"} <= set(codes)


def test_a_point_outside_what_its_old_commune_became_is_refused(reform_folder: Path) -> None:
    lon, lat = centre(8)
    write_csv(reform_folder / "cases.csv", [CASE_HEADER, f"C1,2023-03-25,{lon},{lat},{OLD_OWN[4]},other,1,CN,patrol"])
    problem = only(problems(lambda: load_dataset(reform_folder)), "crosswalk.point_outside_old_unit")
    assert_problem(problem, "cases.csv", 2, "commune_id")
    assert OLD_NAMES[OLD_OWN[4]] in problem.message("vi") and IDS[8] in problem.message("en")


# --- names -------------------------------------------------------------------------------------------


def test_the_importer_matches_old_names_and_tells_repeated_ones_apart_by_district(reform_folder: Path,
                                                                                  tmp_path: Path) -> None:
    lines = crosswalk_lines()
    lines = [line.replace(f",{OLD_NAMES[OLD_OWN[5]]},", ",Xã Bình Sơn,") for line in lines]  # a second Bình Sơn
    lines[0] += ",old_district"
    lines = [lines[0]] + [line + (",Anh Sơn" if line.startswith(OLD_OWN[5]) else ",Quỳnh Lưu") for line in lines[1:]]
    write_csv(reform_folder / "crosswalk.csv", lines)
    sheet = [["Tên xã", "Huyện", "Năm", "poverty_rate", "population"]]
    for code in [*IDS, *OLD_OWN, SPLIT]:
        name = "Bình Sơn" if code in (SPLIT, OLD_OWN[5]) else OLD_NAMES[code]
        district = "Anh Sơn" if code == OLD_OWN[5] else "Quỳnh Lưu"
        sheet.append([name, district, "2023", str(old_rate(code)), str(old_population(code))])
    path = write_csv(tmp_path / "ho_ngheo_2023.csv", [",".join(row) for row in sheet])
    source = {"boundaries": reform_folder / "boundaries.geojson", "crosswalk": reform_folder / "crosswalk.csv",
              "indicators": path}
    dataset, report = check_upload(source)
    assert dataset is not None, report.messages("en")
    assert report.parts["indicators"].matched_by_name == 19
    people, rate = expected_first_commune()
    row = dataset.indicators.set_index(["commune_id", "year"]).loc[(IDS[0], 2023)]
    assert row["population"] == pytest.approx(people) and row["poverty_rate"] == pytest.approx(rate)
    # Without the district the two Bình Sơn cannot be told apart.
    write_csv(path, [",".join([r[0], r[2], r[3], r[4]]) for r in sheet])
    dataset, report = check_upload(source)
    assert dataset is None
    ambiguous = [p for p in report.problems if p.code == "import.name_ambiguous"]
    assert [p.row for p in ambiguous] == [16, 20] and len(report.problems) == 2  # no "empty code" on top
    assert "02010" in ambiguous[0].message("en") and OLD_OWN[5] in ambiguous[1].message("vi")


# --- bad inputs: each with its own error, in both languages, and nothing stored ----------------------


BAD_CROSSWALKS = {
    "split_without_weights": (
        lambda: crosswalk_lines()[:-2] + [f"{SPLIT},Xã Bình Sơn,{IDS[0]},0.6", f"{SPLIT},Xã Bình Sơn,{IDS[1]},"],
        "crosswalk.split_without_weights", 21, "weight"),
    "weights_not_one": (
        lambda: crosswalk_lines()[:-2] + [f"{SPLIT},Xã Bình Sơn,{IDS[0]},0.6", f"{SPLIT},Xã Bình Sơn,{IDS[1]},0.3"],
        "crosswalk.weights_not_one", 20, "weight"),
    "unknown_new_commune": (
        lambda: crosswalk_lines() + ["03001,Xã Lạ,99999,"], "crosswalk.unknown_new_commune", 22, "new_commune_id"),
    "duplicate_row": (
        lambda: crosswalk_lines() + [f"{OLD_OWN[2]},{OLD_NAMES[OLD_OWN[2]]},{IDS[2]},"], "crosswalk.duplicate_row",
        22, None),
    "weight_out_of_range": (
        lambda: crosswalk_lines()[:-2] + [f"{SPLIT},Xã Bình Sơn,{IDS[0]},60", f"{SPLIT},Xã Bình Sơn,{IDS[1]},0.4"],
        "crosswalk.weight_out_of_range", 20, "weight"),
}


def _indicators_with(lines: list[str]) -> list[str]:
    return [INDICATOR_HEADER, *lines]


BAD_TABLES = {
    # 2024 on today's communes, plus one row of a pre-2025 commune (row 21): the year is mixed.
    "old_and_new_keys_in_one_year": (
        "indicators.csv", lambda: _indicators_with([*old_indicator_lines(), *new_indicator_lines(),
                                                    f"{OLD_OWN[8]},2024,1,1,10"]),
        "crosswalk.mixed_year_old", 30, "commune_id"),
    # 2023 on pre-2025 communes, but 01007 alone for its commune (its other part 02007 missing).
    "todays_commune_in_an_old_year": (
        "indicators.csv", lambda: _indicators_with([*old_indicator_lines(skip=(OLD_OWN[6],)), *new_indicator_lines()]),
        "crosswalk.mixed_year_new", 8, "commune_id"),
}


def _store_with_a_version(folder: Path, tmp_path: Path) -> tuple[Store, bytes]:
    store = Store(tmp_path / "var" / "store.gpkg")
    store.add_version(load_dataset(folder), label="before", user="t")
    return store, store.path.read_bytes()


@pytest.mark.parametrize("case", sorted(BAD_CROSSWALKS))
def test_a_bad_crosswalk_is_refused_by_row_and_column_and_nothing_is_stored(reform_folder: Path, tmp_path: Path,
                                                                            case: str) -> None:
    store, before = _store_with_a_version(reform_folder, tmp_path)
    lines, code, row, column = BAD_CROSSWALKS[case]
    write_csv(reform_folder / "crosswalk.csv", lines())
    problem = only(problems(lambda: load_dataset(reform_folder)), code)  # renders in vi and en (problems())
    assert_problem(problem, "crosswalk.csv", row, column)
    with pytest.raises(ImportRejected) as info:
        import_files(store, reform_folder, user="t")
    assert code in [p.code for p in info.value.report.problems]
    assert not [p for p in info.value.report.problems if p.code == "io.unknown_commune"]  # no flood of old codes
    assert store.path.read_bytes() == before and len(store.versions()) == 1


@pytest.mark.parametrize("case", sorted(BAD_TABLES))
def test_a_bad_keying_is_refused_by_row_and_column_and_nothing_is_stored(reform_folder: Path, tmp_path: Path,
                                                                         case: str) -> None:
    store, before = _store_with_a_version(reform_folder, tmp_path)
    file, lines, code, row, column = BAD_TABLES[case]
    write_csv(reform_folder / file, lines())
    found = problems(lambda: load_dataset(reform_folder))
    assert_problem(only(found, code), file, row, column)
    with pytest.raises(ImportRejected) as info:
        import_files(store, reform_folder, user="t")
    assert code in [p.code for p in info.value.report.problems]
    assert store.path.read_bytes() == before and len(store.versions()) == 1


def test_an_unknown_old_code_suggests_the_nearest_old_communes(reform_folder: Path) -> None:
    write_csv(reform_folder / "indicators.csv", _indicators_with([*old_indicator_lines(), "02011,2023,1,1,10"]))
    problem = only(problems(lambda: load_dataset(reform_folder)), "crosswalk.unknown_code")
    assert "Xã Bình Sơn (02010)" in problem.message("en") and "Xã Bình Sơn (02010)" in problem.message("vi")


def test_a_commune_given_both_ways_in_one_year_names_the_rows(reform_folder: Path) -> None:
    """2024 on today's communes, and 02009 (a part of 01009) too: 01009 is given both ways."""
    write_csv(reform_folder / "indicators.csv", BAD_TABLES["old_and_new_keys_in_one_year"][1]())
    problem = only(problems(lambda: load_dataset(reform_folder)), "crosswalk.same_commune_both")
    assert_problem(problem, "indicators.csv", 29, "commune_id")  # 01009 in 2024
    assert "30" in problem.message("en") and "30" in problem.message("vi") and NAMES[8] in problem.message("en")


# --- patrol effort -------------------------------------------------------------------------------------


def test_patrol_effort_logged_on_old_communes_is_summed_into_todays(reform_folder: Path) -> None:
    write_csv(reform_folder / "patrols.csv", ["commune_id,year,patrol_days", f"{IDS[0]},2023,4", f"{OLD_OWN[0]},2023,6",
                                              f"{SPLIT},2023,10", f"{OLD_OWN[4]},2023,2", f"{IDS[4]},2024,7"])
    ds = load_dataset(reform_folder)
    effort = ds.patrols.set_index(["commune_id", "year"])["effort"].to_dict()
    assert effort == {(IDS[0], 2023): 4 + 6 + 0.6 * 10, (IDS[1], 2023): 0.4 * 10, (IDS[4], 2023): 2.0,
                      (IDS[4], 2024): 7.0}
    assert set(ds.patrols["unit"]) == {"days"}
    patrols = ds.vintage[ds.vintage["part"] == "patrols"].set_index("commune_id")
    assert patrols.loc[IDS[0], "old_units"] == 3 and IDS[4] in patrols.index
    _, report = check_upload(reform_folder)
    assert "crosswalk.note.patrols_converted" in [n.code for n in report.notes]


def test_a_name_in_neither_side_suggests_the_nearest_of_both(reform_folder: Path, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "names.csv", ["Tên xã,Năm,poverty_rate", "Bản 44,2023,3", f"{NAMES[2]}x,2024,1"])
    source = {"boundaries": reform_folder / "boundaries.geojson", "crosswalk": reform_folder / "crosswalk.csv",
              "indicators": path}
    dataset, report = check_upload(source)
    assert dataset is None and [p.code for p in report.problems] == ["crosswalk.name_unmatched"] * 2
    old, new = report.problems
    assert (old.row, old.column) == (2, "name") and "Xã Bản 4 (02004)" in old.message("vi")
    assert NAMES[2] in new.message("en") and report.parts["indicators"].unmatched[0].name == "Bản 44"
