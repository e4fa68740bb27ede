"""The shipped Nghệ An crosswalk (data/reference/nghe_an/crosswalk_2025.csv) is the reference list's
`merged_from_old_units`, read unit by unit: 412 pre-2025 communes into today's 130."""
from __future__ import annotations

import pandas as pd

from risk.demo.crosswalk import CROSSWALK_FILE, crosswalk_text, reference_crosswalk
from risk.demo.reference import COMMUNES_FILE, REFERENCE_DIR


def test_the_committed_crosswalk_is_the_derivation_of_the_reference_list() -> None:
    committed = (REFERENCE_DIR / CROSSWALK_FILE).read_text(encoding="utf-8")
    assert committed == crosswalk_text(reference_crosswalk()), "run: python -m risk.demo.crosswalk"


def test_412_old_units_each_in_exactly_one_of_the_130_communes() -> None:
    crosswalk = reference_crosswalk()
    communes = pd.read_csv(REFERENCE_DIR / COMMUNES_FILE, dtype=str, keep_default_na=False)
    assert len(crosswalk) == 412 and crosswalk["old_commune_id"].is_unique
    assert set(crosswalk["new_commune_id"]) == set(communes["code"])
    per_new = crosswalk.groupby("new_commune_id").size()
    assert (per_new == communes.set_index("code")["n_old_units"].astype(int).reindex(per_new.index)).all()
    assert (crosswalk["weight"] == 1.0).all()
    # Spot checks against the list's own text.
    row = crosswalk.set_index("old_commune_id").loc["16663"]
    assert (row["old_name"], row["new_commune_id"]) == ("Phường Đông Vĩnh", "16681")
    assert CROSSWALK_FILE in (REFERENCE_DIR / "SOURCES.md").read_text(encoding="utf-8")
