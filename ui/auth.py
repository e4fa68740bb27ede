"""Sign-in before any page, session expiry, sign-out, and the password-less demo mode.

Decisions about what a role may see are not made here (risk/access/privacy.py);
this module only establishes who the session is, and re-establishes it on every
rerun: a session ends as soon as its right ends (idle time, the account disabled,
removed or its password reset, demo mode no longer allowed).

Anonymous use is bounded per client: sign-in attempts beyond
`Settings.sign_in_per_minute` are refused before any password is checked, and
failed sign-ins and demo visits write a bounded number of audit rows, each
carrying how many were left out before it (risk/access/throttle.py). The client is
the connection's address (`st.context.ip_address`); Streamlit gives none on
localhost, and behind a reverse proxy every client has the proxy's address. Without an
address, the throttle counts per browser session and all such sessions together
(with a ten times larger limit), the audit gates count them as one client, and
the lock-out falls back to one bucket per account (risk/access/accounts.py).

A sign-in survives a reload through an HttpOnly cookie (risk/access/sessions.py): after a
sign-in the page trades a one-time code for the cookie at our own route (ui/server.py), and a
new connection of the browser resumes the session from it, checked by the same rules as a
live session. A cookie that no longer resumes anything shows the sign-in form with a notice,
never the demo planner: a commander who reloads does not silently become a read-only visitor.
Signing out ends every session of the account, in every browser.
"""
from __future__ import annotations

import html
import secrets
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable

import streamlit as st

from risk.access.accounts import MAX_PASSWORD, MAX_USERNAME, Accounts, User, accounts_location, session_expired
from risk.i18n import t
from risk.access.privacy import ROLE_KEYS, Role
from risk.access.sessions import COOKIE_NAME
from risk.access.settings import Settings
from risk.access.database import accounts_database
from risk.store.shared import StoreError
from risk.access.throttle import AuditGate, Limiter, SharedWindowLimiter, SlidingWindowLimiter, Verdict
from ui import server
from ui import session as slots


# Audit rows per client and minute; the rest are counted into the next row's details.
FAILED_AUDIT_PER_MINUTE = 5
DEMO_AUDIT_PER_MINUTE = 1
# Key of every client without an address, for the shared throttle and the audit gates.
_NO_ADDRESS = "no-address"

Audit = Callable[..., None]


@dataclass(frozen=True)
class Session:
    username: str
    role: Role
    demo: bool
    signed_in_at: datetime
    # The account as sign-in read it; re-checked against the database on every rerun. None for demo.
    account: User | None = None
    # Its row in the session tokens (risk/access/sessions.py); None for demo.
    session_id: int | None = None

    @property
    def read_only(self) -> bool:
        return self.demo


def session_for(user: User, now: datetime | None = None, session_id: int | None = None) -> Session:
    """The session a successful sign-in of `user` opens."""
    return Session(user.username, user.role, False, now or _now(), user, session_id)


@dataclass(frozen=True)
class _Limits:
    """The counters of one accounts database (shared by all sessions; by all processes on PostgreSQL)."""

    attempts: Limiter
    attempts_without_address: Limiter
    failed_audit: AuditGate
    demo_audit: AuditGate


@st.cache_resource(show_spinner=False)
def _accounts(path: str, max_failures: int, lockout_minutes: int) -> Accounts:
    """One Accounts object per database.

    `python -m risk users init` (run by `make run`) creates the first admin before the
    server starts; this fallback, for `streamlit run` on a new database, prints it at
    the first request.
    """
    accounts = Accounts(path, max_failures=max_failures, lockout_minutes=lockout_minutes)
    password = accounts.ensure_admin()
    if password:
        print(t("accounts.first_admin", "vi", password=password), flush=True)
        print(t("accounts.first_admin", "en", password=password), flush=True)
    return accounts


def accounts(conf: Settings) -> Accounts:
    return _accounts(accounts_location(conf), conf.max_failures, conf.lockout_minutes)


@st.cache_resource(show_spinner=False)
def _limits_for(location: str, per_minute: int) -> _Limits:
    """In this process's memory for an SQLite accounts file; in the accounts' PostgreSQL database
    (counted across every app process) when the accounts live there."""
    db = accounts_database(location)
    if not db.is_server:
        return _Limits(
            attempts=SlidingWindowLimiter(per_minute, 60),
            attempts_without_address=SlidingWindowLimiter(per_minute * 10, 60),
            failed_audit=AuditGate(FAILED_AUDIT_PER_MINUTE, 60),
            demo_audit=AuditGate(DEMO_AUDIT_PER_MINUTE, 60),
        )
    return _Limits(
        attempts=SharedWindowLimiter(db, "sign-in", per_minute, 60),
        attempts_without_address=SharedWindowLimiter(db, "sign-in-no-address", per_minute * 10, 60),
        failed_audit=AuditGate(FAILED_AUDIT_PER_MINUTE, 60,
                               limiter=SharedWindowLimiter(db, "audit-failed", FAILED_AUDIT_PER_MINUTE, 60)),
        demo_audit=AuditGate(DEMO_AUDIT_PER_MINUTE, 60,
                             limiter=SharedWindowLimiter(db, "audit-demo", DEMO_AUDIT_PER_MINUTE, 60)),
    )


def limits(conf: Settings) -> _Limits:
    return _limits_for(accounts_location(conf), conf.sign_in_per_minute)


def client_address() -> str | None:
    """The connection's IP address, or None when Streamlit has none (localhost, AppTest)."""
    try:
        address = st.context.ip_address
    except Exception:  # no runtime (bare mode): no address
        return None
    return address if isinstance(address, str) and address else None


def _browser_key() -> str:
    """A random key for this browser session, the throttle's client when there is no address."""
    if not slots.AUTH_CLIENT.present():
        slots.AUTH_CLIENT.set("session:" + secrets.token_hex(8))
    return slots.AUTH_CLIENT.get()


def _now() -> datetime:
    return datetime.now(timezone.utc)


def current() -> Session | None:
    """The signed-in session of this browser tab, or None: the one place it is read."""
    return slots.AUTH.get()


def sign_out() -> None:
    slots.AUTH.pop()
    slots.AUTH_LAST_SEEN.pop()
    slots.AUTH_HANDOFF.pop()


def _start(session: Session) -> None:
    slots.AUTH.set(session)
    slots.AUTH_LAST_SEEN.set(_now())


def start_signed_in(conf: Settings, user: User) -> Session:
    """Open this tab's session for `user` (a sign-in, or a password change that ended the old one),
    with a session row whose one-time code the page trades for the cookie (see `sidebar`)."""
    grant = server.tokens(conf).grant(user)
    session = session_for(user, session_id=grant.session_id)
    _start(session)
    slots.AUTH_HANDOFF.set(grant.code)
    return session


def cookie_token() -> str | None:
    """The session cookie sent when this browser session connected (None without one, or in AppTest)."""
    try:
        value = st.context.cookies.get(COOKIE_NAME)
    except Exception:  # no runtime context
        return None
    return value if isinstance(value, str) else None


def _resume_from_cookie(conf: Settings, lang: str, audit: Audit | None) -> Session | None:
    """Once per browser session: the session the cookie stands for, if it may go on. A cookie that
    resumes nothing is cleared and the sign-in form says why (and offers no silent demo)."""
    if slots.AUTH_COOKIE_CHECKED.get():
        return None
    slots.AUTH_COOKIE_CHECKED.set(True)
    token = cookie_token()
    if not token:
        return None
    resumed = server.tokens(conf).resume(token)
    if resumed is None:
        slots.AUTH_NOTICE.set(t("auth.cookie_ended", lang))
        slots.DEMO_DECLINED.set(True)
        slots.AUTH_FORGET_COOKIE.set(True)
        return None
    session = session_for(resumed.user, session_id=resumed.session_id)
    _start(session)
    if audit:
        audit("session_resumed", session.username, {})
    return session


def _why_ended(session: Session, conf: Settings, lang: str, now: datetime, demo_allowed: bool) -> str | None:
    """The notice to show if the session's right has ended, else None (one SELECT for an account)."""
    last_seen = slots.AUTH_LAST_SEEN.get(now)
    if session.demo and not demo_allowed:
        return t("auth.demo_ended", lang)
    if session_expired(last_seen, now, conf.session_minutes):
        return t("auth.expired", lang, minutes=conf.session_minutes)
    if not session.demo and (session.account is None or not accounts(conf).session_valid(session.account)):
        return t("auth.session_ended", lang)
    return None


def require_session(conf: Settings, lang: str, demo_allowed: bool, audit: Audit | None = None,
                    before_form: Callable[[], object] | None = None) -> Session:
    """The signed-in session, re-checked on this rerun; otherwise draw the sign-in form and stop the page.

    `demo_allowed` comes from `Settings.demo_mode_allowed` (the one demo-mode rule). `before_form`
    runs before the form is drawn (dashboard.py registers its pages there, hidden, so that the
    page a link names is still the page shown after the sign-in). Accounts in a PostgreSQL database
    that cannot be reached: the page says so (naming the server without its password) and stops."""
    try:
        return _require_session(conf, lang, demo_allowed, audit, before_form)
    except StoreError as err:
        st.error(err.message(lang))
        st.stop()
        raise


def _require_session(conf: Settings, lang: str, demo_allowed: bool, audit: Audit | None,
                     before_form: Callable[[], object] | None) -> Session:
    session = current() or _resume_from_cookie(conf, lang, audit)
    now = _now()
    if session is not None:
        notice = _why_ended(session, conf, lang, now, demo_allowed)
        if notice is None:
            slots.AUTH_LAST_SEEN.set(now)
            if session.session_id is not None:
                server.tokens(conf).touch(session.session_id, now)
            return session
        sign_out()
        slots.AUTH_NOTICE.set(notice)
        if session.session_id is not None:  # its cookie must not bring it back
            server.tokens(conf).end(session.session_id)
            slots.AUTH_FORGET_COOKIE.set(True)
        if session.demo:  # show why, with the demo button while demo mode is allowed, not a silent new session
            slots.DEMO_DECLINED.set(True)
    if demo_allowed and not slots.DEMO_DECLINED.get():
        # First look with no friction: a read-only planner session, said so on screen.
        session = Session(t("auth.demo_user", lang), Role.PLANNER, True, now)
        _start(session)
        _audit_demo_visit(conf, audit)
        return session
    if before_form is not None:
        before_form()
    _sign_in_form(conf, lang, audit, demo_allowed)
    st.stop()
    raise RuntimeError("unreachable")  # st.stop() ends the run


def _audit_demo_visit(conf: Settings, audit: Audit | None) -> None:
    """One row per browser session, and at most DEMO_AUDIT_PER_MINUTE per client."""
    if not audit or slots.DEMO_AUDITED.get():
        return
    slots.DEMO_AUDITED.set(True)
    suppressed = limits(conf).demo_audit.admit(client_address() or _NO_ADDRESS)
    if suppressed is not None:
        audit("sign_in_demo", "demo", {"suppressed": suppressed} if suppressed else {})


def _audit_failure(conf: Settings, audit: Audit | None, username: str, reason: str) -> None:
    """At most FAILED_AUDIT_PER_MINUTE rows per client; the user name is cut to MAX_USERNAME."""
    if not audit:
        return
    suppressed = limits(conf).failed_audit.admit(client_address() or _NO_ADDRESS)
    if suppressed is not None:
        details: dict[str, object] = {"reason": reason}
        if suppressed:
            details["suppressed"] = suppressed
        audit("sign_in_failed", username.strip()[:MAX_USERNAME], details)


def _throttle(conf: Settings) -> Verdict:
    """Count one sign-in attempt of this client; refused beyond the per-minute limit."""
    lim = limits(conf)
    address = client_address()
    if address:
        return lim.attempts.hit(address)
    own = lim.attempts.hit(_browser_key())
    if not own.allowed:
        return own
    return lim.attempts_without_address.hit(_NO_ADDRESS)


def _sign_in_form(conf: Settings, lang: str, audit: Audit | None, demo_allowed: bool) -> None:
    st.title(t("auth.title", lang))
    st.caption(t("auth.intro", lang))
    notice = slots.AUTH_NOTICE.pop()
    if notice:
        st.info(notice)
    if slots.AUTH_FORGET_COOKIE.pop():
        _cookie_call("DELETE", "")
    with st.form("sign_in", clear_on_submit=False):
        username = st.text_input(t("auth.username", lang), key="login_user", max_chars=MAX_USERNAME)
        password = st.text_input(t("auth.password", lang), type="password", key="login_password",
                                 max_chars=MAX_PASSWORD)
        submitted = st.form_submit_button(t("auth.submit", lang), type="primary")
    if submitted:
        _submit(conf, lang, audit, (username or "")[:MAX_USERNAME], password or "")
    if demo_allowed:
        st.divider()
        if st.button(t("auth.demo_button", lang), key="demo_sign_in"):
            slots.DEMO_DECLINED.pop()
            st.rerun()


def _submit(conf: Settings, lang: str, audit: Audit | None, username: str, password: str) -> None:
    """One attempt: throttled first, then checked; every refusal shows the same message."""
    verdict = _throttle(conf)
    if not verdict.allowed:
        _audit_failure(conf, audit, username, "throttled")
        st.error(t("auth.throttled", lang, seconds=verdict.wait_seconds))
        return
    result = accounts(conf).sign_in(username, password, client=client_address())
    if result.ok and result.user:
        if audit:
            audit("sign_in", result.user.username, {"reason": result.reason})
        start_signed_in(conf, result.user)
        st.rerun()
    _audit_failure(conf, audit, username, result.reason)
    # Unknown user, wrong password, locked or disabled: one message (see risk/access/accounts.py).
    st.error(t("auth.invalid", lang))


def sidebar(session: Session, lang: str, audit: Audit | None = None, conf: Settings | None = None) -> None:
    """Who is signed in, and the sign-out button (which signs the account out everywhere)."""
    with st.sidebar:
        st.caption(t("auth.signed_in_as", lang, user=session.username, role=t(ROLE_KEYS[session.role], lang)))
        if st.button(t("auth.sign_out", lang), key="sign_out"):
            ended = 0
            if not session.demo and conf is not None:
                ended = server.tokens(conf).end_all(session.username)
            if audit:
                audit("sign_out", session.username, {} if session.demo else {"sessions_ended": ended})
            sign_out()
            slots.AUTH_FORGET_COOKIE.set(not session.demo)
            if session.demo:  # leaving demo mode means: show the sign-in form
                slots.DEMO_DECLINED.set(True)
            st.rerun()
        _hand_over_cookie(session, conf)
    if session.demo:
        st.info(t("auth.demo_banner", lang), icon=":material/visibility:")


def _hand_over_cookie(session: Session, conf: Settings | None) -> None:
    """Until the browser has its cookie, the page posts the one-time code to our route."""
    code = slots.AUTH_HANDOFF.get()
    if not code or session.session_id is None or conf is None:
        return
    if server.tokens(conf).bound(session.session_id):
        slots.AUTH_HANDOFF.pop()
        return
    _cookie_call("POST", code)


_COOKIE_SCRIPT = """<script>
(function () {
  document.querySelectorAll("div.risk-session-call").forEach(function (call) {
    if (call.dataset.sent) { return; }
    call.dataset.sent = "1";
    var options = {method: call.dataset.method, credentials: "same-origin", headers: {"Content-Type": "text/plain"}};
    if (call.dataset.method === "POST") { options.body = call.dataset.code; }
    fetch(call.dataset.url, options).catch(function () { call.dataset.sent = ""; });
  });
})();
</script>"""


def _cookie_call(method: str, code: str) -> None:
    """Make the page call the session route (ui/server.py): POST a code for the cookie, or DELETE it.
    The code is random URL-safe text; it is escaped all the same. It is never put in a URL."""
    st.html(f'<div class="risk-session-call" hidden data-method="{html.escape(method, quote=True)}" '
            f'data-url="{html.escape(server.session_url(), quote=True)}" data-code="{html.escape(code, quote=True)}">'
            f"</div>{_COOKIE_SCRIPT}", unsafe_allow_javascript=True)
