"""Shared by the tests of kept analyses (store, views, ui, CLI)."""
from __future__ import annotations

from risk.analysis import features, geography, hotspots, model


def engine_refuses(monkeypatch, why: str = "computed again") -> None:
    """Every engine function behind the kept analyses raises: what still arrives was read back."""
    def refuse(*args, **kwargs):
        raise AssertionError(why)

    for module, name in ((model, "score"), (model, "backtest"), (hotspots, "hotspot_analysis"),
                         (geography, "commune_distances_km"), (features, "feature_table")):
        monkeypatch.setattr(module, name, refuse)
