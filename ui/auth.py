"""Sign-in before any page, session expiry, sign-out, and the password-less demo mode.

Decisions about what a role may see are not made here (risk/privacy.py);
this module only establishes who the session is.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

import streamlit as st

from risk.accounts import Accounts, session_expired
from risk.i18n import t
from risk.privacy import Role
from risk.settings import Settings

_KEY = "auth"


@dataclass(frozen=True)
class Session:
    username: str
    role: Role
    demo: bool
    signed_in_at: datetime

    @property
    def read_only(self) -> bool:
        return self.demo


@st.cache_resource(show_spinner=False)
def _accounts(path: str, max_failures: int, lockout_minutes: int) -> Accounts:
    """One Accounts object per database; the first start creates the admin and prints it once."""
    accounts = Accounts(path, max_failures=max_failures, lockout_minutes=lockout_minutes)
    password = accounts.ensure_admin()
    if password:
        print(t("accounts.first_admin", "vi", password=password), flush=True)
        print(t("accounts.first_admin", "en", password=password), flush=True)
    return accounts


def accounts(conf: Settings) -> Accounts:
    return _accounts(str(conf.accounts_db), conf.max_failures, conf.lockout_minutes)


def _now() -> datetime:
    return datetime.now(timezone.utc)


def current() -> Session | None:
    return st.session_state.get(_KEY)


def sign_out() -> None:
    st.session_state.pop(_KEY, None)
    st.session_state.pop("_auth_last_seen", None)


def _start(session: Session) -> None:
    st.session_state[_KEY] = session
    st.session_state["_auth_last_seen"] = _now()


def require_session(conf: Settings, lang: str, audit=None, demo_allowed: bool | None = None) -> Session:
    """The signed-in session; otherwise draw the sign-in form and stop the page."""
    session = current()
    now = _now()
    if demo_allowed is None:
        demo_allowed = conf.demo_mode_enabled
    if session is not None:
        last_seen = st.session_state.get("_auth_last_seen", now)
        if not session.demo and session_expired(last_seen, now, conf.session_minutes):
            sign_out()
            st.session_state["_auth_notice"] = t("auth.expired", lang, minutes=conf.session_minutes)
        else:
            st.session_state["_auth_last_seen"] = now
            return session
    if demo_allowed and not st.session_state.get("_demo_declined"):
        # First look with no friction: a read-only planner session, said so on screen.
        session = Session(t("auth.demo_user", lang), Role.PLANNER, True, now)
        _start(session)
        if audit:
            audit("sign_in_demo", "demo", {})
        return session
    _sign_in_form(conf, lang, audit, demo_allowed)
    st.stop()
    raise RuntimeError("unreachable")  # st.stop() ends the run


def _sign_in_form(conf: Settings, lang: str, audit, demo_allowed: bool) -> None:
    st.title(t("auth.title", lang))
    st.caption(t("auth.intro", lang))
    notice = st.session_state.pop("_auth_notice", None)
    if notice:
        st.info(notice)
    with st.form("sign_in", clear_on_submit=False):
        username = st.text_input(t("auth.username", lang), key="login_user")
        password = st.text_input(t("auth.password", lang), type="password", key="login_password")
        submitted = st.form_submit_button(t("auth.submit", lang), type="primary")
    if submitted:
        result = accounts(conf).sign_in(username, password)
        if audit:
            audit("sign_in" if result.ok else "sign_in_failed", (username or "").strip(), {"reason": result.reason})
        if result.ok and result.user:
            _start(Session(result.user.username, result.user.role, False, _now()))
            st.rerun()
        elif result.reason == "locked" and result.locked_until:
            st.error(t("auth.locked", lang, until=result.locked_until.strftime("%Y-%m-%d %H:%M")))
        elif result.reason == "disabled":
            st.error(t("auth.disabled", lang))
        else:
            st.error(t("auth.invalid", lang))
    if demo_allowed:
        st.divider()
        if st.button(t("auth.demo_button", lang), key="demo_sign_in"):
            st.session_state.pop("_demo_declined", None)
            st.rerun()


def sidebar(session: Session, lang: str, audit=None) -> None:
    """Who is signed in, and the sign-out button."""
    with st.sidebar:
        st.caption(t("auth.signed_in_as", lang, user=session.username, role=t(f"role.{session.role.value}", lang)))
        if st.button(t("auth.sign_out", lang), key="sign_out"):
            if audit:
                audit("sign_out", session.username, {})
            sign_out()
            if session.demo:  # leaving demo mode means: show the sign-in form
                st.session_state["_demo_declined"] = True
            st.rerun()
    if session.demo:
        st.info(t("auth.demo_banner", lang), icon=":material/visibility:")
