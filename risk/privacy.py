"""Who may see what of the case records. Pages ask here; they never decide.

Case rows describe victims. Commanders and admins see case points and case
tables; planners and officials see only counts per commune, with small cells
(fewer than k cases) suppressed so a count cannot point at a family.
"""
from __future__ import annotations

from enum import Enum

import pandas as pd

DEFAULT_SMALL_CELL_K = 3


class Role(str, Enum):
    ADMIN = "admin"
    COMMANDER = "commander"
    PLANNER = "planner"
    OFFICIAL = "official"


# Until accounts exist, a session has the least-privileged role for case data.
DEFAULT_ROLE = Role.PLANNER


# Which roles may open each page. A page missing here is open to every signed-in role.
PAGE_ROLES: dict[str, frozenset[Role]] = {
    "data": frozenset({Role.ADMIN}),
    "audit": frozenset({Role.ADMIN}),
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
    rows = cases[cases["commune_id"] == commune_id]
    counts = rows.groupby(rows["date"].dt.year).size().reindex(years, fill_value=0)
    suppress = not can_see_case_points(role)
    out = []
    for year, n in counts.items():
        hidden = suppress and 0 < n < k
        out.append({"year": int(year), "cases": None if hidden else int(n), "shown": f"<{k}" if hidden else str(int(n))})
    return pd.DataFrame(out, columns=["year", "cases", "shown"])
