"""Every analysis command reads --data DIR, --store PATH, or what the dashboard opens (risk/cli/source.py)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from risk.cli.main import build_parser, main
from risk.store.versions import Store
from risk.ingest.upload import import_files
from tests.cli.test_cli_model import province_dir  # noqa: F401  (module-scoped fixture)
from tests.analysis.test_model import COLS, ROWS

ROOT = Path(__file__).resolve().parents[2]
ANALYSES = ("hotspots", "backtest", "score", "allocate")


def _required(command: str) -> list[str]:
    return {"hotspots": ["--from", "2020", "--to", "2024"], "score": ["--year", "2024"],
            "allocate": ["--year", "2024", "--budget", "3"],
            "export": ["--year", "2024", "--format", "csv", "--out", "x.csv"]}.get(command, [])


@pytest.mark.parametrize("command", ANALYSES)
def test_every_analysis_accepts_data_or_store_but_not_both(command: str, capsys: pytest.CaptureFixture) -> None:
    parser = build_parser()
    assert parser.parse_args([command, "--data", "d", *_required(command)]).data == "d"
    assert parser.parse_args([command, "--store", "s.gpkg", *_required(command)]).store == "s.gpkg"
    neither = parser.parse_args([command, *_required(command)])
    assert neither.data is None and neither.store is None
    with pytest.raises(SystemExit) as exit_:
        parser.parse_args([command, "--data", "d", "--store", "s.gpkg", *_required(command)])
    assert exit_.value.code == 2 and "not allowed with" in capsys.readouterr().err


def test_export_reads_a_folder_and_audits_in_a_store() -> None:
    args = build_parser().parse_args(["export", "--data", "d", "--store", "s.gpkg", *_required("export")])
    assert (args.data, args.store) == ("d", "s.gpkg")


def test_score_reads_the_stores_active_version_as_json(tmp_path: Path, province_dir: Path) -> None:  # noqa: F811
    store_path = tmp_path / "elsewhere.gpkg"
    import_files(Store(store_path), province_dir, user="tester", label="province")
    run = subprocess.run([sys.executable, "-m", "risk", "score", "--store", str(store_path), "--year", "2024",
                          "--json", "--bootstrap", "5"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    from_store = json.loads(run.stdout)
    assert len(from_store) == ROWS * COLS and from_store[0]["rank"] == 1
    run = subprocess.run([sys.executable, "-m", "risk", "score", "--data", str(province_dir), "--year", "2024",
                          "--json", "--bootstrap", "5"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert json.loads(run.stdout) == from_store  # the stored version is the folder, scored the same


def test_no_option_means_what_the_dashboard_opens(tmp_path: Path, province_dir: Path,  # noqa: F811
                                                  capsys: pytest.CaptureFixture, monkeypatch) -> None:
    monkeypatch.setenv("RISK_DATA_DIR", str(province_dir))
    assert main(["score", "--year", "2024", "--json", "--bootstrap", "0"]) == 0
    from_folder = json.loads(capsys.readouterr().out)
    assert from_folder[0]["commune_id"].startswith("TB-")
    # Once the dashboard's store (RISK_STORE) has an active version, that is what is read.
    import os

    import_files(Store(os.environ["RISK_STORE"]), province_dir, user="tester", label="stored")
    monkeypatch.setenv("RISK_DATA_DIR", str(tmp_path / "no-such-folder"))
    assert main(["score", "--year", "2024", "--json", "--bootstrap", "0"]) == 0
    assert json.loads(capsys.readouterr().out) == from_folder


@pytest.mark.parametrize("lang, words", [("en", "no active version"), ("vi", "phiên bản")])
def test_a_store_without_versions_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture,
                                                   lang: str, words: str) -> None:
    missing = tmp_path / "none.gpkg"
    code = main(["score", "--store", str(missing), "--year", "2024", "--lang", lang])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert str(missing) in err and words in err
