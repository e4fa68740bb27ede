"""`python -m risk backtest` and `python -m risk score`: JSON, readable tables, and errors in both languages."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from risk.cli.main import main
from risk.i18n import t
from tests.analysis.test_model import ROWS, COLS, province_frames, write_frames, write_province

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "data" / "demo"


def _risk(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "risk", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)


def _main(capsys: pytest.CaptureFixture, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture(scope="module")
def province_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_province(tmp_path_factory.mktemp("cli_province"))


def test_demo_backtest_json_beats_both_baselines() -> None:
    run = _risk("backtest", "--data", str(DEMO), "--json")
    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout)
    mean = data["mean"]
    for method in ("model", "last_year", "poverty", "composite", "poisson"):
        assert set(mean[method]) == {"auc", "brier", "capture_10", "capture_20", "pai_10", "pei_10"}
    assert set(data["intervals"]["margins"]) == {"last_year", "poverty", "composite", "poisson"}
    assert data["intervals"]["margins"]["poverty"]["capture_10"]["lower"] < mean["model"]["capture_10"] - mean[
        "poverty"]["capture_10"] < data["intervals"]["margins"]["poverty"]["capture_10"]["upper"]
    assert mean["model"]["auc"] > mean["last_year"]["auc"] and mean["model"]["auc"] > mean["poverty"]["auc"]
    assert mean["model"]["capture_10"] > mean["last_year"]["capture_10"]
    assert mean["model"]["capture_10"] > mean["poverty"]["capture_10"]
    assert abs(data["shuffled_auc"] - 0.5) <= 0.07
    assert [f["test_year"] for f in data["folds"]] == [2021, 2022, 2023, 2024, 2025]
    assert all(max(f["train_years"]) < f["test_year"] for f in data["folds"])
    assert data["config"]["kind"] == "logistic" and "ethnic_minority_share" in data["features"]


def test_demo_backtest_readable_table_in_both_languages(capsys: pytest.CaptureFixture) -> None:
    code, out, _ = _main(capsys, "backtest", "--data", str(DEMO), "--lang", "en")
    assert code == 0
    for label in ("Model", "Last year's cases", "Poverty rate", "Capture @10%", "PAI @10%", "PEI @10%",
                  "No-signal control", "not leakage", "Test year 2025", "Model − Poverty rate [90% interval]",
                  "At the top 10% of communes"):
        assert label in out, label
    code, out, _ = _main(capsys, "backtest", "--data", str(DEMO))
    assert code == 0 and "Mô hình" in out and "Số vụ năm trước" in out and "Năm kiểm định 2025" in out
    import re

    assert re.search(r"\b0,\d{3}\b", out) and not re.search(r"\b0\.\d{3}\b", out)  # Vietnamese decimal comma


def test_province_backtest_and_score_through_the_cli(province_dir: Path) -> None:
    run = _risk("backtest", "--data", str(province_dir), "--json", "--drop-feature", "ethnic_minority_share",
                "--patrol-weight", "0.5")
    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout)
    assert "flood_exposure" in data["features"] and "ethnic_minority_share" not in data["features"]
    assert data["config"]["patrol_weight"] == 0.5 and data["config"]["drop_features"] == ["ethnic_minority_share"]
    assert data["mean"]["model"]["auc"] > 0.6

    run = _risk("score", "--data", str(province_dir), "--year", "2024", "--json", "--bootstrap", "10")
    assert run.returncode == 0, run.stderr
    rows = json.loads(run.stdout)
    assert len(rows) == ROWS * COLS
    assert [r["rank"] for r in rows] == list(range(1, ROWS * COLS + 1))
    for row in rows:
        assert {"commune_id", "score", "rank", "rank_low", "rank_high", "drivers"} <= set(row)
        assert row["commune_id"].startswith("TB-") and 0 <= row["score"] <= 1
        assert row["rank_low"] <= row["rank"] <= row["rank_high"]
        assert len(row["drivers"]) == 3 and all(set(d) == {"feature", "contribution"} for d in row["drivers"])


def test_score_readable_table(capsys: pytest.CaptureFixture, province_dir: Path) -> None:
    code, out, _ = _main(capsys, "score", "--data", str(province_dir), "--year", "2024", "--bootstrap", "0",
                         "--lang", "en")
    assert code == 0
    assert "probability of at least one recorded case in 2025" in out and "Xã Thử" in out
    assert len(out.strip().splitlines()) == ROWS * COLS + 2


def test_errors_exit_2_without_traceback_in_a_subprocess(tmp_path: Path) -> None:
    folder = write_frames(tmp_path / "one_year", province_frames(years=range(2024, 2025)))
    run = _risk("backtest", "--data", str(folder), "--lang", "en")
    assert run.returncode == 2 and run.stdout == ""
    assert "Traceback" not in run.stderr
    assert run.stderr.strip() == t("model.single_year", "en", year=2024)
    run = _risk("score", "--data", str(tmp_path / "nowhere"), "--year", "2024")
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert t("io.folder_missing", "vi") in run.stderr


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_model_errors_in_the_chosen_language(capsys: pytest.CaptureFixture, tmp_path: Path,
                                             province_dir: Path, lang: str) -> None:
    frames = province_frames(years=range(2020, 2024))
    frames["cases"] = None
    no_cases = write_frames(tmp_path / "no_cases", frames)
    checks = [
        (["backtest", "--data", str(no_cases)], t("model.no_cases", lang)),
        (["score", "--data", str(province_dir), "--year", "2030"],
         t("model.year_not_in_data", lang, year=2030, first=2015, last=2024)),
        (["backtest", "--data", str(province_dir), "--drop-feature", "nope"], "'nope'"),
        (["backtest", "--data", str(province_dir), "--patrol-weight", "3"],
         t("model.bad_patrol_weight", lang, value=3.0)),
        (["backtest", "--data", str(tmp_path / "missing")], t("io.folder_missing", lang)),
    ]
    for args, expected in checks:
        code, out, err = _main(capsys, *args, "--lang", lang)
        assert code == 2 and out == "", args
        assert expected in err, (args, err)
        assert "Traceback" not in err


def test_bad_boundaries_file_is_reported_by_file(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    folder = write_frames(tmp_path / "bad", province_frames(years=range(2020, 2023)))
    (folder / "indicators.csv").write_text("commune_id,year,poverty_rate\nTB-0101,abc,5\n", encoding="utf-8")
    code, _, err = _main(capsys, "backtest", "--data", str(folder), "--lang", "en")
    assert code == 2 and "indicators.csv" in err and "Traceback" not in err


def test_score_says_what_the_rank_intervals_include(capsys: pytest.CaptureFixture, province_dir: Path) -> None:
    from risk.i18n import t

    code, out, _ = _main(capsys, "score", "--data", str(province_dir), "--year", "2024", "--bootstrap", "5",
                         "--lang", "vi")
    assert code == 0
    line = out.splitlines()[1]
    assert line.startswith(t("model.cli.rank_noise", "vi", phi="@").split("@")[0])
    import re

    assert re.search(r"\d,\d{3};", line), line  # the variance in the Vietnamese decimal mark


def test_backtest_reports_calibration_and_recalibrates_on_request(capsys: pytest.CaptureFixture) -> None:
    code, out, _ = _main(capsys, "backtest", "--data", str(DEMO), "--json")
    assert code == 0
    first = json.loads(out)
    plain = first["calibration"]
    assert plain["in_use"] is False and [f["test_year"] for f in plain["folds"]] == [2021, 2022, 2023, 2024, 2025]
    assert plain["verdict"] in ("helps", "hurts", "unclear") and plain["brier_change"]["lower"] is not None
    code, out, _ = _main(capsys, "backtest", "--data", str(DEMO), "--json", "--recalibrate")
    data = json.loads(out)
    assert code == 0 and data["calibration"]["in_use"] is True and data["config"]["recalibrate"] is True
    # The order is unchanged (AUC equal); the level moves (Brier differs).
    assert data["mean"]["model"]["auc"] == pytest.approx(first["mean"]["model"]["auc"])
    assert data["mean"]["model"]["brier"] != first["mean"]["model"]["brier"]
    code, out, _ = _main(capsys, "backtest", "--data", str(DEMO), "--lang", "vi")
    assert code == 0 and t("mp.recal.off", "vi") in out
