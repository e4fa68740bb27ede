"""Helpers shared by the AppTest page tests."""
from __future__ import annotations

import json

from streamlit.testing.v1 import AppTest


def map_args(at: AppTest) -> dict:
    """The arguments the page sent to its one streamlit-folium component (script, links, ...)."""
    comps = [e for e in at.main if getattr(e, "type", None) == "component_instance"]
    assert len(comps) == 1, "the page should hold exactly one map component"
    return json.loads(comps[0].proto.json_args)
