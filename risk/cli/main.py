"""Command-line interface: one sub-command per analysis, each reading --data DIR, --store PATH or the dashboard's dataset."""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from pathlib import Path
from typing import Sequence

from risk.cli.source import add_source_arguments


def _cmd_demo(args: argparse.Namespace) -> int:
    from risk.demo.build import build_demo

    written = build_demo(Path(args.out), seed=args.seed)
    if args.json:
        print(json.dumps({"out": str(args.out), "files": [p.name for p in written]}))
    else:
        for path in written:
            print(path)
    return 0


def _cmd_hotspots(args: argparse.Namespace) -> int:
    """Clusters (spatial scan), smoothed risk and trends per commune, with the page's defaults;
    exit code 2 on bad data or options. --json also carries the clusters and every note."""
    from risk.access.privacy import Role
    from risk.analysis.hotspots import HotspotError, HotspotOptions
    from risk.cli.source import SourceUnavailable, load_from_args
    from risk.i18n import t
    from risk.views.hotspots import CLASS_KEYS, TREND_KEYS, cli_notes

    lang = args.lang
    try:
        ds = load_from_args(args)
        options = HotspotOptions(args.year_from, args.year_to, form=args.form, weights=args.weights,
                                 band_km=args.band_km, replicates=args.replicates, seed=args.seed, slice=args.slice)
        result = _analyses(args, ds).hotspots(options)  # kept: the page's run, or the last command's
    except SourceUnavailable:
        return 2
    except HotspotError as err:
        print(err.message(lang), file=sys.stderr)
        return 2
    notes = cli_notes(ds, result, lang)  # the CLI is an analyst's tool: the commander's role (sees cases)
    if args.json:
        clusters = [{"communes": list(m), "level": c.level, "observed": c.observed, "expected": round(c.expected, 3),
                     "p_value": round(c.p_value, 6), "statistic": round(c.statistic, 4), "statistic_kind": result.scan.statistic_kind}
                    for c, m in zip(result.scan.significant, result.cluster_members())]
        print(json.dumps({"communes": result.records(), "clusters": clusters, "notes": notes,
                          "reason": result.scan.reason}, ensure_ascii=False))
        return 0
    heads = [t(k, lang) for k in ("col.commune_id", "hotspots.col.class", "hotspots.col.trend",
                                  "hotspots.col.observed_expected", "hotspots.col.exceedance")]
    rows = [[r["commune_id"], t(CLASS_KEYS[r["class"]], lang), t(TREND_KEYS[r["trend"]], lang),
             "" if r["observed"] is None else f"{int(r['observed'])} / {r['expected']:.1f}",
             "" if r["exceedance"] is None else f"{r['exceedance']:.2f}"]
            for r in result.records()]
    widths = [max(len(str(x)) for x in column) for column in zip(heads, *rows)]
    for row in [heads, *rows]:
        print("  ".join(str(x).ljust(w) for x, w in zip(row, widths)).rstrip())
    for note in notes:
        print(note, file=sys.stderr)
    return 0


def _add_hotspot_parser(sub) -> None:
    from risk.analysis.hotspots.vocabulary import DEFAULT_REPLICATES, DEFAULT_SEED, SLICES, WEIGHTS
    from risk.contracts.cases import FORMS
    from risk.i18n import DEFAULT_LANGUAGE, LANGUAGES

    hot = sub.add_parser("hotspots", help="clusters of cases against population (spatial scan), smoothed risk "
                                          "and space-time trends per commune, as on the Hotspots page")
    add_source_arguments(hot)
    hot.add_argument("--from", dest="year_from", type=int, required=True, metavar="Y1", help="first year")
    hot.add_argument("--to", dest="year_to", type=int, required=True, metavar="Y2", help="last year")
    hot.add_argument("--weights", choices=WEIGHTS, default="contiguity", help="neighbours for Gi* and trends")
    hot.add_argument("--band-km", type=float, default=None, metavar="K",
                     help="distance band in km (default: the smallest that gives every commune a neighbour)")
    hot.add_argument("--form", choices=FORMS, default=None, help="only cases of this form")
    hot.add_argument("--slice", choices=SLICES, default=None,
                     help="time step of the trends (default, as on the page: years when there are at least 5, else quarters)")
    hot.add_argument("--replicates", type=int, default=DEFAULT_REPLICATES,
                     help="simulated null maps of the scan (the page uses the default)")
    hot.add_argument("--seed", type=int, default=DEFAULT_SEED)
    hot.add_argument("--lang", choices=LANGUAGES, default=DEFAULT_LANGUAGE, help="language of messages")
    hot.add_argument("--json", action="store_true")
    hot.set_defaults(func=_cmd_hotspots)



# --- risk model: backtest and score ------------------------------------------------


def _run_model(args: argparse.Namespace, work) -> int:
    """Load the dataset (--data or --store) and run `work(ds)`; data and model problems go to stderr
    in --lang, exit code 2."""
    from risk.analysis.features import ModelError
    from risk.cli.source import SourceUnavailable, load_from_args

    try:
        return work(load_from_args(args))
    except SourceUnavailable:
        pass
    except ModelError as err:
        print(err.message(args.lang), file=sys.stderr)
    return 2


def _analyses(args: argparse.Namespace, ds):
    """The dataset's analyses (risk.views.analyses): read from the result store when the pages or an
    earlier command computed them with the same settings, else computed here and kept."""
    from risk.access.settings import load_settings
    from risk.views.analyses import Analyses

    return Analyses.for_dataset(ds, load_settings(), user=_cli_user(args))


def _model_config(args: argparse.Namespace):
    from risk.analysis.model import ModelConfig

    return ModelConfig(kind=args.model, drop_features=tuple(args.drop_feature), patrol_weight=args.patrol_weight,
                       n_bootstrap=args.bootstrap, seed=args.seed, recalibrate=args.recalibrate)


def _fmt(value: float | None, lang: str, digits: int = 3) -> str:
    """A metric in the language's decimal mark ("0,789" in Vietnamese), or "not available"."""
    from risk.i18n import format_number, t

    return t("model.cli.not_available", lang) if value is None else format_number(value, digits, lang)


def _metric_rows(metrics: dict, lang: str, indent: str = "") -> list[str]:
    """One aligned line per method: name, then AUC, Brier, capture at 10 % and 20 %, PAI at 10 %."""
    from risk.i18n import t
    from risk.analysis.model import METHOD_KEYS, METHODS, METRIC_KEYS, METRICS

    names = {m: t(METHOD_KEYS[m], lang) for m in METHODS}
    heads = [t(METRIC_KEYS[k], lang) for k in METRICS]
    width = max(len(n) for n in names.values()) + 2
    lines = [indent + " " * width + "  ".join(h.rjust(max(len(h), 6)) for h in heads)]
    for m in METHODS:
        cells = [_fmt(metrics[m][k], lang, 2 if k == "pai_10" else 3).rjust(max(len(h), 6))
                 for k, h in zip(METRICS, heads)]
        lines.append(indent + names[m].ljust(width) + "  ".join(cells))
    return lines


def _cmd_backtest(args: argparse.Namespace) -> int:
    from risk.i18n import t
    from risk.analysis.model import MODEL_KIND_KEYS

    def work(ds) -> int:
        result = _analyses(args, ds).backtest(_model_config(args))
        if args.json:
            print(json.dumps(_json_safe(result.to_dict(args.lang)), ensure_ascii=False))
            return 0
        lang = args.lang
        print(t("model.cli.mean_title", lang, model=t(MODEL_KIND_KEYS[args.model], lang), folds=len(result.folds)))
        print("\n".join(_metric_rows(result.mean, lang)))
        if result.margins is not None:
            from risk.views.model_card import margin_sentences, margin_table

            print()
            print(t("mp.margins_help", lang, draws=result.margins.draws, communes=result.margins.communes))
            table = margin_table(result, lang).set_index(t("mp.metric", lang))
            for margin_col, no_gain_col in zip(table.columns[::2], table.columns[1::2]):
                print(f"{margin_col} · {no_gain_col}")
                width = max(len(str(name)) for name in table.index) + 2
                for name, row in table.iterrows():
                    print(f"  {str(name).ljust(width)}{row[margin_col]:>24}  {row[no_gain_col]:>5}")
            print("\n".join(margin_sentences(result, lang)))
        print(t("model.cli.shuffled", lang, auc=_fmt(result.shuffled_auc, lang)))
        from risk.views.model_card import calibration_lines, feedback_lines, note_text
        from risk.views.vintage import dataset_lines

        print()
        print("\n".join(calibration_lines(result, lang)))

        print()
        print("\n".join(feedback_lines(ds, result.config.patrol_weight, lang)))
        boundaries = dataset_lines(ds, lang)  # years converted from pre-2025 communes
        if boundaries:
            print()
            print("\n".join(boundaries))
        print()
        print(t("model.cli.folds_title", lang))
        for fold in result.folds:
            first, last = fold.train_years[0], fold.train_years[-1]
            train = str(first) if first == last else f"{first}–{last}"
            print(t("model.cli.fold", lang, year=fold.test_year, train=train, n=fold.n, positive=fold.n_positive))
            print("\n".join(_metric_rows(fold.metrics, lang, indent="  ")))
        if result.notes:
            print()
            print(t("model.cli.notes_title", lang))
            for note in result.notes:
                print(f"- {note_text(note, lang)}")
        return 0

    return _run_model(args, work)


def _cmd_score(args: argparse.Namespace) -> int:
    from risk.analysis.features import feature_label
    from risk.i18n import t
    from risk.analysis.model import MODEL_KIND_KEYS
    from risk.views.priorities import interval_text

    def work(ds) -> int:
        result = _analyses(args, ds).score(args.year, _model_config(args))
        table = result.table
        columns = ["commune_id", "name", "score", "rank", "rank_low", "rank_high", "drivers"]
        if args.json:
            print(json.dumps(_json_safe(table[columns].to_dict(orient="records")), ensure_ascii=False))
            return 0
        lang = args.lang
        print(t("model.cli.score_title", lang, year=args.year, next=args.year + 1,
                model=t(MODEL_KIND_KEYS[args.model], lang)))
        if result.extra_variance is not None:
            print(t("model.cli.rank_noise", lang, phi=_fmt(result.extra_variance, lang)))
        heads = [t(k, lang) for k in ("model.cli.col.rank", "model.cli.col.interval", "model.cli.col.score",
                                      "model.cli.col.commune", "model.cli.col.drivers")]
        width = max([len(n) for n in table["name"]] + [len(heads[3])]) + 2
        print(f"{heads[0]:>6}  {heads[1]:>13}  {heads[2]:>6}  {heads[3].ljust(width)}{heads[4]}")
        for row in table.itertuples():
            drivers = "; ".join(f"{feature_label(d.feature, lang)} {d.contribution:+.2f}" for d in row.drivers)
            interval = interval_text(row.rank_low, row.rank_high, lang)
            print(f"{row.rank:>6}  {interval:>13}  {row.score:6.3f}  {row.name.ljust(width)}{drivers}")
        return 0

    return _run_model(args, work)


def allocation_candidates(ds, year: int, config, cost_column: str | None = None, analyses=None):
    """The Priorities page's allocation candidates (risk.views.priorities) from the model's scores (the
    kept ones when `analyses`, risk.views.analyses.Analyses, is given)."""
    from risk.analysis.model import score
    from risk.views.priorities import allocation_candidates as candidates

    table = (analyses.score(year, config) if analyses is not None else score(ds, year, config)).table
    return candidates(ds, year, table, cost_column)


@contextlib.contextmanager
def _stdout_to_stderr():
    """Send file descriptor 1 to stderr for the block (native libraries write there directly)."""
    sys.stdout.flush()
    try:
        saved = os.dup(1)
    except OSError:  # no real stdout (embedded interpreter)
        yield
        return
    try:
        os.dup2(2, 1)
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


def _cmd_allocate(args: argparse.Namespace) -> int:
    """Budgeted programme allocation (exact integer program) against the greedy ranking; exit 2 on bad input."""
    from risk.analysis.allocate import AllocationError, allocate
    from risk.i18n import t

    lang = args.lang

    def work(ds) -> int:
        try:
            candidates = allocation_candidates(ds, args.year, _model_config(args), args.cost_column,
                                               _analyses(args, ds))
            with _stdout_to_stderr():  # HiGHS may print progress lines from C++, which would break --json
                result = allocate(candidates, args.budget, cost=args.cost_column or args.cost,
                                  objective=args.objective, min_per_district=args.min_per_district,
                                  must_include=set(args.include), must_exclude=set(args.exclude))
        except AllocationError as err:
            print(err.message(lang), file=sys.stderr)
            return 2
        if args.json:
            print(json.dumps(_json_safe(result.to_dict()), ensure_ascii=False))
            return 0
        names = dict(zip(candidates["commune_id"].astype(str), candidates["name"]))
        print(t("allocate.cli.summary", lang, n=len(result.chosen), cost=f"{result.cost:g}",
                budget=f"{result.budget:g}", objective=f"{result.objective:.4g}"))
        for commune_id in result.chosen:
            print(f"  {commune_id}  {names.get(commune_id, '')}")
        print(t("allocate.cli.greedy", lang, n=len(result.greedy_chosen), cost=f"{result.greedy_cost:g}",
                objective=f"{result.greedy_objective:.4g}"))
        share = "–" if result.gap_share is None else f"{100 * result.gap_share:.1f} %"
        print(t("allocate.cli.gap", lang, gap=f"{result.gap:.4g}", share=share))
        print(t("allocate.cli.ratio", lang, n=len(result.ratio_chosen), cost=f"{result.ratio_cost:g}",
                objective=f"{result.ratio_objective:.4g}"))
        ratio_share = "–" if result.ratio_gap_share is None else f"{100 * result.ratio_gap_share:.2f} %"
        print(t("allocate.cli.ratio_gap", lang, gap=f"{result.ratio_gap:+.4g}", share=ratio_share))
        from risk.views.priorities import AllocationRun, AllocationSettings, allocation_notes

        settings = AllocationSettings(args.budget, args.cost_column or args.cost, args.objective,
                                      args.min_per_district, tuple(args.include), tuple(args.exclude))
        for note in allocation_notes(AllocationRun(result, settings), lang):
            print(note)
        return 0

    return _run_model(args, work)


def _add_allocate_parser(sub) -> None:
    from risk.analysis.objectives import OBJECTIVES

    alloc = _add_planning_parser(sub, "allocate", "budgeted programme allocation (exact integer program) vs. the ranking",
                                 _cmd_allocate)
    alloc.add_argument("--budget", type=float, required=True, metavar="B")
    costs = alloc.add_mutually_exclusive_group()
    costs.add_argument("--cost-column", default=None, metavar="C", help="per-commune cost from this indicator column")
    costs.add_argument("--cost", type=float, default=1.0, metavar="X",
                       help="flat cost per programme (default 1: the budget is a number of programmes)")
    alloc.add_argument("--objective", choices=OBJECTIVES, default="expected_cases")
    alloc.add_argument("--min-per-district", type=int, default=0, metavar="N", help="at least N per former district")
    alloc.add_argument("--include", nargs="+", action="extend", default=[], metavar="ID", help="communes that must get one")
    alloc.add_argument("--exclude", nargs="+", action="extend", default=[], metavar="ID", help="communes left out")


def _add_planning_parser(sub, name: str, help_text: str, func) -> argparse.ArgumentParser:
    """A planning command (allocate, cover): the model's options, the year scored, and no rank
    intervals (the plan uses the scores only, so bootstrap refits would be wasted)."""
    parser = sub.add_parser(name, help=help_text)
    _add_model_options(parser)
    parser.add_argument("--year", type=int, required=True)
    parser.add_argument("--bootstrap", type=int, default=0, help=argparse.SUPPRESS)
    parser.set_defaults(func=func)
    return parser


def _cmd_cover(args: argparse.Namespace) -> int:
    """Patrol coverage (exact maximal covering) against the greedy choice; exit 2 on bad input."""
    from risk.analysis.allocate import AllocationError
    from risk.analysis.cases import recent_case_totals
    from risk.analysis.coverage import commune_points, cover, patrol_sites
    from risk.ingest.folder import DataError, load_sites_upload
    from risk.i18n import format_percent, t

    lang = args.lang

    def work(ds) -> int:
        try:
            uploaded = None
            if args.sites == "file":
                path = Path(args.sites_file) if args.sites_file else None
                if path is None:
                    print(t("cover.cli.no_file", lang), file=sys.stderr)
                    return 2
                uploaded = load_sites_upload(path.name, path.read_bytes())
            sites = patrol_sites(boundaries=ds.boundaries if args.sites == "communes" else None,
                                 gates=ds.gates if args.sites == "gates" else None, points=uploaded)
            names = sites["name"].astype(str).tolist()
            unknown = [n for n in args.fixed if n not in names]
            if unknown:
                print(t("cover.cli.unknown_fixed", lang, names=", ".join(unknown)), file=sys.stderr)
                return 2
            candidates = allocation_candidates(ds, args.year, _model_config(args), analyses=_analyses(args, ds))
            communes = commune_points(ds.boundaries).drop(columns=["name"]).merge(
                candidates[["commune_id", "score", "population"]], on="commune_id")
            if args.objective == "recorded_cases":  # the CLI reads the case file itself: no role applies
                communes["recorded_cases"] = recent_case_totals(
                    ds.cases, communes["commune_id"].astype(str).tolist(), args.year).to_numpy()
            with _stdout_to_stderr():  # HiGHS may print from C++, which would break --json
                result = cover(communes, sites, args.k, args.radius, objective=args.objective,
                               fixed=[names.index(n) for n in args.fixed])
        except DataError as err:
            for message in err.messages(lang):
                print(message, file=sys.stderr)
            return 2
        except AllocationError as err:
            print(err.message(lang), file=sys.stderr)
            return 2
        if args.json:
            print(json.dumps(_json_safe(result.to_dict()), ensure_ascii=False))
            return 0
        print(t("cover.cli.summary", lang, k=result.k, radius=args.radius,
                share=format_percent(result.covered_share, lang), greedy=format_percent(result.greedy_share, lang)))
        for base in result.bases:
            mark = f" ({t('pr.fixed_mark', lang)})" if result.is_fixed(base) else ""
            print(f"  {base.name}{mark}  {base.lon:.5f}, {base.lat:.5f}")
        return 0

    return _run_model(args, work)


def _add_cover_parser(sub) -> None:
    from risk.analysis.objectives import COVER_OBJECTIVES

    parser = _add_planning_parser(sub, "cover", "patrol coverage: K bases covering the most risk within R km (exact)",
                                  _cmd_cover)
    parser.add_argument("--k", type=int, required=True, metavar="K", help="new bases to place")
    parser.add_argument("--radius", type=float, default=15.0, metavar="KM", help="straight-line radius in km")
    parser.add_argument("--sites", choices=("communes", "gates", "file"), default="gates")
    parser.add_argument("--sites-file", default=None, metavar="CSV", help="name, lon, lat (with --sites file)")
    parser.add_argument("--fixed", nargs="+", action="extend", default=[], metavar="NAME",
                        help="existing posts kept open (site names)")
    parser.add_argument("--objective", choices=COVER_OBJECTIVES, default="expected_cases",
                        help="risk to cover; recorded_cases: cases in the year and the two before")


def _json_safe(value):
    """Plain JSON values: numpy scalars to Python, NaN and infinities to null."""
    import math

    import numpy as np

    import dataclasses

    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = dataclasses.asdict(value)
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _add_model_options(parser: argparse.ArgumentParser) -> None:
    from risk.i18n import DEFAULT_LANGUAGE, LANGUAGES

    add_source_arguments(parser)
    parser.add_argument("--model", choices=("logistic", "gbm"), default="logistic")
    parser.add_argument("--drop-feature", action="append", default=[], metavar="NAME",
                        help="leave a feature out (repeatable), e.g. ethnic_minority_share")
    parser.add_argument("--patrol-weight", type=float, default=1.0, metavar="W",
                        help="weight of patrol-detected cases, 0 to 1 (default 1); a sensitivity check: "
                             "patrol effort data (patrols.csv) is what corrects the feedback loop")
    parser.add_argument("--recalibrate", action="store_true",
                        help="Platt-scale the probabilities each year on earlier years' out-of-time predictions "
                             "(off by default; the backtest reports whether it helps on the data)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--lang", choices=LANGUAGES, default=DEFAULT_LANGUAGE, help="language of messages")
    parser.add_argument("--json", action="store_true")

# --- export: the ranked priority list as a file, audited ---------------------------


def _priority_list(ds, year: int, config, role, k: int, lang: str, analyses=None):
    """The Priorities page's list for `year`, built by the same view (risk.views.priorities) from the same
    kept analyses (risk.views.analyses; None: computed, kept nowhere)."""
    from risk.analysis.hotspots import HotspotError, HotspotOptions
    from risk.views.analyses import Analyses
    from risk.views.priorities import build_priority_list, case_years, hotspot_class_column

    analyses = analyses or Analyses(ds, None)
    years = case_years(year)
    hotspot = None
    if len(ds.cases):
        try:
            hotspot = hotspot_class_column(analyses.hotspots(HotspotOptions(years[0], year)))
        except HotspotError:
            pass
    distances = analyses.distances()["dist_border_km"]
    return build_priority_list(ds, year, "model", analyses.score(year, config).table, role, k, lang, hotspot,
                               distances)


def _cmd_export(args: argparse.Namespace) -> int:
    """Write the ranked priority list for --year to --out in --format, after recording it in the audit log."""
    import os

    from risk.i18n import t
    from risk.analysis.model import ModelConfig
    from risk.views.priorities import method_text
    from risk.views.priority_export import prepare_export
    from risk.views.source import data_version_label
    from risk.access.privacy import Role
    from risk.access.settings import load_settings
    from risk.store import open_store
    from risk.store.shared import StoreError

    lang = args.lang

    def work(ds) -> int:
        if args.year not in ds.years:
            print(t("export.cli.bad_year", lang, year=args.year, first=ds.years[0], last=ds.years[-1]), file=sys.stderr)
            return 2
        conf = load_settings()
        role = Role(args.role)
        config = ModelConfig()  # the same model and 100 bootstrap refits as the pages
        plist = _priority_list(ds, args.year, config, role, conf.small_cell_k, lang, _analyses(args, ds))
        method = method_text(plist, lang, model_kind=config.kind, n_bootstrap=config.n_bootstrap,
                             small_cell_k=conf.small_cell_k, role=role)
        prepared = prepare_export(ds, plist, plist.table, args.format, lang, method=method, user=_cli_user(args),
                                  data_version=data_version_label(ds), role=role, settings=conf)
        data = prepared.data
        out = Path(args.out)
        tmp = out.with_name(f".{out.name}.part")
        try:
            tmp.write_bytes(data)
        except OSError as err:
            print(t("export.cli.write_error", lang, path=out, error=err.strerror or err), file=sys.stderr)
            return 2
        store = open_store(args.store or conf.store)
        try:  # no file leaves without its audit entry
            store.append_audit(_cli_user(args), "export", dict(prepared.audit), prepared.rows)
        except Exception as err:  # noqa: BLE001 (whatever failed, the file must not stay)
            tmp.unlink(missing_ok=True)
            text = err.message(lang) if isinstance(err, StoreError) else str(err)
            print(t("export.cli.audit_error", lang, path=str(store), error=text), file=sys.stderr)
            return 2
        try:
            os.replace(tmp, out)
        except OSError as err:
            tmp.unlink(missing_ok=True)
            print(t("export.cli.write_error", lang, path=out, error=err.strerror or err), file=sys.stderr)
            return 2
        if args.json:
            print(json.dumps({"out": str(out), "format": args.format, "rows": prepared.rows}, ensure_ascii=False))
        else:
            print(t("export.cli.written", lang, rows=prepared.rows, path=out, fmt=args.format))
        return 0

    return _run_model(args, work)


def _add_export_parser(sub) -> None:
    from risk.outputs.formats import FORMATS
    from risk.i18n import DEFAULT_LANGUAGE, LANGUAGES
    from risk.access.privacy import Role

    exp = sub.add_parser("export", help="write the ranked priority list for a year as csv, xlsx, geojson, gpkg or pdf")
    add_source_arguments(exp, exclusive=False)
    exp.add_argument("--year", type=int, required=True)
    exp.add_argument("--format", choices=FORMATS, required=True)
    exp.add_argument("--out", required=True, help="file to write")
    exp.add_argument("--role", choices=[r.value for r in Role], default=Role.OFFICIAL.value,
                     help="whose view of case counts (default official: counts below k hidden)")
    exp.add_argument("--user", help="who exports (default: the login name)")
    exp.add_argument("--lang", choices=LANGUAGES, default=DEFAULT_LANGUAGE, help="language of the file and messages")
    exp.add_argument("--json", action="store_true")
    exp.set_defaults(func=_cmd_export)


# --- import and versions (the embedded store) -------------------------------------


def _cli_user(args: argparse.Namespace) -> str:
    """Who is recorded in the store: --user, else the operating-system account."""
    import getpass

    if getattr(args, "user", None):  # commands without --user: the login name
        return args.user
    try:
        return getpass.getuser()
    except Exception:  # no login name (some containers)
        return "cli"


def _cmd_import(args: argparse.Namespace) -> int:
    """Validate files and store them as a new active version; exit 1 when rejected."""
    from risk.i18n import t
    from risk.contracts.dataset import PARTS
    from risk.ingest.upload import ImportRejected, import_files, parse_mapping
    from risk.store import open_store
    from risk.store.shared import StoreError

    try:
        mapping = parse_mapping(args.map)
    except ValueError as err:
        print(t("store.cli.bad_mapping", args.lang, value=str(err)), file=sys.stderr)
        return 2
    if args.data:
        if any(getattr(args, part) for part in PARTS if part != "boundaries"):
            args.parser.error("--data takes a whole folder; give single files without --data")
        source: object = Path(args.data)
    else:
        source = {part: getattr(args, part) for part in PARTS if getattr(args, part)}
    store = open_store(args.store)
    try:
        report = import_files(store, source, user=_cli_user(args), label=args.label, mapping=mapping)
    except ImportRejected as err:
        report = err.report
    except StoreError as err:
        print(err.message(args.lang), file=sys.stderr)
        return 2
    doc = report.to_dict(args.lang)
    if args.json:
        print(json.dumps(_json_safe({"ok": doc["ok"], "version": doc["version"], "errors": doc["errors"],
                                     "notes": doc["notes"], "report": {"checksum": doc["checksum"],
                                                                       "parts": doc["parts"]}}),
                         ensure_ascii=False))
    else:
        print(f"ok: {str(report.ok).lower()}")
        print(f"version: {report.version_id if report.ok else '-'}")
        if report.ok:
            label = store.versions().set_index("id").at[report.version_id, "label"]
            print(t("store.cli.imported", args.lang, version=report.version_id, label=label))
        else:
            print(t("store.cli.rejected", args.lang, count=len(report.problems)))
            print(t("store.cli.errors", args.lang))
            for message in report.messages(args.lang):
                print(f"- {message}")
        if report.notes:
            print(t("store.cli.notes", args.lang))
            for message in report.note_messages(args.lang):
                print(f"- {message}")
    return 0 if report.ok else 1


def _cmd_versions(args: argparse.Namespace) -> int:
    """List the store's versions, newest first, the active one marked with *."""
    from risk.i18n import t
    from risk.store import open_store
    from risk.store.schema import PART_NAMES

    store = open_store(args.store)
    table = store.versions()
    if args.json:
        print(json.dumps(_json_safe(table.to_dict(orient="records")), ensure_ascii=False))
        return 0
    if table.empty:
        print(t("store.cli.no_versions", args.lang, path=str(store)))
        return 0
    print(f"{'':1} {'id':>4}  {'created_at (UTC)':24}  {'user':12}  " + "  ".join(f"{p:>10}" for p in PART_NAMES)
          + "  label")
    for row in table.itertuples():
        counts = "  ".join(f"{getattr(row, p):>10}" for p in PART_NAMES)
        print(f"{'*' if row.active else ' '} {row.id:>4}  {row.created_at:24}  {row.user[:12]:12}  {counts}  {row.label}")
    return 0


def _cmd_activate(args: argparse.Namespace) -> int:
    """Make a stored version the active one (audited)."""
    from risk.i18n import t
    from risk.store import open_store
    from risk.store.shared import StoreError

    try:
        open_store(args.store).activate(args.version, _cli_user(args))
    except StoreError as err:
        print(err.message(args.lang), file=sys.stderr)
        return 2
    print(t("store.cli.activated", args.lang, version=args.version))
    return 0


def _cmd_audit_verify(args: argparse.Namespace) -> int:
    """Walk the audit log's hash chain: exit 0 when intact, 1 when broken, 2 when there is no store."""
    from risk.i18n import t
    from risk.store import open_store
    from risk.store.shared import StoreError

    try:
        check = open_store(args.store).verify_audit()
    except StoreError as err:
        print(err.message(args.lang), file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(check.to_dict(args.lang), ensure_ascii=False))
    else:
        print(check.summary(args.lang))
        for warning in check.warnings:
            print(f"- {warning.message(args.lang)}")
        if check.ok:
            print(t("store.audit.head", args.lang, head=check.head))
    return 0 if check.ok else 1


def _add_store_commands(sub) -> None:
    from risk.i18n import DEFAULT_LANGUAGE, LANGUAGES

    def common(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--store", default=None, help="store: a GeoPackage file or a postgresql:// URL (default: RISK_STORE, var/store.gpkg)")
        parser.add_argument("--lang", choices=LANGUAGES, default=DEFAULT_LANGUAGE, help="language of messages")

    imp = sub.add_parser("import", help="validate files and store them as a new active dataset version")
    files = imp.add_mutually_exclusive_group(required=True)
    files.add_argument("--data", help="a dataset folder (boundaries.*, indicators.*, ...)")
    files.add_argument("--boundaries", help="commune boundaries: .gpkg, .geojson or zipped shapefile")
    for part, text in (("crosswalk", "pre-2025 communes to today's (old_commune_id, old_name, new_commune_id, "
                                     "optional weight), .csv or .xlsx: indicator and case rows keyed by old communes "
                                     "are converted"),
                       ("indicators", ".csv or .xlsx"), ("cases", ".csv or .xlsx"), ("border", ".geojson or .gpkg"),
                       ("gates", ".csv or .xlsx"), ("patrols", "patrol effort, .csv or .xlsx"),
                       ("meta", "dataset.json")):
        imp.add_argument(f"--{part}", help=text)
    imp.add_argument("--label", help="a name for this version (default: the dataset's name)")
    imp.add_argument("--map", action="append", default=[], metavar="COLUMN=FILE_COLUMN",
                     help="column mapping, e.g. commune_id=MA_XA (boundaries) or indicators:commune_id=Ma_xa")
    imp.add_argument("--user", help="who imports (default: the login name)")
    imp.add_argument("--json", action="store_true")
    common(imp)
    imp.set_defaults(func=_cmd_import, parser=imp)

    versions = sub.add_parser("versions", help="list the stored dataset versions")
    versions.add_argument("--json", action="store_true")
    common(versions)
    versions.set_defaults(func=_cmd_versions)

    activate = sub.add_parser("activate", help="make a stored dataset version the active one")
    activate.add_argument("version", type=int)
    activate.add_argument("--user", help="who activates (default: the login name)")
    common(activate)
    activate.set_defaults(func=_cmd_activate)

    audit = sub.add_parser("audit", help="the audit log")
    audit_commands = audit.add_subparsers(dest="audit_command", required=True)
    verify = audit_commands.add_parser("verify", help="check the audit log's hash chain (exit 0 intact, 1 broken)")
    verify.add_argument("--json", action="store_true")
    common(verify)
    verify.set_defaults(func=_cmd_audit_verify)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m risk", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="build the generated demo dataset folder")
    demo.add_argument("--out", default="data/demo", help="output folder")
    demo.add_argument("--seed", type=int, default=None, help="random seed (default: the committed one)")
    demo.add_argument("--json", action="store_true")
    demo.set_defaults(func=_cmd_demo)
    _add_hotspot_parser(sub)

    backtest = sub.add_parser("backtest", help="rolling temporal backtest of the risk model against baselines")
    _add_model_options(backtest)
    backtest.set_defaults(func=_cmd_backtest, bootstrap=0)

    score = sub.add_parser("score", help="risk scores, rank intervals and drivers for one year")
    _add_model_options(score)
    score.add_argument("--year", type=int, required=True)
    score.add_argument("--bootstrap", type=int, default=100, metavar="N", help="bootstrap refits for rank intervals")
    score.set_defaults(func=_cmd_score)

    _add_allocate_parser(sub)
    _add_cover_parser(sub)

    _add_store_commands(sub)
    _add_export_parser(sub)

    from risk.cli import store as cli_store
    from risk.cli import users as cli_users

    cli_store.register(sub)
    cli_users.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
