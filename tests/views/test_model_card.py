"""The Model page's sentences about the patrol feedback loop (risk/views/model_card.py)."""
from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest

from risk.i18n import t
from risk.ingest.folder import load_dataset
from risk.access.settings import DEFAULT_DATA_DIR
from risk.views.model_card import feedback_lines


@pytest.fixture(scope="module")
def demo():
    return load_dataset(DEFAULT_DATA_DIR)


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_without_effort_data_the_card_says_the_bias_cannot_be_corrected(demo, lang) -> None:
    lines = feedback_lines(demo, 1.0, lang)
    assert lines[0] == t("mp.feedback.no_effort", lang)
    share = (demo.cases["detected_by"] == "patrol").mean()
    assert f"{round(share * 100)}" in lines[1] and "%" in lines[1]


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_a_weight_below_one_is_labelled_a_sensitivity_check(demo, lang) -> None:
    lines = feedback_lines(demo, 0.5, lang)
    start = t("mp.feedback_state_sensitivity", lang, share="@", weight="@").split("@")[0]
    assert lines[1].startswith(start)
    assert ("0,50" if lang == "vi" else "0.50") in lines[1]


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_with_effort_data_the_card_names_its_extent_and_unit(demo, lang) -> None:
    ids = demo.boundaries["commune_id"].astype(str)
    patrols = pd.DataFrame({"commune_id": list(ids) * 2, "year": [2023] * len(ids) + [2024] * len(ids),
                            "effort": 3.0, "unit": "hours"})
    lines = feedback_lines(replace(demo, patrols=patrols), 1.0, lang)
    assert "2023–2024" in lines[0] and t("mp.feedback.unit.hours", lang) in lines[0]
    assert ("260" in lines[0]) and lines[0] != t("mp.feedback.no_effort", lang)


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_a_note_names_its_feature_by_label_not_by_column(lang) -> None:
    from risk.analysis.features import feature_label
    from risk.analysis.model import Note
    from risk.views.model_card import note_text

    text = note_text(Note("model.note.dropped_missing", {"feature": "cases_t1", "years": "2021"}), lang)
    assert feature_label("cases_t1", lang) in text and "cases_t1" not in text
    extra = note_text(Note("model.note.dropped_missing", {"feature": "my_column", "years": "2021"}), lang)
    assert "my_column" in extra
