"""The July 2025 reform as data: reading and checking a crosswalk file, and the reform it describes.

A crosswalk (`crosswalk.csv`) lists each pre-2025 commune (`old_commune_id`,
`old_name`, optionally `old_district`), the commune of today it went to
(`new_commune_id`) and, when it was split, the share of its population that went
there (`weight`, 1 when it went whole). Every problem is named by file, row and
column like the other loaders'. `Reform` is the checked crosswalk seen from both
sides, as the row conversion (risk/ingest/rekey.py) uses it.
"""
from __future__ import annotations

import difflib
from typing import Collection

import geopandas as gpd
import numpy as np
import pandas as pd

from risk.contracts.dataset import CROSSWALK_COLUMNS
from risk.ingest.checks import ProblemLog, clean_text, is_missing, parse_numbers, report_duplicates, \
    require_columns, required_text
from risk.ingest.names import CommuneIndex

__all__ = ["CROSSWALK_KNOWN", "WEIGHT_TOLERANCE", "Reform", "validate_crosswalk"]

CROSSWALK_KNOWN = frozenset(CROSSWALK_COLUMNS)
WEIGHT_TOLERANCE = 0.01  # the weights of one old unit must sum to 1 within this
SUGGESTIONS = 3  # nearest pre-2025 communes named for an unknown code


def validate_crosswalk(frame: pd.DataFrame, commune_ids: Collection[str] | None,
                       log: ProblemLog) -> pd.DataFrame | None:
    """A crosswalk from text cells indexed by spreadsheet row (see `risk.ingest.text.read_table`).

    Refused, each by row and column: a missing code or name, a new commune not in the boundaries
    (`commune_ids`, when known), a row given twice, a weight that is not a share in (0, 1], an old
    unit split between communes without a weight on every row, and weights of one old unit that do
    not sum to 1 (± WEIGHT_TOLERANCE). Returns CROSSWALK_COLUMNS, weights filled with 1 where an old
    unit went whole to one commune; None with the problems in `log`.
    """
    if not require_columns(frame, ("old_commune_id", "old_name", "new_commune_id"), log):
        return None
    out = pd.DataFrame(index=frame.index)
    out["old_commune_id"] = required_text(frame, "old_commune_id", log)
    out["old_name"] = required_text(frame, "old_name", log)
    out["old_district"] = frame["old_district"].map(clean_text) if "old_district" in frame else ""
    out["new_commune_id"] = required_text(frame, "new_commune_id", log)
    if commune_ids is not None:
        known = set(commune_ids)
        for row, value in out["new_commune_id"][(out["new_commune_id"] != "")
                                                & ~out["new_commune_id"].isin(known)].items():
            log.add("crosswalk.unknown_new_commune", row=row, column="new_commune_id", value=value)
    out["weight"], unreadable = _weights(frame, log)
    keyed = out[(out["old_commune_id"] != "") & (out["new_commune_id"] != "")]
    report_duplicates(keyed[["old_commune_id", "new_commune_id"]], log, "crosswalk.duplicate_row", None)
    readable = ~keyed["old_commune_id"].isin(set(keyed["old_commune_id"][unreadable.reindex(keyed.index)]))
    _check_splits(keyed[readable].drop_duplicates(["old_commune_id", "new_commune_id"]), log)
    if log:
        return None
    out["weight"] = out["weight"].fillna(1.0).astype("float64")
    return out[list(CROSSWALK_COLUMNS)].reset_index(drop=True)


def _weights(frame: pd.DataFrame, log: ProblemLog) -> tuple[pd.Series, pd.Series]:
    """Weights as numbers (NaN where not given), and the cells already refused: not a number, or not
    a share in (0, 1]."""
    if "weight" not in frame:
        return pd.Series(np.nan, index=frame.index), pd.Series(False, index=frame.index)
    values = frame["weight"]
    given = ~is_missing(values)
    numbers = parse_numbers(values, "weight", log)
    outside = (numbers <= 0) | (numbers > 1)
    for row in numbers.index[outside]:
        log.add("crosswalk.weight_out_of_range", row=row, column="weight", value=values[row])
    return numbers.where(given), (given & numbers.isna()) | outside


def _check_splits(rows: pd.DataFrame, log: ProblemLog) -> None:
    """An old unit in several new communes needs a weight on each row, and every old unit's weights
    (1 where not given for a unit that went whole) must sum to 1."""
    for old_id, group in rows.groupby("old_commune_id", sort=False):
        targets = ", ".join(group["new_commune_id"])
        if len(group) > 1 and group["weight"].isna().any():
            for row in group.index[group["weight"].isna()]:
                log.add("crosswalk.split_without_weights", row=row, column="weight", value=old_id,
                        communes=targets)
            continue
        total = float(group["weight"].fillna(1.0).sum())
        if abs(total - 1.0) > WEIGHT_TOLERANCE:
            log.add("crosswalk.weights_not_one", row=int(group.index[0]), column="weight", value=old_id,
                    total=f"{total:.3f}", rows=", ".join(str(r) for r in group.index), communes=targets)


class Reform:
    """A checked crosswalk against the boundaries of today: which codes are old, which are new, what
    each old unit became, and the name indexes of both sides (one matching rule, risk/ingest/names.py).

    An old unit's former district is the crosswalk's `old_district`, else the former district of the
    commune it went to (what the boundaries record), so names that repeat can be told apart.
    """

    def __init__(self, crosswalk: pd.DataFrame, communes: gpd.GeoDataFrame):
        self.crosswalk = crosswalk
        self.new_ids: frozenset[str] = frozenset(communes["commune_id"].astype(str))
        self.old_ids: frozenset[str] = frozenset(crosswalk["old_commune_id"])
        self.targets: dict[str, list[tuple[str, float]]] = {}
        for old_id, new_id, weight in crosswalk[["old_commune_id", "new_commune_id", "weight"]].itertuples(index=False):
            self.targets.setdefault(old_id, []).append((new_id, float(weight)))
        self.parts: dict[str, list[str]] = {}
        for old_id, targets in self.targets.items():
            for new_id, _ in targets:
                self.parts.setdefault(new_id, []).append(old_id)
        # The commune that received the largest share (ties: the lowest code): where a case goes.
        self.main_target = {old: min(t, key=lambda pair: (-pair[1], pair[0]))[0] for old, t in self.targets.items()}
        districts = (communes.set_index(communes["commune_id"].astype(str))["former_district"].astype(str)
                     if "former_district" in communes else pd.Series(dtype=str))
        units = crosswalk.drop_duplicates("old_commune_id")
        given = units["old_district"].astype(str)
        fallback = units["old_commune_id"].map(self.main_target).map(districts).fillna("")
        self.old_units = pd.DataFrame({"commune_id": units["old_commune_id"].to_numpy(),
                                       "name": units["old_name"].to_numpy(),
                                       "former_district": given.where(given != "", fallback).to_numpy()})
        self.old_names = dict(zip(self.old_units["commune_id"], self.old_units["name"]))
        self.old_index = CommuneIndex(self.old_units)
        self.new_index = CommuneIndex(communes)

    def label(self, old_id: str) -> str:
        """'Xã Ngọc Sơn (17767)': an old unit as messages name it."""
        return f"{self.old_names.get(old_id, '')} ({old_id})".strip()

    def nearest(self, code: str, name: str = "") -> str:
        """The pre-2025 communes nearest to an unknown code (by its name when the row gives one,
        else by the code's digits), as a list for a message; '-' when none is close."""
        if name:
            positions = self.old_index.closest(name, SUGGESTIONS)
            found = [self.old_index.ids[p] for p in positions]
        else:
            found = difflib.get_close_matches(code, sorted(self.old_ids), n=SUGGESTIONS, cutoff=0.6)
        return ", ".join(self.label(old_id) for old_id in found) or "-"
