"""Shared widgets that make Streamlit write the user's language: CSS texts, tables, charts, choices."""
from __future__ import annotations

import altair as alt
import pandas as pd

from risk.views.priorities import nearest_step, threshold_steps
from ui import widgets


def test_css_text_escapes_everything_but_letters_digits_and_spaces():
    text = widgets._css_text('Tải lên"; } body { display:none')
    assert text.startswith('"') and text.endswith('"') and text.count('"') == 2
    assert "}" not in text and ";" not in text and "Tải lên" in text


def test_tables_show_numbers_in_the_language_and_keep_them_numbers():
    frame = pd.DataFrame({"score": [83.456, 7.0], "pop": [63593.9, 1200.0], "name": ["a", "b"]})
    styled = widgets.localized(frame, "vi", {"score": 1, "pop": 0})
    html = styled.to_html()
    assert "83,5" in html and "63.594" in html and "1.200" in html
    assert styled.data["score"].dtype.kind == "f"  # sorting still sorts numbers


def test_charts_get_the_languages_number_locale():
    chart = alt.Chart(pd.DataFrame({"x": [0.25]})).mark_point().encode(x="x:Q")
    assert widgets.chart(chart, "vi").to_dict()["config"]["locale"]["number"]["decimal"] == ","
    assert widgets.chart(chart, "en").to_dict()["config"]["locale"]["number"]["decimal"] == "."


def test_threshold_choices_are_observed_values_and_keep_a_linked_one():
    values = pd.Series([12.34, 20.06, 35.0, None])
    assert threshold_steps(values) == [12.3, 20.1, 35.0]
    assert threshold_steps(values, keep=20.0) == [12.3, 20.0, 20.1, 35.0]
    assert threshold_steps(pd.Series([], dtype=float)) == [0.0]
    many = pd.Series([i / 7 for i in range(1000)])
    assert len(threshold_steps(many)) <= 101 and threshold_steps(many)[0] == 0.0
    assert nearest_step([12.3, 20.1, 35.0], 19.0) == 20.1 and nearest_step([1.0], None) == 1.0
