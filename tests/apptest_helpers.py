"""Helpers shared by the AppTest page tests."""
from __future__ import annotations

import json

from streamlit.testing.v1 import AppTest


def map_args(at: AppTest) -> dict:
    """The arguments the page sent to its one streamlit-folium component (script, links, ...)."""
    comps = [e for e in at.main if getattr(e, "type", None) == "component_instance"]
    assert len(comps) == 1, "the page should hold exactly one map component"
    return json.loads(comps[0].proto.json_args)


def signed_in_session(role, username: str | None = None):
    """A ui.auth.Session as a real sign-in opens it, for an account created (if missing) in this
    test's accounts database: sessions are re-checked against their account on every rerun."""
    from risk.access.accounts import Accounts, generate_password
    from risk.access.settings import load_settings
    from ui.auth import session_for

    accounts = Accounts(load_settings().accounts_db)
    name = username or f"user-{role.value}"
    if accounts.get(name) is None:
        accounts.add(name, role, generate_password())
    user = accounts.get(name)
    if user.role != role:
        raise ValueError(f"account {name} exists with role {user.role.value}, not {role.value}: use another name")
    return session_for(user)


def open_page(page: str, role, username: str | None = None, lang: str = "en", timeout: float = 300) -> AppTest:
    """The dashboard signed in as `role`, switched to `page` (e.g. "pages/risk_map.py") and run once."""
    from risk.access.settings import PROJECT_ROOT

    at = AppTest.from_file(str(PROJECT_ROOT / "dashboard.py"), default_timeout=timeout)
    at.session_state["lang"] = lang
    at.session_state["auth"] = signed_in_session(role, username)
    at.run()
    at.switch_page(page)
    at.run()
    return at
