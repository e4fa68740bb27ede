"""Entry point: language, dataset and navigation. No analysis here.

Run with `make run` (or `streamlit run dashboard.py`). The file is read twice, for two jobs:
`streamlit run` imports it once as a module and serves the `st.App` at the bottom (the first
admin's password is printed at start, and the session-cookie route is added: ui/server.py);
every browser session then runs it as a script (`__main__`), which draws the pages.
"""
from __future__ import annotations

import streamlit as st

from risk.i18n import t
from risk.access.privacy import dataset_case_total, page_allowed
from risk.access.settings import PROJECT_ROOT
from ui import auth, links, server, state, widgets

PAGE_TITLE_KEYS = {"risk_map": "page.risk_map", "hotspots": "page.hotspots", "priorities": "page.priorities",
                   "model": "page.model", "data": "page.data", "audit": "page.audit", "users": "page.users",
                   "account": "page.account"}
# (page key, file, icon). Who may open each page is decided in risk/access/privacy.py.
PAGES = [
    ("risk_map", "pages/risk_map.py", ":material/map:"),
    ("hotspots", "pages/hotspots.py", ":material/local_fire_department:"),
    ("priorities", "pages/priorities.py", ":material/format_list_numbered:"),
    ("model", "pages/model.py", ":material/insights:"),
    ("data", "pages/data.py", ":material/database:"),
    ("audit", "pages/audit.py", ":material/history:"),
    ("users", "pages/users.py", ":material/manage_accounts:"),
    ("account", "pages/account.py", ":material/person:"),
]


def pages(listed: list[tuple[str, str, str]], lang: str) -> list[tuple[str, st.Page]]:
    """(key, st.Page) for each listed page; the first is the default. A page's URL is its key."""
    return [(key, st.Page(path, title=t(PAGE_TITLE_KEYS[key], lang), icon=icon, url_path=key.replace("_", "-"),
                          default=(i == 0))) for i, (key, path, icon) in enumerate(listed)]


def main() -> None:
    """One script run of one browser session."""
    st.set_page_config(page_title="Risk map / Bản đồ nguy cơ", page_icon=str(PROJECT_ROOT / "static" / "favicon.png"),
                       layout="wide")
    links.read_url()  # a link or a reload brings its view (and language) before anything is drawn
    lang = state.language_picker()
    conf = state.settings()
    state.begin_run()  # which dataset is open: resolved once for this whole run
    session = auth.require_session(conf, lang, state.demo_mode_allowed(), audit=state.audit,
                                   before_form=lambda: st.navigation([entry for _, entry in pages(PAGES, lang)],
                                                                     position="hidden"))
    auth.sidebar(session, lang, audit=state.audit, conf=conf)
    ds = state.dataset()

    with st.sidebar:
        st.caption(f"{t('app.dataset', lang)}: **{widgets.md(ds.name)}**")
        years = ds.years
        st.caption(t(
            "app.dataset_summary", lang, communes=len(ds.boundaries),
            year_min=min(years) if years else "–", year_max=max(years) if years else "–",
            cases=dataset_case_total(ds.cases, state.role(), conf.small_cell_k),
        ))
        link_button = st.empty()  # filled once the page has drawn: the link is the view it shows

    widgets.demo_notice(ds, lang)

    allowed = [p for p in PAGES if page_allowed(p[0], session.role) and not (p[0] == "account" and session.demo)]
    entries = pages(allowed, lang)
    navigation = st.navigation([entry for _, entry in entries])
    page = next((key for key, entry in entries if entry is navigation), allowed[0][0])
    try:
        navigation.run()
    finally:  # also when the page stops or reruns: the next run resolves its dataset afresh
        state.end_run()
        links.write_url(page)
        with link_button.container():
            links.copy_button(lang)


if __name__ == "__main__":  # a browser session's script run (Streamlit, AppTest)
    main()
else:  # `streamlit run dashboard.py` imports this module once, and serves this app
    app = st.App(__file__, routes=server.routes(), lifespan=server.lifespan)
