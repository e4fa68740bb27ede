"""risk/views/model_card.py and import_report.py: the tables the Model and Data pages show."""
from __future__ import annotations

import pandas as pd
import pytest

from risk.access.settings import PROJECT_ROOT
from risk.analysis.model import METHODS, ModelConfig, backtest
from risk.i18n import t
from risk.ingest.folder import load_dataset
from risk.ingest.upload import check_upload
from risk.views import import_report, model_card

DEMO = PROJECT_ROOT / "data" / "demo"


@pytest.fixture(scope="module")
def result():
    return backtest(load_dataset(DEMO), ModelConfig(n_bootstrap=0))


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_backtest_and_fold_tables_carry_every_method_in_the_language(result, lang) -> None:
    table = model_card.backtest_table(result, lang)
    assert len(table) == len(METHODS) and set(model_card.metric_names(lang).values()) <= set(table.columns)
    assert table[t("mp.method", lang)].tolist() == list(model_card.method_names(lang).values())
    folds = model_card.fold_table(result, lang)
    assert len(folds) == len(result.folds) * len(METHODS)
    long = model_card.capture_long(pd.DataFrame({"share_communes": [0.0, 1.0], "model": [0.0, 1.0],
                                                 "poverty": [float("nan"), 1.0]}), lang)
    assert len(long) == 3 and set(long["method"]) <= set(model_card.method_names(lang).values())


def test_import_report_tables_from_a_real_check() -> None:
    dataset, report = check_upload(DEMO)
    assert dataset is not None and report.ok
    parts = import_report.parts_table(report, "en")
    assert len(parts) == len(report.parts) and t("dp.rows_kept", "en") in parts.columns
    assert import_report.unmatched_table(report, "vi").empty and import_report.repairs_table(report, "vi").empty
