"""Users (admin only): add accounts, assign roles, disable or enable, reset passwords.

Every change is written to the audit log (the acting admin, the account, what changed; never a
password). risk/access/accounts.py refuses what would lock the admins out: an admin's own account,
or the last active admin, cannot be disabled, demoted or removed."""
from __future__ import annotations

from typing import Callable

import streamlit as st

from risk.access.accounts import MAX_USERNAME, AccountError
from risk.access.privacy import DEFAULT_ROLE, ROLE_KEYS, Role
from risk.i18n import t
from risk.views import users as view
from ui import auth, state, widgets
from ui import session as slots

state.require_page("users")
lang = state.lang()
conf = state.settings()
me = auth.current().username
accounts = auth.accounts(conf)
ROLES = list(Role)


def role_name(role: Role) -> str:
    return t(ROLE_KEYS[role], lang)


def act(change: Callable[[], str | None], action: str, account: str, details: dict, done_key: str) -> None:
    """Run one change; audit it and announce it after the rerun, or show why it was refused."""
    try:
        password = change()
    except AccountError as err:
        st.error(widgets.md(err.message(lang)))
        return
    state.audit(action, me, {"account": account, **details})
    slots.USERS_NOTICE.set((t(done_key, lang, user=account), password if isinstance(password, str) else None))
    st.rerun()


st.title(t("page.users", lang))
st.caption(t("us.intro", lang))

notice = slots.USERS_NOTICE.pop()
if notice:
    message, password = notice
    st.success(widgets.md(message))
    if password:
        st.code(password, language=None)
        st.caption(t("us.password_once", lang))

users = accounts.list()
st.dataframe(view.users_table(users, lang), hide_index=True, width="stretch")

# --- a new account -------------------------------------------------------------------------------
st.subheader(t("us.add", lang))
with st.form("user_add", clear_on_submit=True):
    c1, c2 = st.columns(2)
    name = c1.text_input(t("auth.username", lang), max_chars=MAX_USERNAME, key="us_add_name")
    role = c2.selectbox(t("us.col.role", lang), ROLES, index=ROLES.index(DEFAULT_ROLE), format_func=role_name,
                        key="us_add_role")  # the least privileged role unless the admin picks another
    added = st.form_submit_button(t("us.add_submit", lang), type="primary")
if added:
    act(lambda: accounts.add(name, role), "user_added", (name or "").strip(), {"role": role.value}, "us.added")

# --- change an account ---------------------------------------------------------------------------
st.subheader(t("us.change", lang))
target = st.selectbox(t("us.account", lang), [u.username for u in users], key="us_target")
user = next(u for u in users if u.username == target)
st.caption(t("us.current", lang, role=role_name(user.role), status=view.status(user, lang)))
own = target == me
c1, c2, c3, c4 = st.columns([3, 2, 2, 2], vertical_alignment="bottom")
new_role = c1.selectbox(t("us.col.role", lang), ROLES, index=ROLES.index(user.role), format_func=role_name,
                        key=f"us_role_{target}")
if c2.button(t("us.set_role", lang), key="us_set_role", disabled=new_role == user.role):
    act(lambda: accounts.set_role(target, new_role, actor=me), "user_role", target,
        {"role": new_role.value, "previous": user.role.value}, "us.role_set")
if user.disabled:
    if c3.button(t("us.enable", lang), key="us_enable"):
        act(lambda: accounts.set_disabled(target, False, actor=me), "user_enabled", target, {}, "us.enabled")
elif c3.button(t("us.disable", lang), key="us_disable", disabled=own):
    act(lambda: accounts.set_disabled(target, True, actor=me), "user_disabled", target, {}, "us.disabled")
if c4.button(t("us.reset", lang), key="us_reset", disabled=own):
    act(lambda: accounts.reset(target), "user_reset", target, {}, "us.reset_done")
if own:
    st.caption(t("us.own_hint", lang))
