"""Fast at every scale (issue 17): the real app in headless Chromium at 130, 3,321 and 10,600 communes,
beside the naive st_folium page in the same run, and the issue's Targets table with pass or fail.

For each scale: a dataset folder (bench.country_data; 130 is the committed demo), the app started
on it (tests.browser.streamlit_server, demo mode, a fresh store), then headless Chromium with the
real mouse (bench.probe). Measured, each as seconds and bytes the server sent:
- the first map of a fresh server (the dataset opened for the first time), and after a restart
  that keeps the store, the kept analyses and the prepared map;
- then, once the default analyses the first open started in the background are kept (as deployed,
  RISK_PRECOMPUTE on), the warm rounds:
- per page (risk map, hotspots, priorities): a first visit from a new browser on a warm server,
  and on the risk map a return visit from the same browser (its cache warm);
- click to redrawn: year and indicator change and a commune click (until its panel shows; at
  national scale the map is first zoomed in with the wheel, untimed, until communes are 10 px) on
  the risk map, the layer choice on hotspots, year change and "allocate" on priorities, then on
  priorities a return visit from the same browser (its cache warm, as for a person who used the app before);
- server memory (the process and its children) with one session, and per extra session.
Bytes come from a counting proxy between browser and server (bench.wire): what the wire carries,
websocket and HTTP; "data" leaves out code files (scripts, styles, fonts, images).

The naive page (bench/naive_page.py) gets the same risk-map measurements in the same run.
With --nginx both are served behind the shipped nginx site (deploy/nginx-risk-dashboard.conf, one
process; bench.load starts it), which compresses Streamlit's scripts and reads them from disk itself,
as a deployment does; without it, by Streamlit directly.
Times are printed, never asserted. Usage:
    python -m bench.country [--scales 130,3321,10600] [--quick] [--repeats N] [--nginx] [--cache DIR] [--json FILE]
(10,600 communes takes about an hour on 2 cores; the folders are generated once into var/bench/.)
"""
from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Iterator

from bench import probe
from bench.country_data import CACHE_DIR, country_folder, folder_facts
from bench.country_report import print_facts, print_side_by_side, print_targets, size
from bench.wire import CountingProxy, Received, server_pid, tree_rss_bytes
from risk.i18n import t
from tests.browser import ROOT, chromium_available, streamlit_server

SCALES = (130, 3321, 10600)
REPEATS = 3
EXTRA_SESSIONS = 3
LANG = "vi"
NAIVE_PAGE = Path(__file__).resolve().parent / "naive_page.py"


@dataclass(frozen=True)
class Figure:
    """One measurement: seconds to the visible result (None: not within the timeout) and bytes sent."""

    seconds: float | None
    received: Received = Received()
    code_bytes: int = 0
    note: str = ""

    @property
    def data_bytes(self) -> int:
        return max(self.received.total - self.code_bytes, 0)


@dataclass(frozen=True)
class Memory:
    """Resident memory of the server and its children, in bytes."""

    one_session: int
    per_extra_session: float


@dataclass
class Run:
    """Every figure of one site (app or naive) at one scale, filled in as it is measured."""

    site: str
    n: int
    figures: dict[str, list[Figure]] = field(default_factory=dict)
    server_start_s: float | None = None
    memory: Memory | None = None
    external: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def add(self, name: str, figure: Figure) -> Figure:
        """Keep a figure and print it at once, so a long run shows where it is."""
        self.figures.setdefault(name, []).append(figure)
        took = "not done" if figure.seconds is None else f"{figure.seconds:.2f} s"
        print(f"  {self.site}, {name}: {took}, data {size(figure.data_bytes)}, code {size(figure.code_bytes)}"
              + (f" ({figure.note})" if figure.note else ""), flush=True)
        return figure

    def seconds(self, name: str) -> float | None:
        """Median over the runs that finished; None when none did."""
        values = [f.seconds for f in self.figures.get(name, []) if f.seconds is not None]
        return statistics.median(values) if values else None


def timeout_for(n: int) -> float:
    """Long enough for today's slowest page at n communes, so a slow figure is measured, not lost."""
    return 90 + 0.1 * n


# --- one measurement ------------------------------------------------------------------------------


def measure(tab: probe.Tab, proxy: CountingProxy, n: int, action: Callable[[], None],
            done: Callable[[], bool], failed: Callable[[], str] = lambda: "") -> Figure:
    """Time from `action` until `done()`, then the bytes sent until the app is idle again.
    `failed()` names what went wrong when the action visibly did not take (then no time is kept)."""
    timeout = timeout_for(n)
    rx0, code0 = proxy.received(), tab.code_bytes
    why = {"note": ""}

    def finished() -> bool:
        if done():
            return True
        why["note"] = failed()
        return bool(why["note"])

    t0 = time.perf_counter()
    action()
    seconds = probe.wait_for(tab.page, finished, timeout, since=t0)
    if why["note"]:
        seconds = None
    elif seconds is None:
        why["note"] = f"not redrawn within {timeout:.0f} s"
    probe.wait_idle(tab.page, n, timeout)
    return Figure(seconds, proxy.received() - rx0, tab.code_bytes - code0, why["note"])


def redrawn(page, n: int, before: set[int], extra: Callable[[], bool] = lambda: True) -> Callable[[], bool]:
    """Done when a map of n features shows styles it did not show before (and `extra()` holds)."""
    return lambda: extra() and any(s.style not in before for s in probe.drawn(page, n))


def did_not_hold(page, shows: Callable[[], bool], what: str, quiet_s: float = 3.0) -> Callable[[], str]:
    """A note once the app has been idle for `quiet_s` while `shows()` is still false: the choice was
    undone or the click was lost (a person would see the old view stay)."""
    since = [time.perf_counter()]

    def failed() -> str:
        now = time.perf_counter()
        if probe.running(page) or shows():
            since[0] = now
        return what if now - since[0] >= quiet_s else ""

    return failed


def visit(tab: probe.Tab, proxy: CountingProxy, n: int, url: str, table: bool = False) -> Figure:
    """Navigation to the map drawn, and with `table` the page's table too: a page that drew its map
    before its table is not drawn until both are."""
    return measure(tab, proxy, n, lambda: tab.page.goto(url, wait_until="commit"),
                   lambda: bool(probe.drawn(tab.page, n)) and (not table or probe.table_drawn(tab.page)))


def change_select(tab: probe.Tab, proxy: CountingProxy, n: int, label: str, table: bool = False) -> Figure:
    """A choice in a select box to the map restyled, and with `table` the page's table showing other
    rows too (the Priorities list of another year)."""
    page = tab.page
    rows = probe.table_text(page) if table else ""
    option = probe.open_select(page, label)[0]  # opening the list is the user's time, not the app's
    chosen = option.inner_text().strip()
    box = page.get_by_role("combobox", name=label, exact=True).first
    before = probe.styles(page, n)

    def holds() -> bool:
        try:
            return box.input_value(timeout=1000).strip() == chosen
        except Exception:  # the widget is being redrawn
            return True

    table_changed = (lambda: probe.table_text(page) not in ("", rows)) if table else (lambda: True)
    return measure(tab, proxy, n, lambda: probe.mouse_click(page, option), redrawn(page, n, before, table_changed),
                   did_not_hold(page, holds, f"{label} = {chosen} did not hold: the select went back"))


def change_radio(tab: probe.Tab, proxy: CountingProxy, n: int, label: str) -> Figure:
    page = tab.page
    option = probe.other_radio(page, label)
    chosen = option.inner_text().strip()
    before = probe.styles(page, n)

    def holds() -> bool:
        try:
            return page.get_by_role("radio", name=chosen).first.is_checked(timeout=1000)
        except Exception:  # the widget is being redrawn
            return True

    return measure(tab, proxy, n, lambda: probe.mouse_click(page, option), redrawn(page, n, before),
                   did_not_hold(page, holds, f"{label} = {chosen} did not hold"))


def click_commune(tab: probe.Tab, proxy: CountingProxy, n: int, attempts: int = 2) -> Figure:
    """Click a commune until its panel opens: a click that lands while the app is still settling
    can be lost, and a person clicks again. The time is the successful click's; the note says so."""
    page = tab.page
    panel = page.get_by_text(t("map.selected", LANG))

    def heading() -> str:  # "Xã đang chọn: <name>", or "" while no panel is open
        try:
            return panel.first.inner_text(timeout=500) if panel.count() else ""
        except Exception:  # redrawn between the count and the read
            return ""

    figure = Figure(None, note="no commune to click")
    for attempt in range(attempts):
        point = probe.commune_point(page)  # zooms in first when communes are too small to click
        if point is None:
            break
        probe.wait_idle(page, n, timeout_for(n), quiet_s=2.0)  # in case the zoom made the app rerun
        before = heading()
        opened = lambda: heading() not in ("", before)  # noqa: E731
        figure = measure(tab, proxy, n, lambda: page.mouse.click(*point),
                         lambda: opened() and bool(probe.drawn(page, n)),
                         did_not_hold(page, opened, "the click opened no panel", quiet_s=15.0))
        if figure.seconds is not None:
            return replace(figure, note=f"clicked {attempt + 1} times: the first opened no panel") \
                if attempt else figure
    return figure


def allocate(tab: probe.Tab, proxy: CountingProxy, n: int) -> Figure:
    page = tab.page
    button = page.get_by_role("button", name=t("pr.run_alloc", LANG))
    button.scroll_into_view_if_needed()
    cost = page.get_by_text(t("pr.alloc_cost", LANG))
    before = probe.styles(page, n)
    return measure(tab, proxy, n, lambda: probe.mouse_click(page, button),
                   redrawn(page, n, before, extra=lambda: cost.count() > 0))


# --- sites ----------------------------------------------------------------------------------------


@contextmanager
def served(env: dict[str, str], launcher: Path | None = None,
           nginx_dir: Path | None = None) -> Iterator[tuple[str, CountingProxy, int, float]]:
    """A server, the counting proxy in front of it (and of the shipped nginx site, with `nginx_dir`),
    its pid and how long it took to answer."""
    t0 = time.perf_counter()
    with streamlit_server(env, timeout=600, launcher=launcher) as url, ExitStack() as stack:
        up = time.perf_counter() - t0
        port = int(url.rsplit(":", 1)[1])
        front = port
        if nginx_dir is not None:
            from bench.load import nginx

            front = int(stack.enter_context(nginx([port], nginx_dir)).rsplit(":", 1)[1])
        proxy = CountingProxy(front)
        try:
            yield f"http://127.0.0.1:{proxy.port}", proxy, server_pid(port), up
        finally:
            proxy.close()


def naive_launcher(folder: Path) -> Path:
    """The naive page and a launcher for it in `folder`; Streamlit serves `static/` next to the page."""
    page = folder / "naive_page.py"
    shutil.copy(NAIVE_PAGE, page)
    (folder / "static").symlink_to(ROOT / "static")
    launcher = folder / "launch_naive.py"
    launcher.write_text(
        "import sys\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "from streamlit.web import cli\n"
        f"sys.argv = ['streamlit', 'run', {str(page)!r}, *sys.argv[1:]]\n"
        "sys.exit(cli.main())\n", encoding="utf-8")
    return launcher


@contextmanager
def session(browser, run: Run, base: str, what: str) -> Iterator[probe.Tab]:
    """A new browser context on `base`. An error inside (a control not found, a frame gone) is noted
    on the run and the run goes on: one lost round must not lose an hour of figures."""
    tab = probe.Tab.open(browser, base)
    try:
        yield tab
    except Exception as err:  # noqa: BLE001 - noted and printed, never hidden
        line = f"{what}: {type(err).__name__}: {(str(err).splitlines() or [''])[0][:160]}"
        run.failures.append(line)
        print(f"  {run.site}, {line}", flush=True)
    finally:
        run.external += tab.external
        tab.close()


def first_map(browser, run: Run, name: str, base: str, proxy: CountingProxy) -> None:
    with session(browser, run, base, name) as tab:
        run.add(name, visit(tab, proxy, run.n, base))


def risk_map_rounds(browser, run: Run, base: str, proxy: CountingProxy, repeats: int) -> None:
    n = run.n
    for _ in range(repeats):
        with session(browser, run, base, "risk map round") as tab:
            if run.add("risk map: first visit", visit(tab, proxy, n, base)).seconds is None:
                continue
            run.add("risk map: year change", change_select(tab, proxy, n, t("map.year", LANG)))
            run.add("risk map: indicator change", change_select(tab, proxy, n, t("map.indicator", LANG)))
            run.add("risk map: commune click", click_commune(tab, proxy, n))
            run.add("risk map: return visit", visit(tab, proxy, n, base))


def hotspot_rounds(browser, run: Run, base: str, proxy: CountingProxy, repeats: int) -> None:
    for i in range(repeats):
        with session(browser, run, base, "hotspots round") as tab:
            name = "hotspots: first visit" + (" (first on this server)" if i == 0 else "")
            if run.add(name, visit(tab, proxy, run.n, f"{base}/hotspots")).seconds is None:
                continue
            run.add("hotspots: layer change", change_radio(tab, proxy, run.n, t("hotspots.layer", LANG)))


def priority_rounds(browser, run: Run, base: str, proxy: CountingProxy, repeats: int) -> None:
    """As hotspot_rounds: the first visit on this server (which builds the list the server then keeps
    for every session) is named apart from the warm ones, and there is always a warm round."""
    for i in range(max(repeats, 2)):
        with session(browser, run, base, "priorities round") as tab:
            name = "priorities: first visit" + (" (first on this server)" if i == 0 else "")
            if run.add(name, visit(tab, proxy, run.n, f"{base}/priorities", table=True)).seconds is None:
                continue
            run.add("priorities: year change", change_select(tab, proxy, run.n, t("map.year", LANG), table=True))
            run.add("priorities: allocate", allocate(tab, proxy, run.n))
            run.add("priorities: return visit", visit(tab, proxy, run.n, f"{base}/priorities", table=True))


def memory(browser, run: Run, base: str, pid: int, extra: int) -> None:
    """Server memory with one session open, then with `extra` more, each showing the risk map."""
    tabs, one = [], 0
    try:
        for k in range(extra + 1):
            tab = probe.Tab.open(browser, base)
            tabs.append(tab)
            tab.page.goto(base, wait_until="commit")
            probe.wait_idle(tab.page, run.n, timeout_for(run.n))
            if k == 0:
                tab.page.wait_for_timeout(2000)
                one = tree_rss_bytes(pid)
        tabs[-1].page.wait_for_timeout(2000)
        run.memory = Memory(one, (tree_rss_bytes(pid) - one) / extra)
        print(f"  {run.site}, server memory: {size(run.memory.one_session)} with one session, "
              f"{size(run.memory.per_extra_session)} per extra session", flush=True)
    except Exception as err:  # noqa: BLE001 - noted and printed, never hidden
        run.failures.append(f"memory: {type(err).__name__}: {(str(err).splitlines() or [''])[0][:160]}")
        print(f"  {run.site}, {run.failures[-1]}", flush=True)
    finally:
        for tab in tabs:
            run.external += tab.external
            tab.close()


def measure_app(pw, folder: Path, n: int, repeats: int, extra: int, var: Path, nginx: bool = False) -> Run:
    run = Run("app", n)
    # As deployed: the dataset's default analyses are computed in the background when it is first
    # opened and kept, with the prepared map, in folders a restart keeps. The warm rounds start once
    # they are kept (issue 17: pages read them instead of computing in the rerun).
    env = {"RISK_DATA_DIR": str(folder), "RISK_DEMO_MODE": "on", "RISK_STORE": str(var / "store.gpkg"),
           "RISK_ACCOUNTS_DB": str(var / "accounts.sqlite"), "RISK_PRECOMPUTE": "on",
           "RISK_RESULTS_DIR": str(var / "results"), "RISK_MAP_CACHE": str(var / "maps")}
    browser = probe.launch(pw)
    try:
        with served(env, nginx_dir=var / "nginx" if nginx else None) as (base, proxy, pid, up):
            run.server_start_s = up
            first_map(browser, run, "fresh server: first map (first open)", base, proxy)
            from bench.load import wait_for_defaults

            print(f"  app, default analyses kept {wait_for_defaults(env):.0f} s after the first map", flush=True)
            risk_map_rounds(browser, run, base, proxy, repeats)
            hotspot_rounds(browser, run, base, proxy, repeats)
            priority_rounds(browser, run, base, proxy, repeats)
            memory(browser, run, base, pid, extra)
        # A restart: the store, and what it keeps, stays.
        with served(env, nginx_dir=var / "nginx" if nginx else None) as (base, proxy, pid, up):
            first_map(browser, run, "fresh server: first map (restart)", base, proxy)
    finally:
        browser.close()
    return run


def measure_naive(pw, folder: Path, n: int, repeats: int, extra: int, var: Path, nginx: bool = False) -> Run:
    run = Run("naive", n)
    launcher = naive_launcher(var)
    front = var / "nginx" if nginx else None
    browser = probe.launch(pw)
    try:
        with served({"RISK_DATA_DIR": str(folder)}, launcher, front) as (base, proxy, pid, up):
            run.server_start_s = up
            first_map(browser, run, "fresh server: first map (first open)", base, proxy)
            risk_map_rounds(browser, run, base, proxy, repeats)
            memory(browser, run, base, pid, extra)
    finally:
        browser.close()
    return run


def write_json(path: Path, runs: dict[int, tuple[Run, Run]]) -> None:
    """Every round's figures, for a closer look than the printed medians."""
    out = [{"site": run.site, "communes": run.n, "server_start_s": run.server_start_s,
            "memory": run.memory and {"one_session": run.memory.one_session,
                                      "per_extra_session": run.memory.per_extra_session},
            "external": run.external, "failures": run.failures,
            "figures": {name: [{"seconds": f.seconds, "websocket_bytes": f.received.websocket,
                                "http_bytes": f.received.http, "code_bytes": f.code_bytes, "note": f.note}
                               for f in figures] for name, figures in run.figures.items()}}
           for pair in runs.values() for run in pair]
    path.write_text(json.dumps(out, indent=1), encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.country", description=__doc__.split("\n")[0])
    parser.add_argument("--scales", default=",".join(map(str, SCALES)),
                        help="communes per run, comma-separated (default: %(default)s)")
    parser.add_argument("--quick", action="store_true", help="one round per figure, two extra sessions")
    parser.add_argument("--repeats", type=int, default=None, help=f"rounds per figure (default {REPEATS})")
    parser.add_argument("--nginx", action="store_true",
                        help="serve both pages behind the shipped nginx site, as deployed (needs Debian's nginx)")
    parser.add_argument("--cache", type=Path, default=CACHE_DIR, help="where generated folders are kept")
    parser.add_argument("--json", type=Path, default=None, help="also write every round's figures to this file")
    args = parser.parse_args([] if argv is None else argv)
    if not chromium_available():
        print("chromium not installed: skipped (make install-test installs it)")
        return
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        print("playwright not installed: skipped (pip install -r requirements-test.txt)")
        return
    scales = [int(s) for s in args.scales.split(",") if s.strip()]
    repeats = args.repeats or (1 if args.quick else REPEATS)
    extra = 2 if args.quick else EXTRA_SESSIONS
    runs: dict[int, tuple[Run, Run]] = {}
    print("both pages served " + ("behind the shipped nginx site (deploy/nginx-risk-dashboard.conf)" if args.nginx
                                  else "by Streamlit directly (--nginx: behind the shipped nginx site)"))
    for n in scales:
        t0 = time.perf_counter()
        folder = country_folder(n, args.cache)
        print_facts(n, folder_facts(folder), time.perf_counter() - t0)
        with tempfile.TemporaryDirectory(prefix="bench-country-") as tmp, sync_playwright() as pw:
            (Path(tmp) / "app").mkdir()
            (Path(tmp) / "naive").mkdir()
            app = measure_app(pw, folder, n, repeats, extra, Path(tmp) / "app", args.nginx)
            naive = measure_naive(pw, folder, n, repeats, extra, Path(tmp) / "naive", args.nginx)
        runs[n] = (app, naive)
        print_side_by_side(app, naive, repeats)
        if args.json:
            write_json(args.json, runs)
    print_targets(runs)


if __name__ == "__main__":
    main(sys.argv[1:])
