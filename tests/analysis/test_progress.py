"""Progress: the fraction a progress bar draws stays within [0, 1]."""
from __future__ import annotations

from risk.analysis.progress import Progress


def test_fraction_is_done_over_total_within_bounds():
    assert Progress("null_maps", 250, 1000).fraction == 0.25
    assert Progress("null_maps", 1200, 1000).fraction == 1.0
    assert Progress("finishing", 0, 0).fraction == 1.0  # nothing to do is done
