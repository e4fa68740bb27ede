"""Who may see what of the case records. Pages ask here; they never decide.

Case rows describe victims. Commanders and admins see case points and case
tables; planners and officials see only counts per commune, with small cells
(fewer than k cases) suppressed so a count cannot point at a family.

Suppression is only as good as its weakest neighbour: any number computed from
case counts can give a hidden count back. So this module also decides, per
role, every such number:
- the model's case features (recorded cases at t and t-1, neighbours' cases) and
  their contributions: hidden, and the main drivers are chosen among the other
  features so that even their choice says nothing about the counts;
- hotspot statistics (observed against expected, p-values, the smoothed relative risk
  and its interval, z-scores, the scan's cut-offs and dispersion): shown only
  to roles that see case rows; others see the class;
- totals that include a hidden cell: shown as "≥m" (secondary suppression), so a
  hidden cell cannot be worked out by subtraction.
What stays visible to every role is the decision itself: the risk score, its
rank, the hotspot cluster a commune is in, the band of its smoothed risk ("likely
above 1.5×") and its trend. They depend on counts only through a fitted model
or a test, are rounded (whole per cent) and are what the product exists to show.
"""
from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pandas loads where a table is made: the roles alone (the command line's parser) need none
    import pandas as pd

DEFAULT_SMALL_CELL_K = 3


class Role(str, Enum):
    ADMIN = "admin"
    COMMANDER = "commander"
    PLANNER = "planner"
    OFFICIAL = "official"


# Catalogue keys of the roles' names (risk/i18n), owned here so no caller builds a key from a role.
ROLE_KEYS: dict[Role, str] = {Role.ADMIN: "role.admin", Role.COMMANDER: "role.commander",
                              Role.PLANNER: "role.planner", Role.OFFICIAL: "role.official"}
assert set(ROLE_KEYS) == set(Role)

# Until accounts exist, a session has the least-privileged role for case data.
DEFAULT_ROLE = Role.PLANNER


# Which roles may open each page. A page missing here is open to every signed-in role.
PAGE_ROLES: dict[str, frozenset[Role]] = {
    "data": frozenset({Role.ADMIN}),
    "audit": frozenset({Role.ADMIN}),
    "users": frozenset({Role.ADMIN}),
}


def page_allowed(page: str, role: Role) -> bool:
    """Whether `role` may open `page` (the dashboard only lists allowed pages)."""
    return role in PAGE_ROLES.get(page, frozenset(Role))


def can_export_case_rows(role: Role) -> bool:
    """Exports holding case-level data: commander and admin only."""
    return can_see_case_points(role)


def can_see_case_points(role: Role) -> bool:
    """Case coordinates and per-case fields: commander and admin only."""
    return role in (Role.ADMIN, Role.COMMANDER)


def case_counts_by_year(
    cases: pd.DataFrame, commune_id: str, years: list[int], role: Role, k: int = DEFAULT_SMALL_CELL_K,
) -> pd.DataFrame:
    """Recorded cases per year in one commune, as the role may see them.

    Columns: year, cases (int, or None where suppressed), shown (text: the count,
    or "<k" for a suppressed small cell; suppression applies to non-zero
    counts below k for roles that may not see case rows).
    """
    import pandas as pd

    rows = cases[cases["commune_id"] == commune_id]
    counts = rows.groupby(rows["date"].dt.year).size().reindex(years, fill_value=0)
    suppress = not can_see_case_points(role)
    out = []
    for year, n in counts.items():
        hidden = suppress and 0 < n < k
        out.append({"year": int(year), "cases": None if hidden else int(n), "shown": f"<{k}" if hidden else str(int(n))})
    return pd.DataFrame(out, columns=["year", "cases", "shown"])


def commune_case_counts(
    cases: pd.DataFrame, commune_ids: list[str], years: list[int], role: Role, k: int = DEFAULT_SMALL_CELL_K,
    form: str | None = None,
) -> pd.DataFrame:
    """Recorded cases per commune and year as the role may see them, as text cells.

    Columns: commune_id, one per year, and "total". For roles that may not see
    case rows, a non-zero count below k is shown as "<k"; a row total that
    includes a hidden cell is shown as "≥m" (m = the visible cells plus 1 per
    hidden cell), so the total cannot be used to work the hidden cells out.
    """
    import numpy as np
    import pandas as pd

    from risk.analysis.cases import case_matrix

    counts = case_matrix(cases, commune_ids, years, form)
    n = counts.to_numpy(dtype="int64")
    # A whole table at once (a row at a time took 0.2 s of a Priorities year change at 10,600 communes);
    # tests/access/test_privacy.py holds it equal to the cell-by-cell rule on random tables and roles.
    hidden = (n > 0) & (n < k) if not can_see_case_points(role) else np.zeros(n.shape, dtype=bool)
    table = pd.DataFrame({"commune_id": counts.index.to_list()})
    for j, year in enumerate(years):
        table[year] = [f"<{k}" if h else str(v) for v, h in zip(n[:, j].tolist(), hidden[:, j].tolist())]
    floor = np.where(hidden, 1, n).sum(axis=1).tolist()
    table["total"] = [f"≥{f}" if h else str(t) for f, h, t in zip(floor, hidden.any(axis=1).tolist(),
                                                                   n.sum(axis=1).tolist())]
    return table


def typed_count(cell: object) -> object:
    """A count cell of the tables above as an export types it: an exact count ("12") becomes the
    number 12; a hidden cell ("<3") or a lower bound ("≥4") stays that text, so no spreadsheet
    sum can treat it as a number it is not."""
    if isinstance(cell, str) and cell.isascii() and cell.isdigit():
        return int(cell)
    return cell


def can_see_case_statistics(role: Role) -> bool:
    """Numbers computed from case counts (hotspot z and p, observed/expected, case-feature
    contributions): only for roles that see case rows."""
    return can_see_case_points(role)


def can_weigh_by_recorded_cases(role: Role) -> bool:
    """Patrol coverage weighted by exact recorded counts: its covered share and its bases would let
    a role that sees only suppressed counts work them out, so only roles that see case rows."""
    return can_see_case_points(role)


def drivers_column(role: Role) -> str:
    """Which drivers column of a score table the role is shown: all features, or only those
    not computed from case counts (risk.analysis.features.CASE_FEATURES)."""
    return "drivers" if can_see_case_statistics(role) else "drivers_without_cases"


def dataset_case_total(cases: pd.DataFrame, role: Role, k: int, lang: str) -> str:
    """How many cases the dataset holds, as text the role may see, in `lang`'s digits.

    For roles that may not see case rows the total of every commune-year is
    shown as "≥m" (visible cells plus 1 per hidden cell) whenever a cell is
    hidden; otherwise the exact total would give back the sum of hidden cells.
    """
    from risk.i18n import format_number

    if can_see_case_points(role):
        return format_number(len(cases), 0, lang)
    located = cases[cases["commune_id"].notna() & cases["date"].notna()]
    cells = located.groupby([located["commune_id"].astype(str), located["date"].dt.year]).size().tolist()
    cells.append(len(cases) - len(located))  # cases without a commune or date count as one more cell
    hidden = [n for n in cells if 0 < n < k]
    if not hidden:
        return format_number(len(cases), 0, lang)
    return "≥" + format_number(sum(n for n in cells if not 0 < n < k) + len(hidden), 0, lang)


def crosswalk_case_counts(vintage: pd.DataFrame | None, commune_id: str, role: Role) -> dict[int, int] | None:
    """How many of a commune's cases each year were placed through the crosswalk (recorded on a
    pre-2025 commune, without coordinates), or None. It is a case count, and a part of a year's
    count: next to a suppressed "<k" it could give the hidden cell back, so only roles that see case
    rows get it; the others are told only which years of the dataset were converted."""
    if vintage is None or not can_see_case_points(role):
        return None
    rows = vintage[(vintage["part"] == "cases") & (vintage["commune_id"] == commune_id)]
    return {int(y): int(n) for y, n in zip(rows["year"], rows["rows"])} or None


def visible_case_points(cases: pd.DataFrame, role: Role) -> pd.DataFrame:
    """Case points (case_id, date, lon, lat, commune_id, form, victims) with coordinates.

    Raises PermissionError for roles that may not see case points, so a page
    cannot draw them by mistake.
    """
    if not can_see_case_points(role):
        raise PermissionError(f"role {getattr(role, 'value', role)} may not see case points")
    columns = ["case_id", "date", "lon", "lat", "commune_id", "form", "victims"]
    located = cases[cases["lon"].notna() & cases["lat"].notna()]
    return located[[c for c in columns if c in located.columns]].reset_index(drop=True)


def case_totals(
    cases: pd.DataFrame, commune_ids: list[str], years: list[int], role: Role, k: int = DEFAULT_SMALL_CELL_K,
) -> pd.Series:
    """Recorded cases per commune summed over `years`, as text the role may see. Indexed by commune_id.

    The same rule as the per-year table (`commune_case_counts`), because the commune panel
    shows those per-year cells: a sum that includes a hidden year is shown as "≥m" (visible
    years plus 1 per hidden year), so no hidden year can be worked out by subtraction.
    """
    table = commune_case_counts(cases, [str(c) for c in commune_ids], list(years), role, k)
    return table.set_index("commune_id")["total"]
