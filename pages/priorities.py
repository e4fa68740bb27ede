"""Priorities: the ranked commune list with filters and a map whose selection follows the table,
a budgeted programme allocation, patrol coverage, and exports."""
from __future__ import annotations

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from risk.classify import classify
from risk.features import ModelError, feature_label
from risk.i18n import t
from risk.indicators import indicator_for
from risk.mapview import CANVAS_THRESHOLD, add_border, add_choropleth, add_gates, add_outline, base_map
from risk.priorities import PriorityFilters, apply_filters, priority_table
from risk.privacy import case_totals
from ui import analysis, state, widgets

state.require_page("priorities")
lang = state.lang()
ds = state.dataset()
conf = state.settings()
layer = state.display(ds)
role = state.role()

st.title(t("page.priorities", lang))
st.caption(t("pr.intro", lang))

years = ds.years
c1, c2 = st.columns([1, 2])
year = c1.selectbox(t("map.year", lang), sorted(years, reverse=True), key="pr_year")
rankings = (["model"] if len(ds.cases) else []) + ["composite"]
ranking_kind = c2.radio(t("pr.ranking", lang), rankings, horizontal=True, key="pr_ranking",
                        format_func=lambda k: t(f"pr.ranking.{k}", lang))

# --- the ranking -------------------------------------------------------------------------
ranking = None
if ranking_kind == "model":
    try:
        ranking = analysis.scores(year, analysis.model_config())
    except ModelError as err:
        st.warning(err.message(lang))
if ranking is None:
    ranking_kind = "composite"
    config = widgets.composite_weights_editor(ds, lang)
    composite = analysis.composite(year, config)
    ranking = composite.rename(columns={"index": "score"})[["commune_id", "score", "rank"]].dropna(subset=["rank"])

indicators_year = ds.indicators[ds.indicators["year"] == year]
ids = ds.boundaries["commune_id"].astype(str).tolist()
case_years = [y for y in range(year - 2, year + 1)]
cases_3y = case_totals(ds.cases, ids, case_years, role, conf.small_cell_k)
hot = analysis.hotspot_classes(min(case_years), year) if len(ds.cases) else None
hot_labels = hot.map(lambda c: t(f"hotspots.class.{c}", lang)) if hot is not None else None
dist = analysis.distances()
table = priority_table(ds.boundaries, ranking, indicators_year, cases_3y, hot_labels, dist["dist_border_km"],
                       feature_label=lambda k: feature_label(k, lang))

# --- filters -----------------------------------------------------------------------------
with st.expander(t("pr.filters", lang), expanded=True):
    f1, f2, f3 = st.columns(3)
    district_options = sorted(d for d in table["former_district"].dropna().unique() if d)
    districts = f1.multiselect(t("pr.districts", lang), district_options, key="pr_districts")
    max_km = float(dist["dist_border_km"].max()) if dist["dist_border_km"].notna().any() else 0.0
    border_km = f2.slider(t("pr.max_border", lang), 0.0, float(max(1, round(max_km + 1))), 0.0, step=1.0, key="pr_border",
                          disabled=max_km == 0.0)
    min_pop = f3.number_input(t("pr.min_population", lang), min_value=0, value=0, step=1000, key="pr_min_pop")
    threshold_keys = st.multiselect(t("pr.thresholds", lang), [k for k in ds.indicator_keys if k != "population"],
                                    key="pr_threshold_keys", format_func=lambda k: indicator_for(k).label(lang))
    thresholds = {}
    if threshold_keys:
        cols = st.columns(min(4, len(threshold_keys)))
        for i, key in enumerate(threshold_keys):
            column = indicators_year[key].dropna() if key in indicators_year else pd.Series(dtype=float)
            default = float(column.median()) if len(column) else 0.0
            thresholds[key] = cols[i % len(cols)].number_input(
                f"{indicator_for(key).label(lang)} ≥", value=round(default, 2), key=f"pr_min_{key}")
filters = PriorityFilters(tuple(districts), border_km or None, float(min_pop) or None, thresholds)
shown = apply_filters(table, indicators_year, filters)
st.caption(t("pr.count", lang, shown=len(shown), total=len(table)))

# --- table and map, one selection ---------------------------------------------------------
map_selected: set[str] = set(st.session_state.get("pr_map_selected", []))
score_label = t("pr.col.score", lang)
display = pd.DataFrame({
    t("pr.selected", lang): shown["commune_id"].isin(map_selected),
    t("pr.col.rank", lang): shown["rank"],
    t("pr.col.interval", lang): [f"{lo}–{hi}" for lo, hi in zip(shown["rank_low"], shown["rank_high"])],
    t("col.name", lang): shown["name"],
    t("col.former_district", lang): shown["former_district"],
    score_label: shown["score"] * (100 if ranking_kind == "model" else 1),
    t("pr.col.drivers", lang): shown["drivers"],
    t("pr.col.cases_3y", lang): shown["cases_3y"],
    t("pr.col.hotspot", lang): shown["hotspot"],
    t("pr.col.dist_border", lang): shown["dist_border_km"].round(1),
    t("pr.col.population", lang): shown["population"],
    t("col.commune_id", lang): shown["commune_id"],
})
st.caption(t("pr.selection_hint", lang))
event = st.dataframe(
    display, hide_index=True, width="stretch", key="pr_table", on_select="rerun", selection_mode="multi-row",
    column_config={score_label: st.column_config.NumberColumn(format="%.1f")},
)
table_selected = {shown["commune_id"].iloc[i] for i in (event.selection.rows if event else [])}
selected = map_selected | table_selected
if selected and st.button(t("pr.clear_selection", lang), key="pr_clear"):
    st.session_state["pr_map_selected"] = []
    st.session_state.pop("pr_table", None)
    st.rerun()

values = table.set_index("commune_id")["score"].where(table.set_index("commune_id").index.isin(shown["commune_id"]))
feature_ids = [str(f["properties"]["commune_id"]) for f in layer.features]
values = values.reindex(feature_ids)
classification = classify(values.to_numpy(), "quantiles", 5, True)
fmap = base_map(layer.bounds, conf.static_url, conf.tile_url, conf.tile_attribution,
                prefer_canvas=len(layer.features) > CANVAS_THRESHOLD)
rank_text = table.set_index("commune_id")["rank"]
add_choropleth(
    fmap, layer, values.to_dict(), classification,
    {cid: f"#{rank_text.get(cid)}" for cid in feature_ids if cid in set(shown["commune_id"])},
    labels={"name": t("map.tooltip.name", lang), "former_district": t("map.tooltip.former_district", lang),
            "value": t("pr.col.rank", lang)},
    name=t("map.layers.communes", lang), selected_ids=selected,
)
add_outline(fmap, layer.outline, t("map.layers.outline", lang))
add_border(fmap, ds.border, t("map.layers.border", lang))
add_gates(fmap, ds.gates, t("map.layers.gates", lang))
result = st_folium(fmap, key="pr_map", height=520, use_container_width=True, returned_objects=["last_active_drawing"])
clicked = (result or {}).get("last_active_drawing") or {}
clicked_id = str((clicked.get("properties") or {}).get("commune_id") or "") or None
if clicked_id and clicked_id in feature_ids and clicked_id != st.session_state.get("pr_last_click"):
    st.session_state["pr_last_click"] = clicked_id
    st.session_state["pr_map_selected"] = sorted(map_selected ^ {clicked_id})  # a click toggles
    st.rerun()

st.session_state["pr_current"] = {"year": year, "ranking": ranking_kind, "filters": filters.describe(),
                                  "rows": len(shown)}
