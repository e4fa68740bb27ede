"""The Data page's crosswalk upload slot (AppTest): pre-2025 files with their crosswalk are checked, the
report says what was converted in the user's language, and the saved version keeps the crosswalk; a bad
crosswalk shows its error by file, row and column and nothing is saved."""
from __future__ import annotations

from pathlib import Path

import pytest

from risk.access.privacy import Role
from risk.access.settings import PROJECT_ROOT, load_settings
from risk.i18n import t
from risk.store.versions import Store
from tests.apptest_helpers import open_page

PRE2025 = PROJECT_ROOT / "data" / "demo" / "pre2025"
FILES = {"boundaries": "boundaries.geojson", "indicators": "indicators.csv", "cases": "cases.csv",
         "crosswalk": "crosswalk.csv", "border": "border.geojson", "gates": "border_gates.csv"}


def _upload(at, files: dict[str, tuple[str, bytes]]) -> None:
    for part, (name, data) in files.items():
        at.file_uploader(key=f"up_{part}").upload(name, data)
    at.run()
    at.button(key="up_check").click()
    at.run()
    assert not at.exception, at.exception


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_crosswalk_slot_converts_the_pre2025_years_and_the_version_keeps_it(lang: str) -> None:
    at = open_page("pages/data.py", Role.ADMIN, "admin1", lang)
    slot = at.file_uploader(key="up_crosswalk")
    assert slot.label == t("dp.part.crosswalk", lang) and slot.allowed_type == [".csv", ".xlsx"]
    _upload(at, {part: (name, (PRE2025 / name).read_bytes()) for part, name in FILES.items()})
    check = at.session_state["import_check"]
    assert check.report.ok and check.dataset.crosswalk is not None
    texts = [e.value for e in at.text]
    converted = [m for m in check.report.note_messages(lang) if "412" in m]
    assert converted and any(converted[0] in text for text in texts)  # the notes, in the user's language
    parts = at.dataframe[0].value
    column = parts[t("dp.converted", lang)].tolist()
    assert any(str(cell).endswith("(2019–2024)") for cell in column)
    at.button(key="up_commit").click()
    at.run()
    assert not at.exception, at.exception
    stored = Store(load_settings().store_path).load()
    assert len(stored.crosswalk) == 412 and stored.vintage is not None
    assert sorted(stored.indicators["year"].unique()) == list(range(2019, 2026))


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_a_bad_crosswalk_shows_its_error_and_saves_nothing(lang: str, tmp_path: Path) -> None:
    at = open_page("pages/data.py", Role.ADMIN, "admin1", lang)
    files = {part: (name, (PRE2025 / name).read_bytes()) for part, name in FILES.items()}
    lines = files["crosswalk"][1].decode("utf-8").splitlines()
    lines[1] = lines[1].rsplit(",", 1)[0] + ",0.5"  # Phường Đông Vĩnh went whole, yet weight 0.5
    files["crosswalk"] = ("crosswalk.csv", ("\n".join(lines) + "\n").encode("utf-8"))
    _upload(at, files)
    report = at.session_state["import_check"].report
    assert not report.ok and [p.code for p in report.problems] == ["crosswalk.weights_not_one"]
    message = report.messages(lang)[0]
    assert message.startswith(f"crosswalk.csv, {t('io.at.row', lang, row=2)}, {t('io.at.column', lang, column='weight')}")
    assert any(message in e.value for e in at.text)
    assert [b for b in at.button if b.key == "up_commit"] == []
    assert Store(load_settings().store_path).versions().empty
