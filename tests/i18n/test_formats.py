"""Dates as each language writes them, in Vietnam's time."""
from __future__ import annotations

from risk.i18n import format_date, format_datetime


def test_dates_are_vietnam_days_written_by_language():
    late = "2026-03-04T18:30:00+00:00"  # 01:30 on the 5th in Vietnam
    assert format_date(late, "vi") == "05/03/2026" and format_date(late, "en") == "5 Mar 2026"
    assert format_datetime(late, "vi") == "05/03/2026 01:30" and format_datetime(late, "en") == "5 Mar 2026 01:30"
    assert format_date("2026-03-04T18:30:00", "vi") == "05/03/2026"  # no offset: UTC, as the store writes
    assert format_date(None, "vi") == format_date("not a date", "en") == "–"
