"""Hotspots: Getis-Ord Gi* classes with FDR, trends over time, the border belt, and
case clusters and a heat map for the roles allowed to see case points."""
from __future__ import annotations

import html

import folium
import pandas as pd
import streamlit as st
from folium.plugins import HeatMap, MarkerCluster
from streamlit_folium import st_folium

from risk.outputs.export import to_csv_bytes
from risk.analysis.hotspots import (
    CLASS_COLOURS, CLASSES, MIN_TREND_YEARS, TRENDS, HotspotError, HotspotOptions, HotspotResult, hot_commune_table,
    hotspot_analysis,
)
from risk.i18n import t
from risk.ingest.folder import FORMS, Dataset
from risk.outputs.mapview import CANVAS_THRESHOLD, add_border, add_gates, add_outline, base_map, plugin_assets, safe_html
from risk.access.privacy import can_see_case_points, can_see_case_statistics, commune_case_counts, visible_case_points
from risk.analysis.geography import commune_distances_km, default_band_km
from risk.store.versions import append_audit
from ui import auth, state, widgets

PERMUTATION_CHOICES = (999, 9999)
MAX_ZOOM = 18


def _dataset_key(ds: Dataset) -> tuple[str, int]:
    """Cache key of a loaded dataset: it is a cached resource, so its id is stable while it lives."""
    return (str(ds.folder), id(ds))


@st.cache_data(show_spinner=False, max_entries=16, hash_funcs={Dataset: _dataset_key})
def _analysis(ds: Dataset, options: HotspotOptions) -> HotspotResult:
    return hotspot_analysis(ds.boundaries, ds.cases, ds.indicators, options)


@st.cache_data(show_spinner=False, max_entries=4, hash_funcs={Dataset: _dataset_key})
def _distances(ds: Dataset) -> pd.DataFrame:
    return commune_distances_km(ds.boundaries, ds.border, ds.gates)


@st.cache_data(show_spinner=False, max_entries=4, hash_funcs={Dataset: _dataset_key})
def _default_band(ds: Dataset) -> float:
    return default_band_km(ds.boundaries)


def _audit_export(store_path: str, user: str, details: dict, rows: int) -> None:
    """Every export goes to the audit log: who, when, what, how many rows."""
    append_audit(store_path, user, "export", details, rows)


def _legend(title: str, counts: dict[str, int], faded: bool, lang: str) -> None:
    """Class legend drawn in Streamlit (a branca legend would pull d3 from a CDN)."""
    rows = [(CLASS_COLOURS[c], t(f"hotspots.class.{c}", lang), counts.get(c, 0), 1.0) for c in CLASSES]
    if faded:
        rows.append(("#bbbbbb", t("hotspots.legend.outside_belt", lang), None, 0.35))
    items = "".join(
        f'<div style="display:flex;align-items:center;gap:.5em;margin:2px 0">'
        f'<span style="display:inline-block;width:1.6em;height:1em;background:{colour};opacity:{opacity};'
        f'border:1px solid #777"></span><span>{html.escape(label)}</span>'
        f'{"" if n is None else f"<span style=color:#666>({n})</span>"}</div>'
        for colour, label, n, opacity in rows
    )
    st.markdown(f'<div class="risk-legend hotspot-legend"><b>{html.escape(title)}</b>{items}</div>',
                unsafe_allow_html=True)


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
has_population = "population" in ds.indicators.columns
c1, c2, c3, c4 = st.columns([3, 2, 2, 2])
if len(years) > 1:
    year_from, year_to = c1.select_slider(t("hotspots.period", lang), options=years, value=(years[0], years[-1]),
                                          key="hs_period")
else:
    year_from = year_to = years[0]
    c1.caption(f"{t('hotspots.period', lang)}: {years[0]}")
measure = c2.selectbox(t("hotspots.measure", lang), ["count", "rate"] if has_population else ["count"],
                       key="hs_measure", format_func=lambda m: t(f"hotspots.measure.{m}", lang))
form = c3.selectbox(t("hotspots.form", lang), ["", *FORMS], key="hs_form",
                    format_func=lambda f: t(f"hotspots.form.{f or 'all'}", lang))
weights = c4.selectbox(t("hotspots.weights", lang), ["contiguity", "distance"], key="hs_weights",
                       format_func=lambda w: t(f"hotspots.weights.{w}", lang))

d1, d2, d3, d4 = st.columns([2, 3, 2, 2])
has_border = ds.border is not None and len(ds.border) > 0
belt = d1.toggle(t("hotspots.belt", lang), value=False, key="hs_belt", disabled=not has_border)
belt_km = d2.slider(t("hotspots.belt_km", lang), 0, 100, 20, step=5, key="hs_belt_km",
                    disabled=not (has_border and belt))
band_km = None
if weights == "distance":
    band_km = d3.number_input(t("hotspots.band_km", lang), min_value=0.5, max_value=500.0,
                              value=float(max(_default_band(ds), 0.5)), step=0.5, key="hs_band")
permutations = d4.selectbox(t("hotspots.permutations", lang), PERMUTATION_CHOICES, index=1, key="hs_permutations",
                            format_func=lambda p: f"{p:,}")
if not has_border:
    st.caption(t("hotspots.no_border", lang))

options = HotspotOptions(int(year_from), int(year_to), measure=measure, form=form or None, weights=weights,
                         band_km=float(band_km) if band_km is not None else None, permutations=int(permutations))
try:
    with st.spinner(t("hotspots.running", lang)):
        result = _analysis(ds, options)
except HotspotError as err:
    st.error(widgets.md(err.message(lang)))
    st.stop()
    raise  # unreachable: st.stop() ends the script run

# --- what the role may see ---------------------------------------------------------------------
ids = [str(f["properties"]["commune_id"]) for f in layer.features]
distances = _distances(ds)
in_belt = set(ids)
if belt and has_border:
    in_belt = set(distances.loc[distances["dist_border_km"] <= belt_km, "commune_id"])
period_years = options.years
shown = commune_case_counts(ds.cases, ids, period_years, role, conf.small_cell_k, options.form)
shown_total = dict(zip(shown["commune_id"], shown["total"]))
classes = dict(zip(result.table["commune_id"], result.table["class"]))
trends = dict(zip(result.table["commune_id"], result.table["trend"]))
period_text = str(year_from) if year_from == year_to else f"{year_from}–{year_to}"

# --- map -----------------------------------------------------------------------------------------
fmap = base_map(layer.bounds, conf.static_url, conf.tile_url, conf.tile_attribution,
                prefer_canvas=len(layer.features) > CANVAS_THRESHOLD)
# Leaflet.markercluster throws "Map has no maxZoom specified" on a map without tiles: set one.
fmap.options["max_zoom"] = MAX_ZOOM
features = []
for feat in layer.features:
    props = feat["properties"]
    cid = str(props.get("commune_id"))
    cls = classes.get(cid, "not_significant")
    inside = cid in in_belt
    features.append({
        "type": "Feature", "geometry": feat["geometry"],
        "properties": {
            "commune_id": cid, "name": safe_html(props.get("name")),
            "former_district": safe_html(props.get("former_district")),
            "class": safe_html(t(f"hotspots.class.{cls}", lang)),
            "trend": safe_html(t(f"hotspots.trend.{trends.get(cid, 'no_pattern')}", lang)),
            "cases": safe_html(shown_total.get(cid, "0")),
            "style": {"fillColor": CLASS_COLOURS[cls], "color": "#555555" if inside else "#aaaaaa",
                      "weight": 0.6, "fillOpacity": 0.85 if inside else 0.3},
        },
    })
folium.GeoJson(
    {"type": "FeatureCollection", "features": features}, name=safe_html(t("hotspots.layers.classes", lang)),
    tooltip=folium.GeoJsonTooltip(
        fields=["name", "former_district", "class", "trend", "cases"],
        aliases=[safe_html(t(k, lang)) for k in ("map.tooltip.name", "map.tooltip.former_district",
                                               "hotspots.tooltip.class", "hotspots.tooltip.trend",
                                               "hotspots.tooltip.cases")],
        sticky=True,
    ),
    highlight_function=lambda _f: {"weight": 2.5, "color": "#000000"},
).add_to(fmap)
add_outline(fmap, layer.outline, t("map.layers.outline", lang))
add_border(fmap, ds.border, t("map.layers.border", lang))
add_gates(fmap, ds.gates, t("map.layers.gates", lang))

n_points = 0
if can_see_case_points(role):
    points = visible_case_points(ds.cases, role)
    keep = points["date"].dt.year.between(options.year_from, options.year_to)
    if options.form:
        keep &= points["form"] == options.form
    if belt and has_border:
        keep &= points["commune_id"].astype(str).isin(in_belt)
    points = points[keep]
    n_points = len(points)
    cluster = MarkerCluster(name=safe_html(t("hotspots.layers.clusters", lang)))
    cluster.default_js, cluster.default_css = plugin_assets(conf.static_url, "markercluster")
    for row in points.itertuples(index=False):
        tip = (f"<b>{safe_html(t('hotspots.popup.case', lang))} {safe_html(row.case_id)}</b><br>"
               f"{safe_html(t('hotspots.popup.date', lang))}: {safe_html(row.date.date().isoformat())}<br>"
               f"{safe_html(t(f'hotspots.form.{row.form}', lang) if row.form in FORMS else row.form)}<br>"
               f"{safe_html(t('hotspots.popup.victims', lang))}: {safe_html(int(row.victims))}")
        # CircleMarker, not Marker: no icon images to fetch, and clusters still gather them.
        folium.CircleMarker([float(row.lat), float(row.lon)], radius=5, color="#67000d", weight=1, fill=True,
                            fill_color="#ef3b2c", fill_opacity=0.9, tooltip=tip).add_to(cluster)
    cluster.add_to(fmap)
    heat = HeatMap([[float(r.lat), float(r.lon)] for r in points.itertuples(index=False)],
                   name=safe_html(t("hotspots.layers.heat", lang)), show=False, radius=22, blur=18, min_opacity=0.3)
    heat.default_js, heat.default_css = plugin_assets(conf.static_url, "heat")
    heat.add_to(fmap)
folium.LayerControl(collapsed=True).add_to(fmap)

map_col, side_col = st.columns([3, 1])
with map_col:
    st_folium(fmap, key="hotspot_map", height=620, use_container_width=True, returned_objects=[])
with side_col:
    visible = result.table[result.table["commune_id"].isin(in_belt)]
    _legend(t("hotspots.legend", lang, period=period_text), visible["class"].value_counts().to_dict(),
            faded=len(in_belt) < len(ids), lang=lang)
    st.caption(t("hotspots.summary", lang, hot=int(visible["class"].str.startswith("hot_").sum()),
                 cold=int(visible["class"].str.startswith("cold_").sum()), n=len(visible)))
    trend_counts = visible["trend"].value_counts()
    found = [(tr, int(trend_counts[tr])) for tr in TRENDS if tr != "no_pattern" and tr in trend_counts]
    if found:
        st.markdown(f"**{t('hotspots.trends_title', lang)}**")
        st.markdown("\n".join(f"- {t(f'hotspots.trend.{tr}', lang)}: {n}" for tr, n in found))
    if can_see_case_points(role):
        st.caption(t("hotspots.points_shown", lang, n=n_points))
    else:
        st.info(t("hotspots.points_hidden", lang, k=conf.small_cell_k))

if belt and has_border:
    st.caption(t("hotspots.belt_note", lang, n=len(ids), m=len(in_belt), km=belt_km))
n_years = len(period_years)
if n_years < MIN_TREND_YEARS:
    st.caption(t("hotspots.short_period", lang, n=MIN_TREND_YEARS))
elif n_years < 10:
    st.caption(t("hotspots.few_years", lang, n=n_years))
names = ds.boundaries.set_index("commune_id")["name"].astype(str).to_dict()
if result.islands:
    st.caption(t("hotspots.islands", lang, count=len(result.islands),
                 names=", ".join(names.get(i, i) for i in result.islands)))
if result.excluded:
    st.caption(t("hotspots.excluded", lang, count=len(result.excluded)))
if result.table["value"].sum() == 0:
    st.info(t("hotspots.no_cases", lang))
weights_text = (t("hotspots.band_used", lang, km=f"{result.band_km:g}") if result.weights_kind == "distance"
                else t("hotspots.weights.contiguity", lang))
if can_see_case_statistics(role):
    st.caption(t("hotspots.method", lang, permutations=f"{options.permutations:,}", seed=options.seed,
                 cut90=f"{result.cutoffs['90']:.4g}", cut95=f"{result.cutoffs['95']:.4g}",
                 cut99=f"{result.cutoffs['99']:.4g}", weights=weights_text, alpha=options.trend_alpha))
else:  # the FDR cut-offs are a function of every commune's p-value (risk/access/privacy.py)
    st.caption(t("hotspots.method_public", lang, permutations=f"{options.permutations:,}", seed=options.seed,
                 weights=weights_text, alpha=options.trend_alpha))
with st.expander(t("hotspots.how_to_read", lang)):
    st.markdown(t("hotspots.how_to_read.text", lang))

# --- hot communes --------------------------------------------------------------------------------
st.subheader(t("hotspots.table", lang))
names_frame = ds.boundaries[[c for c in ("commune_id", "name", "former_district") if c in ds.boundaries.columns]]
hot = hot_commune_table(result, pd.DataFrame(names_frame), distances, shown,
                        communes=sorted(in_belt) if len(in_belt) < len(ids) else None)
if hot.empty:
    st.info(t("hotspots.no_hot", lang))
else:
    if not can_see_case_statistics(role):  # z and p are functions of the counts (risk/access/privacy.py)
        hot = hot.drop(columns=["gi_z", "p_value"])
    view = hot.assign(
        **{"class": hot["class"].map(lambda c: t(f"hotspots.class.{c}", lang)),
           "trend": hot["trend"].map(lambda c: t(f"hotspots.trend.{c}", lang)),
           "dist_border_km": hot["dist_border_km"].round(1), "dist_gate_km": hot["dist_gate_km"].round(1),
           **({"gi_z": hot["gi_z"].round(2), "p_value": hot["p_value"].round(4)} if "gi_z" in hot else {})},
    )
    labels = {"commune_id": t("col.commune_id", lang), "name": t("col.name", lang),
              "former_district": t("col.former_district", lang), "total": t("hotspots.col.total", lang),
              **{c: t(f"hotspots.col.{c}", lang) for c in ("class", "trend", "dist_border_km", "dist_gate_km",
                                                            "gi_z", "p_value")},
              **{y: str(y) for y in period_years}}
    view = view.rename(columns=labels)
    st.dataframe(view, hide_index=True, width="stretch")
    session = auth.current()
    details = {"format": "csv", "what": "hotspot communes", "period": period_text, "form": options.form or "all",
               "measure": options.measure, "role": role.value}
    st.download_button(
        t("hotspots.download", lang), data=to_csv_bytes(view), file_name=f"hotspots_{year_from}-{year_to}.csv",
        mime="text/csv", key="hs_download", on_click=_audit_export,
        args=(str(conf.store_path), session.username if session else "", details, len(view)),
    )
