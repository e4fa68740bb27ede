"""What the Priorities export says and the file itself, for the page and `python -m risk export` alike.

The title names the year the ranking is for: the model scores data of year t
for a recorded case in t + 1, so its list is "for t + 1"; the composite index
describes year t's indicators and predicts nothing, so its list names t as the
index's year. The screen says the same (`ranked_text`, under the year on the
Priorities page). Filters, the case-count rule and an allocation's figures are
written in words in the user's language; numbers are formatted by language
and rounded as on screen (risk.views.priorities.DECIMALS). The PDF's map is
classified as the page's map (quintiles of the listed scores).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import pandas as pd

from risk.i18n import format_number, format_percent, t
from risk.views.priorities import (
    DECIMALS, EXPORT_LABEL_KEYS, OBJECTIVE_KEYS, RANKING_LABEL_KEYS, AllocationRun, PriorityFilters, PriorityList,
    allocation_notes, interval_text,
)

TITLE_KEYS = {("list", "model"): "pr.export_title.list", ("list", "composite"): "pr.export_title.list_composite",
              ("allocation", "model"): "pr.export_title.allocation",
              ("allocation", "composite"): "pr.export_title.allocation_composite"}
TOP_MARKERS = 10


@dataclass(frozen=True)
class PreparedExport:
    """A file ready to download or write, with what the audit log records of it."""

    data: bytes
    name: str
    mime: str
    rows: int
    fmt: str
    audit: Mapping


@dataclass(frozen=True)
class Figure:
    """One figure of an allocation as the page's metric and the brief's line show it."""

    label: str
    value: str
    delta: str | None = None


# --- what is ranked --------------------------------------------------------------------------------


def ranked_year(plist: PriorityList) -> int:
    """The year the list ranks for: the model's next year, or the composite index's own year."""
    return plist.year + 1 if plist.ranking == "model" else plist.year


def ranked_text(plist: PriorityList, lang: str) -> str:
    """One sentence on what the ranking ranks, for the page (under the year) and the brief (under its title)."""
    if plist.ranking == "model":
        return t("pr.ranked.model", lang, next=plist.year + 1, year=plist.year)
    return t("pr.ranked.composite", lang, year=plist.year)


def export_title(plist: PriorityList, what: str, lang: str) -> str:
    return t(TITLE_KEYS[(what, plist.ranking)], lang, year=ranked_year(plist))


def export_name(plist: PriorityList, fmt: str, lang: str, what: str = "list", date: str | None = None) -> str:
    """The file name `prepare_export` gives the same export (the title and the day in Vietnam)."""
    from risk.outputs.export import ExportMeta, export_filename, utc_now_iso

    meta = ExportMeta(title=export_title(plist, what, lang), method="", data_version="", dataset="",
                      date=date or utc_now_iso(), language=lang)
    return export_filename(meta, fmt)


def issuer_and_place(ds, settings, lang: str) -> tuple[str, str]:
    """Who issues the brief and where: the administrator's settings (RISK_BRIEF_ISSUER,
    RISK_BRIEF_PLACE), else the dataset's province ("Tỉnh Nghệ An", "Nghệ An"), else its name."""
    province = ds.province
    issuer = getattr(settings, "brief_issuer", None) or (
        t("export.brief.issuer_default", lang, province=province) if province else ds.name)
    place = getattr(settings, "brief_place", None) or province
    return issuer, place


# --- the filters and figures in words -------------------------------------------------------------


def _number(value: float, lang: str) -> str:
    """A threshold as typed: whole numbers without decimals, others with two."""
    return format_number(value, 0 if float(value).is_integer() else 2, lang)


def filter_lines(plist: PriorityList, filters: PriorityFilters | None, shown: int, role, small_cell_k: int,
                 lang: str) -> tuple[tuple[str, str], ...]:
    """The list's settings as a person reads them: ranking, data year, which communes, the case rule."""
    from risk.access.privacy import ROLE_KEYS, can_see_case_points
    from risk.contracts.indicators import indicator_for

    total = len(plist.table)
    lines = [(t("pr.words.ranking", lang), t(RANKING_LABEL_KEYS[plist.ranking], lang)),
             (t("pr.words.data_year", lang), str(plist.year))]
    f = filters or PriorityFilters()
    narrowed = bool(f.districts or f.max_border_km is not None or f.min_population is not None or f.thresholds)
    lines.append((t("pr.words.scope", lang), t("pr.words.shown", lang, shown=format_number(shown, 0, lang),
                                                total=format_number(total, 0, lang)) if narrowed
                  else t("pr.words.all", lang, n=format_number(total, 0, lang))))
    if f.districts:
        lines.append((t("pr.words.districts", lang), ", ".join(f.districts)))
    if f.max_border_km is not None:
        lines.append((t("pr.words.max_border", lang), t("pr.words.at_most_km", lang,
                                                       km=_number(f.max_border_km, lang))))
    if f.min_population is not None:
        lines.append((t("pr.words.min_population", lang), t("pr.words.at_least", lang,
                                                           value=_number(f.min_population, lang))))
    for key, minimum in f.thresholds.items():
        indicator = indicator_for(key)
        unit = f" {indicator.unit}" if indicator.unit == "%" else ""
        lines.append((indicator.label(lang), t("pr.words.at_least", lang, value=_number(minimum, lang) + unit)))
    first, last = plist.case_years[0], plist.case_years[-1]
    role_name = t(ROLE_KEYS[role], lang)
    rule = (t("pr.words.cases_exact", lang, first=first, last=last, role=role_name) if can_see_case_points(role)
            else t("pr.words.cases_hidden", lang, first=first, last=last, k=small_cell_k, role=role_name))
    lines.append((t("pr.words.cases", lang), rule))
    return tuple(lines)


def allocation_figures(run: AllocationRun, lang: str) -> tuple[Figure, ...]:
    """The allocation's result beside the two simple rules, as the page's metrics show them."""
    plan = run.plan
    shortfall = plan.gap > 1e-9 * max(1.0, plan.objective)
    return (
        Figure(t("pr.alloc_cost", lang), format_number(plan.cost, 0, lang)),
        Figure(t("pr.alloc_objective", lang), format_number(plan.objective, 1, lang)),
        Figure(t("pr.alloc_greedy", lang), format_number(plan.greedy_objective, 1, lang),
               format_number(-plan.gap, 1, lang, sign=True) if shortfall else None),
        Figure(t("pr.alloc_ratio", lang), format_number(plan.ratio_objective, 1, lang)),
        Figure(t("pr.alloc_ratio_gain", lang), format_number(plan.ratio_gap, 2, lang, sign=True),
               None if plan.ratio_gap_share is None else format_percent(plan.ratio_gap_share, lang, 2, sign=True)),
    )


def _cost_text(run: AllocationRun, lang: str) -> str:
    from risk.contracts.indicators import indicator_for

    cost = run.settings.cost
    if isinstance(cost, str):
        return t("pr.words.cost_column", lang, column=indicator_for(cost).label(lang))
    return t("pr.words.cost_flat", lang, cost=format_number(float(cost), 0, lang))


def allocation_lines(run: AllocationRun, shown: pd.DataFrame, lang: str) -> tuple[tuple[str, str], ...]:
    """What was asked (budget, cost, objective), what came out (which communes, the page's figures)
    and the notes, in the order of the list."""
    s, plan, listed = run.settings, run.plan, len(shown)
    chosen = set(plan.chosen)
    names = [str(n) for cid, n in zip(shown["commune_id"], shown["name"]) if cid in chosen]
    lines = [(t("pr.budget", lang), format_number(s.budget, 0, lang)),
             (t("pr.words.cost", lang), _cost_text(run, lang)),
             (t("pr.objective", lang), t(OBJECTIVE_KEYS[s.objective], lang)),
             (t("pr.words.chosen", lang), t("pr.words.chosen_value", lang, n=format_number(len(plan.chosen), 0, lang),
                                             total=format_number(listed, 0, lang), names=", ".join(names)))]
    if s.min_per_district:
        lines.append((t("pr.min_per_district", lang), format_number(s.min_per_district, 0, lang)))
    lines += [(f.label, f.value if f.delta is None else f"{f.value} ({f.delta})") for f in allocation_figures(run, lang)]
    lines += [(t("export.meta.note", lang), note) for note in (*allocation_notes(run, lang), t("pr.alloc_ratio_why", lang))]
    return tuple(lines)


# --- the brief's map --------------------------------------------------------------------------------


def brief_map(plist: PriorityList, shown: pd.DataFrame, rows: pd.DataFrame, what: str, lang: str):
    """The page's map on paper: the listed communes in quintiles of their score (the page's classes),
    the first communes of the file numbered by rank, an allocation's choice outlined."""
    from risk.outputs.brief import BriefMap, Marker, class_legend
    from risk.outputs.classify import classify

    classes = classify(shown["score"].to_numpy(dtype=float), "quantiles", 5, True)
    fills = {str(cid): classes.colour_of(int(c)) for cid, c in zip(shown["commune_id"], classes.classes) if c >= 0}
    places = DECIMALS["score"]
    markers = tuple(
        Marker(str(r.commune_id), format_number(int(r.rank), 0, lang),
               " · ".join(str(v) for v in (r.name, r.former_district, format_number(r.score, places, lang)) if v))
        for r in rows.head(TOP_MARKERS).itertuples(index=False))
    title = (t("pr.brief.legend_model", lang, year=ranked_year(plist)) if plist.ranking == "model"
             else t("pr.brief.legend_composite", lang, year=plist.year))
    chosen = tuple(rows["commune_id"].astype(str)) if what == "allocation" else ()
    return BriefMap(fills, title, class_legend(classes, places, lang), markers, outlined=chosen,
                    outline_label=t("pr.brief.chosen", lang) if chosen else "",
                    missing_label=t("pr.brief.not_listed", lang))


# --- the file ------------------------------------------------------------------------------------------


def _pdf_rows(out: pd.DataFrame, lang: str) -> tuple[pd.DataFrame, dict[str, str]]:
    """The brief's columns: the rank interval in one column as on the page ("3–29"), code last."""
    interval = [interval_text(lo, hi, lang, missing="") for lo, hi in zip(out["rank_low"], out["rank_high"])]
    table = out.drop(columns=["rank_low", "rank_high"]).assign(interval=interval)
    order = ["rank", "interval", "name", "former_district", "score", "drivers", "cases_3y", "hotspot",
             "dist_border_km", "commune_id"]
    return table[[c for c in order if c in table.columns]], {"interval": t("pr.col.interval", lang)}


def prepare_export(
    ds, plist: PriorityList, rows: pd.DataFrame, fmt: str, lang: str, *, method: str, user: str,
    data_version: str, role, settings, filters: PriorityFilters | None = None, shown: pd.DataFrame | None = None,
    run: AllocationRun | None = None, what: str = "list", date: str | None = None,
) -> PreparedExport:
    """The file of `rows` (some rows of `plist.table`: the filtered list `shown`, or an allocation's
    choice from it) in `fmt`, labelled in `lang`, for `role` under `settings` (small-cell k, issuer)."""
    from risk.access.privacy import typed_count
    from risk.outputs.export import ExportMeta, audit_details, export_table, utc_now_iso

    shown = rows if shown is None else shown
    out = rows.drop(columns=["population"])
    out["cases_3y"] = pd.Series([typed_count(c) for c in out["cases_3y"].to_numpy()], index=out.index, dtype=object)
    first, last = plist.case_years[0], plist.case_years[-1]
    labels = {c: t(key, lang, first=first, last=last) if c == "cases_3y" else t(key, lang)
              for c, key in EXPORT_LABEL_KEYS.items()}
    from risk.views.vintage import commune_cells, method_line

    boundaries = method_line(ds, lang)
    if boundaries:  # rows converted from pre-2025 communes: each row says which, the method sheet how
        ids = out["commune_id"].astype(str).tolist()
        out = out.assign(boundary_vintage=commune_cells(ds, plist.year, ids, lang).to_numpy())
        labels["boundary_vintage"] = t("export.col.boundary_vintage", lang, year=plist.year)
        method = f"{method}\n\n{boundaries}"
    brief = None
    if fmt == "pdf":
        out, extra = _pdf_rows(out, lang)
        labels.update(extra)
        brief = brief_map(plist, shown, rows, what, lang)
    issuer, place = issuer_and_place(ds, settings, lang)
    raw = {"year": plist.year, "ranking": plist.ranking, "cases_years": f"{first}–{last}",
           "role": getattr(role, "value", role), **(filters.describe() if filters else {})}
    meta = ExportMeta(
        title=export_title(plist, what, lang), method=method, data_version=data_version,
        dataset=ds.name, date=date or utc_now_iso(), filters=raw, user=user, language=lang, column_labels=labels,
        notes=(t("app.demo_notice", lang),) if ds.generated else (), decimals=DECIMALS,
        issuer=issuer, place=place, subtitle=ranked_text(plist, lang),
        filter_lines=filter_lines(plist, filters, len(shown), role, settings.small_cell_k, lang),
        figures=allocation_lines(run, shown, lang) if what == "allocation" and run is not None else (),
    )
    data, name, mime = export_table(out, fmt, meta, geometry=ds.boundaries, border=ds.border, brief_map=brief)
    return PreparedExport(data, name, mime, len(out), fmt, audit_details(meta, fmt, len(out)))
