"""The crosswalk from the command line: `import --crosswalk` converts and stores pre-2025 rows, the
stored version backtests like the folder, and a bad crosswalk is refused in the chosen language with
the store left as it was."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from risk.cli.main import main
from risk.i18n import t
from risk.store.versions import Store

PRE2025 = Path(__file__).resolve().parents[2] / "data" / "demo" / "pre2025"


def _import_args(folder: Path, store: Path, *extra: str) -> list[str]:
    return ["import", "--boundaries", str(folder / "boundaries.geojson"), "--indicators", str(folder / "indicators.csv"),
            "--cases", str(folder / "cases.csv"), "--crosswalk", str(folder / "crosswalk.csv"), "--store", str(store),
            "--user", "admin", *extra]


def test_import_with_a_crosswalk_converts_and_stores_like_the_folder(capsys, tmp_path: Path) -> None:
    store = tmp_path / "store.gpkg"
    context = ["--border", str(PRE2025 / "border.geojson"), "--gates", str(PRE2025 / "border_gates.csv"),
               "--meta", str(PRE2025 / "dataset.json")]  # the distances the model uses
    assert main(_import_args(PRE2025, store, "--json", *context)) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["ok"] and doc["report"]["parts"]["indicators"]["converted_rows"] == 412 * 6
    assert doc["report"]["parts"]["indicators"]["converted_years"] == list(range(2019, 2025))
    assert "crosswalk.note.indicators_converted" in [n["code"] for n in doc["notes"]]
    stored = Store(store).load()
    assert len(stored.crosswalk) == 412 and sorted(stored.indicators["commune_id"].unique()) == \
        sorted(stored.boundaries["commune_id"])
    assert main(["backtest", "--store", str(store), "--json"]) == 0
    from_store = json.loads(capsys.readouterr().out)
    assert main(["backtest", "--data", str(PRE2025), "--json"]) == 0
    from_folder = json.loads(capsys.readouterr().out)
    assert from_store["mean"]["model"]["auc"] == pytest.approx(from_folder["mean"]["model"]["auc"], abs=1e-9)


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_a_crosswalk_pointing_outside_the_boundaries_is_refused_and_nothing_stored(capsys, tmp_path: Path,
                                                                                    lang: str) -> None:
    folder = tmp_path / "province"
    shutil.copytree(PRE2025, folder)
    with open(folder / "crosswalk.csv", "a", encoding="utf-8") as handle:
        handle.write("99001,Xã Không Có,99999,1\n")
    store = tmp_path / "store.gpkg"
    assert main(_import_args(PRE2025, store)) == 0  # a first version, which must stay the only one
    capsys.readouterr()
    before = store.read_bytes()
    assert main(_import_args(folder, store, "--lang", lang)) == 1
    out = capsys.readouterr().out
    expected = t("crosswalk.unknown_new_commune", lang, value="99999")
    assert f"crosswalk.csv, {t('io.at.row', lang, row=414)}, {t('io.at.column', lang, column='new_commune_id')}: " \
           f"{expected}" in out
    assert store.read_bytes() == before and len(Store(store).versions()) == 1


def test_backtest_says_which_years_were_converted(capsys) -> None:
    assert main(["backtest", "--data", str(PRE2025), "--lang", "vi"]) == 0
    out = capsys.readouterr().out
    assert t("vintage.indicators", "vi", years="2019–2024", old="412", new="130") in out
    assert main(["backtest", "--data", str(PRE2025.parent), "--lang", "vi"]) == 0
    assert t("vintage.current", "vi", years="@").split("@")[0] not in capsys.readouterr().out
