"""One CSV reader: dataset folders decode and sniff CSV files exactly like uploads.

A copy of the demo folder is rewritten as Windows-1258 with ';' separators, or
as UTF-16, and must load with the same values as the UTF-8, comma-separated
original; undecodable bytes are refused with a problem naming the file.
"""
from __future__ import annotations

import csv
import importlib.util
import io
import shutil
from pathlib import Path

import pandas as pd
import pytest

from risk.i18n import LANGUAGES
from risk.ingest import checks, text
from risk.contracts.dataset import Dataset
from risk.ingest.folder import DataError, load_dataset

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "data" / "demo"
_spec = importlib.util.spec_from_file_location("make_bad_files", ROOT / "tests" / "data" / "make_bad_files.py")
bad = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bad)

pytestmark = pytest.mark.skipif(not (DEMO / "dataset.json").exists(), reason="demo dataset not built")


def rewrite_csvs(folder: Path, encode, delimiter: str = ",") -> list[str]:
    """Every CSV in `folder` re-written with `delimiter` and encoded by `encode`; the names changed."""
    names = []
    for path in sorted(folder.glob("*.csv")):
        rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline="")))
        out = io.StringIO(newline="")
        csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
        path.write_bytes(encode(out.getvalue()))
        names.append(path.name)
    assert names, "the demo folder has CSV files"
    return names


def copy_demo(tmp_path: Path, name: str) -> Path:
    target = tmp_path / name
    shutil.copytree(DEMO, target)
    return target


def assert_same_data(got: Dataset, expected: Dataset) -> None:
    pd.testing.assert_frame_equal(got.indicators, expected.indicators)
    pd.testing.assert_frame_equal(got.cases, expected.cases)
    assert (got.gates is None) == (expected.gates is None)
    if expected.gates is not None:
        pd.testing.assert_frame_equal(pd.DataFrame(got.gates), pd.DataFrame(expected.gates))
    assert got.boundaries["commune_id"].tolist() == expected.boundaries["commune_id"].tolist()


@pytest.fixture(scope="module")
def utf8_dataset() -> Dataset:
    return load_dataset(DEMO)


def test_folder_reader_is_the_upload_reader() -> None:
    """No second copy: folders (read_table) and uploads (read_rows) decode with risk.ingest.text."""
    import inspect

    from risk.ingest import folder, upload

    for name in ("csv_rows", "decode_text", "detect_delimiter", "read_table"):
        assert getattr(text, name).__module__ == "risk.ingest.text"
        for other in (checks, folder, upload):
            assert name not in vars(other) or getattr(other, name) is getattr(text, name)
    assert "_csv_rows(" in inspect.getsource(text.read_table) and "csv_rows(" in inspect.getsource(text.read_rows)


def test_cp1258_semicolon_folder_loads_like_utf8(tmp_path: Path, utf8_dataset: Dataset) -> None:
    folder = copy_demo(tmp_path, "cp1258")
    rewrite_csvs(folder, bad.cp1258, delimiter=";")
    gates = (folder / "border_gates.csv").read_bytes()
    assert not gates.isascii() and b"," not in gates.splitlines()[0]
    with pytest.raises(UnicodeDecodeError):
        gates.decode("utf-8")  # really Windows-1258, not UTF-8 by accident
    got = load_dataset(folder)
    assert_same_data(got, utf8_dataset)
    if got.gates is not None:
        assert "Nậm Cắn" in got.gates["name"].tolist()  # tone marks recomposed (NFC)


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-be"])
def test_utf16_folder_loads_like_utf8(tmp_path: Path, utf8_dataset: Dataset, codec: str) -> None:
    folder = copy_demo(tmp_path, codec)
    bom = "\ufeff" if codec == "utf-16-be" else ""  # 'utf-16' writes its own BOM
    rewrite_csvs(folder, lambda s: (bom + s).encode(codec), delimiter="\t")  # Excel's 'Unicode Text'
    assert_same_data(load_dataset(folder), utf8_dataset)


def test_undecodable_bytes_name_the_file(tmp_path: Path) -> None:
    folder = copy_demo(tmp_path, "broken")
    path = folder / "indicators.csv"
    data = path.read_bytes()
    # 0x81 and 0x8D are neither UTF-8 nor Windows-1258
    path.write_bytes(data.replace(b"\n", b"\n\x81\x8d,", 1))
    with pytest.raises(DataError) as info:
        load_dataset(folder)
    problems = [p for p in info.value.problems if p.code == "import.encoding_unknown"]
    assert len(problems) == 1, [(p.file, p.code) for p in info.value.problems]
    problem = problems[0]
    assert Path(problem.file).name == "indicators.csv"
    for lang in LANGUAGES:
        message = problem.message(lang)
        assert message.startswith(problem.file) and "indicators.csv" in message
        assert "UTF-8" in message and "Windows-1258" in message
    assert problem.message("vi") != problem.message("en")  # localised via risk.i18n.t
