"""risk/ingest/checks.py: the ProblemLog and the column checks every loader shares."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from risk.ingest.checks import (
    DataError, ProblemLog, check_integers, clean_text, is_missing, normalise_choice, parse_numbers, report_duplicates,
)


def test_problems_name_file_row_and_column_and_file_wide_ones_come_first() -> None:
    log = ProblemLog("indicators.csv")
    log.add("io.not_a_number", row=7, column="poverty_rate", value="abc")
    log.add("io.no_data")
    log.add("io.not_a_number", row=3, column="poverty_rate", value="x")
    assert [(p.file, p.row, p.column) for p in log.problems] == [
        ("indicators.csv", None, None), ("indicators.csv", 3, "poverty_rate"), ("indicators.csv", 7, "poverty_rate")]
    with pytest.raises(DataError) as info:
        log.raise_if_any()
    vi, en = info.value.messages("vi"), info.value.messages("en")
    assert len(vi) == 3 and vi != en and all("indicators.csv" in m for m in en[1:])


def test_the_log_is_capped_and_says_how_many_more() -> None:
    log = ProblemLog("cases.csv", limit=5)
    for row in range(1, 13):
        log.add("io.not_integer", row=row, column="victims", value="1.5")
    assert len(log) == 12 and len(log.problems) == 6
    assert log.problems[-1].code == "io.more_problems" and log.problems[-1].params == {"count": 7}


def test_numbers_with_percent_signs_pass_and_decimal_commas_get_their_own_hint() -> None:
    values = pd.Series(["12.5", "40%", "12,5", "abc", "", "-"], index=range(2, 8))
    log = ProblemLog("indicators.csv")
    numbers = parse_numbers(values, "poverty_rate", log)
    assert numbers.tolist()[:2] == [12.5, 40.0] and numbers.iloc[2:].isna().all()
    assert [(p.row, p.code) for p in log.problems] == [(4, "io.decimal_comma"), (5, "io.not_a_number")]


def test_missing_tokens_integers_duplicates_and_choices() -> None:
    assert is_missing(pd.Series(["", "N/A", "null", "—", "0"])).tolist() == [True, True, True, True, False]
    log = ProblemLog("cases.csv")
    whole = check_integers(pd.Series([1.0, 2.5, np.nan], index=[2, 3, 4]), pd.Series(["1", "2.5", ""], index=[2, 3, 4]),
                           "victims", log)
    assert whole.tolist() == [True, False, True] and log.problems[0].row == 3
    keys = pd.DataFrame({"commune_id": ["a", "b", "a"], "year": [2024, 2024, 2024]}, index=[2, 3, 4])
    dup = ProblemLog("indicators.csv")
    report_duplicates(keys, dup, "io.duplicate_commune_year", "commune_id")
    assert len(dup.problems) == 1 and dup.problems[0].row == 4 and dup.problems[0].params["first_row"] == 2
    assert normalise_choice("Forced-Labor", {"forced_labor": "forced_labour"}) == "forced_labour"
    decomposed = "Xa\u0303 Mu\u031bo\u031b\u0300ng Xe\u0301n"  # the same letters, NFD (macOS file names)
    assert clean_text(f"  {decomposed} \n") == "Xã Mường Xén" and clean_text(16681.0) == "16681"
    assert clean_text(None) == "" and clean_text(float("nan")) == ""
