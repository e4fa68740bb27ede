"""Audit log (admin only): read and filter; nothing here can change it."""
from __future__ import annotations

import json
from datetime import date, timedelta

import streamlit as st

from risk.i18n import t
from ui import state

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

all_label = t("ap.all", lang)
c1, c2, c3, c4 = st.columns(4)
user = c1.selectbox(t("ap.user", lang), [all_label, *sorted(log["user"].unique())], key="audit_user")
action = c2.selectbox(t("ap.action", lang), [all_label, *sorted(log["action"].unique())], key="audit_action")
since = c3.date_input(t("ap.since", lang), value=date.today() - timedelta(days=30), key="audit_since")
until = c4.date_input(t("ap.until", lang), value=date.today(), key="audit_until")
entries = store.audit(
    user=None if user == all_label else user, action=None if action == all_label else action,
    since=since.isoformat(), until=(until + timedelta(days=1)).isoformat(),
)
table = entries.assign(details=entries["details"].map(lambda d: json.dumps(d, ensure_ascii=False)))
table = table.rename(columns={"at": t("ap.at", lang), "user": t("ap.user", lang), "action": t("ap.action", lang),
                              "details": t("ap.details", lang), "rows": t("ap.rows", lang)})
st.dataframe(table, hide_index=True, width="stretch")
