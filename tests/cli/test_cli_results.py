"""The command line reuses kept analyses: a second `export` (or `backtest`, `hotspots`) with the same
data and settings reads them instead of computing, and a store version's default runs are recorded."""
from __future__ import annotations

from tests.kept_analyses import engine_refuses

import json
from pathlib import Path

import pytest

import risk.analysis.features as features
import risk.analysis.geography as geography
import risk.analysis.hotspots as hotspots
import risk.analysis.model as model
from risk.cli.main import main
from risk.ingest.folder import load_dataset
from risk.store.versions import Store

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "data" / "demo"


def _engine_refuses(monkeypatch) -> None:
    engine_refuses(monkeypatch)


def test_a_second_export_does_not_compute_again(tmp_path, monkeypatch, capsys) -> None:
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    args = ["export", "--data", str(DEMO), "--year", "2025", "--format", "csv", "--user", "t", "--lang", "en"]
    assert main([*args, "--out", str(first)]) == 0
    _engine_refuses(monkeypatch)
    assert main([*args, "--out", str(second)]) == 0, capsys.readouterr().err
    assert second.read_bytes() == first.read_bytes()


def test_a_second_backtest_and_hotspots_run_read_what_the_first_kept(tmp_path, monkeypatch, capsys) -> None:
    backtest = ["backtest", "--data", str(DEMO), "--json", "--lang", "en"]
    hot = ["hotspots", "--data", str(DEMO), "--from", "2023", "--to", "2025", "--replicates", "99", "--json"]
    outputs = []
    for _ in range(2):
        assert main(backtest) == 0
        assert main(hot) == 0
        outputs.append(capsys.readouterr().out)
        _engine_refuses(monkeypatch)
    assert outputs[0] == outputs[1]
    with pytest.raises(AssertionError, match="computed again"):  # other settings are another result
        main([*hot[:-3], "--replicates", "49", "--json"])


def test_an_export_from_the_store_records_its_default_runs(tmp_path, monkeypatch, capsys) -> None:
    store = Store(tmp_path / "store.gpkg")
    version = store.add_version(load_dataset(DEMO), label="demo", user="admin")
    out = tmp_path / "list.csv"
    code = main(["export", "--store", str(store.path), "--year", "2025", "--format", "csv", "--out", str(out),
                 "--user", "analyst", "--json"])
    assert code == 0, capsys.readouterr().err
    runs = store.model_runs(version_id=version)
    assert sorted(runs["kind"]) == ["hotspots", "score"]  # the latest year's scores and the list's hotspots
    assert set(runs["user"]) == {"analyst"}
    score = runs[runs["kind"] == "score"].iloc[0]
    assert score["metrics"]["year"] == 2025 and score["metrics"]["communes"] == 130
    assert json.loads(capsys.readouterr().out)["rows"] == 130
