"""The Priorities page's export: what and which format, and a download button whose file is made
when it is clicked, from the settings on the page at that moment (no stale file after a change of
format, filters or allocation), and written to the audit log as it leaves."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from risk.i18n import format_number, t
from risk.outputs.export import FORMATS, MIME_TYPES
from risk.views import priorities as view
from risk.views import priority_export as files
from ui import analysis, state
from ui import session as slots

EXPORT_WHAT_KEYS = {"list": "pr.export_what.list", "allocation": "pr.export_what.allocation"}


def export(ds, plist: view.PriorityList, shown: pd.DataFrame, filters: view.PriorityFilters,
           run: view.AllocationRun | None, lang: str) -> None:
    st.header(t("pr.export", lang))
    whats = ["list"] + (["allocation"] if run else [])
    e1, e2, e3 = st.columns([2, 1, 2], vertical_alignment="bottom")
    what = e1.radio(t("pr.export_what", lang), whats, horizontal=True, key=slots.labelled("pr_export_what"),
                    format_func=lambda w: t(EXPORT_WHAT_KEYS[w], lang))
    fmt = e2.selectbox(t("pr.export_format", lang), FORMATS, key="pr_export_format", format_func=str.upper)
    rows = shown if what == "list" else shown[shown["commune_id"].isin(run.plan.chosen)]
    config, conf, role = analysis.model_config(), state.settings(), state.role()
    method = view.method_text(plist, lang, model_kind=config.kind, n_bootstrap=config.n_bootstrap,
                              small_cell_k=conf.small_cell_k, role=role)
    if what == "allocation":
        method += view.allocation_method(run, lang)
    session = state.current_session()
    user = session.username if session else ""
    version = state.data_version_label()

    def make_file() -> bytes:
        """Runs when the button is clicked, on Streamlit's download thread: no st.* calls here."""
        prepared = files.prepare_export(ds, plist, rows, fmt, lang, method=method, user=user, what=what,
                                        data_version=version, role=role, settings=conf, filters=filters,
                                        shown=shown, run=run)
        state.audit("export", user, dict(prepared.audit), prepared.rows)  # no file leaves unlogged
        return prepared.data

    name = files.export_name(plist, fmt, lang, what)
    e3.download_button(t("pr.export_download", lang, fmt=fmt.upper()), make_file, file_name=name,
                       mime=MIME_TYPES[fmt], key="pr_export_download", on_click="ignore", type="primary")
    st.caption(t("pr.export_logged", lang, name=name, rows=format_number(len(rows), 0, lang)))
    if fmt == "pdf":
        issuer, place = files.issuer_and_place(ds, conf, lang)
        st.caption(t("pr.export_issuer", lang, issuer=issuer, place=place or "–"))
