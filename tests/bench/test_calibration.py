"""The calibration bench compares both probabilities with the outcome and with the generator's true risk."""
import math

from bench.calibration import measure


def test_one_seed_gives_every_figure_for_both_probabilities():
    row = measure(3)
    for kind in ("plain", "recalibrated"):
        assert 0 < row[f"brier_{kind}"] < 0.25 and 0 <= row[f"truth_mse_{kind}"] < 0.05
        assert 0 <= row[f"level_gap_{kind}"] < 0.2
    assert row["verdict"] in ("helps", "hurts", "unclear")
    assert row["brier_change"] == __import__("pytest").approx(row["brier_recalibrated"] - row["brier_plain"], abs=1e-9)
    assert math.isfinite(row["brier_change_low"]) and row["brier_change_low"] <= row["brier_change_high"]
