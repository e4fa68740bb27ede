"""Hotspots: clusters of cases beyond what population explains (spatial scan), each commune's
smoothed risk, a descriptive Gi* layer, trends where they can exist, and case points for the
roles allowed to see them."""
from __future__ import annotations

import streamlit as st

from risk.analysis.hotspots import SLICES, HotspotError, HotspotOptions
from risk.i18n import format_number, t
from risk.ingest.folder import FORMS
from risk.outputs.export import to_csv_bytes
from risk.outputs.mapview import add_case_points, add_class_layer
from risk.views import hotspots as view
from ui import analysis, auth, maps, state, widgets
from ui import session as slots

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
c1, c2, c3, c4 = st.columns([3, 2, 2, 3])
period = slots.VIEW_PERIOD.get()  # kept in the URL (ui/links.py); a period the data lacks is ignored
if period and not set(period) <= set(years):
    slots.VIEW_PERIOD.pop()
if len(years) > 1:
    year_from, year_to = c1.select_slider(t("hotspots.period", lang), options=years, value=(years[0], years[-1]),
                                          key=slots.shown(slots.VIEW_PERIOD, "hs_period", [period] if period else []))
else:
    year_from = year_to = years[0]
    c1.caption(f"{t('hotspots.period', lang)}: {years[0]}")
forms = ["", *FORMS]
form = c2.selectbox(t("hotspots.form", lang), forms, key=slots.labelled(slots.shown(slots.VIEW_FORM, "hs_form", forms)),
                    format_func=lambda f: t(view.FORM_KEYS[f], lang))
slots.VIEW_PERIOD.set((int(year_from), int(year_to)))
slots.VIEW_FORM.set(form)
default_step = HotspotOptions(int(year_from), int(year_to)).time_step
slice_ = c3.selectbox(t("hotspots.slice", lang), list(SLICES), index=list(SLICES).index(default_step), key=slots.labelled("hs_slice"),
                      format_func=lambda s: t(view.SLICE_KEYS[s], lang))
shown_layer = c4.radio(t("hotspots.layer", lang), list(view.LAYERS), horizontal=False,
                       key=slots.labelled(slots.shown(slots.VIEW_LAYER, "hs_layer", view.LAYERS)),
                       format_func=lambda k: t(view.LAYER_KEYS[k], lang))
slots.VIEW_LAYER.set(shown_layer)

d1, d2, d3 = st.columns([2, 3, 4])
has_border = ds.border is not None and len(ds.border) > 0
belt = d1.toggle(t("hotspots.belt", lang), value=False, key="hs_belt", disabled=not has_border)
belt_km = d2.slider(t("hotspots.belt_km", lang), 0, 100, 20, step=5, key="hs_belt_km",
                    disabled=not (has_border and belt))
with d3.expander(t("hotspots.neighbours_options", lang)):
    weights = st.selectbox(t("hotspots.weights", lang), list(view.WEIGHT_KEYS), key=slots.labelled("hs_weights"),
                           format_func=lambda w: t(view.WEIGHT_KEYS[w], lang))
    band_km = None
    if weights == "distance":
        band_km = float(st.number_input(t("hotspots.band_km", lang), min_value=1, max_value=500,
                                        value=int(max(round(analysis.default_band_km()), 1)), step=1, key="hs_band"))
if not has_border:
    st.caption(t("hotspots.no_border", lang))

# slice None is the default step, so the default choices are the very run the priority list uses.
options = HotspotOptions(int(year_from), int(year_to), form=form or None, weights=weights,
                         slice=None if slice_ == default_step else slice_,
                         band_km=float(band_km) if band_km is not None else None)
try:
    result = analysis.hotspots(options, lang)  # in the background, with a progress bar
except HotspotError as err:
    st.error(widgets.md(err.message(lang)))
    st.stop()
    raise  # unreachable: st.stop() ends the script run

ids = [str(f["properties"]["commune_id"]) for f in layer.features]
hv = view.hotspot_view(ds, result, options, ids, analysis.distances().reset_index(), role, conf.small_cell_k, lang,
                       belt_km=belt_km if belt and has_border else None, layer=shown_layer)

# --- map -----------------------------------------------------------------------------------------
fmap = maps.new_map(layer, "hotspots")
fmap.options["max_zoom"] = MAX_ZOOM  # Leaflet.markercluster throws "Map has no maxZoom" on a map without tiles
maps.draw_context(fmap, layer, ds, lang)
communes = maps.changing_part(t(view.LAYER_KEYS[hv.layer], lang))
add_class_layer(communes, state.geometry_url(), layer, hv.colours, hv.tooltips, view.tooltip_labels(lang, role),
                faded=hv.faded)
if hv.points is not None:  # in the base map: they change with the period only (never in a served file)
    add_case_points(fmap, hv.points, list(hv.point_tips), conf.static_url,
                    {"clusters": t("hotspots.layers.clusters", lang), "heat": t("hotspots.layers.heat", lang)})

map_col, side_col = st.columns([3, 1])
with map_col:
    maps.show(fmap, communes, key="hotspot_map", height=620, layer_list=True)
with side_col:
    widgets.swatch_legend(t("hotspots.legend", lang, layer=t(view.LAYER_KEYS[hv.layer], lang),
                            period=hv.period_text), list(hv.legend))
    st.caption(hv.summary)
    if hv.points is not None:
        st.caption(t("hotspots.points_shown", lang, n=format_number(len(hv.points), 0, lang)))
    else:
        st.info(t("hotspots.points_hidden", lang, k=conf.small_cell_k))

for note in hv.notes:
    st.warning(widgets.tm(note.code, lang, **note.params))  # commune names are data: escaped
st.caption(hv.method)
with st.expander(t("hotspots.how_to_read", lang)):
    st.markdown(t("hotspots.how_to_read.text", lang))

# --- clusters and their communes -----------------------------------------------------------------
st.subheader(t("hotspots.clusters_title", lang))
if hv.clusters.empty:
    st.info(t("hotspots.no_hot", lang))
else:
    st.dataframe(hv.clusters, hide_index=True, width="stretch")
    st.dataframe(hv.table, hide_index=True, width="stretch")
    session = auth.current()
    details = {"format": "csv", "what": "hotspot communes", "period": hv.period_text, "form": options.form or "all",
               "role": role.value}
    st.download_button(
        t("hotspots.download", lang), data=to_csv_bytes(hv.table), file_name=f"hotspots_{year_from}-{year_to}.csv",
        mime="text/csv", key="hs_download", on_click=state.audit,
        args=("export", session.username if session else "", details, len(hv.table)),
    )

# --- trends: every count opens its list ----------------------------------------------------------
st.subheader(t("hotspots.trends_title", lang))
if not hv.trends:
    st.info(t("hotspots.no_trends", lang))
else:
    st.markdown("\n".join(f"- {widgets.md(g.label)}: {len(g.communes)}" for g in hv.trends))
    chosen = st.selectbox(t("hotspots.trend_list", lang), [g.code for g in hv.trends], key=slots.labelled("hs_trend_list"),
                          format_func=lambda c: next(f"{g.label} ({len(g.communes)})" for g in hv.trends if g.code == c))
    st.dataframe(next(g.table for g in hv.trends if g.code == chosen), hide_index=True, width="stretch")
