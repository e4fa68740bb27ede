"""The Model page's tables, labelled in the user's language: the backtest against the simple rules
with 90 % intervals, the model's margin over each rule, each fold, the capture curve in long form
and what the model leans on. Numbers are formatted here, in the language's marks."""
from __future__ import annotations

import pandas as pd

from risk.analysis.features import feature_label
from risk.analysis.margins import Interval
from risk.analysis.model import METHOD_KEYS, METHOD_LONG_KEYS, METHODS, METRIC_LONG_KEYS, METRICS, BacktestResult
from risk.i18n import format_number, format_percent, t

DIGITS = {"pai_10": 2}  # every other metric is shown with 3 decimals
UNIT_KEYS = {"days": "mp.feedback.unit.days", "hours": "mp.feedback.unit.hours"}  # risk.contracts PATROL_UNITS
DECISION_METRIC = "capture_10"
VERDICT_KEYS = {"helps": "mp.recal.helps", "hurts": "mp.recal.hurts", "unclear": "mp.recal.unclear"}  # CalibrationCheck
SERIES_KEYS = {"plain": "mp.series.plain", "recalibrated": "mp.series.recalibrated"}  # where the first patrols and programmes go: the margin the card spells out


def method_names(lang: str, result: BacktestResult | None = None) -> dict[str, str]:
    """Long method labels; the composite row says when it uses the planner's weights, not equal ones."""
    names = {m: t(METHOD_LONG_KEYS[m], lang) for m in METHODS}
    if result is not None and result.config.composite is not None:
        names["composite"] = t("mp.method.composite_custom", lang)
    return names


def metric_names(lang: str) -> dict[str, str]:
    return {m: t(METRIC_LONG_KEYS[m], lang) for m in METRICS}


def interval_text(interval: Interval, metric: str, lang: str, sign: bool = False, digits: int | None = None) -> str:
    """'0,789 [0,740; 0,832]' in Vietnamese, '0.789 [0.740, 0.832]' in English; the estimate alone
    when the interval is undefined."""
    digits = DIGITS.get(metric, 3) if digits is None else digits
    estimate = format_number(interval.estimate, digits, lang, sign=sign)
    if interval.lower is None or interval.upper is None:
        return estimate
    return t("mp.interval", lang, estimate=estimate, lower=format_number(interval.lower, digits, lang, sign=sign),
             upper=format_number(interval.upper, digits, lang, sign=sign))


def backtest_table(result: BacktestResult, lang: str) -> pd.DataFrame:
    """One row per method (the model and each simple rule): the mean of every metric over the folds,
    with its 90 % interval from resampling whole communes when the backtest has one."""
    methods, metrics = method_names(lang, result), metric_names(lang)
    rows = []
    for m in METHODS:
        cells = {}
        for k in METRICS:
            interval = (result.margins.metrics[m][k] if result.margins is not None
                        else Interval(result.mean[m].get(k), None, None))
            cells[metrics[k]] = interval_text(interval, k, lang)
        rows.append({t("mp.method", lang): methods[m], **cells})
    return pd.DataFrame(rows)


def margin_table(result: BacktestResult, lang: str) -> pd.DataFrame:
    """One row per metric: the model minus each simple rule with its 90 % interval, and the share of
    resamples in which the model does no better. Empty without intervals."""
    if result.margins is None:
        return pd.DataFrame()
    methods, metrics = {m: t(METHOD_KEYS[m], lang) for m in METHODS}, metric_names(lang)
    rows = []
    for k in METRICS:
        row = {t("mp.metric", lang): metrics[k]}
        for rule, by_metric in result.margins.margins.items():
            interval = by_metric[k]
            row[t("mp.margin_over", lang, rule=methods[rule])] = interval_text(interval, k, lang, sign=True)
            row[t("mp.no_gain_in", lang, rule=methods[rule])] = format_percent(interval.no_gain, lang, 0)
        rows.append(row)
    return pd.DataFrame(rows)


def margin_sentences(result: BacktestResult, lang: str) -> list[str]:
    """In plain words, for each simple rule: is the model's gain at the top 10 % clear of zero?"""
    if result.margins is None:
        return []
    out = []
    for rule, by_metric in result.margins.margins.items():
        interval = by_metric[DECISION_METRIC]
        if interval.estimate is None or interval.lower is None:
            continue
        if interval.lower > 0:
            key = "mp.margin_clear"
        elif interval.upper is not None and interval.upper < 0:
            key = "mp.margin_worse"
        else:
            key = "mp.margin_unclear"
        name = t(METHOD_KEYS[rule], lang)
        out.append(t(key, lang, rule=name[:1].lower() + name[1:],
                     margin=interval_text(interval, DECISION_METRIC, lang, sign=True),
                     no_gain=format_percent(interval.no_gain, lang, 0)))
    return out


def fold_table(result: BacktestResult, lang: str) -> pd.DataFrame:
    """One row per fold and method: the test year, the training years, positives and every metric."""
    methods, metrics = method_names(lang, result), metric_names(lang)
    return pd.DataFrame([
        {t("mp.test_year", lang): fold.test_year,
         t("mp.train_years", lang): f"{min(fold.train_years)}–{max(fold.train_years)}",
         t("mp.positives", lang): fold.n_positive, t("mp.method", lang): methods[m],
         **{metrics[k]: fold.metrics[m].get(k) for k in METRICS}}
        for fold in result.folds for m in METHODS])


def capture_long(curve: pd.DataFrame, lang: str, result: BacktestResult | None = None) -> pd.DataFrame:
    """The capture curve as (share_communes, method label, share_cases) rows for a line chart."""
    long = curve.melt("share_communes", var_name="method", value_name="share_cases").dropna()
    return long.assign(method=long["method"].map(method_names(lang, result)))


def importance_table(importance: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The importance table with each feature's label in `lang`."""
    return importance.assign(label=[feature_label(f, lang) for f in importance["feature"]])


def time_travel_text(check, lang: str) -> tuple[bool, str]:
    """(passed, sentence) for the leakage test (risk.analysis.leakage.TimeTravel or None)."""
    if check is None:
        return True, t("mp.time_travel.none", lang)
    params = dict(year=check.year, cases=format_number(check.removed_cases, 0, lang),
                  rows=format_number(check.removed_indicator_rows, 0, lang),
                  communes=format_number(check.communes, 0, lang),
                  difference=format_number(check.max_difference, 6, lang))
    return check.identical, t("mp.time_travel.ok" if check.identical else "mp.time_travel.leak", lang, **params)


def feedback_lines(ds, patrol_weight: float, lang: str) -> list[str]:
    """What the card says about the patrol feedback loop: whether patrol effort data corrects it,
    and how patrol-detected cases count (below 1, a labelled sensitivity check)."""
    share = float((ds.cases["detected_by"] == "patrol").mean()) if len(ds.cases) else 0.0
    lines = []
    if ds.patrols is not None and len(ds.patrols):
        years = sorted(int(y) for y in ds.patrols["year"].unique())
        unit = str(ds.patrols["unit"].iloc[0])
        lines.append(t("mp.feedback.effort", lang, rows=format_number(len(ds.patrols), 0, lang),
                       years=f"{years[0]}–{years[-1]}", unit=t(UNIT_KEYS[unit], lang)))
    else:
        lines.append(t("mp.feedback.no_effort", lang))
    key = "mp.feedback_state" if patrol_weight == 1.0 else "mp.feedback_state_sensitivity"
    lines.append(t(key, lang, weight=format_number(patrol_weight, 2, lang), share=format_percent(share, lang, 0)))
    return lines


def note_text(note, lang: str) -> str:
    """A backtest or scoring note (risk.analysis.model.Note) with its feature named by its label."""
    params = dict(note.params)
    if "feature" in params:
        params["feature"] = feature_label(str(params["feature"]), lang)
    return t(note.code, lang, **params)


def calibration_lines(result: BacktestResult, lang: str) -> list[str]:
    """How far the probabilities' level drifted in the backtest, and whether recalibrating helps here."""
    check = result.calibration
    if check is None or not check.folds:
        return []
    low, high = check.gap_range
    lines = [t("mp.calibration_level", lang, folds=len(check.folds), error=format_number(check.error, 3, lang),
               low=format_number(low, 3, lang, sign=True), high=format_number(high, 3, lang, sign=True))]
    change = check.brier_change
    if change.estimate is not None:
        no_gain = "–" if change.no_gain is None else format_percent(change.no_gain, lang, 0)
        lines.append(t(VERDICT_KEYS[check.verdict], lang, change=interval_text(change, "brier", lang, sign=True, digits=4),
                       no_gain=no_gain, error_before=format_number(check.error, 3, lang),
                       error_after=format_number(check.error_recalibrated, 3, lang)))
    lines.append(t("mp.recal.on" if check.in_use else "mp.recal.off", lang))
    return lines


def reliability_long(result: BacktestResult, lang: str, n_bins: int = 10) -> pd.DataFrame:
    """Reliability points of the plain and the recalibrated probabilities, labelled, for one chart."""
    from risk.analysis.calibration import reliability_table

    parts = [reliability_table(result.predictions, f"prob_{kind}", n_bins).assign(series=t(key, lang))
             for kind, key in SERIES_KEYS.items()]
    return pd.concat(parts, ignore_index=True)
