"""The Model page's tables, labelled in the user's language: the backtest against the simple rules,
each fold, the capture curve in long form and what the model leans on."""
from __future__ import annotations

import pandas as pd

from risk.analysis.features import feature_label
from risk.analysis.model import METHOD_LONG_KEYS, METHODS, METRIC_LONG_KEYS, METRICS, BacktestResult
from risk.i18n import t


def method_names(lang: str) -> dict[str, str]:
    return {m: t(METHOD_LONG_KEYS[m], lang) for m in METHODS}


def metric_names(lang: str) -> dict[str, str]:
    return {m: t(METRIC_LONG_KEYS[m], lang) for m in METRICS}


def backtest_table(result: BacktestResult, lang: str) -> pd.DataFrame:
    """One row per method (the model and each simple rule), the mean of every metric over the folds."""
    methods, metrics = method_names(lang), metric_names(lang)
    return pd.DataFrame([{t("mp.method", lang): methods[m], **{metrics[k]: result.mean[m].get(k) for k in METRICS}}
                         for m in METHODS])


def fold_table(result: BacktestResult, lang: str) -> pd.DataFrame:
    """One row per fold and method: the test year, the training years, positives and every metric."""
    methods, metrics = method_names(lang), metric_names(lang)
    return pd.DataFrame([
        {t("mp.test_year", lang): fold.test_year,
         t("mp.train_years", lang): f"{min(fold.train_years)}–{max(fold.train_years)}",
         t("mp.positives", lang): fold.n_positive, t("mp.method", lang): methods[m],
         **{metrics[k]: fold.metrics[m].get(k) for k in METRICS}}
        for fold in result.folds for m in METHODS])


def capture_long(curve: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The capture curve as (share_communes, method label, share_cases) rows for a line chart."""
    long = curve.melt("share_communes", var_name="method", value_name="share_cases").dropna()
    return long.assign(method=long["method"].map(method_names(lang)))


def importance_table(importance: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The importance table with each feature's label in `lang`."""
    return importance.assign(label=[feature_label(f, lang) for f in importance["feature"]])
