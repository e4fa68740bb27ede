"""Uploaded case records do not outlive their check on disk (risk/ingest/uploads.py, pages/data.py)."""
from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import risk.ingest.uploads as uploads
from risk.access.privacy import Role
from risk.access.settings import DEFAULT_DATA_DIR, PROJECT_ROOT, load_settings
from risk.store.versions import Store, StoreError
from risk.ingest.uploads import UPLOAD_PREFIX, check_uploaded, remove_stale_uploads
from tests.apptest_helpers import signed_in_session

APP = str(PROJECT_ROOT / "dashboard.py")
FILES = {"boundaries": "boundaries.geojson", "indicators": "indicators.csv", "cases": "cases.csv",
         "border": "border.geojson", "gates": "border_gates.csv"}


@pytest.fixture
def tmpdir_root(tmp_path: Path, monkeypatch) -> Path:
    """The system temp directory, moved into the test's own folder so it can be listed."""
    root = tmp_path / "systemp"
    root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(root))
    return root


def leftovers(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir() if p.name.startswith(("risk-upload-", "risk-import-")))


def demo_upload() -> dict[str, tuple[str, bytes]]:
    return {part: (name, (DEFAULT_DATA_DIR / name).read_bytes()) for part, name in FILES.items()}


def test_a_check_and_its_save_leave_no_upload_folder(tmpdir_root: Path, tmp_path: Path) -> None:
    dataset, report = check_uploaded(demo_upload())
    assert report.ok, report.messages("en")
    assert leftovers(tmpdir_root) == []
    store = Store(tmp_path / "store.gpkg")
    saved = store.add_checked(dataset, report, user="admin", label="from memory")
    assert leftovers(tmpdir_root) == []
    stored = store.load(saved.version_id)
    assert len(stored.cases) == len(dataset.cases) > 0 and len(stored.boundaries) == len(dataset.boundaries)
    assert store.versions().loc[0, "label"] == "from memory"
    assert store.versions().loc[0, "source"]["cases"] == "cases.csv"
    default = store.add_checked(dataset, report, user="admin")  # no dataset.json: the boundaries file's name
    assert store.versions().set_index("id").at[default.version_id, "label"] == "boundaries.geojson"


def test_the_folder_goes_when_the_check_fails_or_rejects(tmpdir_root: Path, monkeypatch) -> None:
    files = demo_upload()
    files["indicators"] = ("indicators.csv", b"commune_id,year\n=cmd|' /C calc'!A0,2024\n")
    dataset, report = check_uploaded(files)
    assert dataset is None and not report.ok and leftovers(tmpdir_root) == []
    with pytest.raises(StoreError) as caught:  # the store refuses a rejected check; nothing is written
        Store(tmpdir_root.parent / "store.gpkg").add_checked(dataset, report, user="admin")
    assert caught.value.code == "store.report_rejected" and not (tmpdir_root.parent / "store.gpkg").exists()

    def crash(paths, **_options):
        assert all(Path(p).is_file() for p in paths.values())  # the files were there for the check
        assert len(leftovers(tmpdir_root)) == 1
        raise MemoryError("out of memory")

    monkeypatch.setattr(uploads, "check_upload", crash)
    with pytest.raises(MemoryError):
        check_uploaded(demo_upload())
    assert leftovers(tmpdir_root) == []


def test_stale_upload_folders_are_removed_on_the_next_check(tmpdir_root: Path, tmp_path: Path) -> None:
    hour_and_a_bit = time.time() - 3700
    old = tmpdir_root / f"{UPLOAD_PREFIX}old"
    (old / "cases").mkdir(parents=True)
    (old / "cases" / "cases.csv").write_text("case_id\nC1\n")
    fresh = tmpdir_root / f"{UPLOAD_PREFIX}fresh"  # another session's check, running now
    fresh.mkdir()
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "keep.txt").write_text("not ours to delete")
    link = tmpdir_root / f"{UPLOAD_PREFIX}link"
    link.symlink_to(outside, target_is_directory=True)
    plain = tmpdir_root / f"{UPLOAD_PREFIX}file"
    plain.write_text("a file, not a folder")
    for path in (old, outside, plain):
        os.utime(path, (hour_and_a_bit, hour_and_a_bit))
    os.utime(link, (hour_and_a_bit, hour_and_a_bit), follow_symlinks=False)

    _dataset, report = check_uploaded(demo_upload())
    assert report.ok
    assert leftovers(tmpdir_root) == [f"{UPLOAD_PREFIX}file", f"{UPLOAD_PREFIX}fresh", f"{UPLOAD_PREFIX}link"]
    assert (outside / "keep.txt").exists()
    assert remove_stale_uploads(max_age_s=0) == [fresh]


def _data_page(lang: str) -> AppTest:
    """The Data page, signed in as an administrator."""
    at = AppTest.from_file(APP, default_timeout=300)
    at.session_state["lang"] = lang
    at.session_state["auth"] = signed_in_session(Role.ADMIN, "admin1")
    at.run()
    at.switch_page("pages/data.py")
    at.run()
    return at


def test_the_data_page_checks_and_saves_without_leaving_files(tmpdir_root: Path) -> None:
    at = _data_page("en")
    for part, name in FILES.items():
        at.file_uploader(key=f"up_{part}").upload(name, (DEFAULT_DATA_DIR / name).read_bytes())
    at.text_input(key="up_label").input("page upload")
    at.run()
    at.button(key="up_check").click()
    at.run()
    assert not at.exception, at.exception
    assert at.session_state["import_check"].report.ok
    assert leftovers(tmpdir_root) == []
    at.button(key="up_commit").click()
    at.run()
    assert not at.exception, at.exception
    assert leftovers(tmpdir_root) == []
    store = Store(load_settings().store_path)
    assert store.active_version() == 1 and store.versions().loc[0, "label"] == "page upload"
    assert store.audit(action="import")["user"].tolist() == ["admin1"]


def test_a_generated_dataset_uploaded_with_its_dataset_json_stays_labelled_generated(tmpdir_root: Path,
                                                                                      tmp_path: Path) -> None:
    at = _data_page("vi")
    for part, name in {**FILES, "meta": "dataset.json"}.items():
        at.file_uploader(key=f"up_{part}").upload(name, (DEFAULT_DATA_DIR / name).read_bytes())
    at.run()
    at.button(key="up_check").click()
    at.run()
    assert not at.exception, at.exception
    check = at.session_state["import_check"]
    assert check.report.ok and check.dataset.generated
    at.button(key="up_commit").click()
    at.run()
    assert Store(load_settings().store_path).load().generated  # every page then shows the demo notice
