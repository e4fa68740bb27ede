"""risk/views/hotspots.py: what the Hotspots page draws for each commune, read from the analysis's
table, including a commune the analysis has no row for, and the case points' tooltips."""
from __future__ import annotations

from dataclasses import replace

import pytest

from risk.access.privacy import Role
from risk.access.settings import DEFAULT_DATA_DIR
from risk.analysis.geography import commune_distances_km
from risk.analysis.hotspots import CLASS_COLOURS, HotspotOptions, hotspot_analysis
from risk.i18n import t
from risk.ingest.folder import load_dataset
from risk.views import hotspots as view


@pytest.fixture(scope="module")
def analysed():
    ds = load_dataset(DEFAULT_DATA_DIR)
    options = HotspotOptions(2019, 2025, replicates=99)
    result = hotspot_analysis(ds.boundaries, ds.cases, ds.indicators, options)
    missing = str(result.table["commune_id"].iloc[0])  # as if the analysis had left this commune out
    result = replace(result, table=result.table.iloc[1:].reset_index(drop=True))
    ids = ds.boundaries["commune_id"].astype(str).tolist()
    return ds, options, result, ids, commune_distances_km(ds.boundaries, ds.border, ds.gates), missing


@pytest.mark.parametrize("layer", view.LAYERS)
def test_every_commune_gets_its_own_class_colour_and_words(analysed, layer) -> None:
    ds, options, result, ids, distances, missing = analysed
    hv = view.hotspot_view(ds, result, options, ids, distances, Role.COMMANDER, 3, "en", layer=layer)
    rows = result.table.set_index(result.table["commune_id"].astype(str))
    assert set(hv.colours) == set(ids) and all(set(field) == set(ids) for field in hv.tooltips.values())
    for cid in ids[:40]:
        row = rows.loc[cid] if cid in rows.index else None
        expected = {
            "clusters": CLASS_COLOURS[row["class"] if row is not None else "not_analysed"],
            "exceedance": view.BAND_COLOURS[row["band"] if row is not None and row["analysed"] else "unlikely"],
            "gi": view.GI_COLOURS[row["gi_class"] if row is not None else "not_significant"],
        }[layer]
        assert hv.colours[cid] == expected, cid
        assert hv.tooltips["class"][cid] == t(view.CLASS_KEYS[row["class"] if row is not None else "not_analysed"], "en")
        assert hv.tooltips["trend"][cid] == t(view.TREND_KEYS[row["trend"] if row is not None else "too_few_cases"],
                                               "en")
        shown = (view.observed_expected_text(row["observed"], row["expected"], "en")
                 if row is not None and row["analysed"] else "–")
        assert hv.tooltips["observed_expected"][cid] == shown
    assert hv.tooltips["observed_expected"][missing] == "–"
    assert sum(count for _, _, count, _ in hv.legend if count is not None) == len(ids)


def test_case_point_tooltips_name_each_case_in_the_language_and_escape_it(analysed) -> None:
    ds, options, result, ids, distances, _ = analysed
    cases = ds.cases.copy()
    cases.loc[cases.index[0], "case_id"] = "<img src=x onerror=alert(1)>"
    hostile = replace(ds, cases=cases)
    hv = view.hotspot_view(hostile, result, options, ids, distances, Role.COMMANDER, 3, "vi")
    assert hv.points is not None and len(hv.point_tips) == len(hv.points) > 0
    first = hv.points.iloc[0]
    tip = hv.point_tips[0]
    assert t("hotspots.popup.case", "vi") in tip and first["date"].date().isoformat() in tip
    assert f"{t('hotspots.popup.victims', 'vi')}: {int(first['victims'])}" in tip
    assert "<img" not in "".join(hv.point_tips)  # the hostile id is text, not markup
    assert any("&lt;img" in tip for tip in hv.point_tips)


def test_a_border_belt_fades_the_communes_beyond_it(analysed) -> None:
    ds, options, result, ids, distances, _ = analysed
    hv = view.hotspot_view(ds, result, options, ids, distances, Role.COMMANDER, 3, "en", belt_km=20)
    near = set(distances.loc[distances["dist_border_km"] <= 20, "commune_id"].astype(str))
    assert hv.in_belt == frozenset(near) and hv.faded == frozenset(ids) - near
    assert set(hv.points["commune_id"].astype(str)) <= near
