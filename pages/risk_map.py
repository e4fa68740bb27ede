"""Risk map: a choropleth of the model's risk score or any indicator for any year,
with the border and gates; clicking a commune opens its panel."""
from __future__ import annotations

from dataclasses import replace

import altair as alt
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from risk.outputs.classify import SCHEME_KEYS, SCHEMES, classify
from risk.analysis.features import ModelError, feature_label
from risk.i18n import t
from risk.contracts.indicators import Indicator, indicator_for
from risk.outputs.mapview import CANVAS_THRESHOLD, add_border, add_choropleth, add_gates, add_outline, base_map
from risk.access.privacy import case_counts_by_year, drivers_column
from ui import analysis, state, widgets
from ui import session as slots

SCORE = "__score__"
COMPOSITE = "__composite__"

state.require_page("risk_map")
lang = state.lang()
ds = state.dataset()
layer = state.display(ds)
conf = state.settings()

st.title(t("page.risk_map", lang))

keys = ds.indicator_keys
years = ds.years
if not keys or not years:
    st.info(t("map.no_data", lang))
    st.stop()

config = analysis.model_config()
options = ([SCORE] if len(ds.cases) else []) + [COMPOSITE] + keys
score_indicator = Indicator(SCORE, t("map.score", "vi"), t("map.score", "en"), "%", True, "", "", in_registry=True)
composite_indicator = Indicator(COMPOSITE, t("map.composite", "vi"), t("map.composite", "en"), "", True, "", "",
                                is_rate=False, in_registry=True)


def describe(key: str) -> Indicator:
    return {SCORE: score_indicator, COMPOSITE: composite_indicator}.get(key) or indicator_for(key)


c1, c2, c3, c4 = st.columns([3, 1, 2, 1])
key = c1.selectbox(t("map.indicator", lang), options, key="map_indicator",
                   format_func=lambda k: describe(k).label(lang))
year = c2.selectbox(t("map.year", lang), sorted(years, reverse=True), key="map_year")
scheme = c3.selectbox(t("map.scheme", lang), SCHEMES, key="map_scheme",
                      format_func=lambda s: t(SCHEME_KEYS[s], lang))
k = c4.slider(t("map.classes", lang), 3, 7, 5, key="map_k")

ids = [str(f["properties"]["commune_id"]) for f in layer.features]
scores: pd.DataFrame | None = None
score_error: ModelError | None = None
selected = slots.SELECTED_COMMUNE.get()
if len(ds.cases) and (key == SCORE or selected):  # scoring is cached, but only paid for when shown
    try:
        # Colouring needs only the scores (0.1 s); the 100 bootstrap refits behind the rank
        # intervals (3 s) are paid only once a commune's panel is open.
        scores = analysis.scores(year, config if selected else replace(config, n_bootstrap=0)).set_index("commune_id")
    except ModelError as err:
        score_error = err
if key == SCORE and scores is None:
    st.warning(widgets.md(score_error.message(lang)) if score_error else t("map.no_data", lang))
    key = keys[0]

composite: pd.DataFrame | None = None
composite_config = None
if key == COMPOSITE or selected:
    composite_config = widgets.composite_weights_editor(ds, lang, expanded=key == COMPOSITE)
    composite = analysis.composite(year, composite_config).set_index("commune_id")

ind = describe(key)
if key == SCORE:
    values = (scores["score"] * 100).reindex(ids)
elif key == COMPOSITE:
    values = composite["index"].reindex(ids)
else:
    values = ds.indicators[ds.indicators["year"] == year].set_index("commune_id")[key].reindex(ids)
classification = classify(values.to_numpy(), scheme, k, ind.higher_is_riskier)
value_texts = {cid: widgets.format_value(v, ind.unit) for cid, v in values.items()}

fmap = base_map(layer.bounds, conf.static_url, conf.tile_url, conf.tile_attribution,
                prefer_canvas=len(layer.features) > CANVAS_THRESHOLD)
add_choropleth(
    fmap, layer, values.to_dict(), classification, value_texts,
    labels={"name": t("map.tooltip.name", lang), "former_district": t("map.tooltip.former_district", lang),
            "value": ind.label(lang)},
    name=t("map.layers.communes", lang), selected_id=selected,
)
add_outline(fmap, layer.outline, t("map.layers.outline", lang))
add_border(fmap, ds.border, t("map.layers.border", lang))
add_gates(fmap, ds.gates, t("map.layers.gates", lang))

map_col, side_col = st.columns([3, 1])
with map_col:
    result = st_folium(fmap, key="risk_map", height=620, use_container_width=True,
                       returned_objects=["last_active_drawing"])
with side_col:
    direction = {True: "map.direction.higher_risk", False: "map.direction.lower_risk", None: "map.direction.unknown"}
    widgets.legend(f"{ind.label(lang)} ({year})", classification, ind.unit, lang, int(values.isna().sum()))
    st.caption(t(direction[ind.higher_is_riskier], lang))
    if key == SCORE:
        st.caption(t("map.score_caption", lang, year=year, next_year=year + 1))
    elif key == COMPOSITE:
        st.caption(t("map.composite_caption", lang))
        sens = analysis.composite_sensitivity(year, composite_config)
        per = sens.per_perturbation
        if len(per):
            st.caption(t("map.composite_sensitivity", lang, spearman=f"{per['spearman'].min():.3f}",
                         top10=int(per["top10_overlap"].min()),
                         moved=int((sens.per_commune["rank_spread"] > 5).sum())))
    elif not ind.in_registry:
        st.caption(widgets.tm("map.extra_indicator", lang, key=key))
    elif ind.source:
        st.caption(f"{t('map.source', lang)}: {widgets.md(ind.source_label(lang))}")
    if key != SCORE:
        st.caption(ind.description(lang))
    if key == "ethnic_minority_share":
        st.info(t("map.vulnerability_note", lang))
    present = values.dropna()
    if len(present):
        st.caption(t("map.summary", lang, n=len(present), year=year,
                     median=widgets.format_value(present.median(), ind.unit)))

clicked = (result or {}).get("last_active_drawing") or {}
clicked_id = str((clicked.get("properties") or {}).get("commune_id") or "") or None
if clicked_id and clicked_id in ids and clicked_id != selected:
    slots.SELECTED_COMMUNE.set(clicked_id)
    st.rerun()


def commune_panel(commune_id: str) -> None:
    """Score, rank interval, drivers, indicators and the case trend of one commune."""
    row = ds.boundaries.set_index("commune_id").loc[commune_id]
    st.subheader(f"{t('map.selected', lang)}: {widgets.md(row['name'])}")
    if row.get("former_district"):
        st.caption(f"{t('col.former_district', lang)}: {widgets.md(row['former_district'])}")
    if scores is not None and commune_id in scores.index:
        s = scores.loc[commune_id]
        m1, m2, m3 = st.columns([1, 1, 2])
        m1.metric(t("panel.score", lang, next_year=year + 1), f"{s['score']:.0%}")
        m2.metric(t("panel.rank", lang), t("panel.rank_value", lang, rank=int(s["rank"]), n=len(scores)))
        m2.caption(t("panel.rank_interval", lang, low=int(s["rank_low"]), high=int(s["rank_high"])))
        with m3:
            st.markdown(f"**{t('panel.drivers', lang)}**")
            for driver in s[drivers_column(state.role())]:
                sign = "▲" if driver["contribution"] > 0 else "▼"
                effect = t("panel.driver_up" if driver["contribution"] > 0 else "panel.driver_down", lang)
                st.write(f"{sign} {widgets.md(feature_label(driver['feature'], lang))}: {effect} ({driver['contribution']:+.2f})")
            if drivers_column(state.role()) != "drivers":
                st.caption(t("panel.drivers_cases_hidden", lang))
    if composite is not None and commune_id in composite.index and composite_config is not None:
        sens = analysis.composite_sensitivity(year, composite_config).per_commune.set_index("commune_id")
        c = composite.loc[commune_id]
        if commune_id in sens.index and pd.notna(c["rank"]):
            st.caption(t("panel.composite_range", lang, index=f"{c['index']:.1f}", rank=int(c["rank"]),
                         low=int(sens.loc[commune_id, "min_rank"]), high=int(sens.loc[commune_id, "max_rank"])))
    left, right = st.columns([3, 2])
    with left:
        st.markdown(f"**{t('panel.indicators', lang)}**")
        history = ds.indicators[ds.indicators["commune_id"] == commune_id].set_index("year").sort_index()
        table = history[[c for c in keys if c in history.columns]].rename(columns=lambda c: indicator_for(c).label(lang))
        st.dataframe(table.T, width="stretch")
    with right:
        st.markdown(f"**{t('panel.cases', lang)}**")
        counts = case_counts_by_year(ds.cases, commune_id, years, state.role(), conf.small_cell_k)
        chart_data = counts.rename(columns={"year": t("panel.year", lang), "cases": t("panel.count", lang)})
        y_name, x_name = t("panel.count", lang), t("panel.year", lang)
        st.altair_chart(
            alt.Chart(chart_data.dropna()).mark_bar(color="#bd0026").encode(
                x=alt.X(f"{x_name}:O"), y=alt.Y(f"{y_name}:Q", axis=alt.Axis(tickMinStep=1))),
            width="stretch",
        )
        st.dataframe(counts[["year", "shown"]].rename(columns={"year": x_name, "shown": y_name}).set_index(x_name).T,
                     width="stretch")
        if counts["cases"].isna().any():
            st.caption(t("panel.cases_suppressed", lang, k=conf.small_cell_k))


if selected and selected in ids:
    commune_panel(selected)
else:
    st.caption(t("map.click_hint", lang))

with st.expander(t("map.table", lang)):
    names = ds.boundaries.set_index("commune_id")
    table = pd.DataFrame({
        t("col.commune_id", lang): ids,
        t("col.name", lang): names.loc[ids, "name"].to_numpy(),
        t("col.former_district", lang): names.loc[ids, "former_district"].to_numpy()
        if "former_district" in names.columns else "",
        ind.label(lang): values.to_numpy(),
        t("col.class", lang): [c + 1 if c >= 0 else None for c in classification.classes],
    })
    st.dataframe(table, hide_index=True, width="stretch")
