"""The hotspot analysis's names: its option choices and defaults, and the labels of its results.

They live here, in a module that imports nothing, so that the command line's parser, the
links in the URL (ui/links.py) and the views can offer and label them without loading the
statistics (esda, libpysal, scipy.stats: seconds on a loaded machine). The modules that
compute use these same objects: scan (replicates and seed), cube (slices), analysis
(weights and the map's classes), gi (Gi* classes), smoothing (exceedance bands) and trends
(patterns and gates).
"""
from __future__ import annotations

# Options.
WEIGHTS: tuple[str, ...] = ("contiguity", "distance")
SLICES: tuple[str, ...] = ("year", "quarter", "month")
DEFAULT_REPLICATES = 999
DEFAULT_SEED = 20250701

# The scan's map classes. Red for clusters, light grey for the rest: nothing on this map is
# blue, so nothing reads as a cold spot.
CLASSES: tuple[str, ...] = ("cluster_99", "cluster_95", "not_in_cluster", "not_analysed")
CLASS_COLOURS: dict[str, str] = {
    "cluster_99": "#b2182b", "cluster_95": "#ef8a62", "not_in_cluster": "#eeeeee", "not_analysed": "#ffffff",
}
NOT_IN_CLUSTER = "not_in_cluster"

# Gi* classes, hottest first.
GI_CLASSES: tuple[str, ...] = ("hot_99", "hot_95", "hot_90", "not_significant", "cold_90", "cold_95", "cold_99")
NOT_SIGNIFICANT = "not_significant"

# Exceedance probability bands, highest first: (name, lower bound).
EXCEEDANCE_BANDS: tuple[tuple[str, float], ...] = (
    ("very_likely", 0.95), ("likely", 0.80), ("possible", 0.50), ("unlikely", 0.0),
)

# Space-time trend categories.
PATTERNS: tuple[str, ...] = (
    "new", "consecutive", "intensifying", "persistent", "diminishing", "sporadic", "oscillating", "historical",
)
TRENDS: tuple[str, ...] = (
    *(f"{p}_hot" for p in PATTERNS), *(f"{p}_cold" for p in PATTERNS), "no_pattern",
)
NO_PATTERN = "no_pattern"
TOO_FEW_CASES = "too_few_cases"
TOO_FEW_SLICES = "too_few_slices"
GATED: tuple[str, ...] = (TOO_FEW_CASES, TOO_FEW_SLICES)  # not patterns: the gate's labels
