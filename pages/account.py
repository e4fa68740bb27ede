"""My account: who is signed in, and changing one's own password (the old one is required)."""
from __future__ import annotations

import streamlit as st

from risk.access.accounts import MAX_PASSWORD, AccountError
from risk.access.privacy import ROLE_KEYS
from risk.i18n import t
from ui import auth, server, state, widgets
from ui import session as slots

state.require_page("account")
lang = state.lang()
conf = state.settings()
session = auth.current()

st.title(t("page.account", lang))
if session is None or session.demo:  # a demo visitor has no account
    st.info(t("acc.demo", lang))
    st.stop()
st.caption(t("auth.signed_in_as", lang, user=session.username, role=t(ROLE_KEYS[session.role], lang)))

notice = slots.ACCOUNT_NOTICE.pop()
if notice:
    st.success(notice)

st.subheader(t("acc.change", lang))
st.caption(t("acc.change_help", lang))
with st.form("change_password", clear_on_submit=True):
    old = st.text_input(t("acc.old", lang), type="password", max_chars=MAX_PASSWORD, key="acc_old")
    new = st.text_input(t("acc.new", lang), type="password", max_chars=MAX_PASSWORD, key="acc_new")
    again = st.text_input(t("acc.again", lang), type="password", max_chars=MAX_PASSWORD, key="acc_again")
    submitted = st.form_submit_button(t("acc.submit", lang), type="primary")
if submitted:
    if new != again:
        st.error(t("acc.mismatch", lang))
    else:
        accounts = auth.accounts(conf)
        try:
            accounts.change_password(session.username, old or "", new or "", client=auth.client_address())
        except AccountError as err:
            st.error(widgets.md(err.message(lang)))
        else:
            ended = server.tokens(conf).end_all(session.username)  # every other browser signs in again
            state.audit("password_changed", session.username, {"sessions_ended": ended})
            auth.start_signed_in(conf, accounts.get(session.username))  # this tab stays signed in
            slots.ACCOUNT_NOTICE.set(t("acc.changed", lang))
            st.rerun()
