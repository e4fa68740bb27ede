"""What the Hotspots page shows for one analysis, shaped for one role and language.

The page draws it; `python -m risk hotspots` prints the same classes and trends
through the same key maps. Everything that depends on the role (case counts,
points, observed against expected, p-values) is decided here through
risk.access.privacy. Every number a decision rests on is shown with what it
rests on, and every method that cannot answer says so (`notes`).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from risk.access.privacy import (
    Role, can_see_case_points, can_see_case_statistics, commune_case_counts, visible_case_points,
)
# The names only: the links in the URL import LAYERS from here, and must not load the statistics.
from risk.analysis.hotspots.vocabulary import CLASS_COLOURS, CLASSES, EXCEEDANCE_BANDS, GATED, GI_CLASSES, TRENDS
from risk.analysis.progress import Progress

if TYPE_CHECKING:
    from risk.analysis.hotspots import HotspotOptions, HotspotResult
from risk.i18n import Message, format_number, t
from risk.outputs.mapview import safe_html

LAYERS = ("clusters", "exceedance", "gi")
LAYER_KEYS = {"clusters": "hotspots.layer.clusters", "exceedance": "hotspots.layer.exceedance",
              "gi": "hotspots.layer.gi"}
CLASS_KEYS = {"cluster_99": "hotspots.class.cluster_99", "cluster_95": "hotspots.class.cluster_95",
              "not_in_cluster": "hotspots.class.not_in_cluster", "not_analysed": "hotspots.class.not_analysed"}
BAND_KEYS = {"very_likely": "hotspots.band.very_likely", "likely": "hotspots.band.likely",
             "possible": "hotspots.band.possible", "unlikely": "hotspots.band.unlikely"}
BAND_COLOURS = {"very_likely": "#54278f", "likely": "#9e9ac8", "possible": "#dadaeb", "unlikely": "#f2f2f2"}
GI_KEYS = {"hot_99": "hotspots.gi.hot_99", "hot_95": "hotspots.gi.hot_95", "hot_90": "hotspots.gi.hot_90",
           "not_significant": "hotspots.gi.not_significant", "cold_90": "hotspots.gi.cold_90",
           "cold_95": "hotspots.gi.cold_95", "cold_99": "hotspots.gi.cold_99"}
GI_COLOURS = {"hot_99": "#b2182b", "hot_95": "#ef8a62", "hot_90": "#fddbc7", "not_significant": "#eeeeee",
              "cold_90": "#d1e5f0", "cold_95": "#67a9cf", "cold_99": "#2166ac"}
TREND_KEYS = {
    "new_hot": "hotspots.trend.new_hot", "consecutive_hot": "hotspots.trend.consecutive_hot",
    "intensifying_hot": "hotspots.trend.intensifying_hot", "persistent_hot": "hotspots.trend.persistent_hot",
    "diminishing_hot": "hotspots.trend.diminishing_hot", "sporadic_hot": "hotspots.trend.sporadic_hot",
    "oscillating_hot": "hotspots.trend.oscillating_hot", "historical_hot": "hotspots.trend.historical_hot",
    "new_cold": "hotspots.trend.new_cold", "consecutive_cold": "hotspots.trend.consecutive_cold",
    "intensifying_cold": "hotspots.trend.intensifying_cold", "persistent_cold": "hotspots.trend.persistent_cold",
    "diminishing_cold": "hotspots.trend.diminishing_cold", "sporadic_cold": "hotspots.trend.sporadic_cold",
    "oscillating_cold": "hotspots.trend.oscillating_cold", "historical_cold": "hotspots.trend.historical_cold",
    "no_pattern": "hotspots.trend.no_pattern", "too_few_cases": "hotspots.trend.too_few_cases",
    "too_few_slices": "hotspots.trend.too_few_slices",
}
SLICE_KEYS = {"year": "hotspots.slice.year", "quarter": "hotspots.slice.quarter", "month": "hotspots.slice.month"}
FORM_KEYS = {
    "": "hotspots.form.all", "sexual_exploitation": "hotspots.form.sexual_exploitation",
    "forced_marriage": "hotspots.form.forced_marriage", "forced_labour": "hotspots.form.forced_labour",
    "child_trafficking": "hotspots.form.child_trafficking", "other": "hotspots.form.other",
}
STATISTIC_KEYS = {"poisson_llr": "hotspots.statistic.poisson_llr", "nb_quasi_llr": "hotspots.statistic.nb_quasi_llr"}
WEIGHT_KEYS = {"contiguity": "hotspots.weights.contiguity", "distance": "hotspots.weights.distance"}
TABLE_LABEL_KEYS = {
    "commune_id": "col.commune_id", "name": "col.name", "former_district": "col.former_district",
    "total": "hotspots.col.total", "cluster": "hotspots.col.cluster", "class": "hotspots.col.class",
    "observed_expected": "hotspots.col.observed_expected", "smoothed_rr": "hotspots.col.smoothed_rr",
    "exceedance": "hotspots.col.exceedance", "trend": "hotspots.col.trend",
    "dist_border_km": "hotspots.col.dist_border_km", "dist_gate_km": "hotspots.col.dist_gate_km",
}
assert set(CLASS_KEYS) == set(CLASSES) and set(TREND_KEYS) == set(TRENDS) | set(GATED)
assert set(GI_KEYS) == set(GI_CLASSES) and set(BAND_KEYS) == {b for b, _ in EXCEEDANCE_BANDS}


@dataclass(frozen=True)
class TrendGroup:
    """One trend category the page lists: its code, label and communes (so every count opens a list)."""

    code: str
    label: str
    communes: tuple[str, ...]
    table: pd.DataFrame  # name, former district, trend, cases per slice shown to the role


@dataclass(frozen=True)
class HotspotView:
    """The analysis as the page draws it. Tooltip cells are escaped HTML; table cells are text."""

    result: HotspotResult
    layer: str
    period_text: str
    in_belt: frozenset[str]
    faded: frozenset[str]
    colours: dict[str, str]
    tooltips: dict[str, dict[str, str]]  # field -> commune_id -> escaped text
    legend: tuple[tuple[str, str, int | None, float], ...]
    summary: str
    trends: tuple[TrendGroup, ...]
    points: pd.DataFrame | None  # case points the role may see, None when it may see none
    point_tips: tuple[str, ...]
    notes: tuple[Message, ...]
    method: str
    clusters: pd.DataFrame  # one row per significant cluster, labelled in the language
    table: pd.DataFrame  # communes in clusters, labelled in the language


PROGRESS_KEYS = {"queued": "hotspots.progress.queued", "dispersion": "hotspots.progress.dispersion",
                 "null_maps": "hotspots.progress.null_maps", "finishing": "hotspots.progress.finishing"}


def progress_text(progress: Progress, lang: str) -> str:
    """What the progress bar says: the step, and how far it is in the language's numbers."""
    return t(PROGRESS_KEYS.get(progress.step, "hotspots.running"), lang, scan=progress.scan,
             done=format_number(progress.done, 0, lang), total=format_number(progress.total, 0, lang))


def period_text(options: HotspotOptions) -> str:
    return str(options.year_from) if options.year_from == options.year_to else f"{options.year_from}–{options.year_to}"


def observed_expected_text(observed: float, expected: float, lang: str) -> str:
    """'9 cases where about 2.1 were expected' in the language."""
    return t("hotspots.observed_expected", lang, observed=format_number(observed, 0, lang),
             expected=format_number(expected, 1 if expected < 10 else 0, lang))


def _belt(distances: pd.DataFrame, ids: list[str], belt_km: float | None) -> frozenset[str]:
    if belt_km is None:
        return frozenset(ids)
    return frozenset(distances.loc[distances["dist_border_km"] <= belt_km, "commune_id"].astype(str)) & set(ids)


def _member(ids: pd.Series, members: frozenset[str]) -> np.ndarray:
    """Which of `ids` (as text) are in `members`. pandas' isin on a string column makes a pyarrow
    scalar of every member: 35 ms per call at 10,600 communes, three calls a rerun (issue 17)."""
    return np.fromiter((cid in members for cid in ids.astype(str).tolist()), dtype=bool, count=len(ids))


def _points(ds, options: HotspotOptions, role: Role, in_belt: frozenset[str], belted: bool, lang: str):
    if not can_see_case_points(role):
        return None, ()
    points = visible_case_points(ds.cases, role)
    keep = points["date"].dt.year.between(options.year_from, options.year_to)
    if options.form:
        keep &= points["form"] == options.form
    if belted:
        keep &= _member(points["commune_id"], in_belt)
    points = points[keep]
    # The words once, the data per case (11,000 cases at 10,600 communes, on every rerun).
    case, date, victims = (safe_html(t(key, lang)) for key in ("hotspots.popup.case", "hotspots.popup.date",
                                                               "hotspots.popup.victims"))
    forms = {form: safe_html(t(key, lang)) for form, key in FORM_KEYS.items()}
    tips = tuple(
        f"<b>{case} {safe_html(case_id)}</b><br>{date}: {safe_html(day)}<br>"
        f"{forms[form] if form in forms else safe_html(form)}<br>{victims}: {safe_html(int(count))}"
        for case_id, day, form, count in zip(points["case_id"], points["date"].dt.strftime("%Y-%m-%d"),
                                             points["form"], points["victims"])
    )
    return points, tips


def _notes(ds, result: HotspotResult, ids: list[str], in_belt: frozenset[str], belt_km: float | None,
           stats: bool, lang: str) -> tuple[Message, ...]:
    notes: list[Message] = []
    scan = result.scan
    if belt_km is not None:
        notes.append(Message("hotspots.belt_note", {"n": len(ids), "m": len(in_belt), "km": belt_km}))
    if scan.reason == "no_cases":
        notes.append(Message("hotspots.no_cases", {}))
    elif scan.reason == "floor":
        notes.append(Message("hotspots.reason.floor", {"replicates": scan.replicates}))
    elif scan.reason == "too_few_cases":
        notes.append(Message("hotspots.reason.too_few_cases", {}))
    elif not scan.significant and scan.clusters:
        best = scan.clusters[0]
        if stats:
            notes.append(Message("hotspots.strongest_not_significant", {
                "n": len(best.members), "text": observed_expected_text(best.observed, best.expected, lang),
                "p": format_number(best.p_value, 2, lang)}))
        else:
            notes.append(Message("hotspots.no_cluster", {}))
    if not result.population_known:
        notes.append(Message("hotspots.no_population_expected", {}))
    if result.excluded:
        notes.append(Message("hotspots.excluded", {"count": len(result.excluded)}))
    if result.smoothing.no_extra_variation and scan.reason is None:
        notes.append(Message("hotspots.eb_flat", {}))
    trends = result.trends
    gated = int((result.table["analysed"] & (result.table["trend"] == "too_few_cases")).sum())
    if (result.table["trend"] == "too_few_slices").any():
        notes.append(Message("hotspots.too_few_slices_note", {"n": len(trends.labels), "min": trends.min_slices,
                                                              "slice": t(SLICE_KEYS[trends.slice], lang)}))
    elif gated:
        notes.append(Message("hotspots.trend_gated", {"count": gated, "min": format_number(trends.min_expected, 0, lang),
                                                      "slice": t(SLICE_KEYS[trends.slice], lang)}))
    names = ds.boundaries.set_index(ds.boundaries["commune_id"].astype(str))["name"].astype(str).to_dict()
    if result.islands:
        notes.append(Message("hotspots.islands", {"count": len(result.islands),
                                                  "names": ", ".join(names.get(i, i) for i in result.islands)}))
    return tuple(notes)


def _method(result: HotspotResult, stats: bool, lang: str) -> str:
    scan, opts = result.scan, result.options
    weights = (t("hotspots.band_used", lang, km=format_number(result.band_km or 0, 1, lang))
               if result.weights_kind == "distance" else t(WEIGHT_KEYS["contiguity"], lang))
    common = {"zones": format_number(scan.n_zones, 0, lang), "replicates": format_number(scan.replicates, 0, lang),
              "threshold": format_number(opts.threshold, 1, lang), "weights": weights,
              "slice": t(SLICE_KEYS[opts.time_step], lang), "min": format_number(opts.min_expected, 0, lang),
              "alpha": format_number(opts.trend_alpha, 2, lang)}
    if not stats or not scan.critical_statistic:  # the cut-offs and the dispersion are functions of the counts
        return t("hotspots.method_public", lang, **common)
    return t("hotspots.method", lang, **common, dispersion=format_number(scan.dispersion, 2, lang),
             statistic=t(STATISTIC_KEYS[scan.statistic_kind], lang),
             cut95=format_number(scan.critical_statistic["95"], 1, lang), cut99=format_number(scan.critical_statistic["99"], 1, lang))


def _cluster_rows(ds, result: HotspotResult, distances: pd.DataFrame, stats: bool, lang: str) -> pd.DataFrame:
    names = ds.boundaries.set_index(ds.boundaries["commune_id"].astype(str))["name"].astype(str)
    border = distances.set_index(distances["commune_id"].astype(str))["dist_border_km"]
    rows = []
    for k, (cluster, members) in enumerate(zip(result.scan.significant, result.cluster_members()), start=1):
        row = {t("hotspots.col.cluster", lang): k, t("hotspots.col.class", lang): t(CLASS_KEYS[f"cluster_{cluster.level}"], lang),
               t("hotspots.col.communes", lang): ", ".join(names.get(m, m) for m in members),
               t("hotspots.col.dist_border_km", lang): format_number(float(border.reindex(list(members)).min()), 1, lang)}
        if stats:
            row[t("hotspots.col.observed_expected", lang)] = observed_expected_text(cluster.observed, cluster.expected, lang)
            row[t("hotspots.col.p_value", lang)] = format_number(cluster.p_value, 3, lang)
        rows.append(row)
    return pd.DataFrame(rows)


def _table(ds, result: HotspotResult, distances: pd.DataFrame, shown: pd.DataFrame, in_belt: frozenset[str],
           n_ids: int, stats: bool, years: tuple[int, ...], lang: str) -> pd.DataFrame:
    from risk.analysis.hotspots import hot_commune_table

    names = ds.boundaries[[c for c in ("commune_id", "name", "former_district") if c in ds.boundaries.columns]]
    hot = hot_commune_table(result, pd.DataFrame(names), distances, shown,
                            communes=sorted(in_belt) if len(in_belt) < n_ids else None)
    view = hot.assign(**{
        "class": hot["class"].map(lambda c: t(CLASS_KEYS[c], lang)),
        "trend": hot["trend"].map(lambda c: t(TREND_KEYS[c], lang)),
        "exceedance": hot["band"].map(lambda b: t(BAND_KEYS[b], lang)),
        "dist_border_km": hot["dist_border_km"].map(lambda v: format_number(v, 1, lang)),
        "dist_gate_km": hot["dist_gate_km"].map(lambda v: format_number(v, 1, lang)),
        "observed_expected": [observed_expected_text(o, e, lang) for o, e in zip(hot["observed"], hot["expected"])],
        "smoothed_rr": [t("hotspots.rr_interval", lang, rr=format_number(r, 1, lang), lo=format_number(lo, 1, lang),
                          hi=format_number(hi, 1, lang)) for r, lo, hi in zip(hot["smoothed_rr"], hot["rr_lower"], hot["rr_upper"])],
    })
    drop = ["observed", "expected", "rr_lower", "rr_upper"]
    if not stats:  # observed against expected and the interval give the counts back (risk/access/privacy.py)
        drop += ["observed_expected", "smoothed_rr"]
    view = view.drop(columns=drop)
    first = [c for c in ("commune_id", "name", "former_district", "cluster", "class", "observed_expected",
                         "smoothed_rr", "exceedance", "trend") if c in view.columns]
    view = view[first + [c for c in view.columns if c not in first]]
    labels = {c: t(key, lang) for c, key in TABLE_LABEL_KEYS.items()}
    return view.rename(columns={**labels, **{y: str(y) for y in years}})


def _trend_groups(ds, result: HotspotResult, in_belt: frozenset[str], shown: pd.DataFrame, lang: str
                  ) -> tuple[TrendGroup, ...]:
    table = result.table[_member(result.table["commune_id"], in_belt) & result.table["analysed"].to_numpy(bool)]
    names = ds.boundaries[[c for c in ("commune_id", "name", "former_district") if c in ds.boundaries.columns]]
    names = pd.DataFrame(names).assign(commune_id=lambda f: f["commune_id"].astype(str))
    groups = []
    for code in (*TRENDS, *GATED):
        members = table.loc[table["trend"] == code, "commune_id"].astype(str)
        if members.empty or code == "no_pattern":
            continue
        rows = names[_member(names["commune_id"], frozenset(members))].merge(
            shown[["commune_id", "total"]], on="commune_id", how="left")
        rows = rows.assign(trend=t(TREND_KEYS[code], lang)).rename(columns={
            "name": t("col.name", lang), "former_district": t("col.former_district", lang),
            "commune_id": t("col.commune_id", lang), "trend": t("hotspots.col.trend", lang),
            "total": t("hotspots.col.total", lang)})
        groups.append(TrendGroup(code, t(TREND_KEYS[code], lang), tuple(members), rows.reset_index(drop=True)))
    return tuple(groups)


def _codes(column: pd.Series, missing: str | bool) -> pd.Series:
    """A column of codes, `missing` where the analysis has no row for a commune."""
    return column.astype(object).where(column.notna(), missing)


def _per_commune(values: pd.Series) -> dict:
    """{commune id: value}. Not Series.to_dict, which walks a text index one pyarrow value at a time."""
    return dict(zip(values.index.tolist(), values.tolist()))


def _labels(column: pd.Series, missing: str, keys: dict, lang: str) -> dict[str, str]:
    """Each commune's class of `column` in words, by commune id. Per class, not per commune: a
    lookup per commune took 0.3 s a column at 10,600 communes, on every rerun (issue 17)."""
    words = {code: t(key, lang) for code, key in keys.items()}
    return _per_commune(_codes(column, missing).map(words))


def _layer(table: pd.DataFrame, analysed: pd.Series, layer: str, lang: str):
    """Colour per commune and legend of `layer`; `table` has one row per commune of the map."""
    if layer == "exceedance":
        band = _codes(table["band"].where(analysed, "unlikely"), "unlikely")
        colours = _per_commune(band.map(BAND_COLOURS))
        legend = [(BAND_COLOURS[b], t(BAND_KEYS[b], lang), int((band == b).sum()), 1.0) for b, _ in EXCEEDANCE_BANDS]
    elif layer == "gi":
        gi = _codes(table["gi_class"], "not_significant")
        colours = _per_commune(gi.map(GI_COLOURS))
        legend = [(GI_COLOURS[c], t(GI_KEYS[c], lang), int((gi == c).sum()), 1.0) for c in GI_CLASSES]
    else:
        cls = _codes(table["class"], "not_analysed")
        colours = _per_commune(cls.map(CLASS_COLOURS))
        legend = [(CLASS_COLOURS[c], t(CLASS_KEYS[c], lang), int((cls == c).sum()), 1.0)
                  for c in CLASSES if c != "not_analysed" or (cls == c).any()]
    return colours, legend


def hotspot_view(ds, result: HotspotResult, options: HotspotOptions, ids: list[str], distances: pd.DataFrame,
                 role: Role, small_cell_k: int, lang: str, belt_km: float | None = None,
                 layer: str = "clusters") -> HotspotView:
    """The view of `result` for the communes `ids` (map order); `belt_km` fades communes farther
    from the border than that (None: no belt); `layer` is one of LAYERS."""
    stats = can_see_case_statistics(role)
    in_belt = _belt(distances, ids, belt_km)
    shown = commune_case_counts(ds.cases, ids, list(options.years), role, small_cell_k, options.form)
    # One row per commune of the map, in its order; a commune the analysis left out has none.
    table = result.table.set_index(result.table["commune_id"].astype(str)).reindex(ids)
    analysed = _codes(table["analysed"], False).astype(bool)
    totals = dict(zip(shown["commune_id"], shown["total"]))
    tooltips = {
        "class": _labels(table["class"], "not_analysed", CLASS_KEYS, lang),
        "band": _labels(table["band"], "unlikely", BAND_KEYS, lang),
        "trend": _labels(table["trend"], "too_few_cases", TREND_KEYS, lang),
        "cases": {cid: str(totals.get(cid, "0")) for cid in ids},
    }
    if stats:
        tooltips["observed_expected"] = {
            cid: observed_expected_text(observed, expected, lang) if seen else "–"
            for cid, seen, observed, expected in zip(ids, analysed, table["observed"], table["expected"])}
    colours, legend = _layer(table, analysed, layer if layer in LAYERS else "clusters", lang)
    if frozenset(ids) - in_belt:
        legend.append(("#bbbbbb", t("hotspots.legend.outside_belt", lang), None, 0.35))
    visible = result.table[_member(result.table["commune_id"], in_belt)]
    n_clusters = len(result.scan.significant)
    summary = t("hotspots.summary", lang, clusters=format_number(n_clusters, 0, lang),
                communes=format_number(int((visible["cluster"] > 0).sum()), 0, lang),
                n=format_number(len(visible), 0, lang))
    points, tips = _points(ds, options, role, in_belt, belt_km is not None, lang)
    return HotspotView(
        result=result, layer=layer, period_text=period_text(options), in_belt=in_belt,
        faded=frozenset(ids) - in_belt, colours=colours, tooltips=tooltips, legend=tuple(legend), summary=summary,
        trends=_trend_groups(ds, result, in_belt, shown, lang), points=points, point_tips=tips,
        notes=_notes(ds, result, ids, in_belt, belt_km, stats, lang), method=_method(result, stats, lang),
        clusters=_cluster_rows(ds, result, distances, stats, lang),
        table=_table(ds, result, distances, shown, in_belt, len(ids), stats, options.years, lang),
    )


def tooltip_labels(lang: str, role: Role) -> dict[str, str]:
    """The tooltip's field labels, in the order of `HotspotView.tooltips`."""
    labels = {"name": t("map.tooltip.name", lang), "former_district": t("map.tooltip.former_district", lang),
              "class": t("hotspots.tooltip.class", lang), "band": t("hotspots.tooltip.band", lang),
              "trend": t("hotspots.tooltip.trend", lang), "cases": t("hotspots.tooltip.cases", lang)}
    if can_see_case_statistics(role):
        labels["observed_expected"] = t("hotspots.tooltip.observed_expected", lang)
    return labels


def cli_notes(ds, result: HotspotResult, lang: str) -> list[str]:
    """The page's notes as plain text, for `python -m risk hotspots` (an analyst's tool, run by
    whoever may read the data folder: the commander's view, which includes the counts)."""
    ids = result.ids
    notes = _notes(ds, result, ids, frozenset(ids), None, True, lang)
    return [t(n.code, lang, **n.params) for n in notes] + [_method(result, True, lang)]
