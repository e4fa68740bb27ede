"""The real July 2025 crosswalk of a province, derived from its reference commune list.

`nghe_an_communes_2025.csv` lists, for each of today's communes, the pre-2025
units merged into it ("Phường Đông Vĩnh (16663); ..."). Each old unit lies in
exactly one new commune there, so every weight is 1. The derived file ships as
`data/reference/<province>/crosswalk_2025.csv`; `python -m risk.demo.crosswalk`
writes it again, and a test holds the committed copy to this derivation.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

import pandas as pd

from risk.demo.reference import COMMUNES_FILE, REFERENCE_DIR
from risk.demo.write import csv_text, write_text

CROSSWALK_FILE = "crosswalk_2025.csv"
COLUMNS = ("old_commune_id", "old_name", "new_commune_id", "weight")
_UNIT = re.compile(r"^(?P<name>.+?)\s*\((?P<code>\d+)\)$")


def reference_crosswalk(ref_dir: Path = REFERENCE_DIR) -> pd.DataFrame:
    """One row per pre-2025 unit: its code and name, the new commune it went to, weight 1.

    Sorted by new commune, then old code. Raises ValueError when a unit cannot be parsed,
    when the count disagrees with the list's `n_old_units`, or when a unit appears twice.
    """
    raw = pd.read_csv(ref_dir / COMMUNES_FILE, dtype=str, keep_default_na=False)
    rows = []
    for new_code, merged, count in zip(raw["code"].str.strip(), raw["merged_from_old_units"],
                                       raw["n_old_units"]):
        units = [part.strip() for part in merged.split(";") if part.strip()]
        if len(units) != int(count):
            raise ValueError(f"{COMMUNES_FILE}: commune {new_code} lists {len(units)} old units, n_old_units={count}")
        for unit in units:
            found = _UNIT.match(unit)
            if not found:
                raise ValueError(f"{COMMUNES_FILE}: commune {new_code}: cannot read old unit {unit!r}")
            rows.append((found["code"], found["name"], new_code, 1.0))
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    repeated = frame["old_commune_id"][frame["old_commune_id"].duplicated()]
    if len(repeated):
        raise ValueError(f"{COMMUNES_FILE}: old units in more than one new commune: {sorted(set(repeated))}")
    return frame.sort_values(["new_commune_id", "old_commune_id"], kind="mergesort").reset_index(drop=True)


def crosswalk_text(frame: pd.DataFrame) -> str:
    """The crosswalk as CSV text (weights written as 1, not 1.0)."""
    return csv_text(frame[list(COLUMNS)], {"weight": "{:g}"})


def main(argv: list[str] | None = None) -> int:
    """Write the reference crosswalk next to the commune list it is derived from."""
    out = Path(argv[0]) if argv else REFERENCE_DIR / CROSSWALK_FILE
    write_text(out, crosswalk_text(reference_crosswalk()))
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
