"""Data text is never code: what the loaders refuse, and how every display escapes what remains."""
from __future__ import annotations

import json
import shutil

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from risk.outputs.classify import classify
from risk.i18n import t
from risk.ingest.upload import check_upload
from risk.ingest.folder import DataError, load_dataset, load_sites_upload
from risk.outputs.mapview import add_choropleth, add_gates, base_map, display_layer, safe_html
from risk.access.settings import DEFAULT_DATA_DIR
from risk.store.versions import Store, StoreError
from risk.contracts.text import unsafe_reason
from ui.widgets import md, tm


@pytest.mark.parametrize(("text", "code"), [
    ("=HYPERLINK(\"x\")", "import.formula_in_text"),
    ("<img src=x onerror=alert(1)>", "import.markup_in_text"),
    ("Cửa ${alert(1)}", "import.script_in_text"),
    ("a`b", "import.script_in_text"),
    ("![b](http://127.0.0.1:9/beacon.png)", "import.link_in_text"),
    ("[click](http://x)", "import.link_in_text"),
    ("Xã Mường Típ", None), ("Phường Thành Vinh (cũ)", None), ("$ 5 {x}", None), ("-12.5", None),
    ("X&1<2>\"'", None),
])
def test_unsafe_reason(text, code):
    assert unsafe_reason(text) == code


def _hostile_folder(tmp_path):
    folder = tmp_path / "ds"
    shutil.copytree(DEFAULT_DATA_DIR, folder)
    gates = folder / "border_gates.csv"
    lines = gates.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    cells = lines[1].split(",")
    cells[header.index("name")] = "G${window.__pwned=1}"
    lines[1] = ",".join(cells)
    gates.write_text("\n".join(lines) + "\n", encoding="utf-8")
    cases = folder / "cases.csv"
    lines = cases.read_text(encoding="utf-8").splitlines()
    lines[2] = "C`1" + lines[2][lines[2].index(","):]
    cases.write_text("\n".join(lines) + "\n", encoding="utf-8")
    indicators = pd.read_csv(folder / "indicators.csv", dtype=str)
    indicators["x${window.__pwned=4}"] = "1"
    indicators.to_csv(folder / "indicators.csv", index=False)
    meta = json.loads((folder / "dataset.json").read_text(encoding="utf-8"))
    meta["name"] = "![b](http://127.0.0.1:9/beacon.png)"
    (folder / "dataset.json").write_text(json.dumps(meta), encoding="utf-8")
    return folder


def test_the_folder_loader_and_the_importer_refuse_script_naming_each_cell(tmp_path):
    folder = _hostile_folder(tmp_path)
    with pytest.raises(DataError) as caught:
        load_dataset(folder)
    found = {(p.file, p.column, p.code) for p in caught.value.problems}
    assert ("border_gates.csv", "name", "import.script_in_text") in found
    assert ("cases.csv", "case_id", "import.script_in_text") in found
    assert ("indicators.csv", "x${window.__pwned=4}", "import.script_in_text") in found
    assert ("dataset.json", "name", "import.link_in_text") in found
    gate = next(p for p in caught.value.problems if p.file == "border_gates.csv")
    assert gate.row == 2  # the spreadsheet row, header = 1
    for lang in ("vi", "en"):
        assert any("border_gates.csv" in m and "G${window.__pwned=1}" in m for m in caught.value.messages(lang))
    dataset, report = check_upload(folder)
    assert dataset is None
    codes = {(p.file, p.code) for p in report.problems}
    assert {("border_gates.csv", "import.script_in_text"), ("cases.csv", "import.script_in_text"),
            ("indicators.csv", "import.script_in_text"), ("dataset.json", "import.link_in_text")} <= codes


def test_uploaded_patrol_sites_are_checked_like_gates():
    with pytest.raises(DataError) as caught:
        load_sites_upload("posts.csv", "name,lon,lat\nĐồn `x`,104.5,19.2\n".encode())
    assert caught.value.problems[0].code == "import.script_in_text" and caught.value.problems[0].row == 2
    with pytest.raises(DataError) as caught:
        load_sites_upload("posts.csv", b"name,lon,lat\n" + b"a,1,1\n" * 200_000)
    assert caught.value.problems[0].code == "io.sites_too_large"
    sites = load_sites_upload("C:\\Users\\x\\posts.csv", "name,lon,lat\nĐồn Biên phòng,104.5,19.2\n".encode())
    assert sites.to_dict("records") == [{"name": "Đồn Biên phòng", "lon": 104.5, "lat": 19.2}]


def test_a_version_label_is_held_to_the_same_rule(tmp_path):
    ds = load_dataset(DEFAULT_DATA_DIR)
    store = Store(tmp_path / "store.gpkg")
    for label in ("v1 ${alert(1)}", "![x](http://127.0.0.1:9/b.png)", "x" * 201):
        with pytest.raises(StoreError) as caught:
            store.add_version(ds, label=label, user="admin")
        assert caught.value.code in ("store.label_unsafe", "store.label_too_long")
        for lang in ("vi", "en"):
            assert caught.value.message(lang)
    assert not store.exists() or store.versions().empty


def test_safe_html_leaves_nothing_a_template_literal_or_html_would_run():
    text = safe_html("a`b${c}d\\e<img>&\"'")
    assert not set("`$<>\"'{}\\") & set(text)
    assert text == "a&#96;b&#36;&#123;c&#125;d&#92;e&lt;img&gt;&amp;&quot;&#x27;"
    assert safe_html(None) == "" and safe_html(float("nan")) == ""


def _hostile_layer():
    squares = [shapely.box(104 + i * 0.1, 19, 104.1 + i * 0.1, 19.1) for i in range(3)]
    ids = ["X&1<2>\"'", "16681", "c`3"]
    names = ["${window.__pwned=1}", "a`b", "\\"]
    frame = gpd.GeoDataFrame({"commune_id": ids, "name": names, "former_district": ["${x}", "", "</script><b>z"]},
                             geometry=squares, crs="EPSG:4326")
    gates = gpd.GeoDataFrame({"name": ["G${window.__pwned=2}"], "kind": ["`"]},
                             geometry=[shapely.Point(104.05, 19.05)], crs="EPSG:4326")
    return frame, gates


def test_every_map_layer_draws_data_text_inert_and_keeps_codes_selectable():
    import folium

    from risk.outputs.geometry_file import OBJECT, topology

    frame, gates = _hostile_layer()
    layer = display_layer(frame)
    values = {"X&1<2>\"'": 1.0, "16681": 2.0, "c`3": 3.0}
    fmap = base_map(layer.bounds)
    group = folium.FeatureGroup(name="layer ${x}").add_to(fmap)
    add_choropleth(group, "/g.topojson", layer, values, classify(list(values.values()), "quantiles", 3, True),
                   {k: f"{v} ${{y}}" for k, v in values.items()},
                   labels={"name": "Tên ${n}", "former_district": "`", "value": "v"})
    add_gates(fmap, gates, "gates `")
    html = fmap.get_root().render()
    for payload in ("${window.__pwned", "a`b", "G${", "</script><b>z", "${x}", "Tên ${n}", "${y}"):
        assert payload not in html
    assert "G&#36;&#123;window.__pwned=2&#125;" in html  # still shown, as text, in the gate tooltip
    # The names go to the browser in the geometry file, escaped the same way.
    published = topology(layer).decode("utf-8")
    for payload in ("${window.__pwned", "a`b", "</script>", "${x}"):
        assert payload not in published
    assert "&#36;&#123;window.__pwned=1&#125;" in published
    # The click handler gets the code itself back (JSON data, never shown), so it matches the table.
    codes = [g["properties"]["commune_id"] for g in json.loads(published)["objects"][OBJECT]["geometries"]]
    assert codes == ["X&1<2>\"'", "16681", "c`3"]


def test_markdown_escaping_keeps_the_text_and_drops_its_power():
    assert md("![b](http://x/b.png)") == "\\!\\[b\\](http\\://x/b.png)"
    assert md("Nghệ An (demo) 3.2 - x") == "Nghệ An (demo) 3.2 - x"
    assert md("*a* _b_ `c` :red[d] $e$ <f> #g |h| ~i~") == \
        "\\*a\\* \\_b\\_ \\`c\\` \\:red\\[d\\] \\$e\\$ \\<f\\> \\#g \\|h\\| \\~i\\~"
    assert tm("map.extra_indicator", "en", key="![x](y)") == t("map.extra_indicator", "en", key="\\!\\[x\\](y)")


def test_one_formula_rule_for_import_and_export():
    """A text the import refuses as a formula is exactly one the export would quote, and back."""
    from risk.contracts.text import FORMULA_PREFIXES, unsafe_reason
    from risk.outputs.export import safe_cell

    for prefix in FORMULA_PREFIXES:
        text = prefix + "SUM(A1)"
        assert unsafe_reason(text) == "import.formula_in_text"
        assert safe_cell(text) == "'" + text
    for data in ("-5", "+3,5%", "Xã Mường Xén", "-"):
        assert unsafe_reason(data) is None
    assert safe_cell("Xã Mường Xén") == "Xã Mường Xén"
