"""Audit log (admin only): read and filter; nothing here can change it."""
from __future__ import annotations

from datetime import timedelta

import streamlit as st

from risk.i18n import t
from risk.views import audit as audit_view
from ui import state
from ui import session as slots

state.require_page("audit")
lang = state.lang()
store = state.store()

st.title(t("page.audit", lang))
st.caption(t("ap.intro", lang))

log = store.audit() if store.exists() else None
if log is None or log.empty:
    st.info(t("ap.empty", lang))
    st.stop()
chain = store.verify_audit()  # the hash chain: does every entry still check out? (risk/store/audit_chain.py)
(st.caption if chain.ok else st.error)(chain.summary(lang))

ALL = ""  # "every user/action": not a name a user or an action can have, whatever the language
c1, c2, c3, c4 = st.columns(4)
user = c1.selectbox(t("ap.user", lang), [ALL, *sorted(log["user"].unique())], key=slots.labelled("audit_user"),
                    format_func=lambda u: u or t("ap.all", lang))
action = c2.selectbox(t("ap.action", lang), [ALL, *sorted(log["action"].unique())], key=slots.labelled("audit_action"),
                      format_func=lambda a: audit_view.action_label(a, lang) if a else t("ap.all", lang))
today = audit_view.local_today()
day_format = "DD/MM/YYYY" if lang == "vi" else "YYYY-MM-DD"
since = c3.date_input(t("ap.since", lang), value=today - timedelta(days=30), key="audit_since", format=day_format)
until = c4.date_input(t("ap.until", lang), value=today, key="audit_until", format=day_format)
start, end = audit_view.utc_bounds(since, until)
entries = store.audit(user=user or None, action=action or None,
                      since=start, until=end)
st.dataframe(audit_view.audit_table(entries, lang), hide_index=True, width="stretch")
