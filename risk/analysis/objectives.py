"""What the two integer programs can maximise: programme allocation (risk/analysis/allocate.py)
and patrol coverage (risk/analysis/coverage.py).

Here, in a module that imports nothing, so that the command line's parser can offer the
choices without loading scipy.optimize and pandas.
"""
from __future__ import annotations

OBJECTIVES: tuple[str, ...] = ("expected_cases", "score_x_population", "score")
# Patrol coverage may also weigh where cases were recorded (a `recorded_cases` column): who may use
# exact counts so is risk.access.privacy's call (can_weigh_by_recorded_cases).
COVER_OBJECTIVES: tuple[str, ...] = (*OBJECTIVES, "recorded_cases")
