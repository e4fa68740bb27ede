"""The Priorities page's controls: the ranking choice, filters, allocation, patrol coverage and
export. Each returns what the page draws next; the list and the files come from risk.views.priorities."""
from __future__ import annotations

from dataclasses import replace

import pandas as pd
import streamlit as st

from risk.analysis.allocate import AllocationError
from risk.analysis.coverage import cover, patrol_sites
from risk.analysis.features import ModelError
from risk.contracts.indicators import indicator_for
from risk.i18n import format_number, format_percent, format_value, t
from risk.ingest.folder import DataError, load_sites_upload
from risk.views import priorities as view
from risk.views.priority_export import allocation_figures
from ui import analysis, state, widgets
from ui import session as slots

COST_MODE_KEYS = {"flat": "pr.cost_mode.flat", "column": "pr.cost_mode.column"}
SITE_KEYS = {"communes": "pr.sites.communes", "gates": "pr.sites.gates", "upload": "pr.sites.upload"}
SHOW_KEYS = {"selection": "pr.show.selection", "allocation": "pr.show.allocation", "coverage": "pr.show.coverage"}


def toggle_on_map(commune_id: str) -> None:
    """A click on the priorities map adds the commune to the selection, or takes it out."""
    chosen = set(slots.PR_MAP_SELECTED.get([]))
    slots.PR_MAP_SELECTED.set(sorted(chosen ^ {commune_id}))


def priority_list(ds, year: int, ranking_kind: str, lang: str) -> view.PriorityList:
    """The list by the model (when it can score this year) or by the composite index."""
    ranking, config = None, None
    if ranking_kind == "model":
        try:
            ranking = analysis.scores(year, analysis.model_config())
        except ModelError as err:
            st.warning(widgets.md(err.message(lang)))
    if ranking is None:
        ranking_kind = "composite"
        config = widgets.composite_weights_editor(ds, lang)
        ranking = analysis.composite_ranking(year, config)
    years = view.case_years(year)
    hot = analysis.hotspot_classes(years[0], year, lang) if len(ds.cases) else None
    shared = _built(state.dataset_key(), int(year), ranking_kind, state.role(), state.settings().small_cell_k, lang,
                    config if ranking_kind == "composite" else analysis.model_config(),
                    _ds=ds, _ranking=ranking, _hot=hot, _dist=analysis.distances()["dist_border_km"])
    # A shallow copy: pandas' copy-on-write keeps a change to it from reaching the shared list.
    return replace(shared, table=shared.table.copy(deep=False))


@st.cache_resource(show_spinner=False, max_entries=32)
def _built(key, year: int, ranking_kind: str, role, small_cell_k: int, lang: str, config,
           _ds, _ranking: pd.DataFrame, _hot: pd.Series | None, _dist: pd.Series) -> view.PriorityList:
    """The list, built once for every session that asks for the same one: its case totals and drivers
    text took 0.1 s of each Priorities rerun at 3,321 communes (issue 17). The hashed arguments decide
    the unhashed ones: the ranking comes from the dataset, year and `config` (the model's settings or
    the composite weights), the hotspot classes from the dataset, year and language."""
    return view.build_priority_list(_ds, year, ranking_kind, _ranking, role, small_cell_k, lang, _hot, _dist,
                                    composite=config if ranking_kind == "composite" else None)


def table_page(shown: pd.DataFrame) -> view.TablePage:
    """The rows the table shows: the page the pager holds, clamped to the list the filters left."""
    page = view.table_page(len(shown), slots.PR_TABLE_PAGE.get(0))
    if slots.PR_TABLE_PAGE.present() and slots.PR_TABLE_PAGE.get() != page.number:
        slots.PR_TABLE_PAGE.set(page.number)  # before the pager is drawn, so it shows the same page
    return page


def pager(page: view.TablePage, lang: str) -> None:
    """Other rows of a list longer than a page (picks on the page left are kept: `table_generation`)."""
    if page.count == 1:
        return
    st.selectbox(t("pr.page", lang), range(page.count), key=slots.PR_TABLE_PAGE.name,
                 format_func=lambda n: view.page_label(n, page.total, lang))
    st.caption(t("pr.page_help", lang, rows=format_number(view.TABLE_ROWS, 0, lang)))


def table_columns(lang: str) -> dict:
    """How the list's columns are drawn. The selection tick, rank and name stay in view when the
    table is scrolled sideways, so every figure to their right is read against its commune. The
    reasons are long (an indicator's label says what it describes, and the ethnic-minority share's
    says it describes a place), so that column is wide, and its header says how to read a cell that
    the grid has cut."""
    return {
        t("pr.selected", lang): st.column_config.CheckboxColumn(pinned=True),
        t("pr.col.rank", lang): st.column_config.NumberColumn(pinned=True),
        t("col.name", lang): st.column_config.TextColumn(pinned=True),
        t("pr.col.drivers", lang): st.column_config.TextColumn(width="large", help=t("pr.col.drivers_help", lang)),
    }


def table_generation(on_page: pd.DataFrame) -> int:
    """Which table to draw for the rows `on_page`. Streamlit gives a table's picks as positions in
    the rows the browser showed. When the rows change (another page, year, ranking or filter), the
    picks are read against the rows the person saw and join the kept selection (the one map clicks
    make), and a new table starts with none: a pick never moves to another commune, nor is lost."""
    ids = on_page["commune_id"].astype(str).tolist()
    generation, drawn = slots.PR_TABLE_DRAWN.get() or (0, ids)
    if drawn != ids:
        table = slots.pr_table(generation).pop()
        rows = table["selection"]["rows"] if table else []
        picked = {drawn[i] for i in rows if 0 <= i < len(drawn)}
        if picked:
            slots.PR_MAP_SELECTED.set(sorted(set(slots.PR_MAP_SELECTED.get([])) | picked))
        generation += 1
    slots.PR_TABLE_DRAWN.set((generation, ids))
    return generation


def filters(ds, plist: view.PriorityList, lang: str) -> view.PriorityFilters:
    """The filter widgets, started from the session's filters (ui/links.py keeps them in the URL)."""
    table = plist.table
    indicators_year = ds.indicators[ds.indicators["year"] == plist.year]
    saved: view.PriorityFilters = slots.VIEW_FILTERS.get() or view.PriorityFilters()
    with st.expander(t("pr.filters", lang), expanded=True):
        f1, f2, f3 = st.columns(3)
        district_options = sorted(d for d in table["former_district"].dropna().unique() if d)
        districts = f1.multiselect(t("pr.districts", lang), district_options,
                                   key=slots.preset("pr_districts", [d for d in saved.districts if d in district_options]),
                                   placeholder=t("common.choose", lang), select_all=False)
        dist = table["dist_border_km"]
        max_km = float(dist.max()) if dist.notna().any() else 0.0
        top_km = int(max(1, round(max_km + 1)))  # whole kilometres: a slider can only print "12.00"
        border_km = f2.slider(t("pr.max_border", lang), 0, top_km, step=1,
                              key=slots.preset("pr_border", int(min(top_km, round(saved.max_border_km or 0)))),
                              disabled=max_km == 0.0)
        min_pop = f3.number_input(t("pr.min_population", lang), min_value=0, step=1000,  # value: the preset
                                  key=slots.preset("pr_min_pop", int(saved.min_population or 0)))
        threshold_options = [k for k in ds.indicator_keys if k != "population"]
        threshold_keys = st.multiselect(t("pr.thresholds", lang), threshold_options,
                                        key=slots.labelled(slots.preset("pr_threshold_keys",
                                                         [k for k in saved.thresholds if k in threshold_options])),
                                        format_func=lambda k: indicator_for(k).label(lang),
                                        placeholder=t("common.choose", lang), select_all=False)
        thresholds = {}
        if threshold_keys:
            cols = st.columns(min(4, len(threshold_keys)))
            for i, key in enumerate(threshold_keys):
                column = indicators_year[key].dropna() if key in indicators_year else pd.Series(dtype=float)
                steps = view.threshold_steps(column, saved.thresholds.get(key))
                default = view.nearest_step(steps, float(column.median()) if len(column) else 0.0)
                unit = indicator_for(key).unit
                thresholds[key] = cols[i % len(cols)].select_slider(
                    f"{widgets.md(indicator_for(key).label(lang))} ≥", options=steps,
                    format_func=lambda v, unit=unit: format_value(v, unit, lang),
                    key=slots.labelled(slots.preset(f"pr_min_{key}", view.nearest_step(steps, saved.thresholds.get(key, default)))))
    chosen = view.PriorityFilters(tuple(districts), border_km or None, float(min_pop) or None, thresholds)
    slots.VIEW_FILTERS.set(chosen)
    return chosen


def allocation(ds, plist: view.PriorityList, shown: pd.DataFrame, lang: str) -> view.AllocationRun | None:
    """The allocation controls and the last run."""
    st.header(t("pr.alloc", lang))
    st.caption(t("pr.alloc_help", lang))
    indicators_year = ds.indicators[ds.indicators["year"] == plist.year]
    numeric_columns = [c for c in indicators_year.columns if c not in ("commune_id", "year")
                       and pd.api.types.is_numeric_dtype(indicators_year[c])]
    a1, a2, a3, a4 = st.columns(4)
    budget = a1.number_input(t("pr.budget", lang), min_value=0, value=1000, step=100, key="pr_budget")
    cost_mode = a2.radio(t("pr.cost_mode", lang), tuple(COST_MODE_KEYS), horizontal=True, key=slots.labelled("pr_cost_mode"),
                         format_func=lambda m: t(COST_MODE_KEYS[m], lang))
    if cost_mode == "flat":
        cost = a3.number_input(t("pr.cost", lang), min_value=0, value=100, step=10, key="pr_cost")
    else:
        cost = a3.selectbox(t("pr.cost_column", lang), numeric_columns, key=slots.labelled("pr_cost_column"),
                            format_func=lambda k: indicator_for(k).label(lang))
    objective = a4.radio(t("pr.objective", lang), view.allocation_objectives(plist.ranking), key=slots.labelled("pr_objective"),
                         format_func=lambda o: t(view.OBJECTIVE_KEYS[o], lang))
    b1, b2 = st.columns([1, 4])
    min_per_district = b1.number_input(t("pr.min_per_district", lang), min_value=0, value=0, step=1,
                                       key="pr_min_district")
    include, exclude = forced_communes(b2, shown, lang)
    if st.button(t("pr.run_alloc", lang), type="primary", key="pr_run_alloc"):
        settings = view.AllocationSettings(float(budget), float(cost) if cost_mode == "flat" else cost, objective,
                                           int(min_per_district), tuple(include),
                                           tuple(exclude))
        try:
            slots.PR_ALLOCATION.set(view.run_allocation(ds, plist, shown, settings))
            slots.PR_SHOW.set("allocation")
        except AllocationError as err:
            slots.PR_ALLOCATION.pop()
            st.error(widgets.md(err.message(lang)))
    run = slots.PR_ALLOCATION.get()
    if run:
        plan = run.plan
        figures = allocation_figures(run, lang)  # the brief prints the same figures
        for column, figure in zip(st.columns(len(figures)), figures):
            column.metric(figure.label, figure.value, delta=figure.delta)
        for note in view.allocation_notes(run, lang):
            st.warning(widgets.md(note))
        st.caption(t("pr.alloc_ratio_why", lang))
        chosen = plist.table.set_index("commune_id").loc[list(plan.chosen), "name"].astype(str).map(widgets.md)
        st.caption(t("pr.alloc_chosen", lang, n=len(plan.chosen)) + ": " + ", ".join(chosen))
    return run


def forced_communes(box, shown: pd.DataFrame, lang: str) -> tuple[list[str], list[str]]:
    """The communes a person forces into and out of the allocation, chosen only once they ask to.
    Each chooser lists every commune of the list: at 3,321 communes the browser spent about 0.3 s of
    a first Priorities visit building such lists (issue 17), for an option few plans use."""
    if not box.toggle(t("pr.force", lang), key="pr_force", help=t("pr.force_help", lang)):
        return [], []
    names = dict(zip(shown["commune_id"], shown["name"]))
    # By name, not rank: the choices then stay the same through a year change, so Streamlit neither
    # resends them (about 0.2 MB each at 10,600 communes) nor drops what a person picked.
    by_name = sorted(names, key=lambda c: (str(names[c]), c))
    c1, c2 = box.columns(2)
    include = c1.multiselect(t("pr.include", lang), by_name, key="pr_include", format_func=lambda c: names[c],
                             placeholder=t("common.choose", lang), select_all=False)
    exclude = c2.multiselect(t("pr.exclude", lang), by_name, key="pr_exclude", format_func=lambda c: names[c],
                             placeholder=t("common.choose", lang), select_all=False)
    return include, exclude


@st.cache_resource(show_spinner=False, max_entries=8)
def _dataset_sites(key, site_kind: str, _ds) -> pd.DataFrame:
    """The dataset's candidate bases of one kind, found once per dataset: a point inside every
    commune took 20 ms of each Priorities rerun at 3,321 communes (issue 17). Read only."""
    return patrol_sites(boundaries=_ds.boundaries if site_kind == "communes" else None,
                        gates=_ds.gates if site_kind == "gates" else None)


def coverage(ds, plist: view.PriorityList, lang: str):
    """Patrol coverage with its own objective (not the programme allocation's) and existing posts kept open."""
    st.header(t("pr.coverage", lang))
    st.caption(t("pr.coverage_help", lang))
    p1, p2, p3, p4 = st.columns(4)
    k_bases = p1.number_input(t("pr.k", lang), min_value=1, max_value=50, value=5, step=1, key="pr_k")
    radius = p2.number_input(t("pr.radius", lang), min_value=1, max_value=200, value=15, step=1, key="pr_radius")
    site_kind = p3.radio(t("pr.sites", lang), tuple(SITE_KEYS), key=slots.labelled("pr_sites"),
                         format_func=lambda k: t(SITE_KEYS[k], lang))
    objective = p4.radio(t("pr.cover_objective", lang), view.coverage_objectives(plist.ranking, state.role()),
                         key=slots.labelled("pr_cover_objective"), format_func=lambda o: t(view.OBJECTIVE_KEYS[o], lang))
    uploaded_sites = None
    if site_kind == "upload":
        upload = None
        if state.read_only():  # anonymous demo visitors upload nothing (server memory, hostile files)
            st.caption(t("pr.sites_demo", lang))
        else:
            upload = st.file_uploader(t("pr.sites_file", lang), type=["csv"], key="pr_sites_file")
        if upload is not None:
            try:
                uploaded_sites = load_sites_upload(upload.name, upload.getvalue())
            except DataError as err:  # every problem named by row and column; nothing kept
                st.error(t("pr.sites_bad", lang))
                for message in err.messages(lang):
                    st.text(f"• {message}")
    sites = (patrol_sites(points=uploaded_sites) if site_kind == "upload"
             else _dataset_sites(state.dataset_key(), site_kind, _ds=ds))
    fixed = []
    # Asked for first, as the allocation's forced communes are: the commune sites are every commune.
    if st.toggle(t("pr.fixed_toggle", lang), key="pr_fixed_on", help=t("pr.fixed_toggle_help", lang)):
        names = sites["name"].astype(str).tolist()
        fixed = st.multiselect(t("pr.fixed_posts", lang), list(range(len(names))), key=f"pr_fixed_{site_kind}",
                               format_func=lambda j: names[j], placeholder=t("common.choose", lang), select_all=False)
    if st.button(t("pr.run_cover", lang), key="pr_run_cover"):
        try:
            communes = view.coverage_communes(ds, plist, state.role(), objective)
            slots.PR_COVERAGE.set(cover(communes, sites, int(k_bases), float(radius),
                                        objective=objective, fixed=fixed))
            slots.PR_SHOW.set("coverage")
        except AllocationError as err:
            slots.PR_COVERAGE.pop()
            st.error(widgets.md(err.message(lang)))
    result = slots.PR_COVERAGE.get()
    if result:
        c1, c2 = st.columns(2)
        c1.metric(t(view.covered_share_key(result.objective_kind), lang), format_percent(result.covered_share or 0, lang))
        c2.metric(t("pr.greedy_share", lang), format_percent(result.greedy_share or 0, lang))
        st.caption(f"{t('pr.bases', lang)}: " + ", ".join(
            widgets.md(b.name) + (f" ({t('pr.fixed_mark', lang)})" if result.is_fixed(b) else "")
            for b in result.bases))
    return result
