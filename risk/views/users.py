"""The admin page's list of accounts, read in the user's language (no passwords, no hashes)."""
from __future__ import annotations

from datetime import datetime, timezone

import pandas as pd

from risk.access.accounts import User
from risk.access.privacy import ROLE_KEYS
from risk.i18n import format_datetime, t


def status(user: User, lang: str, now: datetime | None = None) -> str:
    """Active, disabled, or locked until when (a lock counts only while it lasts)."""
    now = now or datetime.now(timezone.utc)
    if user.disabled:
        return t("us.status.disabled", lang)
    if user.locked_until is not None and user.locked_until > now:
        return t("us.status.locked", lang, until=format_datetime(user.locked_until.isoformat(), lang))
    return t("us.status.active", lang)


def users_table(users: list[User], lang: str, now: datetime | None = None) -> pd.DataFrame:
    """One row per account: name, role, status and creation time, with translated headers."""
    return pd.DataFrame({
        t("us.col.user", lang): [u.username for u in users],
        t("us.col.role", lang): [t(ROLE_KEYS[u.role], lang) for u in users],
        t("us.col.status", lang): [status(u, lang, now) for u in users],
        t("us.col.created", lang): [format_datetime(u.created_at.isoformat(), lang) for u in users],
    })
