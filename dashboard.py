"""Entry point: language, dataset and navigation. No analysis here.

Run with `make run` (or `streamlit run dashboard.py`). The file is read twice, for two jobs:
`streamlit run` imports it once as a module and serves the `st.App` at the bottom (the first
admin's password is printed at start, and the session-cookie route is added: ui/server.py);
every browser session then runs it as a script (`__main__`), which draws the pages.
"""
from __future__ import annotations

import streamlit as st

from risk.i18n import DEFAULT_LANGUAGE, format_number, t
from risk.access.settings import PROJECT_ROOT
from ui import session as slots


def main() -> None:
    """One script run of one browser session."""
    st.set_page_config(page_title="Risk map / Bản đồ nguy cơ", page_icon=str(PROJECT_ROOT / "static" / "favicon.png"),
                       layout="wide")
    # The first run in a fresh process imports the engine (seconds): say so, in words, at once.
    opening = st.empty()
    opening.info(t("app.opening", slots.LANG.get(DEFAULT_LANGUAGE)), icon=":material/hourglass_top:")
    from risk.access.privacy import dataset_case_total, page_allowed
    from ui import auth, links, navigation, results, state, widgets

    links.read_url()  # a link or a reload brings its view (and language) before anything is drawn
    menu = st.sidebar.container()  # filled once the role is known: the menu comes first
    lang = state.language_picker()
    conf = state.settings()
    widgets.streamlit_texts(lang, conf.max_upload_mb)
    state.begin_run()  # which dataset is open: resolved once for this whole run
    session = auth.require_session(conf, lang, state.demo_mode_allowed(), audit=state.audit,
                                   before_form=lambda: (opening.empty(), navigation.register_all(lang)))
    auth.sidebar(session, lang, audit=state.audit, conf=conf)
    ds = state.dataset()

    with st.sidebar:
        st.caption(f"{t('app.dataset', lang)}: **{widgets.md(ds.name)}**")
        years = ds.years
        st.caption(t(
            "app.dataset_summary", lang, communes=format_number(len(ds.boundaries), 0, lang),
            year_min=min(years) if years else "–", year_max=max(years) if years else "–",
            cases=dataset_case_total(ds.cases, state.role(), conf.small_cell_k, lang),
        ))
        preparing = results.background_status(lang)  # the dataset's default analyses, computed once
        if preparing:
            st.caption(preparing)
        link_button = st.empty()  # filled once the page has drawn: the link is the view it shows

    opening.empty()
    widgets.demo_notice(ds, lang)

    allowed = [key for key, *_ in navigation.PAGES
               if page_allowed(key, session.role) and not (key == "account" and session.demo)]
    entries = navigation.entries(allowed, lang)
    chosen = st.navigation([e.page for e in entries], position="hidden")
    with menu:
        navigation.menu(entries)
    page = next((e.key for e in entries if e.page is chosen), allowed[0])
    try:
        chosen.run()
    finally:  # also when the page stops or reruns: the next run resolves its dataset afresh
        results.start_defaults()  # after the page: its own first draw does not wait for them
        state.end_run()
        links.write_url(page)
        with link_button.container():
            links.copy_button(lang)


if __name__ == "__main__":  # a browser session's script run (Streamlit, AppTest)
    from risk.access.settings import load_settings
    from ui.run_log import page_of, timed_run
    from ui.server import base_path

    with timed_run(load_settings().run_log, lambda: page_of(st.context.url, base_path())):
        main()
else:  # `streamlit run dashboard.py` imports this module once, and serves this app
    from ui import navigation, server

    navigation.entry_script_only()  # a fresh server's first request runs this file too, not a page alone
    app = st.App(__file__, routes=server.routes(), lifespan=server.lifespan)
