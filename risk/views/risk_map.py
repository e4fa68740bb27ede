"""What the Risk map shows: the value of the chosen layer per commune, and one commune's panel.

The layer is the model's score, the composite index or any indicator; the
panel is the score with its rank interval and drivers, the composite's range
under other weights, the indicator history and the case counts as the role
may see them (risk.access.privacy).
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from risk.access.privacy import Role, case_counts_by_year, drivers_column
from risk.analysis.features import feature_label
from risk.contracts.indicators import Indicator, indicator_for
from risk.i18n import format_value, t
from risk.views.vintage import CommuneVintage, commune_vintage, marked_year

SCORE = "__score__"
COMPOSITE = "__composite__"
DIRECTION_KEYS = {True: "map.direction.higher_risk", False: "map.direction.lower_risk", None: "map.direction.unknown"}


def layer_indicator(key: str) -> Indicator:
    """The Indicator that describes a map layer, the two computed layers included."""
    if key == SCORE:
        return Indicator(SCORE, "%", True, "map.score", None)
    if key == COMPOSITE:
        return Indicator(COMPOSITE, "", True, "map.composite", None, is_rate=False)
    return indicator_for(key)


def layer_values(ds, key: str, year: int, ids: list[str], scores: pd.DataFrame | None,
                 composite: pd.DataFrame | None) -> pd.Series:
    """The layer's value per commune in map order (scores in percent; NaN where missing)."""
    if key == SCORE:
        return (scores["score"] * 100).reindex(ids)
    if key == COMPOSITE:
        return composite["index"].reindex(ids)
    year_rows = ds.indicators[ds.indicators["year"] == year]
    return year_rows.set_index(year_rows["commune_id"].astype(str))[key].reindex(ids)


def value_table(ds, ids: list[str], values: pd.Series, classes, label: str, lang: str) -> pd.DataFrame:
    """The map as a table: commune, value and class (1 = lowest)."""
    names = ds.boundaries.set_index(ds.boundaries["commune_id"].astype(str))
    return pd.DataFrame({
        t("col.commune_id", lang): ids,
        t("col.name", lang): names.loc[ids, "name"].to_numpy(),
        t("col.former_district", lang): names.loc[ids, "former_district"].to_numpy()
        if "former_district" in names.columns else "",
        label: values.to_numpy(),
        t("col.class", lang): [c + 1 if c >= 0 else None for c in classes],
    })


@dataclass(frozen=True)
class DriverLine:
    """One reason behind a score as the panel reads it: the feature's label in the user's
    language and its signed contribution (risk.analysis.model.Driver)."""

    label: str
    contribution: float


@dataclass(frozen=True)
class ScoreSummary:
    score: float
    rank: int
    n: int
    rank_low: int
    rank_high: int
    drivers: tuple[DriverLine, ...]
    drivers_hidden: bool  # case-based drivers left out for this role


@dataclass(frozen=True)
class CompositeSummary:
    index: float
    rank: int
    min_rank: int
    max_rank: int


@dataclass(frozen=True)
class CaseChart:
    """The panel's recorded cases by year, drawable with nothing left out: a year with no case is a
    bar of height 0 labelled "0"; a hidden year (fewer than k, not shown to this role) is a grey band
    from 1 to k-1, the range its count lies in, labelled "<k"."""

    rows: pd.DataFrame  # year (text), low, high, label, kind (the legend's words)
    y_max: float  # the axis' top: never 0, so an all-zero commune still has an axis of whole cases
    kinds: tuple[str, str]  # legend entries: recorded, hidden


@dataclass(frozen=True)
class CommunePanel:
    commune_id: str
    name: str
    former_district: str
    score: ScoreSummary | None
    composite: CompositeSummary | None
    indicators: pd.DataFrame  # indicators (labelled rows) by year (columns, latest first), text in the language
    counts: pd.DataFrame  # year, cases (None where hidden), shown; latest year first
    suppressed: bool
    chart: CaseChart | None = None
    vintage: CommuneVintage | None = None  # years converted from pre-2025 communes (risk.views.vintage)


def case_chart(counts: pd.DataFrame, small_cell_k: int, lang: str) -> CaseChart:
    """The chart of `counts` (risk.access.privacy.case_counts_by_year), oldest year first."""
    recorded = t("panel.chart.recorded", lang)
    hidden = t("panel.chart.hidden", lang, high=max(1, small_cell_k - 1), k=small_cell_k)
    rows = []
    for year, cases, shown in counts.sort_values("year")[["year", "cases", "shown"]].itertuples(index=False):
        if cases is None or cases != cases:  # suppressed: only the range is known
            rows.append({"year": str(year), "low": 1.0, "high": float(max(1, small_cell_k - 1)), "label": shown,
                         "kind": hidden})
        else:
            rows.append({"year": str(year), "low": 0.0, "high": float(cases), "label": shown, "kind": recorded})
    frame = pd.DataFrame(rows, columns=["year", "low", "high", "label", "kind"])
    top = max([1.0, *frame["high"].tolist()])
    return CaseChart(frame, top * 1.2 + 0.5, (recorded, hidden))


def indicator_history(ds, commune_id: str, lang: str, vintage: CommuneVintage | None = None) -> pd.DataFrame:
    """One row per indicator (its label, with "(%)" for rates), one column per year, latest first, so
    the latest years are the ones in view on a narrow screen; years converted from pre-2025 communes
    are marked (risk.views.vintage)."""
    history = ds.indicators[ds.indicators["commune_id"].astype(str) == commune_id].set_index("year").sort_index(
        ascending=False)
    keys = [k for k in ds.indicator_keys if k in history.columns]
    rows = {}
    for key in keys:
        indicator = indicator_for(key)
        label = indicator.label(lang) + (" (%)" if indicator.unit == "%" else "")
        rows[label] = [format_value(v, indicator.unit, lang, with_unit=False) for v in history[key].to_numpy()]
    return pd.DataFrame.from_dict(rows, orient="index", columns=[marked_year(int(y), vintage) for y in history.index])


def commune_panel(ds, commune_id: str, scores: pd.DataFrame | None, composite: pd.DataFrame | None,
                  sensitivity: pd.DataFrame | None, role: Role, small_cell_k: int, lang: str) -> CommunePanel:
    """The panel for one commune. `scores` and `composite` are indexed by commune_id;
    `sensitivity` is the composite's per-commune rank range (min_rank, max_rank), indexed likewise."""
    row = ds.boundaries.set_index(ds.boundaries["commune_id"].astype(str)).loc[commune_id]
    summary = None
    if scores is not None and commune_id in scores.index:
        s = scores.loc[commune_id]
        column = drivers_column(role)
        drivers = tuple(DriverLine(feature_label(d.feature, lang), d.contribution) for d in s[column])
        summary = ScoreSummary(float(s["score"]), int(s["rank"]), len(scores), int(s["rank_low"]),
                               int(s["rank_high"]), drivers, column != "drivers")
    comp = None
    if composite is not None and sensitivity is not None and commune_id in composite.index \
            and commune_id in sensitivity.index and pd.notna(composite.loc[commune_id, "rank"]):
        c, r = composite.loc[commune_id], sensitivity.loc[commune_id]
        comp = CompositeSummary(float(c["index"]), int(c["rank"]), int(r["min_rank"]), int(r["max_rank"]))
    counts = case_counts_by_year(ds.cases, commune_id, ds.years, role, small_cell_k)
    latest_first = counts.sort_values("year", ascending=False).reset_index(drop=True)
    vintage = commune_vintage(ds, commune_id, role)
    return CommunePanel(commune_id, str(row["name"]), str(row.get("former_district") or ""), summary, comp,
                        indicator_history(ds, commune_id, lang, vintage), latest_first,
                        bool(counts["cases"].isna().any()), case_chart(counts, small_cell_k, lang), vintage)
