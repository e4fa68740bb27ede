"""The commune panel under the Risk map: drawn from risk.views.risk_map.CommunePanel."""
from __future__ import annotations

from typing import TYPE_CHECKING

import streamlit as st

from risk.i18n import format_number, format_percent, t
from risk.views.risk_map import CommunePanel
from risk.views.vintage import panel_lines
from ui import widgets

if TYPE_CHECKING:  # altair loads when a panel draws its chart, not with the Risk map page (0.3 s idle)
    import altair as alt


def draw(panel: CommunePanel, year: int, small_cell_k: int, lang: str) -> None:
    """Score, rank interval, drivers, indicators and the case trend of one commune."""
    st.subheader(f"{t('map.selected', lang)}: {widgets.md(panel.name)}")
    if panel.former_district:
        st.caption(f"{t('col.former_district', lang)}: {widgets.md(panel.former_district)}")
    s = panel.score
    if s is not None:
        m1, m2, m3 = st.columns([1, 1, 2])
        m1.metric(t("panel.score", lang, next_year=year + 1), format_percent(s.score, lang, 0))
        m2.metric(t("panel.rank", lang), t("panel.rank_value", lang, rank=s.rank, n=s.n))
        m2.caption(t("panel.rank_interval", lang, low=s.rank_low, high=s.rank_high))
        with m3:
            st.markdown(f"**{t('panel.drivers', lang)}**")
            for d in s.drivers:
                up = d.contribution > 0
                effect = t("panel.driver_up" if up else "panel.driver_down", lang)
                st.write(f"{'▲' if up else '▼'} {widgets.md(d.label)}: {effect} "
                         f"({format_number(d.contribution, 2, lang, sign=True)})")
            if s.drivers_hidden:
                st.caption(t("panel.drivers_cases_hidden", lang))
    c = panel.composite
    if c is not None:
        st.caption(t("panel.composite_range", lang, index=format_number(c.index, 1, lang), rank=c.rank,
                     low=c.min_rank, high=c.max_rank))
    # Full width, latest year first: at 1366 px the latest years are in view without scrolling.
    st.markdown(f"**{t('panel.indicators', lang)}**")
    st.dataframe(panel.indicators, width="stretch")
    for line in panel_lines(panel.vintage, lang):
        st.caption(widgets.md(line))
    st.markdown(f"**{t('panel.cases', lang)}**")
    left, right = st.columns([3, 1])
    y_name, x_name = t("panel.count", lang), t("panel.year", lang)
    with left:
        if panel.chart is not None:
            st.altair_chart(widgets.chart(case_chart(panel.chart, x_name, y_name), lang), width="stretch")
    with right:
        st.dataframe(panel.counts[["year", "shown"]].rename(columns={"year": x_name, "shown": y_name}),
                     hide_index=True, width="stretch")
    if panel.suppressed:
        st.caption(t("panel.cases_suppressed", lang, k=small_cell_k))


def case_chart(chart, x_name: str, y_name: str) -> alt.LayerChart:
    """Bars from `low` to `high` per year (a hidden year is a grey band over the range its count lies
    in), each labelled with the count as shown ("0", "<3", "12"); whole-number ticks from 0."""
    import altair as alt

    recorded, hidden = chart.kinds
    base = alt.Chart(chart.rows).encode(x=alt.X("year:O", title=x_name, axis=alt.Axis(labelAngle=0)))
    bars = base.mark_bar(size=22).encode(
        y=alt.Y("low:Q", title=y_name, scale=alt.Scale(domain=[0, chart.y_max], nice=False),
                axis=alt.Axis(format="d", tickMinStep=1)),
        y2="high:Q",
        color=alt.Color("kind:N", title=None, scale=alt.Scale(domain=[recorded, hidden], range=["#bd0026", "#bdbdbd"]),
                        legend=alt.Legend(orient="bottom", labelLimit=0)),
        tooltip=[alt.Tooltip("year:O", title=x_name), alt.Tooltip("label:N", title=y_name)],
    )
    labels = base.mark_text(dy=-7, fontSize=12).encode(y="high:Q", text="label:N")
    return (bars + labels).properties(height=240)
