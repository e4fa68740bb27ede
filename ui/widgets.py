"""Small widgets drawn the same way on every page."""
from __future__ import annotations

import html

import streamlit as st

from risk.classify import NO_DATA_COLOUR, Classification
from risk.i18n import t
from risk.io import Dataset


def demo_notice(ds: Dataset, lang: str) -> None:
    """The generated-data warning; shown on every page that shows demo data."""
    if ds.generated:
        st.warning(t("app.demo_notice", lang), icon="⚠️")


def format_value(value: float, unit: str = "") -> str:
    """Numbers as users read them: thousands separated, rates with one decimal."""
    if value is None or value != value:  # NaN
        return "–"
    if unit == "%":
        return f"{value:,.1f} %"
    if abs(value) >= 100 or float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:,.2f}"


def legend(title: str, classification: Classification, unit: str, lang: str, missing: int) -> None:
    """Choropleth legend drawn in Streamlit: a branca legend would pull d3 from a CDN."""
    rows = []
    for (low, high), colour, count in zip(classification.ranges(), classification.colours, classification.counts):
        label = f"{format_value(low, unit)} – {format_value(high, unit)}"
        rows.append((colour, label, count))
    if missing:
        rows.append((NO_DATA_COLOUR, t("map.no_data", lang), missing))
    items = "".join(
        f'<div style="display:flex;align-items:center;gap:.5em;margin:2px 0">'
        f'<span style="display:inline-block;width:1.6em;height:1em;background:{colour};border:1px solid #777"></span>'
        f'<span>{html.escape(label)}</span><span style="color:#666">({count})</span></div>'
        for colour, label, count in rows
    )
    st.markdown(
        f'<div class="risk-legend"><b>{html.escape(title)}</b>{items}</div>',
        unsafe_allow_html=True,
    )
