"""Commune names as they are compared, and the index that finds a commune by name.

Registers written by hand name communes more often than they give codes, and the
same name is written "Xã Mường Xén", "mường xén" or with decomposed accents. One
rule (NFC, case folding, single spaces, no Xã/Phường/Thị trấn prefix) is used
wherever a name is matched: today's communes in the boundaries and the pre-2025
communes of a crosswalk alike. Names that repeat are told apart by former district.
"""
from __future__ import annotations

import difflib

import pandas as pd

from risk.ingest.checks import clean_text

__all__ = ["NAME_PREFIXES", "CommuneIndex", "name_key"]

# Commune type words dropped before names are compared ("Xã Mường Xén" = "Mường Xén").
NAME_PREFIXES = ("thị trấn ", "phường ", "xã ", "tt. ", "tt ", "p. ", "x. ")


def name_key(text: object) -> str:
    """A commune name as compared: NFC, case-folded, single spaces, no Xã/Phường/Thị trấn prefix."""
    key = " ".join(clean_text(text).casefold().split())
    for prefix in NAME_PREFIXES:
        if key.startswith(prefix) and len(key) > len(prefix):
            return key[len(prefix):].strip()
    return key


class CommuneIndex:
    """Commune codes by compared name (and former district, when names repeat).

    `communes` has `commune_id` and `name`, optionally `former_district`: the
    boundaries, or a crosswalk's pre-2025 communes in the same shape.
    """

    def __init__(self, communes: pd.DataFrame):
        self.names: dict[str, list[int]] = {}
        self.ids = communes["commune_id"].tolist()
        self.labels = communes["name"].tolist()
        self.districts = (communes["former_district"].map(name_key).tolist()
                          if "former_district" in communes else [""] * len(communes))
        for position, name in enumerate(self.labels):
            self.names.setdefault(name_key(name), []).append(position)

    def match(self, name: str, district: str = "") -> list[int]:
        """Positions of the communes with this name (narrowed by district when given)."""
        found = self.names.get(name_key(name), [])
        if len(found) > 1 and district:
            narrowed = [p for p in found if self.districts[p] == name_key(district)]
            return narrowed or found
        return found

    def closest(self, name: str, n: int = 1) -> list[int]:
        """Positions of the communes whose names are closest (difflib), best first, for suggestions."""
        hits = difflib.get_close_matches(name_key(name), list(self.names), n=n, cutoff=0.6)
        return [self.names[hit][0] for hit in hits]
