"""Hotspots of recorded cases: where cases cluster beyond what population explains, and how that changes.

One module per job: inputs (counts, population, expected counts), cube (the
space-time cube of observed and expected counts), scan (the cluster test),
smoothing (empirical-Bayes relative risk per commune), gi (the descriptive
Getis-Ord layer), trends (space-time categories), analysis (the whole run the
page and the CLI share).
"""
from risk.analysis.hotspots.analysis import *  # noqa: F401,F403
from risk.analysis.hotspots.analysis import __all__ as _analysis_all
from risk.analysis.hotspots.cube import SLICES, SpaceTimeCube, space_time_cube
from risk.analysis.hotspots.gi import classify_gi, gi_star, permutation_p_values
from risk.analysis.hotspots.inputs import population_matrix
from risk.analysis.hotspots.trends import (
    GATED, MIN_TREND_YEARS, TRENDS, MannKendall, TrendResult, emerging_categories, emerging_category,
    emerging_hotspots, mann_kendall, mann_kendall_rows, min_trend_slices, yearly_emerging_hotspots,
)

__all__ = [*_analysis_all, "classify_gi", "gi_star", "permutation_p_values", "population_matrix",
           "SLICES", "SpaceTimeCube", "space_time_cube",
           "GATED", "MIN_TREND_YEARS", "TRENDS", "MannKendall", "TrendResult", "emerging_categories",
           "emerging_category", "emerging_hotspots", "mann_kendall", "mann_kendall_rows", "min_trend_slices",
           "yearly_emerging_hotspots"]
