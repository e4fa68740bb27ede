"""The naive map page the country benchmark compares the app with (a Streamlit script, never imported).

What a developer would write first: read the dataset folder with geopandas (cached), build a
folium map of the full geometry on every rerun with folium.GeoJson and a Python style_function,
and draw it with st_folium; a year or indicator change reruns all of it. A click shows the
commune's rows. bench/country.py copies this file to a temporary folder and serves it with
RISK_DATA_DIR set; Leaflet comes from the app's own static files, as the app's maps do, so the
page works offline and the comparison is about geometry, not about where Leaflet is fetched from.
"""
from __future__ import annotations

import os
from pathlib import Path

import folium
import geopandas as gpd
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from risk.i18n import t

FOLDER = Path(os.environ["RISK_DATA_DIR"])
LEAFLET = f"{os.environ.get('RISK_STATIC_URL', '/app/static').rstrip('/')}/vendor/leaflet"
COLOURS = ("#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026")
LANG = "vi"


@st.cache_data
def load() -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    communes = gpd.read_file(FOLDER / "boundaries.geojson")
    communes["commune_id"] = communes["commune_id"].astype(str)
    indicators = pd.read_csv(FOLDER / "indicators.csv", dtype={"commune_id": str})
    return communes, indicators


communes, indicators = load()
keys = [c for c in indicators.columns if c not in ("commune_id", "year")]
key = st.selectbox(t("map.indicator", LANG), keys)
year = st.selectbox(t("map.year", LANG), sorted(indicators["year"].unique(), reverse=True))

values = indicators[indicators["year"] == year].set_index("commune_id")[key]
shown = communes.assign(value=communes["commune_id"].map(values))
breaks = shown["value"].quantile([0.2, 0.4, 0.6, 0.8]).to_list()


def style(feature: dict) -> dict:
    value = feature["properties"]["value"]
    k = sum(value > b for b in breaks) if value is not None else 0
    return {"fillColor": COLOURS[k], "color": "#555555", "weight": 0.6, "fillOpacity": 0.8}


minx, miny, maxx, maxy = shown.total_bounds
fmap = folium.Map(location=[(miny + maxy) / 2, (minx + maxx) / 2], zoom_start=7, tiles=None)
fmap.default_js = [("leaflet", f"{LEAFLET}/leaflet.js")]
fmap.default_css = [("leaflet_css", f"{LEAFLET}/leaflet.css")]
folium.GeoJson(shown, style_function=style,
               tooltip=folium.GeoJsonTooltip(["name", "former_district", "value"])).add_to(fmap)
fmap.fit_bounds([[miny, minx], [maxy, maxx]])
result = st_folium(fmap, height=620, use_container_width=True, returned_objects=["last_active_drawing"])

clicked = (result or {}).get("last_active_drawing") or {}
commune_id = str((clicked.get("properties") or {}).get("commune_id") or "")
if commune_id:
    st.subheader(f"{t('map.selected', LANG)}: {clicked['properties']['name']}")
    st.dataframe(indicators[indicators["commune_id"] == commune_id], hide_index=True)
