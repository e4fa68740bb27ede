"""Indicator and case rows keyed by pre-2025 communes, converted to today's communes as they are read.

Every register a province holds from before July 2025 is keyed by the old communes.
With a crosswalk (risk/ingest/crosswalk.py) such rows are converted on load:
counts and population summed (weighted where an old unit was split), rates
averaged weighted by population (unweighted, and said so, where a part has no
population), cases with coordinates placed by their point and cases with only an
old commune assigned through the crosswalk. How each indicator combines comes
from the registry (risk/contracts/indicators.py `Indicator.aggregation`).

Which keying a row uses is decided per year, because codes overlap: a new commune
usually kept the code of one of its old units (16681 was Phường Quang Trung and
is now Phường Thành Vinh). A year whose rows hold a code or name that only the
crosswalk knows is keyed by the old communes, and a code known on both sides is
read as old there; every other year is today's. A year with rows in both keyings
is refused, naming the rows: a commune would be counted twice, or parts left out.
Rows of today's communes pass through unchanged.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass

import numpy as np
import pandas as pd

from risk.contracts.dataset import VINTAGE_COLUMNS
from risk.contracts.indicators import indicator_for
from risk.contracts.problems import Problem
from risk.contracts.report import NameMatch, PartReport
from risk.ingest.checks import ProblemLog, clean_text
from risk.ingest.crosswalk import Reform
from risk.ingest.names import name_key

__all__ = ["CasePlan", "Keys", "Rekeyed", "check_placed_points", "combine_vintage", "convert_indicators",
           "convert_patrols", "place_cases", "resolve_keys"]

_OLD, _NEW, _BOTH = "old", "new", "both"
ROW_LIST_LIMIT = 12  # rows named in one message


@dataclass(frozen=True)
class Keys:
    """How each row of a table is keyed, indexed like the table: `old` marks rows whose
    `commune_id` is now a pre-2025 code, `located` rows placed by their coordinates."""

    old: pd.Series
    located: pd.Series
    unmatched: frozenset[int]  # rows whose key matched nothing (already reported)


@dataclass(frozen=True)
class Rekeyed:
    """A table after conversion: its rows on today's communes, where rows came from (None when none
    was converted), notes for the check report, and how many source rows of which years it converted."""

    table: pd.DataFrame
    vintage: pd.DataFrame | None
    notes: tuple[Problem, ...] = ()
    rows: int = 0
    years: tuple[int, ...] = ()


def _rows_text(rows: list[int]) -> str:
    shown = ", ".join(str(r) for r in rows[:ROW_LIST_LIMIT])
    return shown + (", …" if len(rows) > ROW_LIST_LIMIT else "")


def _candidates(ids: pd.Series, names: pd.Series, districts: pd.Series,
                reform: Reform) -> tuple[dict[int, list[str]], dict[int, list[str]], dict[int, str]]:
    """Per row with a key: today's communes and pre-2025 communes it can mean, and how it was given
    ("commune_id" or "name")."""
    new: dict[int, list[str]] = {}
    old: dict[int, list[str]] = {}
    given: dict[int, str] = {}
    for row, code in ids.items():
        if code:
            new[row] = [code] if code in reform.new_ids else []
            old[row] = [code] if code in reform.old_ids else []
            given[row] = "commune_id"
        elif names[row]:
            new[row] = [reform.new_index.ids[p] for p in reform.new_index.match(names[row], districts[row])]
            old[row] = [reform.old_index.ids[p] for p in reform.old_index.match(names[row], districts[row])]
            given[row] = "name"
    return new, old, given


def _kind(new: list[str], old: list[str]) -> str | None:
    if new and old:
        return _BOTH
    return _NEW if new else _OLD if old else None


def resolve_keys(frame: pd.DataFrame, years: pd.Series, reform: Reform, log: ProblemLog, *,
                 located: pd.Series | None = None, names: bool = False, whole_years: bool = False,
                 report: PartReport | None = None) -> Keys:
    """Decide each row's keying and write the commune code it stands for into `frame["commune_id"]`.

    `frame` holds text cells indexed by spreadsheet row; `years` is each row's year (NaN when
    unreadable: its own check reports it); `located` marks rows with coordinates, which do not
    decide a year's keying (their point places them). With `names`, a row without a code is
    matched by `name` (and `former_district`) against today's communes and the crosswalk's old
    ones alike. `whole_years`: the rows of a year are combined (indicators), so a shared code read as
    old must come with its commune's other parts (see `_year_keying`). Unknown codes and names,
    ambiguous names and years in both keyings go to `log`.
    """
    index = frame.index
    empty = pd.Series("", index=index)
    ids = frame["commune_id"].map(clean_text) if "commune_id" in frame else empty
    name_cells = frame["name"].map(clean_text) if names and "name" in frame else empty
    districts = frame["former_district"].map(clean_text) if names and "former_district" in frame else empty
    located = located if located is not None else pd.Series(False, index=index)
    if report is not None:
        report.matched_by_id = int((ids != "").sum())
    new, old, given = _candidates(ids, name_cells, districts, reform)
    kinds = {row: _kind(new[row], old[row]) for row in given}
    keying = _year_keying(kinds, new, old, given, ids, name_cells, years, located, reform, log, whole_years)
    resolved = ids.copy()  # a name left unresolved stays without a code (its error says why)
    is_old = pd.Series(False, index=index)
    unmatched: set[int] = set()
    for row, kind in kinds.items():
        year = years[row]
        decided = keying.get(int(year)) if pd.notna(year) else None
        if decided == "mixed" and not located[row]:
            continue  # reported with the year
        value = ids[row] or name_cells[row]
        if kind is None:
            unmatched.add(int(row))
            _report_unknown(row, given[row], value, name_cells[row], reform, log, report)
            continue
        use_old = kind == _OLD or (kind == _BOTH and decided == _OLD)
        choices = old[row] if use_old else new[row]
        if len(choices) > 1:
            labels = [reform.label(c) for c in choices] if use_old else [_new_label(reform, c) for c in choices]
            log.add("import.name_ambiguous", row=row, column="name", value=value, candidates=", ".join(labels))
            unmatched.add(int(row))
            continue
        resolved[row] = choices[0]
        is_old[row] = use_old
        if given[row] == "name" and report is not None:
            report.matched_by_name += 1
    if "commune_id" in frame or any(g == "name" for g in given.values()):
        frame["commune_id"] = resolved
    return Keys(is_old, located.astype(bool), frozenset(unmatched))


def _new_label(reform: Reform, commune_id: str) -> str:
    position = reform.new_index.ids.index(commune_id)
    return f"{reform.new_index.labels[position]} ({commune_id})"


def _report_unknown(row: int, given: str, value: str, name: str, reform: Reform, log: ProblemLog,
                    report: PartReport | None) -> None:
    """A code or name that is neither a commune of today nor a pre-2025 commune of the crosswalk."""
    if given == "commune_id":
        log.add("crosswalk.unknown_code", row=row, column="commune_id", value=value,
                candidates=reform.nearest(value, name))
        return
    suggestions = _nearest_names(value, reform)
    log.add("crosswalk.name_unmatched", row=row, column="name", value=value, candidates=suggestions)
    if report is not None:
        first = suggestions.split(", ")[0] if suggestions != "-" else None
        report.unmatched.append(NameMatch(int(row), value, first))


def _nearest_names(name: str, reform: Reform, limit: int = 3) -> str:
    """The communes of today and of before 2025 whose names are closest to `name`, best first."""
    key = name_key(name)
    found = [(_new_label(reform, reform.new_index.ids[p]), reform.new_index.labels[p])
             for p in reform.new_index.closest(name, limit)]
    found += [(reform.label(reform.old_index.ids[p]), reform.old_index.labels[p])
              for p in reform.old_index.closest(name, limit)]
    ranked = sorted(found, key=lambda pair: -difflib.SequenceMatcher(None, key, name_key(pair[1])).ratio())
    return ", ".join(dict.fromkeys(label for label, _ in ranked[:limit])) or "-"


def _year_keying(kinds: dict[int, str | None], new: dict[int, list[str]], old: dict[int, list[str]],
                 given: dict[int, str], ids: pd.Series, names: pd.Series, years: pd.Series, located: pd.Series,
                 reform: Reform, log: ProblemLog, whole_years: bool) -> dict[int, str]:
    """Each year's keying ("old", "new" or "mixed") from its rows without coordinates.

    A year is keyed by the old communes when it holds a code or name only the crosswalk knows. With
    `whole_years` (rows that are summed, like indicators), a shared code whose commune of today had
    other pre-2025 parts, none of them given that year, can only mean today's commune: a year with
    such rows and old-only rows is mixed. A mixed year's rows of the smaller keying are reported, and
    so is a commune given both ways."""
    by_year: dict[int, dict[str, list[int]]] = {}
    for row, kind in kinds.items():
        year = years[row]
        if located[row] or pd.isna(year) or kind is None:
            continue
        by_year.setdefault(int(year), {_OLD: [], _NEW: [], _BOTH: []})[kind].append(row)
    keying: dict[int, str] = {}
    for year, group in sorted(by_year.items()):
        olds, news, shared = group[_OLD], group[_NEW], group[_BOTH]
        if not olds:
            keying[year] = _NEW
            continue
        lone = _lone_communes(shared, olds, new, old, reform) if whole_years else []
        if not news and not lone:
            keying[year] = _OLD
            continue
        keying[year] = "mixed"
        _report_mixed(year, [r for r in olds + shared if r not in lone], news + lone, kinds, new, old, given, ids,
                      names, reform, log)
    return keying


def _lone_communes(shared: list[int], olds: list[int], new: dict[int, list[str]], old: dict[int, list[str]],
                   reform: Reform) -> list[int]:
    """Rows of a shared code whose commune of today had other pre-2025 parts, none given in the year."""
    present = {code for row in olds + shared for code in old[row]}
    lone = []
    for row in shared:
        if len(new[row]) != 1:
            continue
        others = set(reform.parts.get(new[row][0], [])) - set(old[row])
        if others and not others & present:
            lone.append(row)
    return lone


def _report_mixed(year: int, olds: list[int], news: list[int], kinds: dict[int, str | None],
                  new: dict[int, list[str]], old: dict[int, list[str]], given: dict[int, str], ids: pd.Series,
                  names: pd.Series, reform: Reform, log: ProblemLog) -> None:
    """The rows of the year's smaller keying: a commune of today whose pre-2025 parts are also given
    (it would be counted twice), else a row keyed the other way than the rest of its year."""
    def value(row: int) -> str:
        return ids[row] or names[row]

    def parts_given(commune: str, row: int) -> list[int]:
        return [o for o in olds if o != row and kinds[o] == _OLD and len(old[o]) == 1
                and commune in {target for target, _ in reform.targets[old[o][0]]}]

    def both_ways(row: int) -> bool:
        rows = parts_given(new[row][0], row) if len(new[row]) == 1 else []
        if rows:
            log.add("crosswalk.same_commune_both", row=row, column=given[row],
                    value=_new_label(reform, new[row][0]), year=year, rows=_rows_text(rows))
        return bool(rows)

    if len(news) > len(olds):  # the year reads as today's
        for row in olds:
            if kinds[row] == _BOTH:
                both_ways(row)  # a shared code read as today's: wrong only when its parts are given too
            elif not both_ways(row):
                log.add("crosswalk.mixed_year_old", row=row, column=given[row], value=value(row), year=year,
                        example_row=news[0], example=value(news[0]))
        return
    examples = [r for r in olds if kinds[r] == _OLD] or olds
    for row in news:
        if not both_ways(row):
            log.add("crosswalk.mixed_year_new", row=row, column=given[row], value=value(row), year=year,
                    example_row=examples[0], example=value(examples[0]))


# --- indicators ----------------------------------------------------------------------------------


def convert_indicators(table: pd.DataFrame, keys: Keys, reform: Reform, file: str) -> Rekeyed:
    """Indicator rows (typed, in the order of the rows `keys` describes) on today's communes.

    Per new commune and year: an indicator the registry sums (population) is the weighted sum of
    its parts, left empty when a part has no value or no row; a rate is the mean of its parts
    weighted by the population that went to the commune (weight x the part's population), or
    weighted by the crosswalk's shares alone where a part has no population (flagged
    `unweighted`). An extra indicator the registry does not know is averaged like a rate.
    """
    old = keys.old.to_numpy(dtype=bool)
    if not old.any():
        return Rekeyed(table, None)
    kept, source = table[~old], table[old]
    indicators = [c for c in table.columns if c not in ("commune_id", "year")]
    links = source.merge(reform.crosswalk[["old_commune_id", "new_commune_id", "weight"]],
                         left_on="commune_id", right_on="old_commune_id", how="inner", validate="many_to_many")
    group_keys = [links["new_commune_id"], links["year"]]
    grouped = links.groupby(group_keys, sort=True)
    out = grouped.size().rename("rows").to_frame()
    given_parts = grouped["old_commune_id"].nunique()
    expected = pd.Series([len(reform.parts[c]) for c in out.index.get_level_values(0)], index=out.index)
    complete = given_parts >= expected
    weight = links["weight"]
    population = links["population"] if "population" in links else pd.Series(np.nan, index=links.index)
    share = weight * population  # the people of each part that went to the commune
    unweighted = pd.Series(False, index=out.index)
    extras = []
    for key in indicators:
        values = links[key]
        aggregation = indicator_for(key).aggregation
        if aggregation == "sum":
            total = (weight * values).groupby(group_keys).sum(min_count=1)
            gap = values.isna().groupby(group_keys).any()
            out[key] = total.where(~gap & complete)
            continue
        if aggregation is None:
            extras.append(key)
        valid = values.notna()
        weighted_ok = (~valid | share.notna()).groupby(group_keys).all()
        numerator = (share * values).where(valid).groupby(group_keys).sum()
        denominator = share.where(valid).groupby(group_keys).sum()
        plain = ((weight * values).where(valid).groupby(group_keys).sum()
                 / weight.where(valid).groupby(group_keys).sum())
        use_weights = weighted_ok & (denominator > 0)
        out[key] = (numerator / denominator).where(use_weights, plain)
        unweighted |= ~use_weights & valid.groupby(group_keys).any()
    converted = out.reset_index().rename(columns={"new_commune_id": "commune_id"})
    converted = converted[["commune_id", "year", *indicators]].astype({"commune_id": str, "year": "int64"})
    result = pd.concat([kept, converted], ignore_index=True)
    result = result.sort_values(["commune_id", "year"], kind="mergesort").reset_index(drop=True)
    vintage = pd.DataFrame({"part": "indicators", "commune_id": converted["commune_id"].to_numpy(),
                            "year": converted["year"].to_numpy(), "old_units": given_parts.to_numpy(),
                            "rows": out["rows"].to_numpy(), "unweighted": unweighted.to_numpy()})
    years = tuple(sorted(int(y) for y in source["year"].unique()))
    notes = [Problem(file, None, None, "crosswalk.note.indicators_converted",
                     {"rows": int(len(source)), "years": _years_text(years), "old": int(source["commune_id"].nunique()),
                      "new": int(converted["commune_id"].nunique())})]
    if unweighted.any():
        notes.append(Problem(file, None, None, "crosswalk.note.unweighted",
                             {"count": int(unweighted.sum()), "examples": _examples(out.index[unweighted.to_numpy()])}))
    if (~complete).any():
        notes.append(Problem(file, None, None, "crosswalk.note.missing_parts",
                             {"count": int((~complete).sum()), "examples": _examples(out.index[~complete.to_numpy()])}))
    if extras:
        notes.append(Problem(file, None, None, "crosswalk.note.extra_averaged", {"columns": ", ".join(extras)}))
    return Rekeyed(result, _typed_vintage(vintage), tuple(notes), int(len(source)), years)


def _years_text(years: tuple[int, ...] | list[int]) -> str:
    """'2019–2024' for consecutive years, else '2019, 2021, 2023'."""
    if not years:
        return "-"
    if len(years) > 1 and list(years) == list(range(years[0], years[-1] + 1)):
        return f"{years[0]}–{years[-1]}"
    return ", ".join(str(y) for y in years)


def _examples(pairs, limit: int = 3) -> str:
    shown = [f"{commune} {year}" for commune, year in list(pairs)[:limit]]
    return ", ".join(shown) + (", …" if len(pairs) > limit else "")


def _typed_vintage(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[list(VINTAGE_COLUMNS)].astype({"part": str, "commune_id": str, "year": "int64", "old_units": "int64",
                                                "rows": "int64", "unweighted": bool}).reset_index(drop=True)


# --- patrol effort ---------------------------------------------------------------------------------


def convert_patrols(table: pd.DataFrame, keys: Keys, reform: Reform, file: str) -> Rekeyed:
    """Patrol effort (PATROL_COLUMNS, in the order of the rows `keys` describes) on today's communes:
    days or hours logged on pre-2025 communes summed per new commune and year, weighted where an old
    commune was split. A commune without a row had no patrol (the file lists the patrolled ones)."""
    old = keys.old.to_numpy(dtype=bool)
    if not old.any():
        return Rekeyed(table, None)
    kept, source = table[~old], table[old]
    links = source.merge(reform.crosswalk[["old_commune_id", "new_commune_id", "weight"]],
                         left_on="commune_id", right_on="old_commune_id", how="inner")
    links["effort"] = links["effort"] * links["weight"]
    grouped = links.groupby(["new_commune_id", "year"], sort=True)
    summed = grouped.agg(effort=("effort", "sum"), old_units=("old_commune_id", "nunique"),
                         rows=("old_commune_id", "size")).reset_index().rename(columns={"new_commune_id": "commune_id"})
    summed["unit"] = str(table["unit"].iloc[0])
    converted = summed[list(table.columns)].astype(table.dtypes.to_dict())
    result = pd.concat([kept, converted], ignore_index=True)
    result = result.sort_values(["commune_id", "year"], kind="mergesort").reset_index(drop=True)
    vintage = summed.assign(part="patrols", unweighted=False)
    years = tuple(sorted(int(y) for y in source["year"].unique()))
    notes = (Problem(file, None, None, "crosswalk.note.patrols_converted",
                     {"rows": int(len(source)), "years": _years_text(years), "new": int(len(summed))}),)
    return Rekeyed(result, _typed_vintage(vintage), notes, int(len(source)), years)


# --- cases ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CasePlan:
    """What `place_cases` did to a cases table, by row position: the pre-2025 code of rows assigned
    through the crosswalk, and of rows left for their point to place (checked afterwards)."""

    assigned: dict[int, str]
    by_point: dict[int, str]
    split: int  # assigned rows whose old unit was split: placed in the commune with the largest share


def place_cases(frame: pd.DataFrame, keys: Keys, reform: Reform) -> CasePlan:
    """Before the cases' own checks: a case with only a pre-2025 commune gets the commune it went to
    (the largest share when it was split); a case with coordinates and a pre-2025 commune gets no
    code, so its point places it (and `check_placed_points` then holds the point to the old unit)."""
    assigned: dict[int, str] = {}
    by_point: dict[int, str] = {}
    split = 0
    codes = frame["commune_id"].copy()
    for position, (row, is_old) in enumerate(keys.old.items()):
        if not is_old:
            continue
        old_id = str(codes[row])
        if keys.located[row]:
            by_point[position] = old_id
            codes[row] = ""
        else:
            assigned[position] = old_id
            codes[row] = reform.main_target[old_id]
            split += len(reform.targets[old_id]) > 1
    frame["commune_id"] = codes
    return CasePlan(assigned, by_point, split)


def check_placed_points(cases: pd.DataFrame, rows: pd.Index, plan: CasePlan, reform: Reform, log: ProblemLog,
                        file: str) -> Rekeyed:
    """After the cases' own checks (`cases` typed, in the order of the spreadsheet `rows`): a point
    must lie in a commune its pre-2025 commune went to; the vintage and notes of the placed cases."""
    ids = cases["commune_id"].astype(object).to_numpy()
    names = dict(zip(reform.new_index.ids, reform.new_index.labels))
    for position, old_id in plan.by_point.items():
        found = ids[position]
        if found is not None and found not in {t for t, _ in reform.targets[old_id]}:
            log.add("crosswalk.point_outside_old_unit", row=int(rows[position]), column="commune_id",
                    value=reform.label(old_id), actual=f"{names.get(found, '')} ({found})")
    if not plan.assigned and not plan.by_point:
        return Rekeyed(cases, None)
    positions = sorted(plan.assigned)
    assigned = pd.DataFrame({"commune_id": ids[positions].astype(str),
                             "year": cases["date"].iloc[positions].dt.year.to_numpy(),
                             "old": [plan.assigned[p] for p in positions]}).dropna(subset=["year"])
    grouped = assigned.groupby(["commune_id", "year"], sort=True)
    summary = grouped.agg(old_units=("old", "nunique"), rows=("old", "size")).reset_index()
    vintage = None
    if len(summary):
        summary["part"], summary["unweighted"] = "cases", False
        vintage = _typed_vintage(summary)
    years = tuple(sorted({int(y) for y in assigned["year"]}
                         | {int(cases["date"].iloc[p].year) for p in plan.by_point if pd.notna(cases["date"].iloc[p])}))
    notes = []
    if plan.assigned:
        assigned_years = tuple(sorted({int(y) for y in assigned["year"]}))
        notes.append(Problem(file, None, None, "crosswalk.note.cases_converted",
                             {"count": len(plan.assigned), "years": _years_text(assigned_years)}))
    if plan.by_point:
        notes.append(Problem(file, None, None, "crosswalk.note.cases_by_point", {"count": len(plan.by_point)}))
    if plan.split:
        notes.append(Problem(file, None, None, "crosswalk.note.cases_split", {"count": plan.split}))
    return Rekeyed(cases, vintage, tuple(notes), len(plan.assigned) + len(plan.by_point), years)


def combine_vintage(*parts: pd.DataFrame | None) -> pd.DataFrame | None:
    """One vintage table from the parts' own (None when no row was converted)."""
    frames = [p for p in parts if p is not None and len(p)]
    return _typed_vintage(pd.concat(frames, ignore_index=True)) if frames else None
