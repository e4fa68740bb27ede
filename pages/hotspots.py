"""Hotspots: Getis-Ord Gi* classes with FDR, trends over time, the border belt, and
case clusters and a heat map for the roles allowed to see case points."""
from __future__ import annotations

import streamlit as st
from streamlit_folium import st_folium

from risk.analysis.hotspots import HotspotError, HotspotOptions
from risk.i18n import format_number, t
from risk.ingest.folder import FORMS
from risk.outputs.export import to_csv_bytes
from risk.outputs.mapview import add_case_points, add_class_layer, add_layer_control
from risk.views import hotspots as view
from ui import analysis, auth, maps, state, widgets

PERMUTATION_CHOICES = (999, 9999)
MAX_ZOOM = 18

state.require_page("hotspots")
lang = state.lang()
conf = state.settings()
ds = state.dataset()
layer = state.display(ds)
role = state.role()

st.title(t("page.hotspots", lang))
st.caption(t("hotspots.intro", lang))

case_years = ds.cases["date"].dropna().dt.year.astype(int).unique().tolist()
years = sorted(set(ds.years) | set(case_years))
if not years:
    st.info(t("hotspots.no_cases", lang))
    st.stop()

# --- choices -----------------------------------------------------------------------------
c1, c2, c3, c4 = st.columns([3, 2, 2, 2])
if len(years) > 1:
    year_from, year_to = c1.select_slider(t("hotspots.period", lang), options=years, value=(years[0], years[-1]),
                                          key="hs_period")
else:
    year_from = year_to = years[0]
    c1.caption(f"{t('hotspots.period', lang)}: {years[0]}")
measures = ["count", "rate"] if "population" in ds.indicators.columns else ["count"]
measure = c2.selectbox(t("hotspots.measure", lang), measures, key="hs_measure",
                       format_func=lambda m: t(view.MEASURE_KEYS[m], lang))
form = c3.selectbox(t("hotspots.form", lang), ["", *FORMS], key="hs_form",
                    format_func=lambda f: t(view.FORM_KEYS[f], lang))
weights = c4.selectbox(t("hotspots.weights", lang), list(view.WEIGHT_KEYS), key="hs_weights",
                       format_func=lambda w: t(view.WEIGHT_KEYS[w], lang))

d1, d2, d3, d4 = st.columns([2, 3, 2, 2])
has_border = ds.border is not None and len(ds.border) > 0
belt = d1.toggle(t("hotspots.belt", lang), value=False, key="hs_belt", disabled=not has_border)
belt_km = d2.slider(t("hotspots.belt_km", lang), 0, 100, 20, step=5, key="hs_belt_km",
                    disabled=not (has_border and belt))
band_km = None
if weights == "distance":
    band_km = d3.number_input(t("hotspots.band_km", lang), min_value=0.5, max_value=500.0,
                              value=float(max(analysis.default_band_km(), 0.5)), step=0.5, key="hs_band")
permutations = d4.selectbox(t("hotspots.permutations", lang), PERMUTATION_CHOICES, index=1, key="hs_permutations",
                            format_func=lambda p: format_number(p, 0, lang))
if not has_border:
    st.caption(t("hotspots.no_border", lang))

options = HotspotOptions(int(year_from), int(year_to), measure=measure, form=form or None, weights=weights,
                         band_km=float(band_km) if band_km is not None else None, permutations=int(permutations))
try:
    with st.spinner(t("hotspots.running", lang)):
        result = analysis.hotspots(options)
except HotspotError as err:
    st.error(widgets.md(err.message(lang)))
    st.stop()
    raise  # unreachable: st.stop() ends the script run

ids = [str(f["properties"]["commune_id"]) for f in layer.features]
hv = view.hotspot_view(ds, result, options, ids, analysis.distances().reset_index(), role, conf.small_cell_k, lang,
                       belt_km=belt_km if belt and has_border else None)

# --- map -----------------------------------------------------------------------------------------
fmap = maps.new_map(layer)
fmap.options["max_zoom"] = MAX_ZOOM  # Leaflet.markercluster throws "Map has no maxZoom" on a map without tiles
add_class_layer(fmap, layer, hv.colours, hv.tooltips,
                {"name": t("map.tooltip.name", lang), "former_district": t("map.tooltip.former_district", lang),
                 "class": t("hotspots.tooltip.class", lang), "trend": t("hotspots.tooltip.trend", lang),
                 "cases": t("hotspots.tooltip.cases", lang)},
                t("hotspots.layers.classes", lang), faded=hv.faded)
maps.draw_context(fmap, layer, ds, lang)
if hv.points is not None:
    add_case_points(fmap, hv.points, list(hv.point_tips), conf.static_url,
                    {"clusters": t("hotspots.layers.clusters", lang), "heat": t("hotspots.layers.heat", lang)})
add_layer_control(fmap)

map_col, side_col = st.columns([3, 1])
with map_col:
    st_folium(fmap, key="hotspot_map", height=620, use_container_width=True, returned_objects=[])
with side_col:
    widgets.swatch_legend(t("hotspots.legend", lang, period=hv.period_text), view.legend_rows(hv, lang))
    st.caption(t("hotspots.summary", lang, hot=hv.hot, cold=hv.cold, n=hv.n_shown))
    if hv.trends:
        st.markdown(f"**{t('hotspots.trends_title', lang)}**")
        st.markdown("\n".join(f"- {label}: {n}" for label, n in hv.trends))
    if hv.points is not None:
        st.caption(t("hotspots.points_shown", lang, n=len(hv.points)))
    else:
        st.info(t("hotspots.points_hidden", lang, k=conf.small_cell_k))

for note in hv.notes:
    st.caption(widgets.tm(note.code, lang, **note.params))  # commune names are data: escaped
if result.table["value"].sum() == 0:
    st.info(t("hotspots.no_cases", lang))
st.caption(hv.method)
with st.expander(t("hotspots.how_to_read", lang)):
    st.markdown(t("hotspots.how_to_read.text", lang))

# --- hot communes --------------------------------------------------------------------------------
st.subheader(t("hotspots.table", lang))
if hv.table.empty:
    st.info(t("hotspots.no_hot", lang))
else:
    st.dataframe(hv.table, hide_index=True, width="stretch")
    session = auth.current()
    details = {"format": "csv", "what": "hotspot communes", "period": hv.period_text, "form": options.form or "all",
               "measure": options.measure, "role": role.value}
    st.download_button(
        t("hotspots.download", lang), data=to_csv_bytes(hv.table), file_name=f"hotspots_{year_from}-{year_to}.csv",
        mime="text/csv", key="hs_download", on_click=state.audit,
        args=("export", session.username if session else "", details, len(hv.table)),
    )
