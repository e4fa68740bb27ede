"""Patrol effort from the command line: `import --patrols` stores it, and `backtest` says whether the
feedback loop is corrected (with effort data) or cannot be (without)."""
from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd

from risk.cli.main import main
from risk.i18n import t
from risk.ingest.folder import load_dataset
from risk.store.versions import Store

DEMO = Path(__file__).resolve().parents[2] / "data" / "demo"


def _with_patrols(tmp_path: Path) -> Path:
    folder = tmp_path / "province"
    shutil.copytree(DEMO, folder)
    ds = load_dataset(folder)
    rows = [(cid, year, 2.0 + (i % 5)) for i, cid in enumerate(ds.boundaries["commune_id"]) for year in ds.years]
    pd.DataFrame(rows, columns=["commune_id", "year", "patrol_days"]).to_csv(folder / "patrols.csv", index=False)
    return folder


def test_backtest_without_effort_says_the_bias_cannot_be_corrected(capsys) -> None:
    assert main(["backtest", "--data", str(DEMO), "--lang", "en"]) == 0
    assert t("mp.feedback.no_effort", "en") in capsys.readouterr().out


def test_backtest_with_effort_says_it_scores_at_even_effort(capsys, tmp_path: Path) -> None:
    folder = _with_patrols(tmp_path)
    assert main(["backtest", "--data", str(folder), "--lang", "vi"]) == 0
    out = capsys.readouterr().out
    assert t("mp.feedback.effort", "vi", rows="@", years="@", unit="@").split("@")[0] in out
    assert t("mp.feedback.no_effort", "vi") not in out


def test_import_with_a_patrol_file_stores_it(capsys, tmp_path: Path) -> None:
    folder = _with_patrols(tmp_path)
    store = tmp_path / "store.gpkg"
    code = main(["import", "--store", str(store), "--boundaries", str(folder / "boundaries.geojson"),
                 "--indicators", str(folder / "indicators.csv"), "--patrols", str(folder / "patrols.csv"),
                 "--user", "admin"])
    assert code == 0, capsys.readouterr()
    stored = Store(store).load()
    assert len(stored.patrols) == len(load_dataset(folder).patrols)
