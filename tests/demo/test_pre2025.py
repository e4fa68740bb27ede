"""data/demo/pre2025: the demo's 2019–2024 indicators and cases keyed by the 412 pre-2025 communes (cases
without coordinates), 2025 on today's 130, with crosswalk.csv. Loading it gives back the demo's own
values within rounding, and `python -m risk backtest --data DIR --json` gives the demo's backtest within
0.01 in AUC and capture at 10 %."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from risk.cli.main import main
from risk.demo.crosswalk import reference_crosswalk
from risk.ingest.folder import load_dataset

DEMO = Path(__file__).resolve().parents[2] / "data" / "demo"
PRE2025 = DEMO / "pre2025"
ROUNDING = 0.005 + 1e-9  # rates are written with 2 decimals, so a weighted mean of the parts is this close


@pytest.fixture(scope="module")
def both():
    return load_dataset(DEMO), load_dataset(PRE2025)


def test_the_files_are_keyed_by_the_old_communes_before_2025() -> None:
    indicators = pd.read_csv(PRE2025 / "indicators.csv", dtype={"commune_id": str})
    cases = pd.read_csv(PRE2025 / "cases.csv", dtype={"commune_id": str})
    crosswalk = pd.read_csv(PRE2025 / "crosswalk.csv", dtype=str)
    old, new = set(crosswalk["old_commune_id"]), set(crosswalk["new_commune_id"])
    before = indicators[indicators["year"] < 2025]
    assert len(old) == 412 and set(before["commune_id"]) == old and len(before) == 412 * 6
    assert set(indicators.loc[indicators["year"] == 2025, "commune_id"]) == new
    early = cases[cases["date"] < "2025"]
    assert early["lon"].isna().all() and early["lat"].isna().all() and early["commune_id"].isin(old).all()
    assert not early["commune_id"].isin(new - old).any()
    assert (PRE2025 / "crosswalk.csv").read_text(encoding="utf-8") == \
        (DEMO.parents[1] / "data" / "reference" / "nghe_an" / "crosswalk_2025.csv").read_text(encoding="utf-8")
    assert len(reference_crosswalk()) == 412
    assert json.loads((PRE2025 / "dataset.json").read_text(encoding="utf-8"))["generated"] is True


def test_loading_gives_back_the_demos_own_values(both) -> None:
    demo, pre = both
    assert pre.generated and pre.crosswalk is not None and len(pre.crosswalk) == 412
    a = demo.indicators.set_index(["commune_id", "year"]).sort_index()
    b = pre.indicators.set_index(["commune_id", "year"]).sort_index()
    assert a.index.equals(b.index) and list(a.columns) == list(b.columns)
    assert (a["population"] == b["population"]).all()
    rates = [c for c in a.columns if c != "population"]
    assert float((a[rates] - b[rates]).abs().max().max()) <= ROUNDING
    columns = ["case_id", "date", "commune_id", "form", "victims", "destination", "detected_by"]
    pd.testing.assert_frame_equal(demo.cases[columns], pre.cases[columns])
    vintage = pre.vintage.set_index(["part", "commune_id", "year"])
    assert set(pre.vintage.loc[pre.vintage["part"] == "indicators", "year"]) == set(range(2019, 2025))
    assert vintage.loc[("indicators", "16681", 2019), "old_units"] == 6  # Thành Vinh: six old wards and communes
    assert not pre.vintage["unweighted"].any()


def _backtest(capsys, folder: Path) -> dict:
    assert main(["backtest", "--data", str(folder), "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_the_backtest_is_the_demos_within_001(capsys) -> None:
    demo, pre = _backtest(capsys, DEMO), _backtest(capsys, PRE2025)
    for metric in ("auc", "capture_10"):
        assert abs(demo["mean"]["model"][metric] - pre["mean"]["model"][metric]) <= 0.01, metric
        for a, b in zip(demo["folds"], pre["folds"], strict=True):
            assert a["test_year"] == b["test_year"]
            assert abs(a["model"][metric] - b["model"][metric]) <= 0.01, (a["test_year"], metric)
