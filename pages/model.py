"""Model card: data used, temporal backtest against baselines, capture curve,
calibration, what the model leans on, the ethnic-share comparison, the
feedback-loop setting and limitations."""
from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from risk.analysis.features import ModelError, feature_label
from risk.i18n import format_number, t
from risk.access.privacy import dataset_case_total
from risk.analysis.model import KINDS, MODEL_KIND_LONG_KEYS
from risk.views import model_card as card, vintage
from ui import analysis, state, widgets
from ui import session as slots

state.require_page("model")
lang = state.lang()
ds = state.dataset()

st.title(t("page.model", lang))
st.caption(t("mp.intro", lang))

# --- settings shared with the risk map ----------------------------------------------
chosen = analysis.model_config()
with st.expander(t("mp.settings", lang), expanded=True):
    c1, c2, c3 = st.columns([2, 2, 2])
    kind = c1.radio(t("mp.kind", lang), KINDS, index=KINDS.index(chosen.kind),
                    format_func=lambda k: t(MODEL_KIND_LONG_KEYS[k], lang), key=slots.labelled("mp_kind"))
    drop_ethnic = c2.checkbox(t("mp.drop_ethnic", lang), value=analysis.ETHNIC in chosen.drop_features,
                              key="mp_drop_ethnic")
    recalibrate = c2.checkbox(t("mp.recalibrate", lang), value=chosen.recalibrate, help=t("mp.recalibrate_help", lang),
                              key="mp_recalibrate")
    patrol_weight = c3.select_slider(t("mp.patrol_weight", lang), options=[0.0, 0.25, 0.5, 0.75, 1.0],
                                     format_func=lambda w: format_number(w, 2, lang),
                                     value=chosen.patrol_weight, help=t("mp.patrol_help", lang),
                                     key=slots.labelled("mp_patrol"))
config = analysis.set_model_config(kind, drop_ethnic, patrol_weight, recalibrate)

try:
    with st.spinner(t("mp.running", lang)):
        result = analysis.backtest_result(config)
except ModelError as err:
    st.error(t("mp.cannot_run", lang))
    st.write(widgets.md(err.message(lang)))
    st.stop()

# --- data used -------------------------------------------------------------------------
st.header(t("mp.data_used", lang))
years = ds.years
st.write(widgets.tm("mp.data_summary", lang, dataset=ds.name, communes=format_number(len(ds.boundaries), 0, lang),
           years=f"{min(years)}–{max(years)}", cases=dataset_case_total(ds.cases, state.role(), state.settings().small_cell_k, lang)))
st.caption(f"{t('mp.features', lang)}: " + ", ".join(widgets.md(feature_label(f, lang)) for f in result.features))
for line in vintage.dataset_lines(ds, lang):  # years converted from pre-2025 communes
    st.caption(widgets.md(line))

# --- backtest ---------------------------------------------------------------------------
st.header(t("mp.backtest", lang))
st.caption(t("mp.backtest_help", lang))
number_columns = {name: st.column_config.NumberColumn(format="%.3f") for name in card.metric_names(lang).values()}
st.dataframe(card.backtest_table(result, lang), hide_index=True, width="stretch")
if result.margins is not None:
    st.subheader(t("mp.margins", lang))
    for sentence in card.margin_sentences(result, lang):
        st.write(widgets.md(sentence))
    st.dataframe(card.margin_table(result, lang), hide_index=True, width="stretch")
    st.caption(t("mp.margins_help", lang, draws=result.margins.draws, communes=result.margins.communes))
if result.shuffled_auc is not None:
    st.caption(t("mp.shuffled", lang, auc=format_number(result.shuffled_auc, 3, lang)))
passed, leakage = card.time_travel_text(analysis.time_travel_check(config), lang)
(st.caption if passed else st.error)(leakage)
with st.expander(t("mp.folds", lang)):
    st.dataframe(card.fold_table(result, lang, ds), hide_index=True, width="stretch", column_config=number_columns)

# --- capture curve and calibration ------------------------------------------------------
left, right = st.columns(2)
with left:
    st.subheader(t("mp.capture_curve", lang))
    curve = analysis.capture_curve_table(result)
    long = card.capture_long(curve, lang, result)
    chart = alt.Chart(long).mark_line().encode(
        x=alt.X("share_communes:Q", title=t("mp.share_communes", lang), axis=alt.Axis(format="%")),
        y=alt.Y("share_cases:Q", title=t("mp.share_cases", lang), axis=alt.Axis(format="%")),
        color=alt.Color("method:N", title=t("mp.method", lang), legend=alt.Legend(orient="bottom")),
    )
    st.altair_chart(widgets.chart(chart, lang), width="stretch")
    st.caption(t("mp.capture_help", lang))
with right:
    st.subheader(t("mp.calibration", lang))
    calib = card.reliability_long(result, lang)
    top = float(max(calib["predicted"].max(), calib["observed"].max(), 0.05))
    diagonal = alt.Chart(pd.DataFrame({"x": [0, top], "y": [0, top]})).mark_line(strokeDash=[4, 4], color="#999").encode(x="x:Q", y="y:Q")
    points = alt.Chart(calib).mark_line(point=True).encode(
        x=alt.X("predicted:Q", title=t("mp.predicted", lang), axis=alt.Axis(format="%")),
        y=alt.Y("observed:Q", title=t("mp.observed", lang), axis=alt.Axis(format="%")),
        color=alt.Color("series:N", title=t("mp.series", lang), legend=alt.Legend(orient="bottom")),
        tooltip=[alt.Tooltip("series:N", title=t("mp.series", lang)), alt.Tooltip("predicted:Q", format=".1%", title=t("mp.predicted", lang)),
                 alt.Tooltip("observed:Q", format=".1%", title=t("mp.observed", lang))],
    )
    st.altair_chart(widgets.chart(diagonal + points, lang), width="stretch")
    st.caption(t("mp.calibration_help", lang))
for line in card.calibration_lines(result, lang):
    st.write(line)

# --- importance -------------------------------------------------------------------------
st.header(t("mp.importance", lang))
imp = card.importance_table(analysis.feature_importance(config), lang)
bars = alt.Chart(imp).mark_bar().encode(
    x=alt.X("importance:Q", title=t("mp.importance_value", lang)),
    y=alt.Y("label:N", sort=None, title=t("mp.feature", lang)),
    color=alt.condition("datum.importance > 0", alt.value("#e31a1c"), alt.value("#3182bd")),
)
st.altair_chart(widgets.chart(bars, lang), width="stretch")
st.caption(t("mp.importance_logistic" if config.kind == "logistic" else "mp.importance_gbm", lang))

# --- ethnic-minority share --------------------------------------------------------------
st.header(t("mp.ethnic", lang))
st.caption(t("mp.ethnic_help", lang))
if analysis.ETHNIC in ds.indicator_keys:
    cmp = analysis.with_and_without_ethnic_share(config)
    m1, m2, m3 = st.columns(3)
    fmt = lambda v: "–" if v is None else format_number(v, 3, lang)  # noqa: E731
    m1.metric(t("mp.auc_with", lang), fmt(cmp.auc_with))
    m2.metric(t("mp.auc_without", lang), fmt(cmp.auc_without))
    m3.metric(t("mp.auc_change", lang), fmt(cmp.auc_change))
    st.write(t("mp.top_overlap", lang, n=cmp.top_n, year=cmp.year, overlap=cmp.top_overlap))

# --- feedback loop, notes, limitations --------------------------------------------------
st.header(t("mp.feedback", lang))
for line in card.feedback_lines(ds, config.patrol_weight, lang):
    st.write(line)
st.caption(t("mp.patrol_help", lang))
if result.notes:
    st.subheader(t("mp.notes", lang))
    for note in result.notes:
        st.write(f"- {widgets.md(card.note_text(note, lang))}")
st.header(t("mp.limitations", lang))
st.markdown(t("mp.limitations_text", lang))
