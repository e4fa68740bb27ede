"""Entry point: language, dataset and navigation. No analysis here.

Run with `make run` (or `streamlit run dashboard.py`).
"""
from __future__ import annotations

import streamlit as st

from risk.i18n import t
from risk.access.privacy import dataset_case_total, page_allowed
from risk.access.settings import PROJECT_ROOT
from ui import auth, state, widgets

st.set_page_config(page_title="Risk map / Bản đồ nguy cơ", page_icon=str(PROJECT_ROOT / "static" / "favicon.png"), layout="wide")

lang = state.language_picker()
conf = state.settings()
state.begin_run()  # which dataset is open: resolved once for this whole run
session = auth.require_session(conf, lang, state.demo_mode_allowed(), audit=state.audit)
auth.sidebar(session, lang, audit=state.audit)
ds = state.dataset()

with st.sidebar:
    st.caption(f"{t('app.dataset', lang)}: **{widgets.md(ds.name)}**")
    years = ds.years
    st.caption(t(
        "app.dataset_summary", lang, communes=len(ds.boundaries),
        year_min=min(years) if years else "–", year_max=max(years) if years else "–", cases=dataset_case_total(ds.cases, state.role(), conf.small_cell_k),
    ))

widgets.demo_notice(ds, lang)

PAGE_TITLE_KEYS = {"risk_map": "page.risk_map", "hotspots": "page.hotspots", "priorities": "page.priorities",
                   "model": "page.model", "data": "page.data", "audit": "page.audit"}
# (page key, file, icon). Who may open each page is decided in risk/access/privacy.py.
PAGES = [
    ("risk_map", "pages/risk_map.py", ":material/map:"),
    ("hotspots", "pages/hotspots.py", ":material/local_fire_department:"),
    ("priorities", "pages/priorities.py", ":material/format_list_numbered:"),
    ("model", "pages/model.py", ":material/insights:"),
    ("data", "pages/data.py", ":material/database:"),
    ("audit", "pages/audit.py", ":material/history:"),
]
allowed = [p for p in PAGES if page_allowed(p[0], session.role)]
navigation = st.navigation([
    st.Page(path, title=t(PAGE_TITLE_KEYS[key], lang), icon=icon, url_path=key.replace("_", "-"), default=(i == 0))
    for i, (key, path, icon) in enumerate(allowed)
])
try:
    navigation.run()
finally:  # also when the page stops or reruns: the next run resolves its dataset afresh
    state.end_run()
