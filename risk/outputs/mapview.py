"""folium map builders that work with no internet.

Leaflet is served by the app itself (static/vendor, Streamlit static serving),
and each map gets its *own* script lists: folium's class-level defaults point
at CDNs, and mutating them would leak between sessions. There is no basemap
unless a tile URL is configured. Every text that came from a data file is
HTML-escaped here, because Leaflet tooltips are set with innerHTML.
"""
from __future__ import annotations

import html
import json
from dataclasses import dataclass
from typing import Any, Mapping

import folium
from branca.element import Element, MacroElement
from folium.template import Template
import geopandas as gpd
import numpy as np
import shapely

from risk.outputs.classify import Classification

DISPLAY_CRS = "EPSG:4326"
CANVAS_THRESHOLD = 2000  # features above which a map should draw on a canvas
COORD_DECIMALS = 5  # about 1 m: plenty for a commune map, and a much smaller page


# Leaflet's tooltips never wrap, so a long Vietnamese label ran past the map's edge and was cut
# (seen at 1366×768); this lets the text wrap within a width, and "auto" opens the tooltip on the
# side of the cursor with more room.
TOOLTIP_STYLE = "white-space: normal !important; width: max-content; max-width: 24em;"
MISSING = "#d9d9d9"  # a commune with no value


def leaflet_assets(static_url: str = "/app/static") -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(js, css) lists for a map: only files served by the app."""
    base = f"{static_url.rstrip('/')}/vendor/leaflet"
    return [("leaflet", f"{base}/leaflet.js")], [("leaflet_css", f"{base}/leaflet.css")]


def topojson_client_url(static_url: str = "/app/static") -> str:
    """The TopoJSON decoder the commune layer loads itself, while the geometry file downloads:
    as one more of the map's scripts it was loaded after Leaflet and before the download began,
    one request after another (about 50 ms of each first map view; issue 17)."""
    return f"{static_url.rstrip('/')}/vendor/topojson-client/topojson-client.min.js"


def plugin_assets(static_url: str, plugin: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Local script and stylesheets for a Leaflet plugin used by a map."""
    base = f"{static_url.rstrip('/')}/vendor"
    if plugin == "markercluster":
        return (
            [("markercluster", f"{base}/leaflet.markercluster/leaflet.markercluster.js")],
            [
                ("markercluster_css", f"{base}/leaflet.markercluster/MarkerCluster.css"),
                ("markercluster_default_css", f"{base}/leaflet.markercluster/MarkerCluster.Default.css"),
            ],
        )
    if plugin == "heat":
        return [("leaflet.heat", f"{base}/leaflet.heat/leaflet-heat.js")], []
    raise ValueError(f"no local copy of Leaflet plugin {plugin!r}")


# Characters that end or run a JavaScript template literal (folium writes Tooltip and Popup text
# inside `...`), written as HTML character references: inert in JavaScript, identical on screen.
_TEMPLATE_LITERAL = str.maketrans({"`": "&#96;", "$": "&#36;", "{": "&#123;", "}": "&#125;", "\\": "&#92;"})


def safe_html(value: Any) -> str:
    """Data text made safe for every place folium puts it: HTML (Leaflet sets tooltips with
    innerHTML), a JavaScript template literal (folium's Tooltip) and a JSON string (GeoJSON
    properties). Every map layer passes data text through here and nowhere else."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return html.escape(str(value), quote=True).translate(_TEMPLATE_LITERAL)


@dataclass(frozen=True)
class DisplayLayer:
    """Commune geometry ready to draw: simplified, rounded, with only the tooltip fields."""

    features: list[dict]
    bounds: tuple[float, float, float, float]  # minx, miny, maxx, maxy
    outline: dict  # GeoJSON geometry of the union


def display_tolerance(bounds: tuple[float, float, float, float]) -> float:
    """Simplification tolerance in degrees: about 1/3000 of the map's extent.

    A province (~1.5°) keeps ~50 m detail; the whole country ~400 m, which is
    below a pixel at the zoom that shows it all.
    """
    minx, miny, maxx, maxy = bounds
    return max(maxx - minx, maxy - miny, 1e-3) / 3000


def display_layer(
    boundaries: gpd.GeoDataFrame, tolerance_deg: float | None = None,
    fields: tuple[str, ...] = ("commune_id", "name", "former_district"),
) -> DisplayLayer:
    """Simplify the commune coverage for drawing, keeping shared edges shared.

    Coverage simplification treats the communes as one mesh, so neighbours
    never split apart or overlap on screen, unlike per-polygon simplify().
    """
    gdf = boundaries.to_crs(DISPLAY_CRS) if boundaries.crs is not None else boundaries
    geoms = np.asarray(gdf.geometry.values, dtype=object)
    if tolerance_deg is None:
        tolerance_deg = display_tolerance(tuple(shapely.total_bounds(geoms)))
    try:
        simple = shapely.coverage_simplify(geoms, tolerance_deg)
    except Exception:  # not a clean coverage (user data): fall back to per-polygon
        simple = shapely.simplify(geoms, tolerance_deg, preserve_topology=True)
    simple = shapely.set_precision(simple, 10 ** -COORD_DECIMALS, mode="pointwise")
    bad = ~shapely.is_valid(simple) | shapely.is_empty(simple)
    simple[bad] = shapely.set_precision(geoms[bad], 10 ** -COORD_DECIMALS, mode="pointwise")
    features = []
    for i, geom in enumerate(simple):
        props = {f: _plain(gdf[f].iloc[i]) for f in fields if f in gdf.columns}
        features.append({"type": "Feature", "geometry": shapely.geometry.mapping(geom), "properties": props})
    outline = _outline(simple)
    outline = shapely.set_precision(shapely.simplify(outline, tolerance_deg), 10 ** -COORD_DECIMALS)
    minx, miny, maxx, maxy = shapely.total_bounds(geoms)
    return DisplayLayer(features, (float(minx), float(miny), float(maxx), float(maxy)), shapely.geometry.mapping(outline))


def _outline(geoms: np.ndarray) -> shapely.Geometry:
    """Union of the communes; the coverage union is fast but needs edges that match."""
    try:
        outline = shapely.coverage_union_all(geoms)
        if outline.is_valid:
            return outline
    except shapely.errors.GEOSException:
        pass
    return shapely.union_all(geoms)


def _plain(value: Any) -> Any:
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return None if np.isnan(value) else float(value)
    return value


def base_map(
    bounds: tuple[float, float, float, float], static_url: str = "/app/static",
    tile_url: str | None = None, tile_attribution: str | None = None, prefer_canvas: bool = False,
    remember_as: str | None = None,
) -> folium.Map:
    """An empty Leaflet map fitted to `bounds`, loading scripts only from the app.

    Use `prefer_canvas` for thousands of polygons: one canvas draws far faster
    than thousands of SVG paths (DESIGN.md, "Map"). With `remember_as` (a page name) the map
    opens where that page's map was last left in the tab (_RememberedView).
    """
    minx, miny, maxx, maxy = bounds
    fmap = folium.Map(
        location=[(miny + maxy) / 2, (minx + maxx) / 2], zoom_start=8, tiles=None,
        prefer_canvas=prefer_canvas, control_scale=False, zoom_control=True,
        # Leaflet's keyboard handler focuses the map on mousedown; focusing inside the iframe makes
        # the page scroll it into view, so the press and the release landed on different communes
        # and a first click on a map partly below the fold opened nothing (real mouse, 1366×768).
        keyboard=False,
    )
    _MetricScale().add_to(fmap)
    _DecoderUrl(topojson_client_url(static_url)).add_to(fmap)
    js, css = leaflet_assets(static_url)
    fmap.default_js = js  # instance attributes: never mutate folium's class lists
    fmap.default_css = css
    if tile_url:
        folium.TileLayer(tiles=tile_url, attr=tile_attribution or tile_url, name="basemap", control=False).add_to(fmap)
    if remember_as:
        _RememberedView(view_key(remember_as, bounds), [[miny, minx], [maxy, maxx]]).add_to(fmap)
    else:
        fmap.fit_bounds([[miny, minx], [maxy, maxx]])
    return fmap


class _MetricScale(MacroElement):
    """A scale bar in kilometres only: folium's also drew miles, which no user here reads."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        L.control.scale({imperial: false}).addTo({{ this._parent.get_name() }});
        {% endmacro %}
    """)

    def __init__(self) -> None:
        super().__init__()
        self._name = "MetricScale"


class _DecoderUrl(MacroElement):
    """Where this map's frame finds the TopoJSON decoder (topojson_client_url): the commune layer,
    sent apart from the map on every rerun, reads it from the frame."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        window.__riskTopojsonClient = {{ this.url|tojson }};
        {% endmacro %}
    """)

    def __init__(self, url: str) -> None:
        super().__init__()
        self._name = "DecoderUrl"
        self.url = url


class _RememberedView(MacroElement):
    """The map's first view: the view this page last had in this browser tab (sessionStorage under
    `storage_key`), else the layer's bounds; every later pan and zoom is stored again.

    Why. A rerun that changes the map's content (another year, a commune opened) re-mounts Leaflet,
    and a map fitted to the province lost the commander's zoom at every click. Both views are set
    without animation: folium's animated fitBounds finished after a restored view and undid it
    (seen at 1500×1000). Only the view is kept, in the user's own tab: no data, nothing sent."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function () {
            var map = {{ this._parent.get_name() }};
            var key = {{ this.storage_key|tojson }};
            var saved = null;
            try { saved = JSON.parse(window.sessionStorage.getItem(key) || "null"); } catch (e) {}
            if (saved && isFinite(saved.lat) && isFinite(saved.lng) && isFinite(saved.zoom)) {
                map.setView([saved.lat, saved.lng], saved.zoom, {animate: false});
            } else {
                map.fitBounds({{ this.bounds|tojson }}, {animate: false});
            }
            map.on("moveend", function () {
                var c = map.getCenter();
                try {
                    window.sessionStorage.setItem(key, JSON.stringify({lat: c.lat, lng: c.lng, zoom: map.getZoom()}));
                } catch (e) {}
            });
        })();
        {% endmacro %}
    """)

    def __init__(self, storage_key: str, bounds: list[list[float]]) -> None:
        super().__init__()
        self._name = "RememberedView"
        self.storage_key = storage_key
        self.bounds = bounds


def view_key(page: str, bounds: tuple[float, float, float, float]) -> str:
    """Where a page's map view is kept in the tab: the page and the layer's extent, so another
    dataset starts from its own extent."""
    return f"risk-map-view:{page}:" + ",".join(f"{v:.4f}" for v in bounds)


def add_choropleth(
    group: folium.FeatureGroup, geometry_url: str, layer: DisplayLayer, values: Mapping[str, float],
    classification: Classification, value_texts: Mapping[str, str], labels: Mapping[str, str],
    selected_id: str | None = None, selected_ids: set[str] | frozenset[str] = frozenset(),
) -> "CommuneLayer":
    """Communes filled by class, with an escaped tooltip: name, former district, value.

    The geometry is the file at `geometry_url` (risk.outputs.geometry_file); only colours and the
    value text go into `group`, which the page hands to st_folium as the part a rerun replaces.
    `classification.classes` is aligned with `layer.features` order.
    `labels` gives the tooltip aliases for keys name, former_district, value.
    """
    highlighted = set(selected_ids) | ({selected_id} if selected_id else set())
    ids = [str(feat["properties"].get("commune_id")) for feat in layer.features]
    styles = []
    for i, cid in enumerate(ids):
        styles.append({
            "fillColor": classification.colour_of(int(classification.classes[i])) if len(classification.classes) else MISSING,
            "color": "#1f1f1f" if cid in highlighted else "#555555",
            "weight": 3 if cid in highlighted else 0.6,
            "fillOpacity": 0.8,
        })
    return CommuneLayer(geometry_url, styles, {"value": _escaped(value_texts, ids)},
                        {k: safe_html(v) for k, v in labels.items()}).add_to(group)


def add_outline(fmap: folium.Map, outline: dict, name: str) -> None:
    folium.GeoJson(
        {"type": "Feature", "geometry": outline, "properties": {}}, name=safe_html(name),
        style_function=lambda _f: {"fill": False, "color": "#252525", "weight": 2.2},
        interactive=False,
    ).add_to(fmap)


def border_geojson(border: gpd.GeoDataFrame | None, tolerance_deg: float | None = None) -> dict | None:
    """The border line as display GeoJSON, or None without one; simplified to `tolerance_deg` (the
    communes' display_tolerance) and rounded like them. Made once per dataset by the caller: at
    national scale the reprojection and JSON round trip took 0.1 s of every map rerun, and the
    full-detail line was most of the map's HTML (issue 17)."""
    if border is None or border.empty:
        return None
    line = border[["geometry"]].to_crs(DISPLAY_CRS)
    if tolerance_deg:
        simple = shapely.simplify(np.asarray(line.geometry.values, dtype=object), tolerance_deg)
        line = line.set_geometry(shapely.set_precision(simple, 10 ** -COORD_DECIMALS, mode="pointwise"))
    return json.loads(line.to_json(drop_id=True))


def add_border(fmap: folium.Map, border: dict | None, name: str) -> None:
    """The international border, dashed; `border` as `border_geojson` made it (None: no border)."""
    if border is None:
        return
    folium.GeoJson(
        border, name=safe_html(name),
        style_function=lambda _f: {"color": "#7a0177", "weight": 3.5, "dashArray": "8 5"},
        interactive=False,
    ).add_to(fmap)


# The kinds of border gate Vietnamese law names (quốc tế, chính, phụ), as the reference list writes them
# in English, and their catalogue keys: a gate's tooltip names its kind in the user's language. A kind
# outside this list is shown as the data file wrote it.
GATE_KIND_KEYS = {"international border gate": "map.gate.international", "main border gate": "map.gate.main",
                  "secondary border gate": "map.gate.secondary"}


def add_gates(fmap: folium.Map, gates: gpd.GeoDataFrame | None, name: str,
              kinds: Mapping[str, str] | None = None) -> None:
    """Border gates with their name and kind; `kinds` maps a GATE_KIND_KEYS kind to its label."""
    if gates is None or gates.empty:
        return
    group = folium.FeatureGroup(name=safe_html(name))
    pts = gates.to_crs(DISPLAY_CRS)
    for _, row in pts.iterrows():
        label = safe_html(row.get("name", ""))
        raw = str(row.get("kind", "") or "") if "kind" in pts.columns else ""
        kind = safe_html((kinds or {}).get(raw.strip().lower(), raw))
        # CircleMarker, not RegularPolygonMarker: the latter pulls leaflet-dvf from a CDN.
        folium.CircleMarker(
            location=[row.geometry.y, row.geometry.x], radius=7,
            color="#ffffff", weight=2, fill=True, fill_color="#4a1486", fill_opacity=1,
            tooltip=f"<b>{label}</b><br>{kind}" if kind else f"<b>{label}</b>",
        ).add_to(group)
    group.add_to(fmap)


def add_context(fmap: folium.Map, layer: DisplayLayer, border: dict | None,
                gates: gpd.GeoDataFrame | None, names: Mapping[str, str],
                gate_kinds: Mapping[str, str] | None = None) -> None:
    """The province outline, the border line and the gates every page draws over its communes.

    `border`: the display GeoJSON `border_geojson` made (None: no border). `names`: layer-control
    names for keys outline, border, gates.
    """
    add_outline(fmap, layer.outline, names["outline"])
    add_border(fmap, border, names["border"])
    add_gates(fmap, gates, names["gates"], gate_kinds)


def add_coverage(fmap: folium.Map, bases, radius_km: float) -> None:
    """Patrol bases (risk.analysis.coverage.Site) with their coverage circles."""
    for base in bases:
        folium.Circle([base.lat, base.lon], radius=radius_km * 1000, color="#08519c", weight=2,
                      fill=True, fill_opacity=0.08, interactive=False).add_to(fmap)
        folium.CircleMarker([base.lat, base.lon], radius=6, color="#ffffff", weight=2, fill=True,
                            fill_color="#08519c", fill_opacity=1, tooltip=safe_html(base.name)).add_to(fmap)


def add_class_layer(
    group: folium.FeatureGroup, geometry_url: str, layer: DisplayLayer, colours: Mapping[str, str],
    texts: Mapping[str, Mapping[str, str]], aliases: Mapping[str, str],
    faded: set[str] | frozenset[str] = frozenset(),
) -> "CommuneLayer":
    """Communes filled with a colour per commune (hotspot classes), with an escaped tooltip.

    `texts[field][commune_id]` are the tooltip cells, `aliases[field]` their labels, in tooltip
    order after name and former district; communes in `faded` are drawn pale (outside a belt).
    """
    ids = [str(feat["properties"].get("commune_id")) for feat in layer.features]
    styles = [{"fillColor": colours.get(cid, MISSING), "color": "#aaaaaa" if cid in faded else "#555555",
               "weight": 0.6, "fillOpacity": 0.3 if cid in faded else 0.85} for cid in ids]
    cells = {f: _escaped(column, ids) for f, column in texts.items()}
    return CommuneLayer(geometry_url, styles, cells, {k: safe_html(v) for k, v in aliases.items()}).add_to(group)


def _escaped(texts: Mapping[str, Any], ids: list[str]) -> list[str]:
    """`texts[commune_id]` for each of `ids`, escaped ("" where missing). Each distinct text is
    escaped once: a column of class names holds a handful (issue 17: 53,000 cells at 10,600)."""
    escaped: dict[Any, str] = {}
    out = []
    for cid in ids:
        text = texts.get(cid, "")
        try:
            out.append(escaped[text])
        except KeyError:
            out.append(escaped.setdefault(text, safe_html(text)))
        except TypeError:  # unhashable: escaped on its own
            out.append(safe_html(text))
    return out


class CommuneLayer(MacroElement):
    """The communes of a map page, drawn from the dataset's published geometry and restyled in place.

    Why. The geometry file (risk.outputs.geometry_file) is fetched once per map frame and decoded
    once; the Leaflet layer built from it is kept in the frame, and each rerun only hands it new
    colours and tooltip cells (a few bytes per commune). st_folium swaps this element's feature
    group without re-mounting the map, so zoom and centre stay and nothing large is resent.

    Styles go as a short palette plus one index per commune, and each tooltip column likewise as its
    distinct texts plus one index per commune (or, when most texts differ, one text per commune), all
    in the order of the layer's features, which is the order of the geometry file. A hotspot column
    holds a handful of class names: sending each commune its own copy made a 10,600-commune rerun
    3 MB of script (tojson writes each Vietnamese letter as six bytes). Every text is already
    escaped (safe_html); the tooltip is built from those cells, never from raw data. Hover thickens
    the outline and restores the commune's own style on leave (resetStyle reads `options.style`).
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function () {
            var group = {{ this._parent.get_name() }};
            var url = {{ this.url|tojson }};
            var view = {palette: {{ this.palette|tojson }}, style: {{ this.style_index|tojson }},
                        cells: {{ this.columns|tojson }}, fields: {{ this.fields|tojson }},
                        aliases: {{ this.aliases|tojson }}};
            var kept = window.__riskCommunes = window.__riskCommunes || {};
            var entry = kept[url];
            if (!entry) {
                entry = kept[url] = {view: view};
                var ownStyle = function (feature) {
                    var v = entry.view, i = v.style[feature.properties._i];
                    return v.palette[i === undefined ? 0 : i];
                };
                entry.layer = L.geoJson(null, {style: ownStyle, onEachFeature: function (feature, shape) {
                    shape.bindTooltip(function (s) {
                        var v = entry.view, p = s.feature.properties, rows = '';
                        var cell = function (alias, text) {
                            return '<tr><th>' + alias + '</th><td>' + (text || '') + '</td></tr>';
                        };
                        rows += cell(v.aliases.name, p.name) + cell(v.aliases.former_district, p.former_district);
                        for (var k = 0; k < v.fields.length; k++) {
                            var column = v.cells[v.fields[k]] || {texts: []};
                            rows += cell(v.aliases[v.fields[k]],
                                         column.texts[column.index ? column.index[p._i] : p._i]);
                        }
                        return '<div style="{{ this.tooltip_style }}"><table>' + rows + '</table></div>';
                    }, {sticky: true, direction: 'auto', className: 'foliumtooltip'});
                    shape.on('mouseover', function (e) { e.target.setStyle({weight: 2.5, color: '#000000'}); });
                    shape.on('mouseout', function (e) { entry.layer.resetStyle(e.target); });
                }});
                // The decoder and the geometry download at the same time (topojson_client_url).
                var decoder = window.topojson ? Promise.resolve() : (window.__riskDecoder = window.__riskDecoder ||
                    new Promise(function (loaded, failed) {
                        var tag = document.createElement('script');
                        tag.src = window.__riskTopojsonClient;
                        tag.onload = loaded;
                        tag.onerror = function () { window.__riskDecoder = null; failed(new Error('decoder')); };
                        document.head.appendChild(tag);
                    }));
                var geometry = fetch(url, {credentials: 'same-origin'})
                    .then(function (r) { if (!r.ok) { throw new Error('geometry ' + r.status); } return r.json(); });
                Promise.all([geometry, decoder])
                    .then(function (both) {
                        var topo = both[0];
                        var communes = topojson.feature(topo, topo.objects[{{ this.object|tojson }}]);
                        communes.features.forEach(function (f, i) { f.properties._i = i; });
                        entry.layer.addData(communes);
                        if (entry.layer._map) { entry.layer.bringToBack(); }
                    })
                    .catch(function (err) { console.error('commune geometry', err); });
            }
            entry.view = view;
            entry.layer.setStyle(entry.layer.options.style);
            entry.layer.eachLayer(function (shape) { if (shape.isTooltipOpen()) { shape.closeTooltip().openTooltip(); } });
            if (entry.group) { entry.group.removeLayer(entry.layer); }
            entry.group = group;
            group.addLayer(entry.layer);
            group.on('add', function () { entry.layer.bringToBack(); });  // under the border, gates and cases
        })();
        {% endmacro %}
    """)

    def __init__(self, url: str, styles: list[Mapping[str, Any]], cells: Mapping[str, list[str]],
                 aliases: Mapping[str, str]) -> None:
        super().__init__()
        self._name = "CommuneLayer"
        self.url = url
        self.object = "communes"
        palette: list[dict] = []
        seen: dict[str, int] = {}
        self.style_index: list[int] = []
        for style in styles:
            key = tuple(sorted(style.items()))
            self.style_index.append(seen.setdefault(key, len(palette)))
            if self.style_index[-1] == len(palette):
                palette.append(dict(style))
        self.palette = palette or [{"fillColor": MISSING, "color": "#555555", "weight": 0.6, "fillOpacity": 0.8}]
        self.columns = {f: _distinct(list(column)) for f, column in cells.items()}
        self.fields = list(cells)
        self.aliases = dict(aliases)
        self.tooltip_style = TOOLTIP_STYLE.replace('"', "")

    @property
    def cells(self) -> dict[str, list[str]]:
        """Each tooltip column as one escaped text per commune, decoded from what is sent (`columns`)."""
        return {f: [column["texts"][i] for i in column["index"]] if "index" in column else list(column["texts"])
                for f, column in self.columns.items()}

    def render(self, **kwargs: Any) -> None:
        """As branca's MacroElement.render, but the rendered script goes into the page as text.
        branca wraps each element's output in a new Element, which compiles it as a jinja template
        only to render it unchanged: for this layer's script, tokenising hundreds of kilobytes on
        every rerun (issue 17). Its texts are escaped by safe_html, braces included, so no template
        syntax could have been in them anyway. The layer's template has a script and nothing else."""
        script = self._template.module.__dict__["script"]
        self.get_root().script.add_child(_Text(script(self, kwargs)), name=self.get_name())
        for child in self._children.values():
            child.render(**kwargs)


class _Text(Element):
    """Text put into a map's page as it is: no template to compile."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def render(self, **kwargs: Any) -> str:
        return self.text


def _distinct(texts: list[str]) -> dict[str, list]:
    """A column as its distinct texts (in order of first use) and each row's index into them; as
    its rows alone when most are distinct (a value or a rank per commune), where an index only adds."""
    seen: dict[str, int] = {}
    index = [seen.setdefault(text, len(seen)) for text in texts]
    if 2 * len(seen) > len(texts):
        return {"texts": list(texts)}
    return {"texts": list(seen), "index": index}


def add_case_points(fmap: folium.Map, points, tooltips: list[str], static_url: str, names: Mapping[str, str]) -> None:
    """Case points (lat, lon) as clusters and an optional heat layer, from the app's own plugin files.

    `tooltips` are already escaped HTML, one per point; `names`: keys clusters, heat.
    """
    from folium.plugins import HeatMap, MarkerCluster

    # No coverage polygon on hover: markercluster draws it in Leaflet's default blue over the
    # communes, which on the hotspot map reads as a cold spot.
    cluster = MarkerCluster(name=safe_html(names["clusters"]), options={"showCoverageOnHover": False})
    cluster.default_js, cluster.default_css = plugin_assets(static_url, "markercluster")
    for (lat, lon), tip in zip(zip(points["lat"], points["lon"]), tooltips):
        # CircleMarker, not Marker: no icon images to fetch, and clusters still gather them.
        folium.CircleMarker([float(lat), float(lon)], radius=5, color="#67000d", weight=1, fill=True,
                            fill_color="#ef3b2c", fill_opacity=0.9, tooltip=tip).add_to(cluster)
    cluster.add_to(fmap)
    heat = HeatMap([[float(lat), float(lon)] for lat, lon in zip(points["lat"], points["lon"])],
                   name=safe_html(names["heat"]), show=False, radius=22, blur=18, min_opacity=0.3)
    heat.default_js, heat.default_css = plugin_assets(static_url, "heat")
    heat.add_to(fmap)


def add_preview(fmap: folium.Map, layer: DisplayLayer, outline_name: str) -> None:
    """Communes of a dataset not yet saved, drawn plainly with their (escaped) names and the outline."""
    folium.GeoJson(
        {"type": "FeatureCollection", "features": [
            {**f, "properties": {k: safe_html(v) for k, v in f["properties"].items()}} for f in layer.features]},
        style_function=lambda _f: {"color": "#2c7fb8", "weight": 1, "fillOpacity": 0.25},
        tooltip=folium.GeoJsonTooltip(fields=["name"], labels=False),
    ).add_to(fmap)
    add_outline(fmap, layer.outline, outline_name)


def map_scripts(fmap: folium.Map) -> list[str]:
    """Every script and stylesheet URL the map (and its children) will load."""
    urls: list[str] = []

    def walk(element: Any) -> None:
        urls.extend(u for _, u in getattr(element, "default_js", []))
        urls.extend(u for _, u in getattr(element, "default_css", []))
        for child in getattr(element, "_children", {}).values():
            walk(child)

    walk(fmap)
    return urls
