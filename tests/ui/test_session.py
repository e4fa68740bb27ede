"""ui/session.py owns every session-state key: no other app file touches st.session_state."""
from __future__ import annotations

import re
from pathlib import Path

from ui import session

ROOT = Path(__file__).resolve().parents[2]


def test_slot_names_are_unique() -> None:
    names = [slot.name for slot in session.ALL_SLOTS]
    assert len(names) == len(set(names)) and len(names) >= 10


def test_no_app_file_outside_ui_session_touches_session_state() -> None:
    files = [ROOT / "dashboard.py", *sorted((ROOT / "ui").glob("*.py")), *sorted((ROOT / "pages").glob("*.py"))]
    offenders = [f"{path.relative_to(ROOT)}:{number}" for path in files if path.name != "session.py"
                 for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                 if re.search(r"\bsession_state\b", line)]
    assert offenders == [], offenders
