"""Priorities: the ranked commune list with filters and a map whose selection follows the table,
a budgeted programme allocation, patrol coverage, and exports."""
from __future__ import annotations

import folium
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from risk.analysis.allocate import OBJECTIVES, AllocationError, allocate, commune_points, cover, patrol_sites
from risk.outputs.classify import classify
from risk.outputs.export import FORMATS, ExportMeta, audit_details, export_table, utc_now_iso
from risk.analysis.features import ModelError, feature_label
from risk.i18n import t
from risk.contracts.indicators import indicator_for
from risk.outputs.mapview import CANVAS_THRESHOLD, add_border, add_choropleth, add_gates, add_outline, base_map, safe_html
from risk.views.priorities import PriorityFilters, apply_filters, priority_table
from risk.ingest.folder import DataError, load_sites_upload
from risk.access.privacy import case_totals, drivers_column
from ui import analysis, state, widgets
from ui import session as slots

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
        st.warning(widgets.md(err.message(lang)))
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
                       feature_label=lambda k: feature_label(k, lang), drivers_column=drivers_column(role))

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
                f"{widgets.md(indicator_for(key).label(lang))} ≥", value=round(default, 2), key=f"pr_min_{key}")
filters = PriorityFilters(tuple(districts), border_km or None, float(min_pop) or None, thresholds)
shown = apply_filters(table, indicators_year, filters)
st.caption(t("pr.count", lang, shown=len(shown), total=len(table)))

# --- table and map, one selection ---------------------------------------------------------
map_selected: set[str] = set(slots.PR_MAP_SELECTED.get([]))
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
    slots.PR_MAP_SELECTED.set([])
    slots.PR_TABLE.pop()
    st.rerun()

# --- budgeted allocation ---------------------------------------------------------------
st.header(t("pr.alloc", lang))
st.caption(t("pr.alloc_help", lang))
numeric_columns = [c for c in indicators_year.columns if c not in ("commune_id", "year")
                   and pd.api.types.is_numeric_dtype(indicators_year[c])]
a1, a2, a3, a4 = st.columns(4)
budget = a1.number_input(t("pr.budget", lang), min_value=0.0, value=1000.0, step=100.0, key="pr_budget")
cost_mode = a2.radio(t("pr.cost_mode", lang), ("flat", "column"), horizontal=True, key="pr_cost_mode",
                     format_func=lambda m: t(f"pr.cost_mode.{m}", lang))
if cost_mode == "flat":
    flat_cost = a3.number_input(t("pr.cost", lang), min_value=0.0, value=100.0, step=10.0, key="pr_cost")
    cost_column = None
else:
    cost_column = a3.selectbox(t("pr.cost_column", lang), numeric_columns, key="pr_cost_column",
                               format_func=lambda k: indicator_for(k).label(lang))
objective = a4.radio(t("pr.objective", lang), OBJECTIVES, key="pr_objective",
                     format_func=lambda o: t(f"pr.objective.{o}", lang))
b1, b2, b3 = st.columns([1, 2, 2])
min_per_district = b1.number_input(t("pr.min_per_district", lang), min_value=0, value=0, step=1, key="pr_min_district")
names = dict(zip(shown["commune_id"], shown["name"]))
include = b2.multiselect(t("pr.include", lang), list(names), key="pr_include", format_func=lambda c: names[c])
exclude = b3.multiselect(t("pr.exclude", lang), list(names), key="pr_exclude", format_func=lambda c: names[c])
if st.button(t("pr.run_alloc", lang), type="primary", key="pr_run_alloc"):
    candidates = shown[["commune_id", "score", "population", "former_district"]].copy()
    if cost_column:
        candidates["cost"] = (indicators_year.assign(commune_id=indicators_year["commune_id"].astype(str))
                              .set_index("commune_id")[cost_column].reindex(candidates["commune_id"]).to_numpy())
    try:
        plan = allocate(candidates, budget, cost="cost" if cost_column else flat_cost, objective=objective,
                        min_per_district=int(min_per_district), must_include=include, must_exclude=exclude)
        slots.PR_ALLOCATION.set({"plan": plan, "settings": {
            "budget": budget, "cost": cost_column or flat_cost, "objective": objective,
            "min_per_district": int(min_per_district), "include": include, "exclude": exclude}})
        slots.PR_SHOW.set("allocation")
    except AllocationError as err:
        slots.PR_ALLOCATION.pop()
        st.error(widgets.md(err.message(lang)))
allocation = slots.PR_ALLOCATION.get()
if allocation:
    plan = allocation["plan"]
    m1, m2, m3, m4 = st.columns(4)
    m1.metric(t("pr.alloc_cost", lang), f"{plan.cost:,.0f}")
    m2.metric(t("pr.alloc_objective", lang), f"{plan.objective:,.1f}")
    m3.metric(t("pr.alloc_greedy", lang), f"{plan.greedy_objective:,.1f}")
    m4.metric(t("pr.alloc_gain", lang), f"{plan.gap:+,.1f}",
              delta=None if plan.gap_share is None else f"{plan.gap_share:+.1%}")
    st.caption(t("pr.alloc_why", lang))
    st.caption(t("pr.alloc_chosen", lang, n=len(plan.chosen)) + ": " +
               ", ".join(table.set_index("commune_id").loc[list(plan.chosen), "name"].astype(str).map(widgets.md)))

# --- patrol coverage --------------------------------------------------------------------
st.header(t("pr.coverage", lang))
st.caption(t("pr.coverage_help", lang))
p1, p2, p3 = st.columns(3)
k_bases = p1.number_input(t("pr.k", lang), min_value=1, max_value=50, value=5, step=1, key="pr_k")
radius = p2.number_input(t("pr.radius", lang), min_value=1.0, max_value=200.0, value=15.0, step=1.0, key="pr_radius")
site_kind = p3.radio(t("pr.sites", lang), ("communes", "gates", "upload"), key="pr_sites",
                     format_func=lambda k: t(f"pr.sites.{k}", lang))
uploaded_sites = None
if site_kind == "upload":
    upload = None
    if state.read_only():  # anonymous demo visitors upload nothing (server memory, hostile files)
        st.caption(t("pr.sites_demo", lang))
    else:
        upload = st.file_uploader(t("pr.sites_file", lang), type=["csv"], key="pr_sites_file")
    if upload is not None:
        try:
            uploaded_sites = load_sites_upload(upload.name, upload.getvalue())
        except DataError as err:  # every problem named by row and column; nothing kept
            st.error(t("pr.sites_bad", lang))
            for message in err.messages(lang):
                st.text(f"• {message}")
if st.button(t("pr.run_cover", lang), key="pr_run_cover"):
    points = commune_points(ds.boundaries)
    communes = points.merge(table[["commune_id", "score", "population"]], on="commune_id")
    sites = patrol_sites(boundaries=ds.boundaries if site_kind == "communes" else None,
                         gates=ds.gates if site_kind == "gates" else None,
                         points=uploaded_sites if site_kind == "upload" else None)
    try:
        slots.PR_COVERAGE.set(cover(communes, sites, int(k_bases), float(radius), objective=objective))
        slots.PR_SHOW.set("coverage")
    except AllocationError as err:
        slots.PR_COVERAGE.pop()
        st.error(widgets.md(err.message(lang)))
coverage = slots.PR_COVERAGE.get()
if coverage:
    c1, c2 = st.columns(2)
    c1.metric(t("pr.covered_share", lang), f"{coverage.covered_share or 0:.1%}")
    c2.metric(t("pr.greedy_share", lang), f"{coverage.greedy_share or 0:.1%}")
    st.caption(f"{t('pr.bases', lang)}: " + ", ".join(widgets.md(b.name) for b in coverage.bases))

# --- the map ----------------------------------------------------------------------------
shows = ["selection"] + (["allocation"] if allocation else []) + (["coverage"] if coverage else [])
if slots.PR_SHOW.get() not in shows:
    slots.PR_SHOW.set("selection")
show = st.radio(t("pr.show_on_map", lang), shows, horizontal=True, key="pr_show",
                format_func=lambda m: t(f"pr.show.{m}", lang))
highlight = {"selection": selected, "allocation": set(allocation["plan"].chosen) if allocation else set(),
             "coverage": set(coverage.covered) if coverage else set()}[show]
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
    name=t("map.layers.communes", lang), selected_ids=highlight,
)
if show == "coverage" and coverage:
    for base in coverage.bases:
        folium.Circle([base.lat, base.lon], radius=coverage.radius_km * 1000, color="#08519c", weight=2,
                      fill=True, fill_opacity=0.08, interactive=False).add_to(fmap)
        folium.CircleMarker([base.lat, base.lon], radius=6, color="#ffffff", weight=2, fill=True,
                            fill_color="#08519c", fill_opacity=1, tooltip=safe_html(base.name)).add_to(fmap)
add_outline(fmap, layer.outline, t("map.layers.outline", lang))
add_border(fmap, ds.border, t("map.layers.border", lang))
add_gates(fmap, ds.gates, t("map.layers.gates", lang))
result = st_folium(fmap, key="pr_map", height=520, use_container_width=True, returned_objects=["last_active_drawing"])
clicked = (result or {}).get("last_active_drawing") or {}
clicked_id = str((clicked.get("properties") or {}).get("commune_id") or "") or None
if clicked_id and clicked_id in feature_ids and clicked_id != slots.PR_LAST_CLICK.get():
    slots.PR_LAST_CLICK.set(clicked_id)
    slots.PR_MAP_SELECTED.set(sorted(map_selected ^ {clicked_id}))  # a click toggles
    st.rerun()

# --- exports ------------------------------------------------------------------------
st.header(t("pr.export", lang))
whats = ["list"] + (["allocation"] if allocation else [])
e1, e2, e3 = st.columns([2, 1, 1])
what = e1.radio(t("pr.export_what", lang), whats, horizontal=True, key="pr_export_what",
                format_func=lambda w: t(f"pr.export_what.{w}", lang))
fmt = e2.selectbox(t("pr.export_format", lang), FORMATS, key="pr_export_format", format_func=str.upper)
if e3.button(t("pr.export_prepare", lang), key="pr_export_prepare"):
    rows = shown if what == "list" else shown[shown["commune_id"].isin(allocation["plan"].chosen)]
    out = rows.drop(columns=["population"]).copy()
    labels = {"rank": t("pr.col.rank", lang), "rank_low": t("pr.col.interval", lang) + " ↓",
              "rank_high": t("pr.col.interval", lang) + " ↑", "commune_id": t("col.commune_id", lang),
              "name": t("col.name", lang), "former_district": t("col.former_district", lang),
              "score": t("pr.col.score", lang), "drivers": t("pr.col.drivers", lang),
              "cases_3y": t("pr.col.cases_3y", lang), "hotspot": t("pr.col.hotspot", lang),
              "dist_border_km": t("pr.col.dist_border", lang)}
    method = t(f"pr.method.{ranking_kind}", lang, next_year=year + 1)
    if what == "allocation":
        cfg = allocation["settings"]
        method += t("pr.method.allocation", lang, budget=cfg["budget"], cost=cfg["cost"],
                    objective=t(f"pr.objective.{cfg['objective']}", lang))
    session = state.current_session()
    meta = ExportMeta(
        title=t(f"pr.export_title.{what}", lang, year=year), method=method,
        data_version=state.data_version_label(ds), dataset=ds.name, date=utc_now_iso(),
        filters={"year": year, "ranking": ranking_kind, **filters.describe()},
        user=session.username if session else "", language=lang,
        column_labels=labels, notes=(t("pr.demo_note", lang),) if ds.generated else (),
    )
    data, filename, mime = export_table(out, fmt, meta, geometry=ds.boundaries, border=ds.border)
    state.audit("export", meta.user, audit_details(meta, fmt, len(out)), len(out))
    slots.PR_EXPORT.set({"data": data, "name": filename, "mime": mime, "rows": len(out), "fmt": fmt})
prepared = slots.PR_EXPORT.get()
if prepared:
    st.download_button(t("pr.export_download", lang, name=prepared["name"]), prepared["data"],
                       file_name=prepared["name"], mime=prepared["mime"], key="pr_export_download",
                       on_click="ignore", type="primary")
    st.caption(t("pr.export_logged", lang, rows=prepared["rows"], fmt=prepared["fmt"].upper()))
