"""What the Hotspots page shows for one analysis, shaped for one role and language.

The page draws it; `python -m risk hotspots` prints the same classes and trends
through the same key maps. Everything that depends on the role (case counts,
points, z and p) is decided here through risk.access.privacy.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from risk.access.privacy import (
    Role, can_see_case_points, can_see_case_statistics, commune_case_counts, visible_case_points,
)
from risk.analysis.hotspots import (
    CLASS_COLOURS, CLASSES, MIN_TREND_YEARS, TRENDS, HotspotOptions, HotspotResult, hot_commune_table,
)
from risk.i18n import Message, format_number, t
from risk.outputs.mapview import safe_html

CLASS_KEYS = {
    "hot_99": "hotspots.class.hot_99", "hot_95": "hotspots.class.hot_95", "hot_90": "hotspots.class.hot_90",
    "not_significant": "hotspots.class.not_significant", "cold_90": "hotspots.class.cold_90",
    "cold_95": "hotspots.class.cold_95", "cold_99": "hotspots.class.cold_99",
}
TREND_KEYS = {
    "new_hot": "hotspots.trend.new_hot", "consecutive_hot": "hotspots.trend.consecutive_hot",
    "intensifying_hot": "hotspots.trend.intensifying_hot", "persistent_hot": "hotspots.trend.persistent_hot",
    "diminishing_hot": "hotspots.trend.diminishing_hot", "sporadic_hot": "hotspots.trend.sporadic_hot",
    "oscillating_hot": "hotspots.trend.oscillating_hot", "historical_hot": "hotspots.trend.historical_hot",
    "new_cold": "hotspots.trend.new_cold", "consecutive_cold": "hotspots.trend.consecutive_cold",
    "intensifying_cold": "hotspots.trend.intensifying_cold", "persistent_cold": "hotspots.trend.persistent_cold",
    "diminishing_cold": "hotspots.trend.diminishing_cold", "sporadic_cold": "hotspots.trend.sporadic_cold",
    "oscillating_cold": "hotspots.trend.oscillating_cold", "historical_cold": "hotspots.trend.historical_cold",
    "no_pattern": "hotspots.trend.no_pattern",
}
FORM_KEYS = {
    "": "hotspots.form.all", "sexual_exploitation": "hotspots.form.sexual_exploitation",
    "forced_marriage": "hotspots.form.forced_marriage", "forced_labour": "hotspots.form.forced_labour",
    "child_trafficking": "hotspots.form.child_trafficking", "other": "hotspots.form.other",
}
MEASURE_KEYS = {"count": "hotspots.measure.count", "rate": "hotspots.measure.rate"}
WEIGHT_KEYS = {"contiguity": "hotspots.weights.contiguity", "distance": "hotspots.weights.distance"}
TABLE_LABEL_KEYS = {
    "commune_id": "col.commune_id", "name": "col.name", "former_district": "col.former_district",
    "total": "hotspots.col.total", "class": "hotspots.col.class", "trend": "hotspots.col.trend",
    "dist_border_km": "hotspots.col.dist_border_km", "dist_gate_km": "hotspots.col.dist_gate_km",
    "gi_z": "hotspots.col.gi_z", "p_value": "hotspots.col.p_value",
}
assert set(CLASS_KEYS) == set(CLASSES) and set(TREND_KEYS) == set(TRENDS)


@dataclass(frozen=True)
class HotspotView:
    """The analysis as the page draws it. Tooltip cells are escaped HTML; table cells are text."""

    result: HotspotResult
    period_text: str
    in_belt: frozenset[str]
    faded: frozenset[str]
    colours: dict[str, str]
    tooltips: dict[str, dict[str, str]]  # field -> commune_id -> escaped text
    class_counts: dict[str, int]
    hot: int
    cold: int
    n_shown: int
    trends: tuple[tuple[str, int], ...]  # (trend label, communes), the ones found
    points: pd.DataFrame | None  # case points the role may see, None when it may see none
    point_tips: tuple[str, ...]
    notes: tuple[Message, ...]
    method: str
    table: pd.DataFrame  # hot communes, labelled in the language


def period_text(options: HotspotOptions) -> str:
    return str(options.year_from) if options.year_from == options.year_to else f"{options.year_from}–{options.year_to}"


def _belt(distances: pd.DataFrame, ids: list[str], belt_km: float | None) -> frozenset[str]:
    if belt_km is None:
        return frozenset(ids)
    return frozenset(distances.loc[distances["dist_border_km"] <= belt_km, "commune_id"].astype(str)) & set(ids)


def _points(ds, options: HotspotOptions, role: Role, in_belt: frozenset[str], belted: bool, lang: str):
    if not can_see_case_points(role):
        return None, ()
    points = visible_case_points(ds.cases, role)
    keep = points["date"].dt.year.between(options.year_from, options.year_to)
    if options.form:
        keep &= points["form"] == options.form
    if belted:
        keep &= points["commune_id"].astype(str).isin(in_belt)
    points = points[keep]
    tips = tuple(
        f"<b>{safe_html(t('hotspots.popup.case', lang))} {safe_html(row.case_id)}</b><br>"
        f"{safe_html(t('hotspots.popup.date', lang))}: {safe_html(row.date.date().isoformat())}<br>"
        f"{safe_html(t(FORM_KEYS[row.form], lang) if row.form in FORM_KEYS else row.form)}<br>"
        f"{safe_html(t('hotspots.popup.victims', lang))}: {safe_html(int(row.victims))}"
        for row in points.itertuples(index=False)
    )
    return points, tips


def _notes(ds, result: HotspotResult, options: HotspotOptions, ids: list[str], in_belt: frozenset[str],
           belt_km: float | None) -> tuple[Message, ...]:
    notes = []
    if belt_km is not None:
        notes.append(Message("hotspots.belt_note", {"n": len(ids), "m": len(in_belt), "km": belt_km}))
    n_years = len(options.years)
    if n_years < MIN_TREND_YEARS:
        notes.append(Message("hotspots.short_period", {"n": MIN_TREND_YEARS}))
    elif n_years < 10:
        notes.append(Message("hotspots.few_years", {"n": n_years}))
    names = ds.boundaries.set_index(ds.boundaries["commune_id"].astype(str))["name"].astype(str).to_dict()
    if result.islands:
        notes.append(Message("hotspots.islands", {"count": len(result.islands),
                                                  "names": ", ".join(names.get(i, i) for i in result.islands)}))
    if result.excluded:
        notes.append(Message("hotspots.excluded", {"count": len(result.excluded)}))
    return tuple(notes)


def _method(result: HotspotResult, options: HotspotOptions, role: Role, lang: str) -> str:
    weights = (t("hotspots.band_used", lang, km=f"{result.band_km:g}") if result.weights_kind == "distance"
               else t(WEIGHT_KEYS["contiguity"], lang))
    common = {"permutations": format_number(options.permutations, 0, lang), "seed": options.seed,
              "weights": weights, "alpha": options.trend_alpha}
    if not can_see_case_statistics(role):  # the FDR cut-offs are a function of every commune's p-value
        return t("hotspots.method_public", lang, **common)
    cut = {f"cut{level}": f"{result.cutoffs[level]:.4g}" for level in ("90", "95", "99")}
    return t("hotspots.method", lang, **common, **cut)


def _table(ds, result: HotspotResult, distances: pd.DataFrame, shown: pd.DataFrame, in_belt: frozenset[str],
           n_ids: int, role: Role, years: tuple[int, ...], lang: str) -> pd.DataFrame:
    names = ds.boundaries[[c for c in ("commune_id", "name", "former_district") if c in ds.boundaries.columns]]
    hot = hot_commune_table(result, pd.DataFrame(names), distances, shown,
                            communes=sorted(in_belt) if len(in_belt) < n_ids else None)
    if not can_see_case_statistics(role):  # z and p are functions of the counts (risk/access/privacy.py)
        hot = hot.drop(columns=["gi_z", "p_value"])
    view = hot.assign(
        **{"class": hot["class"].map(lambda c: t(CLASS_KEYS[c], lang)),
           "trend": hot["trend"].map(lambda c: t(TREND_KEYS[c], lang)),
           "dist_border_km": hot["dist_border_km"].round(1), "dist_gate_km": hot["dist_gate_km"].round(1),
           **({"gi_z": hot["gi_z"].round(2), "p_value": hot["p_value"].round(4)} if "gi_z" in hot else {})},
    )
    labels = {c: t(key, lang) for c, key in TABLE_LABEL_KEYS.items()}
    return view.rename(columns={**labels, **{y: str(y) for y in years}})


def hotspot_view(ds, result: HotspotResult, options: HotspotOptions, ids: list[str], distances: pd.DataFrame,
                 role: Role, small_cell_k: int, lang: str, belt_km: float | None = None) -> HotspotView:
    """The view of `result` for the communes `ids` (map order); `belt_km` fades communes farther
    from the border than that (None: no belt)."""
    in_belt = _belt(distances, ids, belt_km)
    shown = commune_case_counts(ds.cases, ids, list(options.years), role, small_cell_k, options.form)
    classes = dict(zip(result.table["commune_id"].astype(str), result.table["class"]))
    trends = dict(zip(result.table["commune_id"].astype(str), result.table["trend"]))
    totals = dict(zip(shown["commune_id"], shown["total"]))
    tooltips = {
        "class": {cid: t(CLASS_KEYS[classes.get(cid, "not_significant")], lang) for cid in ids},
        "trend": {cid: t(TREND_KEYS[trends.get(cid, "no_pattern")], lang) for cid in ids},
        "cases": {cid: str(totals.get(cid, "0")) for cid in ids},
    }
    visible = result.table[result.table["commune_id"].astype(str).isin(in_belt)]
    trend_counts = visible["trend"].value_counts()
    found = tuple((t(TREND_KEYS[tr], lang), int(trend_counts[tr])) for tr in TRENDS
                  if tr != "no_pattern" and tr in trend_counts)
    points, tips = _points(ds, options, role, in_belt, belt_km is not None, lang)
    return HotspotView(
        result=result, period_text=period_text(options), in_belt=in_belt, faded=frozenset(ids) - in_belt,
        colours={cid: CLASS_COLOURS[classes.get(cid, "not_significant")] for cid in ids}, tooltips=tooltips,
        class_counts=visible["class"].value_counts().to_dict(),
        hot=int(visible["class"].str.startswith("hot_").sum()), cold=int(visible["class"].str.startswith("cold_").sum()),
        n_shown=len(visible), trends=found, points=points, point_tips=tips,
        notes=_notes(ds, result, options, ids, in_belt, belt_km), method=_method(result, options, role, lang),
        table=_table(ds, result, distances, shown, in_belt, len(ids), role, options.years, lang),
    )


def legend_rows(view: HotspotView, lang: str) -> list[tuple[str, str, int | None, float]]:
    """(colour, label, communes, opacity) per class, and a pale row for communes outside the belt."""
    rows = [(CLASS_COLOURS[c], t(CLASS_KEYS[c], lang), view.class_counts.get(c, 0), 1.0) for c in CLASSES]
    if view.faded:
        rows.append(("#bbbbbb", t("hotspots.legend.outside_belt", lang), None, 0.35))
    return rows
