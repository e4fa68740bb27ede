"""The case chart's Vega-Lite spec: whole-number ticks from 0, every year present, hidden years grey."""
from __future__ import annotations

import pandas as pd

from risk.views.risk_map import case_chart
from ui.panel import case_chart as draw


def test_the_chart_spec_keeps_every_year_and_an_integer_axis():
    counts = pd.DataFrame({"year": [2023, 2024, 2025], "cases": [0, None, 0], "shown": ["0", "<3", "0"]})
    spec = draw(case_chart(counts, 3, "en"), "Year", "Cases").to_dict()
    bars = spec["layer"][0]["encoding"]
    assert bars["y"]["axis"]["format"] == "d" and bars["y"]["scale"]["domain"][0] == 0
    assert bars["y"]["scale"]["domain"][1] >= 1
    assert bars["color"]["scale"]["range"] == ["#bd0026", "#bdbdbd"]
    data = next(iter(spec["datasets"].values()))
    assert [row["label"] for row in data] == ["0", "<3", "0"]
