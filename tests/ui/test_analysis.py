"""ui/analysis.py: the feature table is built once per dataset, not once per year or model run."""
from __future__ import annotations

import streamlit as st

import risk.analysis.features as features
from risk.access.privacy import Role
from risk.access.settings import load_settings
from risk.ingest.folder import load_dataset
from tests.apptest_helpers import open_page


def test_the_feature_table_is_built_once_for_every_year(monkeypatch) -> None:
    st.cache_data.clear()
    calls = []
    real = features.feature_table

    def counted(ds, patrol_weight=1.0):
        if len(ds.indicators) == len(open_ds.indicators):  # the leakage check builds its truncated copy's own
            calls.append(patrol_weight)
        return real(ds, patrol_weight)

    open_ds = load_dataset(load_settings().data_dir)
    monkeypatch.setattr(features, "feature_table", counted)
    at = open_page("pages/risk_map.py", Role.PLANNER, "u-planner")
    at.selectbox(key="map_indicator").set_value("__score__")
    at.run()
    years = at.selectbox(key="map_year").options
    for year in years[:3]:
        at.selectbox(key="map_year").set_value(int(year))
        at.run()
        assert not at.exception, at.exception
    at.switch_page("pages/model.py")
    at.run()
    assert not at.exception, at.exception
    assert calls == [1.0], f"feature table built {len(calls)} times"
