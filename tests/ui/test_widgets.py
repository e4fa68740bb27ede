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


def _sent_table(lang: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """What st.dataframe sends for a localized table: the values and the text drawn over them."""
    import pyarrow as pa
    from streamlit.testing.v1 import AppTest

    def script(lang: str) -> None:
        import pandas as pd
        import streamlit as st

        from ui import widgets

        frame = pd.DataFrame({"score": [83.456, 7.0, float("nan")], "pop": [63593.9, 1200.0, 5.0],
                              "name": ["a", "b", "c"]})
        st.dataframe(widgets.localized(frame, lang, {"score": 1, "pop": 0, "absent": 2}))

    at = AppTest.from_function(script, args=(lang,)).run()
    assert not at.exception, at.exception
    proto = at.dataframe[0].proto.arrow_data

    def read(data: bytes) -> pd.DataFrame:
        return pa.ipc.open_stream(data).read_all().to_pandas()

    return read(proto.data), read(proto.styler.display_values)


def test_tables_show_numbers_in_the_language_and_keep_them_numbers():
    values, shown = _sent_table("vi")
    assert shown["score"].tolist() == ["83,5", "7,0", "–"] and shown["pop"].tolist() == ["63.594", "1.200", "5"]
    assert shown["name"].tolist() == ["a", "b", "c"]
    assert values["score"].dtype.kind == "f" and values["pop"].dtype.kind == "f"  # sorting still sorts numbers
    _, english = _sent_table("en")
    assert english["score"].tolist() == ["83.5", "7.0", "–"] and english["pop"].tolist() == ["63,594", "1,200", "5"]


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
