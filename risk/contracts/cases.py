"""The case register's fixed choices: the forms of trafficking and who detected a case.

The readers (risk.ingest.folder) check every case row against these. They live here, in a
module that imports nothing, so that the command line's parser and the links in the URL
can offer them without loading the readers and geopandas.
"""
from __future__ import annotations

FORMS: tuple[str, ...] = ("sexual_exploitation", "forced_marriage", "forced_labour", "child_trafficking", "other")
DETECTED_BY: tuple[str, ...] = ("patrol", "victim_or_family_report", "returnee_screening", "other")
