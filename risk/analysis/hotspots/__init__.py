"""Hotspots of recorded cases: where cases cluster beyond what population explains, and how that changes.

One module per job: inputs (counts, population, expected counts), cube (the
space-time cube of observed and expected counts), scan (the cluster test),
smoothing (empirical-Bayes relative risk per commune), gi (the descriptive
Getis-Ord layer), trends (space-time categories), analysis (the whole run the
page and the CLI share); vocabulary holds the names of options and results.

The names below load on first use (PEP 562), not with the package: importing
`risk.analysis.hotspots.vocabulary` (the command line's parser, the links in the URL)
must not load esda, libpysal and scipy.stats, which the computing modules need.
"""
from __future__ import annotations

import importlib
from typing import Any

# Each name the package offers, and the module that defines it.
_SOURCES: dict[str, str] = {
    **dict.fromkeys((
        "CLASS_COLOURS", "CLASSES", "DEFAULT_REPLICATES", "DEFAULT_SEED", "SLICES", "WEIGHTS", "GATED", "TRENDS",
    ), "vocabulary"),
    **dict.fromkeys((
        "HotspotError", "HotspotOptions", "HotspotResult", "build_weights", "case_matrix", "class_rank",
        "hot_commune_table", "hotspot_analysis",
    ), "analysis"),
    **dict.fromkeys(("SpaceTimeCube", "space_time_cube"), "cube"),
    **dict.fromkeys(("classify_gi", "gi_star", "permutation_p_values"), "gi"),
    "population_matrix": "inputs",
    **dict.fromkeys((
        "MIN_TREND_YEARS", "MannKendall", "TrendResult", "emerging_categories", "emerging_category",
        "emerging_hotspots", "mann_kendall", "mann_kendall_rows", "min_trend_slices", "yearly_emerging_hotspots",
    ), "trends"),
}

__all__ = list(_SOURCES)


def __getattr__(name: str) -> Any:
    module = _SOURCES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # the next access is a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
