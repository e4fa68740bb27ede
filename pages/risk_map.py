"""Risk map: a choropleth of the model's risk score or any indicator for any year,
with the border and gates; clicking a commune opens its panel."""
from __future__ import annotations


import pandas as pd
import streamlit as st

from risk.analysis.features import ModelError
from risk.i18n import format_number, format_value, t
from risk.outputs.classify import CLASS_COUNTS, DEFAULT_CLASSES, SCHEME_KEYS, SCHEMES, classify
from risk.outputs.mapview import add_choropleth
from risk.views import risk_map as view
from risk.views.risk_map import COMPOSITE, SCORE
from ui import analysis, maps, panel, state, widgets
from ui import session as slots

state.require_page("risk_map")
lang = state.lang()
ds = state.dataset()
layer = state.display(ds)
conf = state.settings()

st.title(t("page.risk_map", lang))

keys = ds.indicator_keys
years = ds.years
if not keys or not years:
    st.info(t("map.no_data", lang))
    st.stop()

config = analysis.model_config()
options = ([SCORE] if len(ds.cases) else []) + [COMPOSITE] + keys
describe = view.layer_indicator

c1, c2, c3, c4 = st.columns([3, 1, 2, 1])
# The view is shared by every page and kept in the URL (ui/links.py): widgets start from it.
key = c1.selectbox(t("map.indicator", lang), options, key=slots.labelled(slots.shown(slots.VIEW_INDICATOR, "map_indicator", options)),
                   format_func=lambda k: describe(k).label(lang))
year = c2.selectbox(t("map.year", lang), sorted(years, reverse=True), key=slots.shown(slots.VIEW_YEAR, "map_year", years))
scheme = c3.selectbox(t("map.scheme", lang), SCHEMES, key=slots.labelled(slots.shown(slots.VIEW_SCHEME, "map_scheme", SCHEMES)),
                      format_func=lambda s: t(SCHEME_KEYS[s], lang))
# A select box, not a slider: a slider's script (and its number and date libraries, 125 KB) would
# load before the map on every first view (issue 17).
k = c4.selectbox(t("map.classes", lang), CLASS_COUNTS,
                 key=slots.preset(slots.shown(slots.VIEW_CLASSES, "map_k", CLASS_COUNTS), DEFAULT_CLASSES))
for slot, value in ((slots.VIEW_INDICATOR, key), (slots.VIEW_YEAR, year), (slots.VIEW_SCHEME, scheme),
                    (slots.VIEW_CLASSES, k)):
    slot.set(value)

# What comes and goes above the map (a spinner, a warning, the composite weights) is drawn in this one
# container: the map then keeps its place among the page's elements, so the browser keeps it
# mounted and restyles it instead of reloading it (0.6 s per indicator change; issue 17).
above_map = st.container()
ids = [str(f["properties"]["commune_id"]) for f in layer.features]
if slots.SELECTED_COMMUNE.get() not in ids:  # none, or a link naming a commune this data lacks
    slots.SELECTED_COMMUNE.pop()
selected = slots.SELECTED_COMMUNE.get()
scores: pd.DataFrame | None = None
score_error: ModelError | None = None
if len(ds.cases) and (key == SCORE or selected):  # scoring is cached, but only paid for when shown
    try:
        # Colouring needs only the scores; the 100 bootstrap refits behind the rank intervals are
        # waited for only once a commune's panel is open (they are usually kept already).
        with above_map, st.spinner(t("map.scoring_intervals" if selected else "map.scoring", lang)):
            scoring = analysis.scores if selected else analysis.colouring_scores
            scores = scoring(year, config).set_index("commune_id")
    except ModelError as err:
        score_error = err
if key == SCORE and scores is None:
    above_map.warning(widgets.md(score_error.message(lang)) if score_error else t("map.no_data", lang))
    key = keys[0]

composite: pd.DataFrame | None = None
composite_config = None
if key == COMPOSITE or selected:
    with above_map:
        composite_config = widgets.composite_weights_editor(ds, lang, expanded=key == COMPOSITE)
    composite = analysis.composite(year, composite_config).table.set_index("commune_id")

ind = describe(key)
values = view.layer_values(ds, key, year, ids, scores, composite)
classification = classify(values.to_numpy(), scheme, k, ind.higher_is_riskier)
value_texts = {cid: format_value(v, ind.unit, lang) for cid, v in values.items()}

fmap = maps.new_map(layer, "risk_map")
maps.draw_context(fmap, layer, ds, lang)
communes = maps.changing_part(t("map.layers.communes", lang))
add_choropleth(
    communes, state.geometry_url(), layer, values.to_dict(), classification, value_texts,
    labels={"name": t("map.tooltip.name", lang), "former_district": t("map.tooltip.former_district", lang),
            "value": ind.label(lang)}, selected_id=selected,
)

map_col, side_col = st.columns([3, 1])
with map_col:
    maps.show(fmap, communes, key="risk_map", height=620, on_click=slots.SELECTED_COMMUNE.set, ids=ids)
with side_col:
    widgets.legend(f"{ind.label(lang)} ({year})", classification, ind.unit, lang, int(values.isna().sum()))
    st.caption(t(view.DIRECTION_KEYS[ind.higher_is_riskier], lang))
    if key == SCORE:
        st.caption(t("map.score_caption", lang, year=year, next_year=year + 1))
    elif key == COMPOSITE:
        st.caption(t("map.composite_caption", lang))
        sens = analysis.composite_sensitivity(year, composite_config)
        per = sens.per_perturbation
        if len(per):
            st.caption(t("map.composite_sensitivity", lang, spearman=format_number(per['spearman'].min(), 3, lang),
                         top10=int(per["top10_overlap"].min()),
                         moved=int((sens.per_commune["rank_spread"] > 5).sum())))
    elif not ind.in_registry:
        st.caption(widgets.tm("map.extra_indicator", lang, key=key))
    elif ind.source:
        st.caption(f"{t('map.source', lang)}: {widgets.md(ind.source_label(lang))}")
    if ind.description(lang):
        st.caption(ind.description(lang))
    if key == "ethnic_minority_share":
        st.info(t("map.vulnerability_note", lang))
    present = values.dropna()
    if len(present):
        st.caption(t("map.summary", lang, n=format_number(len(present), 0, lang), year=year,
                     median=format_value(present.median(), ind.unit, lang)))

if selected and selected in ids:
    sensitivity = (analysis.composite_sensitivity(year, composite_config).per_commune.set_index("commune_id")
                   if composite is not None else None)
    panel.draw(view.commune_panel(ds, selected, scores, composite, sensitivity, state.role(), conf.small_cell_k,
                                  lang), year, conf.small_cell_k, lang)
else:
    st.caption(t("map.click_hint", lang))

table = st.expander(t("map.table", lang), key="map_table", on_change="rerun")
if table.open:
    table.dataframe(widgets.localized(view.value_table(ds, ids, values, classification.classes, ind.label(lang), lang),
                                      lang, {ind.label(lang): 2}), hide_index=True, width="stretch")
