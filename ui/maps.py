"""The map frame every page shares: an offline base map, the province context layers, the part a
rerun replaces, and the commune a click picked.

A page builds the base map (it depends only on the dataset and the language) and puts what changes
with its controls (commune colours and tooltips, case points, coverage circles) in one feature
group. st_folium then keeps the map mounted and swaps only that group: the zoom stays, and a year
change sends colours, not geometry (issue "Fast at every scale")."""
from __future__ import annotations

from typing import Callable

import folium
import streamlit as st
from streamlit_folium import st_folium

from risk.i18n import t
from risk.outputs.mapview import (CANVAS_THRESHOLD, GATE_KIND_KEYS, DisplayLayer, add_context, base_map,
                                  border_geojson, display_tolerance)
from ui import session as slots
from ui import state


def new_map(layer: DisplayLayer, page: str | None = None) -> folium.Map:
    """A base map fitted to the layer, on a canvas when the layer is large. With `page`, the map
    keeps its zoom and centre across reruns of that page (risk.outputs.mapview.base_map)."""
    conf = state.settings()
    return base_map(layer.bounds, conf.static_url, conf.tile_url, conf.tile_attribution,
                    prefer_canvas=len(layer.features) > CANVAS_THRESHOLD, remember_as=page)


def changing_part(name: str) -> folium.FeatureGroup:
    """The feature group a page fills with what its controls change; `name` shows in the layer list."""
    from risk.outputs.mapview import safe_html

    return folium.FeatureGroup(name=safe_html(name))


def show(fmap: folium.Map, part: folium.FeatureGroup, key: str, height: int,
         on_click: Callable[[str], None] | None = None, ids: list[str] | None = None,
         layer_list: bool = False) -> None:
    """Draw the map with its changing part. `on_click(commune_id)` runs when a commune of `ids` is
    clicked, as a callback before the next script run, so a click costs one rerun, not two (the
    component's value, then an st.rerun()). `layer_list` adds the (collapsed) layer switcher, which
    must list the changing part too."""
    control = folium.LayerControl(collapsed=True) if layer_list else None

    def clicked() -> None:
        commune = clicked_commune(slots.widget_value(key), ids or [])
        if commune and on_click is not None:
            on_click(commune)

    st_folium(fmap, key=key, height=height, use_container_width=True, feature_group_to_add=part,
              layer_control=control, returned_objects=["last_active_drawing"] if on_click else [],
              on_change=clicked if on_click else None)


def draw_context(fmap: folium.Map, layer: DisplayLayer, ds, lang: str) -> None:
    """Outline, border and gates, named in the user's language (a gate's kind too)."""
    add_context(fmap, layer, _border(state.dataset_key(), ds, layer), ds.gates, {
        "outline": t("map.layers.outline", lang), "border": t("map.layers.border", lang),
        "gates": t("map.layers.gates", lang)}, {kind: t(key, lang) for kind, key in GATE_KIND_KEYS.items()})


@st.cache_resource(show_spinner=False, max_entries=4)
def _border(key: state.DatasetKey, _ds, _layer: DisplayLayer) -> dict | None:
    """The open dataset's border as display GeoJSON, simplified like its communes; made once per
    dataset (`_ds` and `_layer` are that dataset's, so Streamlit need not hash them)."""
    return border_geojson(_ds.border, display_tolerance(_layer.bounds))


def clicked_commune(result: dict | None, ids: list[str]) -> str | None:
    """The commune id of the polygon last clicked in an st_folium result, if it is one of `ids`."""
    clicked = (result or {}).get("last_active_drawing") or {}
    cid = str((clicked.get("properties") or {}).get("commune_id") or "") or None
    return cid if cid in ids else None
