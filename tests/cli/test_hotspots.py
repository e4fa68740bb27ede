"""`python -m risk hotspots`: the page's defaults, the page's map, and every note in --json."""
from __future__ import annotations

import json

from risk.access.privacy import Role
from risk.access.settings import DEFAULT_DATA_DIR
from risk.analysis.geography import commune_distances_km
from risk.analysis.hotspots import CLASSES, TRENDS, HotspotOptions, hotspot_analysis
from risk.analysis.hotspots.trends import GATED
from risk.ingest.folder import load_dataset
from risk.views.hotspots import hotspot_view


def test_cli_json_carries_communes_clusters_and_notes(capsys):
    from risk.cli.main import main

    code = main(["hotspots", "--data", str(DEFAULT_DATA_DIR), "--from", "2019", "--to", "2025", "--json"])
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert len(out["communes"]) == 130
    assert {r["class"] for r in out["communes"]} <= set(CLASSES)
    assert {r["trend"] for r in out["communes"]} <= set(TRENDS) | set(GATED)
    assert out["clusters"] and all(c["level"] in ("95", "99") for c in out["clusters"])
    assert out["notes"] and out["notes"][-1].startswith("Phương pháp")  # the method, in the default language
    assert out["reason"] is None


def test_cli_default_draws_the_same_map_as_the_page(capsys):
    """The page builds HotspotOptions(year_from, year_to, ...) with the same defaults as the CLI."""
    from risk.cli.main import main

    main(["hotspots", "--data", str(DEFAULT_DATA_DIR), "--from", "2019", "--to", "2025", "--json"])
    cli = {r["commune_id"]: r["class"] for r in json.loads(capsys.readouterr().out)["communes"]}
    ds = load_dataset(DEFAULT_DATA_DIR)
    options = HotspotOptions(2019, 2025, weights="contiguity", slice=HotspotOptions(2019, 2025).time_step)
    result = hotspot_analysis(ds.boundaries, ds.cases, ds.indicators, options)
    ids = ds.boundaries["commune_id"].astype(str).tolist()
    dist = commune_distances_km(ds.boundaries, ds.border, ds.gates)
    view = hotspot_view(ds, result, options, ids, dist, Role.COMMANDER, 3, "en")
    from risk.analysis.hotspots import CLASS_COLOURS
    assert {cid: CLASS_COLOURS[cls] for cid, cls in cli.items()} == view.colours


def test_cli_floor_is_said_in_json_and_on_stderr(capsys):
    from risk.cli.main import main

    code = main(["hotspots", "--data", str(DEFAULT_DATA_DIR), "--from", "2019", "--to", "2025", "--json",
                 "--replicates", "9", "--lang", "en"])
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert out["reason"] == "floor" and out["clusters"] == []
    assert any("no cluster can reach 95%" in n for n in out["notes"])
    code = main(["hotspots", "--data", str(DEFAULT_DATA_DIR), "--from", "2019", "--to", "2025", "--lang", "en",
                 "--replicates", "9"])
    assert code == 0
    captured = capsys.readouterr()
    assert "no cluster can reach 95%" in captured.err
    assert "Commune code" in captured.out and len(captured.out.splitlines()) == 131


def test_cli_distance_band_form_slice_and_errors(capsys):
    from risk.cli.main import main

    code = main(["hotspots", "--data", str(DEFAULT_DATA_DIR), "--from", "2023", "--to", "2025", "--weights",
                 "distance", "--band-km", "25", "--form", "forced_marriage", "--slice", "month", "--json"])
    assert code == 0
    assert len(json.loads(capsys.readouterr().out)["communes"]) == 130
    code = main(["hotspots", "--data", str(DEFAULT_DATA_DIR), "--from", "2025", "--to", "2019", "--lang", "en"])
    assert code == 2
    assert "period is invalid" in capsys.readouterr().err
