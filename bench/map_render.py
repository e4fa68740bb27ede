"""Time and size of the risk-map page's map, against the naive folium way, at three scales.

Naive: every vertex and every attribute into folium.GeoJson with a Python
style_function. Ours: coverage-simplified, rounded geometry with only the
tooltip fields, and a canvas renderer above CANVAS_THRESHOLD features.
Prints one row per scale; never asserts on time.
"""
from __future__ import annotations

import json
import time

import folium
import shapely

from bench.synthetic import synthetic_communes
from risk.outputs.classify import classify
from risk.outputs.mapview import CANVAS_THRESHOLD, add_choropleth, add_outline, base_map, display_layer

SCALES = (130, 3321, 10600)


def naive_html(gdf) -> str:
    fmap = folium.Map(location=[15, 105], zoom_start=6, tiles=None)
    c = classify(gdf["poverty_rate"].to_numpy(), "quantiles", 5)
    colours = dict(zip(gdf["commune_id"], [c.colour_of(int(k)) for k in c.classes]))
    folium.GeoJson(
        json.loads(gdf.to_json()),
        style_function=lambda f: {"fillColor": colours[f["properties"]["commune_id"]], "weight": 0.6},
        tooltip=folium.GeoJsonTooltip(fields=["name", "former_district", "poverty_rate"]),
    ).add_to(fmap)
    return fmap.get_root().render()


def our_html(gdf) -> tuple[str, float]:
    t0 = time.perf_counter()
    layer = display_layer(gdf)
    prep = time.perf_counter() - t0
    fmap = base_map(layer.bounds, prefer_canvas=len(layer.features) > CANVAS_THRESHOLD)
    values = gdf["poverty_rate"].to_numpy()
    c = classify(values, "quantiles", 5)
    texts = {cid: f"{v:.1f} %" for cid, v in zip(gdf["commune_id"], values)}
    add_choropleth(fmap, layer, {}, c, texts, {"name": "n", "former_district": "d", "value": "v"}, "communes")
    add_outline(fmap, layer.outline, "outline")
    return fmap.get_root().render(), prep


def main() -> None:
    print(f"{'communes':>8} {'vertices':>9} | {'naive s':>8} {'naive MB':>9} | {'prep s':>7} {'ours s':>7} {'ours MB':>8} | {'size ratio':>10} {'time ratio':>10}")
    for n in SCALES:
        gdf = synthetic_communes(n)
        vertices = int(shapely.get_num_coordinates(gdf.geometry.values).sum())
        t0 = time.perf_counter()
        naive = naive_html(gdf)
        t_naive = time.perf_counter() - t0
        t0 = time.perf_counter()
        ours, prep = our_html(gdf)
        t_ours = time.perf_counter() - t0
        mb_naive, mb_ours = len(naive.encode()) / 1e6, len(ours.encode()) / 1e6
        print(
            f"{n:>8} {vertices:>9} | {t_naive:>8.2f} {mb_naive:>9.2f} | {prep:>7.2f} {t_ours:>7.2f} {mb_ours:>8.2f} | "
            f"{mb_naive / mb_ours:>9.1f}x {t_naive / t_ours:>9.1f}x",
            flush=True,
        )
    print("prep = display_layer() (cached per dataset in the app); ours s includes prep.")


if __name__ == "__main__":
    main()
