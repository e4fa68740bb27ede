"""Which figures were converted from the pre-2025 communes, said wherever they are shown.

A dataset read through a crosswalk (risk/ingest/rekey.py) carries a vintage table:
for each commune and year, how many pre-2025 communes its indicator rows were
converted from, and how many cases were placed through the crosswalk. The Model
page, the commune panel, `python -m risk backtest` and the exports all describe
it here, in the user's language, so a converted year is never shown as if it had
been recorded on today's communes. Case counts are sensitive: whether a viewer
sees how many of a commune's cases were placed is decided in risk/access/privacy.py.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from risk.access.privacy import Role, crosswalk_case_counts
from risk.i18n import format_number, t

MARK = "◆"  # after a converted year in the commune panel's indicator table


def _years_text(years: list[int]) -> str:
    """'2019–2024' for consecutive years, else '2019, 2021'."""
    years = sorted(years)
    if len(years) > 1 and years == list(range(years[0], years[-1] + 1)):
        return f"{years[0]}–{years[-1]}"
    return ", ".join(str(y) for y in years)


def _part(ds, part: str) -> pd.DataFrame:
    vintage = getattr(ds, "vintage", None)
    if vintage is None or not len(vintage):
        return pd.DataFrame(columns=["part", "commune_id", "year", "old_units", "rows", "unweighted"])
    return vintage[vintage["part"] == part]


def converted_years(ds, part: str = "indicators") -> list[int]:
    """The years of `part` that hold rows converted from pre-2025 communes."""
    return sorted(int(y) for y in _part(ds, part)["year"].unique())


def dataset_lines(ds, lang: str) -> list[str]:
    """What the Model page and `risk backtest` say about the data's boundaries (empty: none converted)."""
    indicators = _part(ds, "indicators")
    if not len(indicators):
        return []
    years = converted_years(ds)
    old = ds.crosswalk["old_commune_id"].nunique() if ds.crosswalk is not None else int(indicators["old_units"].sum())
    lines = [t("vintage.indicators", lang, years=_years_text(years), old=format_number(old, 0, lang),
               new=format_number(ds.boundaries["commune_id"].nunique(), 0, lang))]
    current = [y for y in ds.years if y not in years]
    if current:
        lines.append(t("vintage.current", lang, years=_years_text(current)))
    unweighted = int(indicators["unweighted"].sum())
    if unweighted:
        lines.append(t("vintage.unweighted", lang, count=format_number(unweighted, 0, lang)))
    case_years = converted_years(ds, "cases")
    if case_years:
        lines.append(t("vintage.cases", lang, years=_years_text(case_years)))
    patrol_years = converted_years(ds, "patrols")
    if patrol_years:
        lines.append(t("vintage.patrols", lang, years=_years_text(patrol_years)))
    return lines


def year_label(ds, year: int, lang: str) -> str:
    """A test year's boundaries, for the backtest's fold table."""
    return t("vintage.cell.converted" if year in converted_years(ds) else "vintage.cell.current", lang)


def commune_cells(ds, year: int, commune_ids: list[str], lang: str) -> pd.Series:
    """Each commune's `boundary_vintage` for one year's indicators: how many pre-2025 communes its row
    was converted from, or today's communes. Indexed by commune_id."""
    part = _part(ds, "indicators")
    units = part[part["year"] == year].set_index("commune_id")["old_units"]
    return pd.Series([t("vintage.cell.converted_n", lang, n=int(units[c])) if c in units.index
                      else t("vintage.cell.current", lang) for c in commune_ids], index=commune_ids, dtype=object)


def method_line(ds, lang: str) -> str | None:
    """The export's method-sheet sentence on boundaries (None: nothing converted)."""
    lines = dataset_lines(ds, lang)
    return " ".join([*lines, t("vintage.method_column", lang)]) if lines else None


@dataclass(frozen=True)
class CommuneVintage:
    """One commune's converted years as the commune panel shows them."""

    units_by_year: dict[int, int]  # converted indicator year -> pre-2025 communes it came from
    old_names: tuple[str, ...]  # the pre-2025 communes merged into it, from the crosswalk
    case_counts: dict[int, int] | None  # year -> cases placed through the crosswalk; None: not for this role
    case_years: tuple[int, ...]  # years with cases placed through the crosswalk (the whole dataset's)


def commune_vintage(ds, commune_id: str, role: Role) -> CommuneVintage | None:
    """None when nothing of this commune was converted."""
    part = _part(ds, "indicators")
    rows = part[part["commune_id"] == commune_id]
    units = {int(y): int(n) for y, n in zip(rows["year"], rows["old_units"])}
    counts = crosswalk_case_counts(getattr(ds, "vintage", None), commune_id, role)
    if not units and not counts:
        return None
    names: tuple[str, ...] = ()
    if ds.crosswalk is not None:
        names = tuple(ds.crosswalk.loc[ds.crosswalk["new_commune_id"] == commune_id, "old_name"].drop_duplicates())
    return CommuneVintage(units, names, counts, tuple(converted_years(ds, "cases")))


def panel_lines(vintage: CommuneVintage | None, lang: str) -> list[str]:
    """The panel's sentences: converted years with how many pre-2025 communes (and which), and cases."""
    if vintage is None:
        return []
    lines = []
    by_count: dict[int, list[int]] = {}
    for year, n in sorted(vintage.units_by_year.items()):
        by_count.setdefault(n, []).append(year)
    for n, years in sorted(by_count.items(), key=lambda item: item[1][0]):
        lines.append(t("vintage.panel.indicators", lang, mark=MARK, years=_years_text(years), n=n))
    if vintage.old_names:
        lines.append(t("vintage.panel.names", lang, names=", ".join(vintage.old_names)))
    if vintage.case_counts:
        counts = ", ".join(f"{y}: {format_number(n, 0, lang)}" for y, n in sorted(vintage.case_counts.items()))
        lines.append(t("vintage.panel.cases_counted", lang, counts=counts))
    elif vintage.case_years:
        lines.append(t("vintage.cases", lang, years=_years_text(list(vintage.case_years))))
    return lines


def marked_year(year: int, vintage: CommuneVintage | None) -> str:
    """A year as the panel's indicator table heads it: '2019 ◆' when converted."""
    return f"{year} {MARK}" if vintage is not None and year in vintage.units_by_year else str(year)
