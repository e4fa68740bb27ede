"""The Audit page's table, read in the user's language: actions named, times in Vietnam time."""
from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta, timezone

import pandas as pd

from risk.i18n import VIETNAM_TIME, format_datetime, format_number, t

# Catalogue keys of the actions the application writes to the log (risk/store, ui/auth, exports).
ACTION_KEYS = {
    "import": "ap.act.import", "activate": "ap.act.activate", "export": "ap.act.export",
    "sign_in": "ap.act.sign_in", "sign_in_demo": "ap.act.sign_in_demo", "sign_in_failed": "ap.act.sign_in_failed",
    "sign_out": "ap.act.sign_out", "audit_chain_started": "ap.act.audit_chain_started",
    "session_resumed": "ap.act.session_resumed", "password_changed": "ap.act.password_changed",
    "user_added": "ap.act.user_added", "user_role": "ap.act.user_role", "user_disabled": "ap.act.user_disabled",
    "user_enabled": "ap.act.user_enabled", "user_reset": "ap.act.user_reset",
}


def action_label(action: str, lang: str) -> str:
    """An action's name in `lang`; an action this version does not know is shown as written."""
    return t(ACTION_KEYS[action], lang) if action in ACTION_KEYS else str(action)


def audit_table(entries: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Log entries (Store.audit) with times in Vietnam time, actions named and columns labelled."""
    table = entries.assign(
        at=entries["at"].map(lambda v: format_datetime(v, lang)),
        action=entries["action"].map(lambda a: action_label(a, lang)),
        details=entries["details"].map(lambda d: json.dumps(d, ensure_ascii=False)),
        rows=[("–" if pd.isna(r) else format_number(float(r), 0, lang)) for r in entries["rows"]],
    )
    return table.rename(columns={"id": "#", "at": t("ap.at_local", lang), "user": t("ap.user", lang),
                                 "action": t("ap.action", lang), "details": t("ap.details", lang),
                                 "rows": t("ap.rows", lang)})


def local_today() -> date:
    """Today in Vietnam (the server may run on UTC, where the day changes 7 hours later)."""
    return datetime.now(VIETNAM_TIME).date()


def utc_bounds(since: date, until: date) -> tuple[str, str]:
    """The log's UTC timestamps (as stored, ISO) from the start of `since` to the end of `until`, both
    days in Vietnam time, so the rows listed are the ones whose local date the page shows."""
    start = datetime.combine(since, time(0), VIETNAM_TIME).astimezone(timezone.utc)
    end = datetime.combine(until + timedelta(days=1), time(0), VIETNAM_TIME).astimezone(timezone.utc)
    return start.strftime("%Y-%m-%dT%H:%M:%S"), end.strftime("%Y-%m-%dT%H:%M:%S")
