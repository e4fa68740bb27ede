"""Priorities: the ranked commune list with filters and a map whose selection follows the table,
a budgeted programme allocation, patrol coverage, and exports."""
from __future__ import annotations

import streamlit as st

from risk.i18n import format_number, t
from risk.outputs.classify import classify
from risk.outputs.mapview import add_choropleth, add_coverage
from risk.views import priorities as view
from risk.views.priority_export import ranked_text
from ui import exports, maps, priorities, state, widgets
from ui import session as slots

state.require_page("priorities")
lang = state.lang()
ds = state.dataset()
layer = state.display(ds)

st.title(t("page.priorities", lang))
st.caption(t("pr.intro", lang))

c1, c2 = st.columns([1, 2])
# The year and the composite weights are the ones of the risk map: one view per session, in the URL.
year = c1.selectbox(t("map.year", lang), sorted(ds.years, reverse=True), key=slots.shown(slots.VIEW_YEAR, "pr_year", ds.years))
rankings = (["model"] if len(ds.cases) else []) + ["composite"]
ranking_kind = c2.radio(t("pr.ranking", lang), rankings, horizontal=True,
                        key=slots.labelled(slots.shown(slots.VIEW_RANKING, "pr_ranking", rankings)),
                        format_func=lambda k: t(view.RANKING_LABEL_KEYS[k], lang))
slots.VIEW_YEAR.set(year)
slots.VIEW_RANKING.set(ranking_kind)

# Parts that come and go (a warning, the weights, a button, an allocation's figures) each sit in one
# container, so the map keeps its place among the page's elements and is restyled, not reloaded.
with st.container(), st.spinner(t("pr.building", lang)):
    plist = priorities.priority_list(ds, year, ranking_kind, lang)
st.caption(ranked_text(plist, lang))  # the year the list is for, as the brief's title names it
filters = priorities.filters(ds, plist, lang)
shown = view.apply_filters(plist.table, ds.indicators[ds.indicators["year"] == year], filters)
st.caption(t("pr.count", lang, shown=format_number(len(shown), 0, lang), total=format_number(len(plist.table), 0, lang)))

# --- table and map, one selection ---------------------------------------------------------
feature_ids = [str(f["properties"]["commune_id"]) for f in layer.features]
rows = priorities.table_page(shown)
on_page = shown.iloc[rows.start:rows.stop]
generation = priorities.table_generation(on_page)  # rows picked in a table no longer shown are kept
map_selected: set[str] = set(slots.PR_MAP_SELECTED.get([])) & set(feature_ids)  # a link may name others
display = view.display_frame(on_page, map_selected, lang)
st.caption(t("pr.selection_hint", lang))
event = st.dataframe(
    widgets.localized(display, lang, {t("pr.col.score", lang): view.DECIMALS["score"],
                                      t("pr.col.dist_border", lang): view.DECIMALS["dist_border_km"],
                                      t("pr.col.population", lang): 0}),
    hide_index=True, width="stretch", column_config=priorities.table_columns(lang),
    key=slots.pr_table(generation).name, on_select="rerun",
    selection_mode="multi-row",
)
table_selected = {on_page["commune_id"].iloc[i] for i in (event.selection.rows if event else [])}
with st.container():  # there or not, the map keeps its place
    priorities.pager(rows, lang)
selected = map_selected | table_selected
clear_box = st.container()
if selected and clear_box.button(t("pr.clear_selection", lang), key="pr_clear"):
    slots.PR_MAP_SELECTED.set([])
    slots.pr_table(generation).pop()
    st.rerun()
with st.container():
    run = priorities.allocation(ds, plist, shown, lang)
with st.container():
    coverage = priorities.coverage(ds, plist, lang)

# --- the map ----------------------------------------------------------------------------
shows = ["selection"] + (["allocation"] if run else []) + (["coverage"] if coverage else [])
if slots.PR_SHOW.get() not in shows:
    slots.PR_SHOW.set("selection")
show = st.radio(t("pr.show_on_map", lang), shows, horizontal=True, key=slots.labelled("pr_show"),
                format_func=lambda m: t(priorities.SHOW_KEYS[m], lang))
highlight = {"selection": selected, "allocation": set(run.plan.chosen) if run else set(),
             "coverage": set(coverage.covered) if coverage else set()}[show]
values, rank_texts = view.map_values(shown, feature_ids)
fmap = maps.new_map(layer, "priorities")
maps.draw_context(fmap, layer, ds, lang)
communes = maps.changing_part(t("map.layers.communes", lang))
add_choropleth(
    communes, state.geometry_url(), layer, values.to_dict(), classify(values.to_numpy(), "quantiles", 5, True),
    rank_texts, labels={"name": t("map.tooltip.name", lang), "former_district": t("map.tooltip.former_district", lang),
                        "value": t("pr.col.rank", lang)}, selected_ids=highlight,
)
if show == "coverage" and coverage:
    add_coverage(communes, coverage.bases, coverage.radius_km)
maps.show(fmap, communes, key="pr_map", height=520, on_click=priorities.toggle_on_map, ids=feature_ids)

exports.export(ds, plist, shown, filters, run, lang)
