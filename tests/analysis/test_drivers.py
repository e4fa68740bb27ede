"""The reasons behind a commune's place (risk/analysis/drivers.py): the largest contributions, none for nothing."""
from __future__ import annotations

import numpy as np

from risk.analysis.drivers import TOP, Driver, top_drivers


def test_the_largest_contributions_by_size_whatever_their_sign() -> None:
    rows = top_drivers(np.array([[0.1, -0.5, 0.3, 0.2]]), ["a", "b", "c", "d"])
    assert rows == [(Driver("b", -0.5), Driver("c", 0.3), Driver("d", 0.2))]
    assert len(rows[0]) == TOP


def test_equal_contributions_keep_the_feature_order_and_left_out_features_are_never_chosen() -> None:
    rows = top_drivers(np.array([[0.2, 0.2, 0.9]]), ["a", "b", "cases"], top=2, leave_out=frozenset({"cases"}))
    assert rows == [(Driver("a", 0.2), Driver("b", 0.2))]


def test_zero_or_missing_is_no_reason() -> None:
    """A commune at the average on an indicator is not pushed by it: a '▼ poverty' there would be false."""
    rows = top_drivers(np.array([[0.0, np.nan, -0.1], [0.0, 0.0, 0.0]]), ["a", "b", "c"])
    assert rows == [(Driver("c", -0.1),), ()]
