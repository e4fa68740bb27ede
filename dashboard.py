"""Entry point: language, dataset and navigation. No analysis here.

Run with `make run` (or `streamlit run dashboard.py`).
"""
from __future__ import annotations

import streamlit as st

from risk.i18n import t
from ui import auth, state, widgets

st.set_page_config(page_title="Risk map / Bản đồ nguy cơ", page_icon="🗺️", layout="wide")

lang = state.language_picker()
conf = state.settings()
session = auth.require_session(conf, lang)
auth.sidebar(session, lang)
ds = state.dataset()

with st.sidebar:
    st.caption(f"{t('app.dataset', lang)}: **{ds.name}**")
    years = ds.years
    st.caption(t(
        "app.dataset_summary", lang, communes=len(ds.boundaries),
        year_min=min(years) if years else "–", year_max=max(years) if years else "–", cases=len(ds.cases),
    ))

widgets.demo_notice(ds, lang)

pages = [
    st.Page("pages/risk_map.py", title=t("page.risk_map", lang), icon="🗺️", url_path="risk-map", default=True),
]
st.navigation(pages).run()
