"""The Audit page's table in the user's language (risk/views/audit.py)."""
from __future__ import annotations

import ast
from pathlib import Path

import pandas as pd
import pytest

from risk.access.settings import PROJECT_ROOT
from risk.i18n import t
from risk.store.audit_chain import START_ACTION
from risk.views.audit import ACTION_KEYS, action_label, audit_table


def _written_actions() -> set[str]:
    """Actions passed as a literal to audit(...), append_audit(...) or write_entry(...) anywhere."""
    found = {START_ACTION}
    for path in [*(PROJECT_ROOT / "risk").rglob("*.py"), *(PROJECT_ROOT / "ui").rglob("*.py"),
                 *(PROJECT_ROOT / "pages").rglob("*.py")]:
        for node in ast.walk(ast.parse(Path(path).read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "attr", getattr(node.func, "id", ""))
                position = {"audit": 0, "append_audit": 2, "write_entry": 2}.get(name)
                if position is not None and len(node.args) > position:
                    arg = node.args[position]
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                        found.add(arg.value)
    return found


def test_every_action_the_application_writes_has_a_name() -> None:
    written = _written_actions()
    assert {"import", "activate", "export", "sign_in", "sign_out"} <= written
    assert written <= set(ACTION_KEYS), written - set(ACTION_KEYS)


@pytest.mark.parametrize("lang, when", [("vi", "04/12/2026 01:00"), ("en", "4 Dec 2026 01:00")])
def test_the_log_reads_in_the_users_language(lang, when) -> None:
    entries = pd.DataFrame({"at": ["2026-12-03T18:00:00Z"], "user": ["admin"], "action": ["activate"],
                            "details": [{"version": 2}], "rows": [None]})
    table = audit_table(entries, lang)
    assert table.iloc[0][t("ap.at_local", lang)] == when
    assert table.iloc[0][t("ap.action", lang)] == t("ap.act.activate", lang)
    assert action_label("something_new", lang) == "something_new"
    assert table.iloc[0][t("ap.rows", lang)] == "–"  # no row count: a dash, not "None"


def test_the_date_filter_is_in_vietnam_time() -> None:
    from datetime import date

    from risk.views.audit import utc_bounds

    start, end = utc_bounds(date(2026, 12, 4), date(2026, 12, 4))
    assert (start, end) == ("2026-12-03T17:00:00", "2026-12-04T17:00:00")
    assert start <= "2026-12-03T17:39:47.371Z" < end  # 00:39 on the 4th in Vietnam
    assert not ("2026-12-03T16:59:59.000Z" >= start)  # 23:59 on the 3rd is not
