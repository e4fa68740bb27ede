"""What bench.country prints: the folder's facts, the app beside the naive page, and issue 17's Targets.

Seconds are medians over the rounds (every round's value in brackets); bytes are what the server
sent, from the counting proxy, as "data" (everything but code files) and "code". KB and MB are
10^3 and 10^6 bytes. A figure that did not happen (within its timeout, or the choice did not hold) prints as
"not done" with a note under the table.
"""
from __future__ import annotations

import statistics
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bench.country import Run
    from bench.country_data import FolderFacts

__all__ = ["print_facts", "print_side_by_side", "print_targets"]

# Rows of the side-by-side table, in order; the naive page has only the risk-map ones.
ROWS = (
    "fresh server: first map (first open)", "fresh server: first map (restart)",
    "risk map: first visit", "risk map: return visit", "risk map: year change", "risk map: indicator change",
    "risk map: commune click", "hotspots: first visit (first on this server)", "hotspots: first visit",
    "hotspots: layer change", "priorities: first visit (first on this server)", "priorities: first visit",
    "priorities: year change", "priorities: allocate",
    "priorities: return visit",
)
# The naive page keeps nothing across a restart: its first open stands for both app rows.
NAIVE_ROW = {"fresh server: first map (restart)": "fresh server: first map (first open)"}
COMPARED = ("fresh server: first map (restart)", "risk map: first visit", "risk map: year change",
            "risk map: indicator change", "risk map: commune click")
INTERACTIONS = ("risk map: year change", "risk map: indicator change", "risk map: commune click")
CLICK_LIMIT_S = {130: 1.0, 3321: 1.5, 10600: 2.0}


def size(n_bytes: float | None) -> str:
    if n_bytes is None:
        return "—"
    if n_bytes >= 1e6:
        return f"{n_bytes / 1e6:.2f} MB"
    return f"{n_bytes / 1e3:.0f} KB"


def seconds(run: "Run", name: str, rounds: bool = True) -> str:
    figures = run.figures.get(name, [])
    if not figures:
        return "—"
    median = run.seconds(name)
    text = "not done (see note)" if median is None else f"{median:.2f} s"
    if rounds and len(figures) > 1:
        text += " [" + " ".join("—" if f.seconds is None else f"{f.seconds:.2f}" for f in figures) + "]"
    return text


def data_bytes(run: "Run", name: str) -> float | None:
    figures = run.figures.get(name, [])
    return statistics.median(f.data_bytes for f in figures) if figures else None


def code_bytes(run: "Run", name: str) -> float | None:
    figures = run.figures.get(name, [])
    return statistics.median(f.code_bytes for f in figures) if figures else None


def ratio(app: "Run", naive: "Run", name: str) -> float | None:
    a, b = app.seconds(name), naive.seconds(NAIVE_ROW.get(name, name))
    return b / a if a and b else None


def _table(header: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    line = lambda cells: "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths)) + " |"  # noqa: E731
    print(line(header))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in rows:
        print(line(row))


def print_facts(n: int, facts: "FolderFacts", ready_s: float) -> None:
    print(f"\n=== {n:,} communes ===", flush=True)
    print(f"folder {facts.folder} (ready in {ready_s:.1f} s: generated once, then reused)")
    print(f"boundaries: {facts.communes:,} communes, {facts.vertices_min}–{facts.vertices_max} vertices each "
          f"(median {facts.vertices_median:.0f}), {facts.vertices_total:,} in all")
    print("files: " + ", ".join(f"{name} {size(b)}" for name, b in facts.file_bytes.items()), flush=True)


def print_side_by_side(app: "Run", naive: "Run", repeats: int) -> None:
    print(f"\n{app.n:,} communes, app beside the naive page (median of {repeats} rounds where repeated):")
    rows = []
    for name in ROWS:
        if name not in app.figures:
            continue
        other = NAIVE_ROW.get(name, name)
        r = ratio(app, naive, name)
        rows.append([name, seconds(app, name), size(data_bytes(app, name)), size(code_bytes(app, name)),
                     seconds(naive, other), size(data_bytes(naive, other)), "—" if r is None else f"{r:.1f}×"])
    _table(["figure", "app", "data", "code", "naive", "data", "naive/app"], rows)
    def up(run: "Run") -> str:
        return "—" if run.server_start_s is None else f"{run.server_start_s:.1f} s"

    mem = [["server up", up(app), up(naive)],
           ["server memory, one session", size(app.memory and app.memory.one_session),
            size(naive.memory and naive.memory.one_session)],
           ["memory per extra session", size(app.memory and app.memory.per_extra_session),
            size(naive.memory and naive.memory.per_extra_session)],
           ["requests to other hosts", str(len(app.external)), str(len(naive.external))]]
    _table(["", "app", "naive"], mem)
    for run in (app, naive):
        notes = {f"{name}: {f.note}" for name, figures in run.figures.items() for f in figures if f.note}
        for note in sorted(notes) + run.failures:
            print(f"note ({run.site}): {note}")
    print(flush=True)


def _row(scale: str, what: str, target: str, measured: str, ok: bool | None) -> list[str]:
    return [scale, what, target, measured, "not measured" if ok is None else ("pass" if ok else "FAIL")]


def _at_most(value: float | None, limit: float) -> bool | None:
    return None if value is None else value <= limit


def print_targets(runs: dict[int, tuple["Run", "Run"]]) -> None:
    """Issue 17's Targets table: one row per figure, the measured value and pass or fail; rows of a
    scale this run left out say "not measured"."""
    from bench.country import SCALES, Run

    scales = sorted(set(SCALES) | set(runs))
    pair = {n: runs.get(n, (Run("app", n), Run("naive", n))) for n in scales}
    app = {n: pair[n][0] for n in scales}

    def time_row(n: int, what: str, name: str, limit: float) -> list[str]:
        return _row(f"{n:,}", what, f"≤ {limit:g} s", seconds(app[n], name, False),
                    _at_most(app[n].seconds(name), limit))

    rows = [time_row(130, "warm navigation to drawn", "risk map: first visit", 1.5),
            time_row(130, "fresh server to first map (restart)", "fresh server: first map (restart)", 5)]
    for n in scales:
        for name in INTERACTIONS:
            rows.append(time_row(n, name.split(": ")[1] + " redrawn", name, CLICK_LIMIT_S.get(n, 2.0)))
    big = app[10600]
    first, back = data_bytes(big, "risk map: first visit"), data_bytes(big, "risk map: return visit")
    each = [data_bytes(big, name) for name in (*INTERACTIONS, "hotspots: layer change", "priorities: year change",
                                                 "priorities: allocate")]
    worst = None if None in each else max(each)
    rows += [
        time_row(10600, "first visit drawn", "risk map: first visit", 4),
        _row("10,600", "first visit data (geometry and all)", "≤ 1.5 MB", size(first), _at_most(first, 1.5e6)),
        _row("10,600", "geometry sent once: return visit data", "≤ 300 KB", size(back), _at_most(back, 300e3)),
        _row("10,600", "each interaction on every page, data (largest)", "≤ 300 KB", size(worst), _at_most(worst, 300e3)),
        time_row(3321, "priorities page warm, from a new browser", "priorities: first visit", 2),
        time_row(3321, "priorities page warm, browser cache warm", "priorities: return visit", 2),
        time_row(3321, "allocate click", "priorities: allocate", 5),
        time_row(10600, "hotspot layer change redrawn", "hotspots: layer change", 2),
        time_row(10600, "priorities year change redrawn", "priorities: year change", 2),
        time_row(10600, "allocate click", "priorities: allocate", 2),
    ]
    for n in scales:
        per = app[n].memory.per_extra_session if app[n].memory else None
        if per is not None and per < 0:  # the process freed more than the sessions took: no figure
            rows.append(_row(f"{n:,}", "memory per extra session", "≤ 60 MB", f"{size(per)} (memory fell; "
                             "run again)", None))
            continue
        rows.append(_row(f"{n:,}", "memory per extra session", "≤ 60 MB", size(per), _at_most(per, 60e6)))
    for n in scales:
        known = {name: r for name in COMPARED if (r := ratio(*pair[n], name)) is not None}
        if not known:
            rows.append(_row(f"{n:,}", "≥ 3× faster than naive", "≥ 3×", "—", None))
            continue
        name, low = min(known.items(), key=lambda kv: kv[1])
        rows.append(_row(f"{n:,}", f"≥ 3× faster than naive (lowest: {name})", "≥ 3×", f"{low:.1f}×",
                         low >= 3 and len(known) == len(COMPARED)))
    print("\nIssue 17 targets (printed, never asserted):")
    _table(["scale", "what", "target", "measured", "result"], rows)
    print(f"{sum(r[-1] == 'pass' for r in rows)} of {len(rows)} rows pass; {sum(r[-1] == 'FAIL' for r in rows)} fail; "
          f"{sum(r[-1] == 'not measured' for r in rows)} not measured.", flush=True)
