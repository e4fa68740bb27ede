"""The map frame every page shares: an offline base map, the province context layers, and the
commune a click picked."""
from __future__ import annotations

import folium

from risk.i18n import t
from risk.outputs.mapview import CANVAS_THRESHOLD, GATE_KIND_KEYS, DisplayLayer, add_context, base_map
from ui import state


def new_map(layer: DisplayLayer, page: str | None = None) -> folium.Map:
    """A base map fitted to the layer, on a canvas when the layer is large. With `page`, the map
    keeps its zoom and centre across reruns of that page (risk.outputs.mapview.base_map)."""
    conf = state.settings()
    return base_map(layer.bounds, conf.static_url, conf.tile_url, conf.tile_attribution,
                    prefer_canvas=len(layer.features) > CANVAS_THRESHOLD, remember_as=page)


def draw_context(fmap: folium.Map, layer: DisplayLayer, ds, lang: str) -> None:
    """Outline, border and gates, named in the user's language (a gate's kind too)."""
    add_context(fmap, layer, ds.border, ds.gates, {
        "outline": t("map.layers.outline", lang), "border": t("map.layers.border", lang),
        "gates": t("map.layers.gates", lang)}, {kind: t(key, lang) for kind, key in GATE_KIND_KEYS.items()})


def clicked_commune(result: dict | None, ids: list[str]) -> str | None:
    """The commune id of the polygon last clicked in an st_folium result, if it is one of `ids`."""
    clicked = (result or {}).get("last_active_drawing") or {}
    cid = str((clicked.get("properties") or {}).get("commune_id") or "") or None
    return cid if cid in ids else None
