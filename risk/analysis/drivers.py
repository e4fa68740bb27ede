"""The reasons behind a commune's place in a list: the few indicators that move it most.

One owner for the model's drivers (contributions to the log-odds) and the composite
index's (contributions to the index, relative to the average commune), so the
priority list and its exports read both the same way.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Driver", "TOP", "top_drivers"]

TOP = 3
"""How many reasons a commune shows: enough to explain, few enough to read in a table cell."""


@dataclass(frozen=True)
class Driver:
    """One reason behind a commune's place: a feature and its signed contribution (positive raises the risk)."""

    feature: str
    contribution: float


def top_drivers(contrib: np.ndarray, features: list[str], top: int = TOP,
                leave_out: frozenset[str] = frozenset()) -> list[tuple[Driver, ...]]:
    """Per row of `contrib` (rows, features), the `top` features with the largest absolute
    contribution (ties by feature order), chosen among features not in `leave_out`. A zero or
    missing contribution is no reason, so a commune at the average on everything shows none."""
    out = []
    pool = [j for j, f in enumerate(features) if f not in leave_out]
    for row in np.asarray(contrib, dtype=float):
        order = sorted((j for j in pool if np.isfinite(row[j]) and row[j] != 0), key=lambda j: (-abs(row[j]), j))
        out.append(tuple(Driver(features[j], float(row[j])) for j in order[:top]))
    return out
