"""Map builders: offline assets only, escaped text, coverage kept intact."""
from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import LineString, Point, box

from risk.outputs.classify import NO_DATA_COLOUR, classify, palette
from risk.outputs.mapview import (
    add_border, add_choropleth, add_class_layer, border_geojson, add_gates, add_outline, base_map, display_layer, leaflet_assets, map_scripts,
    plugin_assets, safe_html,
)

URL = re.compile(r"https?://", re.I)


def grid(n: int = 4) -> gpd.GeoDataFrame:
    cells = [box(104 + i * 0.1, 19 + j * 0.1, 104 + (i + 1) * 0.1, 19 + (j + 1) * 0.1) for i in range(n) for j in range(n)]
    return gpd.GeoDataFrame(
        {"commune_id": [f"{k:05d}" for k in range(n * n)], "name": [f"Xã {k}" for k in range(n * n)],
         "former_district": ["Huyện A"] * (n * n)},
        geometry=cells, crs="EPSG:4326",
    )


GEOMETRY = "/_risk/geometry/" + "0" * 64 + ".topojson"


def render(fmap) -> str:
    return fmap.get_root().render()


def communes_on(fmap):
    """The feature group a page fills with its communes, on `fmap`."""
    import folium

    group = folium.FeatureGroup(name="communes")
    group.add_to(fmap)
    return group


def test_classes_follow_scheme_and_missing_is_grey():
    values = np.array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, np.nan])
    c = classify(values, "quantiles", 5)
    assert c.counts == (2, 2, 2, 2, 2)
    assert c.classes[-1] == -1 and c.colour_of(-1) == NO_DATA_COLOUR
    assert c.ranges()[0][0] == 1 and c.upper_bounds[-1] == 10
    eq = classify(values, "equal_interval", 3)
    assert eq.upper_bounds == pytest.approx((4.0, 7.0, 10.0))
    nb = classify(np.r_[np.ones(10), np.full(10, 50.0), np.full(10, 100.0)], "natural_breaks", 3)
    assert nb.counts == (10, 10, 10)


def test_constant_and_empty_values_do_not_fail():
    assert classify(np.full(5, 3.0), "natural_breaks", 5).counts == (5,)
    empty = classify(np.full(4, np.nan), "quantiles", 5)
    assert empty.counts == () and (empty.classes == -1).all()


def test_palette_is_reversed_when_higher_means_less_risk():
    assert palette(5, False) == palette(5, True)[::-1]
    assert palette(5, None) != palette(5, True)


def test_the_border_is_simplified_and_rounded_like_the_communes():
    wiggle = LineString([(104 + i / 1000, 19 + (i % 2) / 100000) for i in range(1001)])  # 1 m zig-zags
    border = gpd.GeoDataFrame(geometry=[wiggle], crs="EPSG:4326")
    full, simple = border_geojson(border), border_geojson(border, 0.001)
    assert len(full["features"][0]["geometry"]["coordinates"]) == 1001
    coords = simple["features"][0]["geometry"]["coordinates"]
    assert len(coords) == 2 and coords[0] == [104.0, 19.0] and coords[-1] == [105.0, 19.0]
    assert border_geojson(None) is None and border_geojson(border.iloc[:0]) is None


def test_map_loads_only_local_scripts_and_has_no_tiles_by_default():
    gdf = grid()
    layer = display_layer(gdf)
    fmap = base_map(layer.bounds)
    c = classify(np.arange(16, dtype=float), "quantiles", 4)
    add_choropleth(communes_on(fmap), GEOMETRY, layer, {}, c, {}, {"name": "n", "former_district": "d", "value": "v"})
    add_outline(fmap, layer.outline, "outline")
    add_border(fmap, border_geojson(gpd.GeoDataFrame(geometry=[LineString([(104, 19), (104.4, 19.4)])], crs="EPSG:4326")),
               "border")
    add_gates(fmap, gpd.GeoDataFrame({"name": ["G"]}, geometry=[Point(104.2, 19.2)], crs="EPSG:4326"), "gates")
    scripts = map_scripts(fmap)
    assert scripts and not any(URL.match(u) for u in scripts)
    html = render(fmap)
    assert "tile.openstreetmap" not in html and "/app/static/vendor/leaflet/leaflet.js" in html
    assert "/app/static/vendor/topojson-client/topojson-client.min.js" in html
    # The decoder is not one of the scripts loaded one after another before the map script runs:
    # the commune layer loads it while the geometry downloads (issue 17).
    assert all("topojson" not in url for url in scripts)
    assert 'window.__riskTopojsonClient = "/app/static/vendor/topojson-client/topojson-client.min.js"' in html
    assert not re.search(r'<script[^>]+src="https?://', html)
    assert not re.search(r'<link[^>]+href="https?://', html)


def test_folium_class_defaults_are_untouched():
    """Per-map asset lists must not leak into folium's class lists (shared by all sessions)."""
    import folium

    before = list(folium.Map.default_js)
    base_map((104, 19, 105, 20), static_url="/elsewhere")
    assert folium.Map.default_js == before


def test_tile_url_is_a_setting():
    fmap = base_map((104, 19, 105, 20), tile_url="http://tiles.intranet/{z}/{x}/{y}.png", tile_attribution="intranet")
    assert "tiles.intranet" in render(fmap)


def test_names_and_values_from_data_files_are_escaped():
    """Names reach the browser in the geometry file (tests/outputs/test_geometry_file.py); what a
    rerun sends, the value texts and labels, is escaped here."""
    gdf = grid(2)
    layer = display_layer(gdf)
    fmap = base_map(layer.bounds)
    obj = add_choropleth(communes_on(fmap), GEOMETRY, layer, {}, classify(np.arange(4.0)),
                         {"00000": '<img src=x onerror="alert(1)">'},
                         {"name": "<b>", "former_district": "d", "value": "<script>alert(2)</script>"})
    html = render(fmap)
    assert "<img src=x" not in html and "<script>alert(2)" not in html
    assert obj.cells["value"][0] == "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;"
    assert obj.aliases["value"] == "&lt;script&gt;alert(2)&lt;/script&gt;"


def test_a_rerun_sends_a_palette_and_an_index_per_commune_not_geometry():
    layer = display_layer(grid())
    fmap = base_map(layer.bounds)
    obj = add_choropleth(communes_on(fmap), GEOMETRY, layer, {}, classify(np.arange(16, dtype=float), "quantiles", 4),
                         {}, {"name": "n", "former_district": "d", "value": "v"}, selected_id="00003")
    assert len(obj.palette) == 5  # four classes, one of them also drawn as the selected commune
    assert obj.palette[obj.style_index[3]]["weight"] == 3  # in the order of the layer (and the geometry file)
    assert set(obj.style_index[:3]) == {0}
    html = render(fmap)
    assert '"coordinates"' not in html and GEOMETRY in html


def test_display_layer_keeps_a_valid_coverage_and_only_tooltip_fields():
    gdf = grid(5)
    gdf["secret"] = "x"
    layer = display_layer(gdf)
    assert len(layer.features) == 25
    assert set(layer.features[0]["properties"]) == {"commune_id", "name", "former_district"}
    from shapely.geometry import shape

    shapes = [shape(f["geometry"]) for f in layer.features]
    assert all(s.is_valid and not s.is_empty for s in shapes)
    total = gpd.GeoSeries(shapes, crs="EPSG:4326").to_crs("EPSG:32648").area.sum()
    assert total == pytest.approx(gdf.to_crs("EPSG:32648").area.sum(), rel=1e-3)


def test_plugin_assets_are_local():
    for plugin in ("markercluster", "heat"):
        js, css = plugin_assets("/app/static", plugin)
        assert all(u.startswith("/app/static/vendor/") for _, u in js + css)
    js, css = leaflet_assets()
    from risk.access.settings import PROJECT_ROOT

    for _, url in js + css:
        assert (PROJECT_ROOT / url.removeprefix("/app/")).is_file()


def test_every_registry_indicator_has_both_languages_and_a_known_source():
    from risk.contracts.indicators import REGISTRY, SOURCE_KEYS, indicator_for

    for ind in REGISTRY.values():
        assert ind.label("vi") and ind.label("en") and ind.description("vi") and ind.description("en")
        assert ind.source in SOURCE_KEYS and ind.source_label("vi") != ind.source_label("en")
    extra = indicator_for("my_column")
    assert not extra.in_registry and extra.label("en") == "my_column" and extra.higher_is_riskier is None


def rendered_class_layer() -> str:
    """A one-commune class layer (the hotspot map's kind), rendered."""
    import folium

    from risk.outputs.mapview import add_class_layer

    layer = type("L", (), {"features": [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [105, 19]},
                                         "properties": {"commune_id": "a", "name": "A", "former_district": ""}}]})()
    fmap = folium.Map(tiles=None)
    add_class_layer(communes_on(fmap), GEOMETRY, layer, {"a": "#b2182b"}, {},
                    {"name": "Name", "former_district": "District"})
    return fmap.get_root().render()


def test_commune_layers_restore_their_own_colour_after_hover():
    """Leaflet's resetStyle (on mouseout) falls back to the layer's `style` option; without it a
    hovered commune turned Leaflet's default blue, which on the hotspot map meant "cold spot"."""
    html = rendered_class_layer()
    assert "L.geoJson(null, {style: ownStyle" in html
    assert "entry.layer.resetStyle(e.target)" in html
    assert '"fillColor": "#b2182b"' in html


def test_case_clusters_draw_no_blue_coverage_polygon_on_hover():
    """markercluster's coverage polygon is Leaflet's default blue, a cold spot's colour on the hotspot map."""
    import folium
    import pandas as pd

    from risk.outputs.mapview import add_case_points

    fmap = folium.Map(location=[19, 105], zoom_start=8, tiles=None)
    points = pd.DataFrame({"lat": [19.0, 19.01], "lon": [105.0, 105.01]})
    add_case_points(fmap, points, ["a", "b"], "/app/static", {"clusters": "Cases", "heat": "Heat"})
    html = fmap.get_root().render()
    assert '"showCoverageOnHover": false' in html


def test_commune_tooltips_wrap_and_open_on_the_roomier_side():
    """Leaflet tooltips never wrap: a long Vietnamese label ran past the map's right edge and was
    cut off at 1366×768. Both commune layers wrap their tooltip within a width and let Leaflet
    choose the side."""
    import folium

    html = rendered_class_layer()
    assert "white-space: normal !important; width: max-content; max-width: 24em" in html
    assert "direction: 'auto'" in html
    choropleth = folium.Map(tiles=None)
    add_choropleth(communes_on(choropleth), GEOMETRY, display_layer(grid()), {},
                   classify(np.arange(16, dtype=float), "quantiles", 4), {}, {"name": "n", "former_district": "d", "value": "v"})
    rendered = choropleth.get_root().render()
    assert "direction: 'auto'" in rendered and "white-space: normal !important" in rendered


def test_a_press_on_the_map_does_not_focus_it():
    """Leaflet's keyboard handler focused the map on mousedown; the page then scrolled the iframe into
    view between press and release, and a first click below the fold opened nothing."""
    html = render(base_map(display_layer(grid()).bounds))
    assert '"keyboard": false' in html


def test_a_remembered_view_opens_where_the_page_was_left_else_on_the_bounds():
    from risk.outputs.mapview import view_key

    layer = display_layer(grid())
    plain = render(base_map(layer.bounds))
    assert "fitBounds" in plain and "sessionStorage" not in plain
    remembered = render(base_map(layer.bounds, remember_as="risk_map"))
    key = view_key("risk_map", layer.bounds)
    assert key.startswith("risk-map-view:risk_map:") and f'"{key}"' in remembered
    script = remembered[remembered.index("sessionStorage"):]
    assert "setView" in script and "fitBounds" in script and "{animate: false}" in script
    assert remembered.count("fitBounds") == 1  # folium's animated fit is not added beside it
    assert view_key("risk_map", layer.bounds) != view_key("hotspots", layer.bounds)
    assert view_key("risk_map", (0.0, 0.0, 1.0, 1.0)) != key  # another dataset starts from its own extent


def test_a_gates_kind_reads_in_the_users_language_and_an_unknown_kind_as_written():
    from risk.outputs.mapview import GATE_KIND_KEYS

    from risk.i18n import t

    gates = gpd.GeoDataFrame({"name": ["A", "B"], "kind": ["Main border gate", "<b>trạm</b>"]},
                             geometry=[Point(104.2, 19.2), Point(104.3, 19.3)], crs="EPSG:4326")
    fmap = base_map(display_layer(grid()).bounds)
    add_gates(fmap, gates, "gates", {k: t(v, "vi") for k, v in GATE_KIND_KEYS.items()})
    html = render(fmap)
    assert "cửa khẩu chính" in html and "Main border gate" not in html
    assert "&lt;b&gt;trạm&lt;/b&gt;" in html  # data text stays escaped


def test_a_tooltip_column_is_sent_as_its_distinct_texts_and_an_index_per_commune():
    """A hotspot column holds a handful of class names: each is sent once, not once per commune."""
    layer = display_layer(grid())
    ids = [str(f["properties"]["commune_id"]) for f in layer.features]
    fmap = base_map(layer.bounds)
    words = {cid: ("Cụm <99%>" if i % 3 else "Không thuộc cụm") for i, cid in enumerate(ids)}
    obj = add_class_layer(communes_on(fmap), GEOMETRY, layer, {}, {"class": words, "cases": {ids[0]: "{{7*7}}"}},
                          {"class": "Lớp", "cases": "Ca"})
    column = obj.columns["class"]
    assert column["texts"] == ["Không thuộc cụm", "Cụm &lt;99%&gt;"]
    assert [column["texts"][i] for i in column["index"]] == obj.cells["class"] == [
        safe_html(words[cid]) for cid in ids]
    cases = obj.columns["cases"]
    assert [cases["texts"][i] for i in cases["index"]] == ["&#123;&#123;7*7&#125;&#125;"] + [""] * (len(ids) - 1)
    ranks = add_class_layer(communes_on(base_map(layer.bounds)), GEOMETRY, layer, {},
                            {"rank": {cid: str(i + 1) for i, cid in enumerate(ids)}}, {"rank": "Hạng"})
    assert ranks.columns["rank"] == {"texts": [str(i + 1) for i in range(len(ids))]}  # all differ: no index
    html = render(fmap)
    assert html.count("Kh\\u00f4ng thu\\u1ed9c c\\u1ee5m") == 1  # once, however many communes it names
