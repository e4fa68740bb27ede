"""Dates as each language writes them, in Vietnam's time."""
from __future__ import annotations

from risk.i18n import format_date, format_datetime


def test_dates_are_vietnam_days_written_by_language():
    late = "2026-03-04T18:30:00+00:00"  # 01:30 on the 5th in Vietnam
    assert format_date(late, "vi") == "05/03/2026" and format_date(late, "en") == "5 Mar 2026"
    assert format_datetime(late, "vi") == "05/03/2026 01:30" and format_datetime(late, "en") == "5 Mar 2026 01:30"
    assert format_date("2026-03-04T18:30:00", "vi") == "05/03/2026"  # no offset: UTC, as the store writes
    assert format_date(None, "vi") == format_date("not a date", "en") == "–"


def test_percentages_and_indicator_values_by_language():
    from risk.i18n import format_percent, format_value

    assert format_percent(0.032, "vi") == "3,2\u00a0%" and format_percent(0.032, "en") == "3.2%"
    assert format_value(3.24, "%", "vi") == "3,2\u00a0%" and format_value(3.24, "%", "en") == "3.2%"
    assert format_value(3.24, "%", "vi", with_unit=False) == "3,2"
    assert format_value(63593.9, "", "vi") == "63.594" and format_value(63593.9, "", "en") == "63,594"
    assert format_value(2.345, "", "vi") == "2,35" and format_value(None, "%", "vi") == "–"
