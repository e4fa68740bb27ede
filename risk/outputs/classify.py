"""Class breaks for choropleths (mapclassify) and the colours that go with them.

Red always means "more risk": for an indicator where higher values mean less
risk (mobile coverage), the palette is reversed so readers never have to
re-learn the map per indicator.

mapclassify is imported only for natural breaks, not with this module: it pulls in
scipy.stats and sklearn.cluster (seconds on a loaded machine), and the schemes, palettes
and legends are needed by pages and links that classify nothing. Quantiles and equal
intervals are computed here exactly as mapclassify computes them (tested equal).
"""
from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

SCHEMES: tuple[str, ...] = ("quantiles", "natural_breaks", "equal_interval")
# How many classes a map may have: fewer hides differences, more than 7 the eye cannot tell apart.
CLASS_COUNTS: tuple[int, ...] = (3, 4, 5, 6, 7)
DEFAULT_CLASSES = 5
# Catalogue keys of the schemes (risk/i18n), owned here so no caller builds a key from a scheme.
SCHEME_KEYS = {"quantiles": "map.scheme.quantiles", "natural_breaks": "map.scheme.natural_breaks",
               "equal_interval": "map.scheme.equal_interval"}

# ColorBrewer YlOrRd (sequential, colour-blind safe), 3 to 7 classes.
_YLORRD = {
    3: ["#ffeda0", "#feb24c", "#f03b20"],
    4: ["#ffffb2", "#fecc5c", "#fd8d3c", "#e31a1c"],
    5: ["#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"],
    6: ["#ffffb2", "#fed976", "#feb24c", "#fd8d3c", "#f03b20", "#bd0026"],
    7: ["#ffffb2", "#fed976", "#feb24c", "#fd8d3c", "#fc4e2a", "#e31a1c", "#b10026"],
}
# ColorBrewer Blues, for indicators with no risk direction (population, extras).
_BLUES = {
    3: ["#deebf7", "#9ecae1", "#3182bd"],
    4: ["#eff3ff", "#bdd7e7", "#6baed6", "#2171b5"],
    5: ["#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c"],
    6: ["#eff3ff", "#c6dbef", "#9ecae1", "#6baed6", "#3182bd", "#08519c"],
    7: ["#eff3ff", "#c6dbef", "#9ecae1", "#6baed6", "#4292c6", "#2171b5", "#084594"],
}
NO_DATA_COLOUR = "#d9d9d9"
MIN_CLASSES, MAX_CLASSES = 3, 7
# Fisher-Jenks is exact but quadratic; above this many values it runs on a fixed sample.
_JENKS_EXACT_LIMIT = 300


@dataclass(frozen=True)
class Classification:
    """Breaks, colours and the class of every value (-1 where the value is missing)."""

    lower: float
    upper_bounds: tuple[float, ...]
    colours: tuple[str, ...]
    classes: np.ndarray
    counts: tuple[int, ...]

    def colour_of(self, i: int) -> str:
        return NO_DATA_COLOUR if i < 0 else self.colours[i]

    def ranges(self) -> list[tuple[float, float]]:
        lows = (self.lower,) + self.upper_bounds[:-1]
        return list(zip(lows, self.upper_bounds))


def palette(k: int, higher_is_riskier: bool | None) -> list[str]:
    """k colours, light to dark; reversed when a higher value means less risk."""
    k = max(MIN_CLASSES, min(MAX_CLASSES, k))
    if higher_is_riskier is None:
        return list(_BLUES[k])
    colours = list(_YLORRD[k])
    return colours if higher_is_riskier else colours[::-1]


def _quantile_bins(values: np.ndarray, k: int) -> np.ndarray:
    """mapclassify.Quantiles' breaks, computed as it does (scipy's scoreatpercentile, "fraction"),
    without importing it: mapclassify brings scipy.stats and sklearn.cluster, 0.5 s of a restarted
    server's first map (issue 17). tests/outputs/test_classify.py holds them equal to mapclassify's."""
    ordered = np.sort(values)
    last = len(ordered) - 1
    width = 100.0 / k
    percents = np.arange(width, 100 + width, width)
    if percents[-1] > 100.0:
        percents[-1] = 100.0
    scores = []
    for percent in percents:
        idx = percent / 100.0 * last
        i = int(idx)
        if i == idx:
            scores.append(ordered[i])
        else:
            low, high = i + 1 - idx, idx - i
            scores.append((ordered[i] * low + ordered[i + 1] * high) / (low + high))
    return np.unique(np.array(scores, dtype=float))


def _equal_interval_bins(values: np.ndarray, k: int) -> np.ndarray:
    """mapclassify.EqualInterval's breaks, computed as it does (see _quantile_bins)."""
    top, bottom = values.max(), values.min()
    width = (top - bottom) * 1.0 / k
    cuts = np.arange(bottom + width, top + width, width)
    if len(cuts) > k:
        cuts = cuts[0:k]
    cuts[-1] = top
    return cuts.copy()


def _breaks(values: np.ndarray, scheme: str, k: int) -> np.ndarray:
    if scheme == "quantiles":
        return _quantile_bins(values, k)
    if scheme == "equal_interval":
        return _equal_interval_bins(values, k)
    if scheme == "natural_breaks":
        import mapclassify  # here, not at the top: see the module docstring

        sample = values
        if len(values) > _JENKS_EXACT_LIMIT:
            sample = np.random.default_rng(0).choice(values, size=_JENKS_EXACT_LIMIT, replace=False)
        with warnings.catch_warnings():  # "Numba not installed": numba is kept out on purpose
            warnings.simplefilter("ignore", UserWarning)
            bins = mapclassify.FisherJenks(sample, k=k).bins
        bins[-1] = values.max()
        return bins
    raise ValueError(f"unknown classification scheme {scheme!r}; use one of {SCHEMES}")


def classify(
    values: pd.Series | np.ndarray, scheme: str = "quantiles", k: int = DEFAULT_CLASSES,
    higher_is_riskier: bool | None = True,
) -> Classification:
    """Classify `values` (NaN allowed) into at most k classes with a mapclassify scheme."""
    arr = np.asarray(values, dtype=float)
    present = ~np.isnan(arr)
    classes = np.full(arr.shape, -1, dtype=int)
    if not present.any():
        return Classification(math.nan, (), (), classes, ())
    data = arr[present]
    distinct = np.unique(data)
    k = max(1, min(k, MAX_CLASSES, len(distinct)))
    if len(distinct) <= k:
        bins = distinct
    else:
        bins = np.unique(_breaks(data, scheme, k))
    classes[present] = np.searchsorted(bins, data, side="left")
    colours = palette(len(bins), higher_is_riskier)
    if len(bins) < MIN_CLASSES:  # pick light-to-dark colours spread over the 3-class palette
        colours = [colours[-1]] if len(bins) == 1 else [colours[0], colours[-1]]
    counts = tuple(int((classes == i).sum()) for i in range(len(bins)))
    return Classification(float(data.min()), tuple(float(b) for b in bins), tuple(colours), classes, counts)
