"""Risk map: a choropleth of any indicator for any year, with the border and gates."""
from __future__ import annotations

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from risk.classify import SCHEMES, classify
from risk.i18n import t
from risk.indicators import indicator_for
from risk.mapview import CANVAS_THRESHOLD, add_border, add_choropleth, add_gates, add_outline, base_map
from ui import state, widgets

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

c1, c2, c3, c4 = st.columns([3, 1, 2, 1])
key = c1.selectbox(
    t("map.indicator", lang), keys, key="map_indicator",
    format_func=lambda k: indicator_for(k).label(lang),
)
year = c2.selectbox(t("map.year", lang), sorted(years, reverse=True), key="map_year")
scheme = c3.selectbox(
    t("map.scheme", lang), SCHEMES, key="map_scheme", format_func=lambda s: t(f"map.scheme.{s}", lang),
)
k = c4.slider(t("map.classes", lang), 3, 7, 5, key="map_k")

ind = indicator_for(key)
ids = [str(f["properties"]["commune_id"]) for f in layer.features]
year_rows = ds.indicators[ds.indicators["year"] == year].set_index("commune_id")[key]
values = year_rows.reindex(ids)
classification = classify(values.to_numpy(), scheme, k, ind.higher_is_riskier)
value_texts = {cid: widgets.format_value(v, ind.unit) for cid, v in values.items()}
selected = st.session_state.get("selected_commune")

fmap = base_map(
    layer.bounds, conf.static_url, conf.tile_url, conf.tile_attribution,
    prefer_canvas=len(layer.features) > CANVAS_THRESHOLD,
)
add_choropleth(
    fmap, layer, values.to_dict(), classification, value_texts,
    labels={"name": t("map.tooltip.name", lang), "former_district": t("map.tooltip.former_district", lang),
            "value": ind.label(lang)},
    name=t("map.layers.communes", lang), selected_id=selected,
)
add_outline(fmap, layer.outline, t("map.layers.outline", lang))
add_border(fmap, ds.border, t("map.layers.border", lang))
add_gates(fmap, ds.gates, t("map.layers.gates", lang))

map_col, side_col = st.columns([3, 1])
with map_col:
    result = st_folium(
        fmap, key="risk_map", height=620, use_container_width=True,
        returned_objects=["last_active_drawing"],
    )
with side_col:
    direction = {True: "map.direction.higher_risk", False: "map.direction.lower_risk", None: "map.direction.unknown"}
    widgets.legend(f"{ind.label(lang)} ({year})", classification, ind.unit, lang, int(values.isna().sum()))
    st.caption(t(direction[ind.higher_is_riskier], lang))
    if not ind.in_registry:
        st.caption(t("map.extra_indicator", lang, key=key))
    elif ind.source:
        st.caption(f"{t('map.source', lang)}: {ind.source_label(lang)}")
    st.caption(ind.description(lang))
    if key == "ethnic_minority_share":
        st.info(t("map.vulnerability_note", lang))
    present = values.dropna()
    if len(present):
        st.caption(t("map.summary", lang, n=len(present), year=year, median=widgets.format_value(present.median(), ind.unit)))

clicked = (result or {}).get("last_active_drawing") or {}
clicked_id = str((clicked.get("properties") or {}).get("commune_id") or "") or None
if clicked_id and clicked_id in ids and clicked_id != selected:
    st.session_state["selected_commune"] = clicked_id
    st.rerun()

if selected and selected in ids:
    row = ds.boundaries.set_index("commune_id").loc[selected]
    st.subheader(f"{t('map.selected', lang)}: {row['name']}")
    if "former_district" in row.index:
        st.caption(f"{t('col.former_district', lang)}: {row['former_district']}")
    history = ds.indicators[ds.indicators["commune_id"] == selected].set_index("year").sort_index()
    table = history[[c for c in keys if c in history.columns]].rename(columns=lambda c: indicator_for(c).label(lang))
    st.dataframe(table.T, width="stretch")
else:
    st.caption(t("map.click_hint", lang))

with st.expander(t("map.table", lang)):
    names = ds.boundaries.set_index("commune_id")
    table = pd.DataFrame({
        t("col.commune_id", lang): ids,
        t("col.name", lang): names.loc[ids, "name"].to_numpy(),
        t("col.former_district", lang): names.loc[ids, "former_district"].to_numpy()
        if "former_district" in names.columns else "",
        ind.label(lang): values.to_numpy(),
        t("col.class", lang): [c + 1 if c >= 0 else None for c in classification.classes],
    })
    st.dataframe(table, hide_index=True, width="stretch")
