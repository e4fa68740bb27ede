"""The ranked priority list: one row per commune with what an official needs to decide,
the filters a planner applies to it, and the file it is exported as.

The Priorities page and `python -m risk export` both build the list with
`build_priority_list` and the file with `risk.views.priority_export.prepare_export`, so the two
give the same rows, cells and labels for the same settings (tests/views/test_priorities.py).
The callers supply the ranking (model scores or composite index), hotspot
classes and distances, so the page can pass its cached copies.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Mapping

import numpy as np
import pandas as pd

from risk.i18n import format_number, format_percent, t

if TYPE_CHECKING:
    from risk.analysis.composite import CompositeResult

COLUMNS = ("rank", "rank_low", "rank_high", "commune_id", "name", "former_district", "score", "drivers",
           "cases_3y", "hotspot", "dist_border_km", "population")


@dataclass(frozen=True)
class PriorityFilters:
    """What a planner narrows the list to. Empty/None means no filter."""

    districts: tuple[str, ...] = ()
    max_border_km: float | None = None
    min_population: float | None = None
    thresholds: Mapping[str, float] = field(default_factory=dict)  # indicator -> minimum value

    def describe(self) -> dict:
        """For export metadata and the audit log."""
        out: dict = {}
        if self.districts:
            out["former_district"] = list(self.districts)
        if self.max_border_km is not None:
            out["max_border_km"] = self.max_border_km
        if self.min_population is not None:
            out["min_population"] = self.min_population
        out.update({f"min_{k}": v for k, v in self.thresholds.items()})
        return out


def drivers_text(drivers, label) -> str:
    """'▲ poverty, ▲ distance to border, ▼ mobile coverage' from a score's drivers."""
    if not drivers:
        return ""
    return ", ".join(f"{'▲' if d.contribution > 0 else '▼'} {label(d.feature)}" for d in drivers)


def priority_table(
    boundaries: pd.DataFrame, ranking: pd.DataFrame, indicators_year: pd.DataFrame,
    cases_3y: pd.Series | None = None, hotspot: pd.Series | None = None, dist_border_km: pd.Series | None = None,
    feature_label=lambda key: key, drivers_column: str = "drivers",
) -> pd.DataFrame:
    """One row per ranked commune, sorted by rank.

    `ranking`: commune_id, score (0..1 model probability or 0..100 index), rank,
    and optionally rank_low, rank_high and the drivers column named by `drivers_column` (the one
    risk.access.privacy.drivers_column gives the viewer's role). `indicators_year`: the year's
    indicator rows (commune_id + columns). Series are indexed by commune_id.
    """
    base = boundaries[["commune_id", "name"] + (["former_district"] if "former_district" in boundaries else [])]
    base = base.assign(commune_id=base["commune_id"].astype(str)).set_index("commune_id")
    rank = ranking.assign(commune_id=ranking["commune_id"].astype(str)).set_index("commune_id")
    table = pd.DataFrame(index=rank.index)
    table["rank"] = rank["rank"].astype("Int64")
    # A ranking without intervals (the composite index, a fixed formula) has none to show: blank,
    # not an interval of one rank, which would claim a certainty nothing measured.
    none = pd.Series(pd.NA, index=table.index, dtype="Int64")
    table["rank_low"] = rank["rank_low"].astype("Int64") if "rank_low" in rank else none
    table["rank_high"] = rank["rank_high"].astype("Int64") if "rank_high" in rank else none
    table["name"] = base["name"].reindex(table.index)
    table["former_district"] = base["former_district"].reindex(table.index) if "former_district" in base else ""
    table["score"] = rank["score"].astype(float)
    table["drivers"] = (rank[drivers_column].map(lambda d: drivers_text(d, feature_label))
                        if drivers_column in rank else "")
    table["cases_3y"] = cases_3y.reindex(table.index) if cases_3y is not None else ""
    table["hotspot"] = hotspot.reindex(table.index) if hotspot is not None else ""
    table["dist_border_km"] = dist_border_km.reindex(table.index).astype(float) if dist_border_km is not None else np.nan
    ind = indicators_year.assign(commune_id=indicators_year["commune_id"].astype(str)).set_index("commune_id")
    table["population"] = ind["population"].reindex(table.index) if "population" in ind else np.nan
    table = table.reset_index()
    return table.sort_values(["rank", "commune_id"], kind="mergesort", na_position="last").reset_index(drop=True)[
        list(COLUMNS)]


def apply_filters(table: pd.DataFrame, indicators_year: pd.DataFrame, filters: PriorityFilters) -> pd.DataFrame:
    """Rows of `table` that pass every filter; the original ranks are kept (not renumbered)."""
    keep = pd.Series(True, index=table.index)
    if filters.districts:
        keep &= table["former_district"].isin(filters.districts)
    if filters.max_border_km is not None:
        keep &= table["dist_border_km"].le(filters.max_border_km).fillna(False)
    if filters.min_population is not None:
        keep &= table["population"].ge(filters.min_population).fillna(False)
    if filters.thresholds:
        ind = indicators_year.assign(commune_id=indicators_year["commune_id"].astype(str)).set_index("commune_id")
        for key, minimum in filters.thresholds.items():
            values = ind[key].reindex(table["commune_id"]).to_numpy() if key in ind else np.full(len(table), np.nan)
            keep &= pd.Series(values >= minimum, index=table.index).fillna(False)
    return table[keep.to_numpy()].reset_index(drop=True)


# --- the list both the page and the command line show ---------------------------------

RANKINGS = ("model", "composite")
RANKING_LABEL_KEYS = {"model": "pr.ranking.model", "composite": "pr.ranking.composite"}
SCORE_SCALE = {"model": 100.0, "composite": 1.0}  # the model's probability is shown in percent
HOTSPOT_CLASS_KEYS = {
    "cluster_99": "hotspots.class.cluster_99", "cluster_95": "hotspots.class.cluster_95",
    "not_in_cluster": "hotspots.class.not_in_cluster", "not_analysed": "hotspots.class.not_analysed",
}
EXPORT_LABEL_KEYS = {
    "rank": "export.col.rank", "rank_low": "export.col.rank_low", "rank_high": "export.col.rank_high",
    "commune_id": "export.col.commune_id", "name": "export.col.name",
    "former_district": "export.col.former_district", "score": "export.col.score",
    "drivers": "export.col.drivers", "cases_3y": "export.col.cases_3y", "hotspot": "export.col.hotspot",
    "dist_border_km": "export.col.dist_border_km",
}
CASE_YEARS = 3
# Decimal places of the list's numbers, on the page and in every export (which round to them).
DECIMALS = {"score": 1, "dist_border_km": 1}


@dataclass(frozen=True)
class PriorityList:
    """The ranked list for one year, shaped for one role: `table` has COLUMNS, `score` on 0–100."""

    year: int
    ranking: str
    case_years: tuple[int, ...]
    table: pd.DataFrame
    composite: object | None = None  # the CompositeConfig a composite ranking was built with


def case_years(year: int) -> tuple[int, ...]:
    """The years the "cases, last 3 years" column sums."""
    return tuple(range(year - CASE_YEARS + 1, year + 1))


def composite_ranking(composite: CompositeResult) -> pd.DataFrame:
    """A CompositeResult (risk.analysis.composite) as a ranking: commune_id, score, rank and the
    indicators that put each commune above or below the average one. No indicator of the index is
    a case count, so every role sees the same reasons."""
    from risk.analysis.composite import index_drivers

    table = composite.table.rename(columns={"index": "score"})[["commune_id", "score", "rank"]]
    table["drivers"] = index_drivers(composite)
    table["drivers_without_cases"] = table["drivers"]
    return table.dropna(subset=["rank"])


def hotspot_class_column(result) -> pd.Series:
    """The cluster class per commune id of a HotspotResult, as the priority list shows it."""
    return result.table.set_index("commune_id")["class"]


def build_priority_list(
    ds, year: int, ranking_kind: str, ranking: pd.DataFrame, role, small_cell_k: int, lang: str,
    hotspot: pd.Series | None, dist_border_km: pd.Series | None, composite=None,
) -> PriorityList:
    """The list for `year`: cases over the last 3 years as the role may see them, drivers the role
    may see, hotspot class in `lang`, distance to the border rounded to 0.1 km."""
    from risk.access.privacy import case_totals, drivers_column
    from risk.analysis.features import feature_label

    years = case_years(year)
    ids = ds.boundaries["commune_id"].astype(str).tolist()
    cases = case_totals(ds.cases, ids, list(years), role, small_cell_k) if len(ds.cases) else None
    labels = hotspot.map(lambda c: t(HOTSPOT_CLASS_KEYS[c], lang)) if hotspot is not None else None
    distance = dist_border_km.round(1) if dist_border_km is not None else None
    table = priority_table(ds.boundaries, ranking, ds.indicators[ds.indicators["year"] == year], cases, labels,
                           distance, feature_label=lambda key: feature_label(key, lang),
                           drivers_column=drivers_column(role))
    table["score"] = table["score"] * SCORE_SCALE[ranking_kind]
    return PriorityList(int(year), ranking_kind, years, table, composite if ranking_kind == "composite" else None)


def method_text(plist: PriorityList, lang: str, *, model_kind: str = "logistic", n_bootstrap: int = 100,
                small_cell_k: int = 3, role=None) -> str:
    """How the list was ranked, in one paragraph, for the export's method sheet and the PDF brief."""
    from risk.access.privacy import ROLE_KEYS, Role
    from risk.analysis.model import MODEL_KIND_KEYS

    if plist.ranking == "composite":
        return t("pr.method.composite", lang, year=plist.year, how=_composite_how(plist.composite, lang))
    role_name = t(ROLE_KEYS[Role(getattr(role, "value", role))], lang) if role else ""
    return t("export.cli.method", lang, next=plist.year + 1, model=t(MODEL_KIND_KEYS[model_kind], lang),
             bootstrap=n_bootstrap, first=plist.case_years[0], last=plist.case_years[-1], k=small_cell_k,
             role=role_name)


def _composite_how(config, lang: str) -> str:
    """'weighted arithmetic mean; weights: poverty 1, dropout 2' (equal weights when none were set)."""
    from risk.analysis.composite import METHOD_KEYS
    from risk.contracts.indicators import indicator_for

    method = t(METHOD_KEYS[getattr(config, "method", "arithmetic")], lang)
    weights = {k: w for k, w in (getattr(config, "weights", None) or {}).items() if w}
    if not weights:
        return t("pr.method.composite_equal", lang, method=method)
    listed = ", ".join(f"{indicator_for(k).label(lang)} {format_number(w, 0 if float(w).is_integer() else 1, lang)}"
                       for k, w in weights.items())
    return t("pr.method.composite_weights", lang, method=method, weights=listed)


# --- allocation: what was asked and what came out ----------------------------------------

OBJECTIVE_KEYS = {"expected_cases": "pr.objective.expected_cases",
                  "score_x_population": "pr.objective.score_x_population", "score": "pr.objective.score",
                  "recorded_cases": "pr.objective.recorded_cases"}


def allocation_objectives(ranking_kind: str) -> tuple[str, ...]:
    """The objectives a ranking supports: expected cases need the model's probability."""
    from risk.analysis.allocate import OBJECTIVES

    return OBJECTIVES if ranking_kind == "model" else tuple(o for o in OBJECTIVES if o != "expected_cases")


@dataclass(frozen=True)
class AllocationSettings:
    """A planner's allocation request. `cost` is a flat cost per commune or an indicator column."""

    budget: float
    cost: float | str
    objective: str
    min_per_district: int = 0
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()


@dataclass(frozen=True)
class AllocationRun:
    """An allocation and the settings it was solved for (kept in session state between reruns)."""

    plan: object  # risk.analysis.allocate.Allocation
    settings: AllocationSettings


def allocation_candidates(ds, year: int, ranking: pd.DataFrame, cost_column: str | None = None,
                          scale: float = 1.0) -> pd.DataFrame:
    """What the allocation chooses from: the ranked communes (commune_id, score) with their name,
    former district, `year`'s population and, when asked, a cost column from that year's indicators
    (left out when the year has no such column: the allocation then names it as missing).

    `score / scale` is what the allocation weighs: the model's probability (0–1), so "risk ×
    population" reads as people in communes at risk, or the composite index (0–100). The page passes
    its filtered list with the list's scale and `risk allocate` the model's scores, so both solve
    the same problem for the same settings."""
    out = ranking[["commune_id", "score"]].assign(commune_id=ranking["commune_id"].astype(str),
                                                  score=ranking["score"] / scale)
    names = ds.boundaries.assign(commune_id=ds.boundaries["commune_id"].astype(str))
    keep = [c for c in ("commune_id", "name", "former_district") if c in names.columns]
    out = out.merge(pd.DataFrame(names[keep]), on="commune_id", how="left")
    rows = ds.indicators[ds.indicators["year"] == year]
    rows = rows.assign(commune_id=rows["commune_id"].astype(str)).set_index("commune_id")
    out["population"] = rows["population"].reindex(out["commune_id"]).to_numpy() if "population" in rows else np.nan
    if cost_column and cost_column not in out:  # kept under its own name, so a message names it
        if cost_column in rows:
            out[cost_column] = rows[cost_column].reindex(out["commune_id"]).to_numpy()
    return out


def covered_share_key(objective_kind: str) -> str:
    """The label of the covered share: of the risk, or of the recorded cases it weighed."""
    return "pr.covered_share_cases" if objective_kind == "recorded_cases" else "pr.covered_share"


def coverage_objectives(ranking_kind: str, role) -> tuple[str, ...]:
    """What patrol coverage may weigh: the ranking's objectives, and recorded cases for roles that
    may use exact counts (risk.access.privacy)."""
    from risk.access.privacy import can_weigh_by_recorded_cases

    extra = ("recorded_cases",) if can_weigh_by_recorded_cases(role) else ()
    return (*allocation_objectives(ranking_kind), *extra)


def coverage_communes(ds, plist: PriorityList, role=None, objective: str = "expected_cases") -> pd.DataFrame:
    """Commune centres with the score patrol coverage weighs, on the allocation's scale (the model's
    probability, not the percent the list shows), so the same objectives apply to both; with the
    recorded-cases objective, also each commune's recorded cases over the last years up to the
    list's year (risk.analysis.cases.recent_case_totals; refused for a role that may not use exact
    counts)."""
    from risk.access.privacy import can_weigh_by_recorded_cases
    from risk.analysis.cases import recent_case_totals
    from risk.analysis.coverage import commune_points

    table = plist.table[["commune_id", "score", "population"]]
    table = table.assign(score=table["score"] / SCORE_SCALE[plist.ranking])
    out = commune_points(ds.boundaries).merge(table, on="commune_id")
    if objective == "recorded_cases":
        if not can_weigh_by_recorded_cases(role):
            raise PermissionError("recorded-case coverage needs a role that sees case rows")
        out["recorded_cases"] = recent_case_totals(ds.cases, out["commune_id"].astype(str).tolist(),
                                                   plist.year).to_numpy()
    return out


def run_allocation(ds, plist: PriorityList, shown: pd.DataFrame, settings: AllocationSettings) -> AllocationRun:
    """Solve the allocation over the filtered list; AllocationError explains an impossible request."""
    from risk.analysis.allocate import allocate

    column = settings.cost if isinstance(settings.cost, str) else None
    candidates = allocation_candidates(ds, plist.year, shown, column, scale=SCORE_SCALE[plist.ranking])
    plan = allocate(candidates, settings.budget, cost=column or float(settings.cost),
                    objective=settings.objective, min_per_district=settings.min_per_district,
                    must_include=list(settings.include), must_exclude=list(settings.exclude))
    return AllocationRun(plan, settings)


NEAR_ZERO_SHARE = 0.001  # a gain under 0.1 % of the simple rule's figure is "the same" on the page


def allocation_notes(run: AllocationRun, lang: str) -> list[str]:
    """What the figures beside the plan cannot say alone: a simple rule that broke a district
    minimum (named, so its figure is not read as a fair comparison), and a gain near zero."""
    plan, out = run.plan, []
    for rule, broken in (("pr.alloc_greedy", plan.greedy_broken_districts),
                         ("pr.alloc_ratio", plan.ratio_broken_districts)):
        if broken:
            out.append(t("pr.alloc_broken", lang, rule=t(rule, lang), n=run.settings.min_per_district,
                         districts=", ".join(broken)))
    if not plan.ratio_broken_districts and plan.ratio_gap_share is not None and plan.ratio_gap_share < NEAR_ZERO_SHARE:
        out.append(t("pr.alloc_near_zero", lang, gain=format_percent(plan.ratio_gap_share, lang, 2, sign=True)))
    return out


def allocation_method(run: AllocationRun, lang: str) -> str:
    """The sentence an allocation adds to the method paragraph."""
    from risk.contracts.indicators import indicator_for

    s = run.settings
    cost = indicator_for(s.cost).label(lang) if isinstance(s.cost, str) else format_number(float(s.cost), 0, lang)
    return t("pr.method.allocation", lang, budget=format_number(s.budget, 0, lang), cost=cost,
             objective=t(OBJECTIVE_KEYS[s.objective], lang))


def map_values(shown: pd.DataFrame, feature_ids: list[str]) -> tuple[pd.Series, dict[str, str]]:
    """Scores of the communes the filters keep (`shown`, rows of a priority table; NaN elsewhere), in
    map order, and their rank labels."""
    # Read from `shown` itself: Index.isin on string ids was 7 % of a Priorities rerun at 3,321 communes.
    values = pd.Series(shown["score"].to_numpy(), index=shown["commune_id"].to_numpy()).reindex(feature_ids)
    rank_of = dict(zip(shown["commune_id"].tolist(), shown["rank"].tolist()))
    ranks = {cid: f"#{rank_of[cid]}" for cid in feature_ids if cid in rank_of}
    return values, ranks


def interval_text(low, high, lang: str, missing: str = "–") -> str:
    """A 90 % rank interval as the page, the brief and the command line write it ("3–29"), in the
    language's digits; `missing` where the ranking has none (the composite index)."""
    if pd.isna(low) or pd.isna(high):
        return missing
    return f"{format_number(low, 0, lang)}–{format_number(high, 0, lang)}"


# --- the table a page at a time ----------------------------------------------------------------

# Rows the table shows at once: the whole list of a province (Nghệ An has 130 communes), a page of a
# country's. The table is resent whenever it changes, and at 10,600 communes the whole list was
# 0.9 MB of every year change (issue 17); an official reads the top of the list, and the export
# holds every row.
TABLE_ROWS = 250


@dataclass(frozen=True)
class TablePage:
    """Which rows of the filtered list the table shows: `start` to `stop` (0-based, stop excluded)
    of `total`, page `number` (0-based) of `count`."""

    number: int
    count: int
    start: int
    stop: int
    total: int


def table_page(total: int, number: int, rows: int | None = None) -> TablePage:
    """Page `number` of a list of `total` rows, `rows` a page (default TABLE_ROWS), clamped to the
    pages there are (filters can shorten the list under a page a person chose)."""
    rows = rows or TABLE_ROWS
    count = max(1, -(-total // rows))
    number = min(max(0, int(number)), count - 1)
    start = number * rows
    return TablePage(number, count, start, min(total, start + rows), total)


def page_label(number: int, total: int, lang: str, rows: int | None = None) -> str:
    """The rows page `number` of a list of `total` holds, as a person reads them: "rows 251–500"."""
    page = table_page(total, number, rows)
    return t("pr.page_rows", lang, first=format_number(page.start + 1, 0, lang), last=format_number(page.stop, 0, lang))


def display_frame(shown: pd.DataFrame, selected: set[str], lang: str) -> pd.DataFrame:
    """The rows as the page's table shows them: a selection tick first, labels in `lang`."""
    return pd.DataFrame({
        t("pr.selected", lang): shown["commune_id"].isin(selected),
        t("pr.col.rank", lang): shown["rank"],
        t("pr.col.interval", lang): [interval_text(lo, hi, lang)
                                     for lo, hi in zip(shown["rank_low"], shown["rank_high"])],
        t("col.name", lang): shown["name"],
        t("col.former_district", lang): shown["former_district"],
        # At the places shown: the grid sorts the same, and the digits nobody sees cost 60 KB of
        # every year change at 10,600 communes (full-precision floats hardly compress).
        t("pr.col.score", lang): shown["score"].round(DECIMALS["score"]),
        t("pr.col.drivers", lang): shown["drivers"],
        t("pr.col.cases_3y", lang): shown["cases_3y"],
        t("pr.col.hotspot", lang): shown["hotspot"],
        t("pr.col.dist_border", lang): shown["dist_border_km"],
        t("pr.col.population", lang): shown["population"],
        t("col.commune_id", lang): shown["commune_id"],
    })


# --- filter thresholds as choices a person reads in their language ---------------------------------

THRESHOLD_STEPS = 101  # at most this many choices: every observed value at province scale, a grid beyond


def threshold_steps(values: pd.Series, keep: float | None = None) -> list[float]:
    """The values a threshold on an indicator can take: every observed value (one decimal) when there
    are few, else an even grid from the lowest to the highest; [0.0] without values. `keep` (a
    threshold a link brought) is always among them, so the link's filter holds as written."""
    import numpy as np

    present = pd.to_numeric(values, errors="coerce").dropna()
    unique = sorted({round(float(v), 1) for v in present}) or [0.0]
    if len(unique) > THRESHOLD_STEPS:
        unique = sorted({round(float(v), 1) for v in np.linspace(unique[0], unique[-1], THRESHOLD_STEPS)})
    if keep is not None and keep == keep:
        unique = sorted(set(unique) | {round(float(keep), 1)})
    return unique


def nearest_step(steps: list[float], value: float | None) -> float:
    """The step closest to `value` (a median, or a threshold kept from a link)."""
    if value is None or value != value:
        return steps[0]
    return min(steps, key=lambda s: (abs(s - float(value)), s))
