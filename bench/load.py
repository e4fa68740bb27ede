"""Many users at once (issue 15): N browser sessions against one app process, or against several
processes behind nginx with sticky sessions (deploy/nginx-risk-dashboard.conf, started on loopback
with only its ports replaced).

Each session is a person at 1366×768 with the real mouse (bench.probe_async): sign in with an account of
its own, wait for the map's communes, change the year (until the map is redrawn), open a commune
(until its panel shows), open the Priorities page from the menu and download the list as CSV. All
sessions start together. Reported, from the same run:
- successes and errors (the step and what went wrong);
- p50 and p95 seconds: sign-in to map drawn, year change to redrawn, commune click to panel,
  download click to file;
- the servers' own seconds per script run under load (wall and CPU of the run's thread, from
  RISK_RUN_LOG), apart from the browsers', which share the same cores;
- server memory (all processes and their children, the peak during the run).

One person alone, three times, first gives the reference the ratio is taken against (the issue's
target: p95 map drawn with N sessions at most 6× one session's). The sessions are contexts of one
Chromium driven by asyncio (20 Chromiums took the cores the servers are measured on: see
bench/probe_async.py), which runs at nice 19: the servers get the cores first, as they would with
browsers on people's own computers (`--browser-nice 0` lets them compete). Every server is warmed
by one session first. Times are printed, never asserted.

Usage:
    python -m bench.load [--sessions 20] [--processes 2] [--scale 130|3321] [--store URL] [--json FILE]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Awaitable, Callable, Iterator

from bench import probe_async as pa
from bench.country_data import country_folder
from bench.wire import machine_busy_seconds, server_pid, tree_cpu_seconds, tree_rss_bytes
from risk.i18n import t
from tests.browser import ROOT, free_port, streamlit_server, wait_healthy
from ui.run_log import read_run_log

__all__ = ["NGINX_SITE", "Outcome", "nginx_site", "percentile"]

NGINX_SITE = ROOT / "deploy" / "nginx-risk-dashboard.conf"
LANG = "vi"
STEPS = ("map drawn", "year change redrawn", "commune panel", "CSV downloaded")
PASSWORD = "load-test-password-1"
TIMEOUT_S = 600.0
OPENING = 4  # pages that load the app at the same time before the measured part starts
# The browsers stand in for people's own computers: on this machine they run at this niceness, so
# the servers get the cores first (as they would with browsers elsewhere); printed with the figures.
BROWSER_NICE = 19
SINGLE_ROUNDS = 3  # the reference: one person alone, a few times (one round is too noisy a yardstick)


@dataclass(frozen=True)
class Outcome:
    """One session: seconds per step reached, and the step that failed with why (empty: success)."""

    user: str
    seconds: dict[str, float] = field(default_factory=dict)
    failed_step: str = ""
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.failed_step


def percentile(values: list[float], q: float) -> float | None:
    """The q-th percentile (0-100) by linear interpolation; None without values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


# --- the servers --------------------------------------------------------------------------------


def nginx_site(ports: list[int], listen: int) -> str:
    """The shipped site file with the upstream servers, the listening port and the folder of
    Streamlit's static files replaced: the load test runs the configuration a deployment uses, not a
    copy of it."""
    lines, upstream_done = [], False
    for line in NGINX_SITE.read_text(encoding="utf-8").splitlines():
        if line.rstrip().endswith("# RISK-UPSTREAM"):
            if not upstream_done:
                indent = line[: len(line) - len(line.lstrip())]
                lines += [f"{indent}server 127.0.0.1:{port};" for port in ports]
                upstream_done = True
            continue
        if line.rstrip().endswith("# RISK-LISTEN"):
            indent = line[: len(line) - len(line.lstrip())]
            line = f"{indent}listen 127.0.0.1:{listen};"
        if line.rstrip().endswith("# RISK-STATIC"):
            indent = line[: len(line) - len(line.lstrip())]
            line = f"{indent}root {streamlit_static()};"
        lines.append(line)
    if not upstream_done:
        raise ValueError(f"{NGINX_SITE} has no '# RISK-UPSTREAM' server line")
    return "\n".join(lines) + "\n"


def streamlit_static() -> Path:
    """The installed Streamlit's folder that holds its /static/ files (the shipped site's root)."""
    import streamlit

    return Path(streamlit.__file__).parent / "static"


def nginx_binary() -> str:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if not found:
        raise SystemExit("nginx is not installed: `make install-test` installs Debian's nginx")
    return found


# What Debian's nginx.conf includes: nginx then serves Streamlit's scripts as JavaScript (a browser
# refuses a module script of another type) and knows which ones to compress.
MIME_TYPES = ("include /etc/nginx/mime.types;" if Path("/etc/nginx/mime.types").exists() else
              "types { text/html html; text/css css; application/javascript js; application/json json map; "
              "image/svg+xml svg; image/png png; font/woff2 woff2; font/woff woff; font/ttf ttf; }")


@contextmanager
def nginx(ports: list[int], folder: Path) -> Iterator[str]:
    """nginx in the foreground on a free loopback port, in front of `ports`; yields its base URL."""
    listen = free_port()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "site.conf").write_text(nginx_site(ports, listen), encoding="utf-8")
    user = "user root;\n" if os.geteuid() == 0 else ""  # workers may write the temp folders below
    (folder / "nginx.conf").write_text(
        f"{user}worker_processes 1;\ndaemon off;\npid {folder}/nginx.pid;\nerror_log {folder}/error.log warn;\n"
        "events { worker_connections 1024; }\n"
        f"http {{\n  access_log off;\n  {MIME_TYPES}\n"
        f"  client_body_temp_path {folder}/body;\n  proxy_temp_path {folder}/proxy;\n"
        f"  fastcgi_temp_path {folder}/fastcgi;\n  uwsgi_temp_path {folder}/uwsgi;\n  scgi_temp_path {folder}/scgi;\n"
        f"  include {folder}/site.conf;\n}}\n", encoding="utf-8")
    proc = subprocess.Popen([nginx_binary(), "-p", str(folder), "-c", str(folder / "nginx.conf")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{listen}"
    try:
        wait_healthy(url, proc, 30, "nginx")
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@contextmanager
def app_servers(env: dict[str, str], processes: int, var: Path) -> Iterator[tuple[str, list[str], list[int]]]:
    """`processes` app processes on one store; with more than one, nginx in front. Yields the URL
    browsers use, each process's own URL and the server pids."""
    with ExitStack() as stack:
        urls = [stack.enter_context(streamlit_server(env, timeout=600)) for _ in range(processes)]
        ports = [int(u.rsplit(":", 1)[1]) for u in urls]
        pids = [server_pid(port) for port in ports]
        base = urls[0] if processes == 1 else stack.enter_context(nginx(ports, var / "nginx"))
        yield base, urls, pids


def prepare(var: Path, scale: int, sessions: int, store: str | None) -> tuple[dict[str, str], list[str], int]:
    """The dataset, one planner account per session, and the servers' environment."""
    from risk.access.accounts import AccountError, Accounts
    from risk.access.privacy import Role
    from risk.store import is_server_store

    folder = ROOT / "data" / "demo" if scale == 130 else country_folder(scale)
    # Where the servers will look for them: a PostgreSQL store keeps the accounts in its database.
    accounts = Accounts(store if is_server_store(store) else var / "accounts.sqlite")
    users = [f"load{i:02d}" for i in range(1, sessions + 1)]
    for user in users:
        try:
            accounts.add(user, Role.PLANNER, PASSWORD)
        except AccountError:  # a database kept from an earlier run
            accounts.reset(user, PASSWORD)
    env = {
        "RISK_DATA_DIR": str(folder), "RISK_DEMO_MODE": "off",
        "RISK_STORE": store or str(var / "store.gpkg"), "RISK_ACCOUNTS_DB": str(var / "accounts.sqlite"),
        "RISK_RESULTS_DIR": str(var / "results"), "RISK_MAP_CACHE": str(var / "maps"),
        "RISK_RUN_LOG": str(var / "runs.tsv"),
        # As deployed: a dataset's default analyses are computed in the background once, and the
        # figures are taken once they are kept (wait_for_defaults), not while they compute.
        "RISK_PRECOMPUTE": "on",
        # Every browser here comes from 127.0.0.1: the per-address sign-in limit (10 a minute) is
        # for people, not for a load test's 20 simultaneous sign-ins.
        "RISK_SIGN_IN_PER_MINUTE": "10000",
    }
    # The dataset is imported into the store and active, so every page reads it from there (for a
    # PostGIS store: from the database server), as in a deployment.
    from risk.ingest.upload import import_files
    from risk.store import open_store

    import_files(open_store(env["RISK_STORE"]), folder, user="load-test", label=f"load test, {scale} communes")
    return env, users, scale


# --- one person ---------------------------------------------------------------------------------


async def session(browser, base: str, user: str, n: int, start: asyncio.Barrier, opening: asyncio.Semaphore) -> Outcome:
    """One person's visit in a context of its own, each step timed; the first step that fails ends it."""
    seconds: dict[str, float] = {}
    external: list[str] = []
    step = "start"
    context = None
    try:
        async with opening:  # pages open a few at a time: their first load is not what is measured
            page = await pa.new_page(browser, external, base)
            context = page.context
            page.set_default_timeout(TIMEOUT_S * 1000)
            await page.goto(base, wait_until="domcontentloaded")
            await page.get_by_label(t("auth.username", LANG)).wait_for()
        await page.get_by_label(t("auth.username", LANG)).fill(user)
        await page.get_by_label(t("auth.password", LANG)).fill(PASSWORD)
        await start.wait()  # every session signs in at the same moment

        step = STEPS[0]
        t0 = time.perf_counter()
        await pa.mouse_click(page, page.get_by_role("button", name=t("auth.submit", LANG)))
        seconds[step] = await _timed(lambda: _any(pa.drawn_styles(page, n)), t0, step)
        await pa.wait_idle(page, n, TIMEOUT_S)

        step = STEPS[1]
        before = await pa.drawn_styles(page, n)
        option = (await pa.open_select(page, t("map.year", LANG)))[0]
        t0 = time.perf_counter()
        await pa.mouse_click(page, option)
        seconds[step] = await _timed(lambda: _new(pa.drawn_styles(page, n), before), t0, step)
        await pa.wait_idle(page, n, TIMEOUT_S)

        step = STEPS[2]
        point = await pa.commune_point(page)
        if point is None:
            raise RuntimeError("no commune large enough to click on screen")
        heading = page.get_by_text(t("map.selected", LANG), exact=False)
        t0 = time.perf_counter()
        await page.mouse.move(*point, steps=3)
        await page.mouse.click(*point)
        seconds[step] = await _timed(lambda: _positive(heading.count()), t0, step)
        await pa.wait_idle(page, n, TIMEOUT_S)

        step = STEPS[3]
        link = page.locator('[data-testid="stSidebar"] a[data-testid="stPageLink-NavLink"]',
                            has_text=t("page.priorities", LANG))
        await pa.mouse_click(page, link)
        button = page.get_by_test_id("stDownloadButton").get_by_role("button")
        await button.wait_for()
        await pa.wait_idle(page, n, TIMEOUT_S)
        async with page.expect_download() as info:
            t0 = time.perf_counter()
            await pa.mouse_click(page, button)
        download = await info.value
        data = Path(await download.path()).read_bytes()
        seconds[step] = time.perf_counter() - t0
        if not download.suggested_filename.endswith(".csv") or len(data.splitlines()) < 2:
            raise RuntimeError(f"the download is not a CSV list: {download.suggested_filename}")
        if external:
            raise RuntimeError(f"requests left the machine: {external[:3]}")
    except Exception as err:  # noqa: BLE001 - reported per session, never hidden
        return Outcome(user, seconds, step, f"{type(err).__name__}: {(str(err).splitlines() or [''])[0][:200]}")
    finally:
        if context is not None:
            await context.close()
    return Outcome(user, seconds)


async def _any(found: Awaitable[set[int]]) -> bool:
    return bool(await found)


async def _new(found: Awaitable[set[int]], before: set[int]) -> bool:
    return bool(await found - before)


async def _positive(count: Awaitable[int]) -> bool:
    return await count > 0


async def _timed(done: Callable[[], Awaitable[bool]], t0: float, what: str) -> float:
    seconds = await pa.wait_for(done, TIMEOUT_S, t0)
    if seconds is None:
        raise TimeoutError(f"{what}: not within {TIMEOUT_S:.0f} s")
    return seconds


# --- a run --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunReport:
    """Every figure of one run (one configuration and number of sessions)."""

    label: str
    sessions: int
    processes: int
    outcomes: list[Outcome]
    server_walls: list[float]  # wall seconds of every script run the servers logged meanwhile
    server_cpus: list[float]  # CPU seconds of the same runs
    peak_memory_bytes: int
    seconds: float
    runs_per_process: dict[int, int] = field(default_factory=dict)
    server_cpu_s: float = 0.0  # CPU the server processes used during the run, every thread
    machine_cpu_s: float = 0.0  # CPU the whole machine used meanwhile (the browsers are most of the rest)

    def step(self, name: str) -> list[float]:
        return [o.seconds[name] for o in self.outcomes if name in o.seconds]

    @property
    def server_runs(self) -> int:
        return len(self.server_walls)

    @property
    def server_cpu_per_run(self) -> float | None:
        return sum(self.server_cpus) / len(self.server_cpus) if self.server_cpus else None


def run(base: str, pids: list[int], users: list[str], n: int, log: Path, label: str, processes: int) -> RunReport:
    """All sessions at once, as contexts of one Chromium; the server log and memory are read around them."""
    before = len(read_run_log(log))
    peak = [sum(tree_rss_bytes(p) for p in pids)]
    done = threading.Event()

    def watch_memory() -> None:
        while not done.wait(0.5):
            peak[0] = max(peak[0], sum(tree_rss_bytes(p) for p in pids))

    watcher = threading.Thread(target=watch_memory, daemon=True)
    watcher.start()
    cpu0, machine0 = sum(tree_cpu_seconds(p) for p in pids), machine_busy_seconds()
    t0 = time.perf_counter()
    outcomes = asyncio.run(_all(base, users, n))
    elapsed = time.perf_counter() - t0
    cpu, machine = sum(tree_cpu_seconds(p) for p in pids) - cpu0, machine_busy_seconds() - machine0
    done.set()
    watcher.join()
    runs = read_run_log(log)[before:]
    return RunReport(label, len(users), processes, outcomes,
                     [r.wall_s for r in runs], [r.cpu_s for r in runs], peak[0], elapsed,
                     {pid: sum(r.pid == pid for r in runs) for pid in sorted({r.pid for r in runs})},
                     cpu, machine)


async def _all(base: str, users: list[str], n: int) -> list[Outcome]:
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pa.launch(pw)
        try:
            start, opening = asyncio.Barrier(len(users)), asyncio.Semaphore(OPENING)
            return list(await asyncio.gather(*(session(browser, base, u, n, start, opening) for u in users)))
        finally:
            await browser.close()


def combined(reports: list[RunReport], label: str) -> RunReport:
    """Several runs read as one: every session's steps, the server's runs, the highest memory."""
    outcomes = [o for r in reports for o in r.outcomes]
    per_process: dict[int, int] = {}
    for r in reports:
        for pid, count in r.runs_per_process.items():
            per_process[pid] = per_process.get(pid, 0) + count
    return RunReport(label, len(outcomes), reports[0].processes, outcomes,
                     [w for r in reports for w in r.server_walls], [c for r in reports for c in r.server_cpus],
                     max(r.peak_memory_bytes for r in reports),
                     sum(r.seconds for r in reports), per_process,
                     sum(r.server_cpu_s for r in reports), sum(r.machine_cpu_s for r in reports))


def print_report(report: RunReport, reference: RunReport | None) -> None:
    ok = sum(o.ok for o in report.outcomes)
    print(f"\n{report.label}: {report.sessions} session(s), {report.processes} process(es), "
          f"{report.seconds:.0f} s in all")
    print(f"  successes {ok}, errors {report.sessions - ok}")
    for o in report.outcomes:
        if not o.ok:
            print(f"    {o.user}: {o.failed_step}: {o.error}")
    for name in STEPS:
        values = report.step(name)
        p50, p95 = percentile(values, 50), percentile(values, 95)
        line = f"  {name:<22} p50 {_s(p50)}  p95 {_s(p95)}  (n={len(values)})"
        ref = percentile(reference.step(name), 50) if reference else None
        if ref and p95:
            line += f"  p95 = {p95 / ref:.1f}× one session's median"
        print(line)
    print(f"  server, per script run: wall p50 {_s(percentile(report.server_walls, 50))}, "
          f"p95 {_s(percentile(report.server_walls, 95))}; "
          f"CPU {_s(report.server_cpu_per_run)} ({report.server_runs} runs)")
    people = max(report.sessions, 1)
    print(f"  CPU in all: servers {report.server_cpu_s:.1f} s ({report.server_cpu_s / people:.2f} s per person), "
          f"the rest of the machine (the browsers, mostly) {report.machine_cpu_s - report.server_cpu_s:.1f} s; "
          f"{report.machine_cpu_s / max(report.seconds, 1e-9):.2f} of {os.cpu_count()} cores busy on average")
    print(f"  server memory, peak: {report.peak_memory_bytes / 2**20:.0f} MB; runs per process: "
          + ", ".join(f"{count}" for count in report.runs_per_process.values()))


def _s(value: float | None) -> str:
    return "  –  " if value is None else f"{value:5.2f} s"


def wait_for_defaults(env: dict[str, str], timeout_s: float = 3600) -> float:
    """Seconds until the dataset's default analyses are all kept in the results folder."""
    from risk.access.settings import load_settings
    from risk.views.analyses import Analyses
    from risk.views.source import load_source, resolve_source

    conf = load_settings({**os.environ, **env})
    analyses = Analyses.for_dataset(load_source(resolve_source(conf)), conf)
    t0 = time.perf_counter()
    while True:
        status = analyses.status()
        if status.done >= status.total:
            return time.perf_counter() - t0
        if time.perf_counter() - t0 > timeout_s:
            raise SystemExit(f"default analyses not kept after {timeout_s:.0f} s: {status.done} of {status.total}")
        time.sleep(2)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--processes", type=int, default=2, help="app processes; more than one: behind nginx")
    parser.add_argument("--scale", type=int, default=130, help="communes: 130 (the demo) or a generated country")
    parser.add_argument("--store", default=None, help="store location (default: a new GeoPackage)")
    parser.add_argument("--postgis", action="store_true",
                        help="start a throwaway PostgreSQL/PostGIS server (tests/postgis_server.py) and use it as the store")
    parser.add_argument("--browser-nice", type=int, default=BROWSER_NICE,
                        help="niceness of the browsers (0: they compete with the servers for the cores)")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="risk-load-") as tmp, ExitStack() as servers:
        var = Path(tmp)
        store = args.store
        if args.postgis:
            from tests.postgis_server import start_server

            database = start_server()
            servers.callback(database.stop)
            store = database.fresh_url()
        env, users, n = prepare(var, args.scale, args.sessions, store)
        log = Path(env["RISK_RUN_LOG"])
        from risk.store import is_server_store
        from risk.store.postgis.connection import redacted

        where = redacted(env["RISK_STORE"]) if is_server_store(env["RISK_STORE"]) else env["RISK_STORE"]
        print(f"{n} communes, imported into the store; {args.sessions} planner accounts; store {where}", flush=True)
        with app_servers(env, args.processes, var) as (base, urls, pids):
            os.nice(args.browser_nice)  # after the servers started: only the browsers inherit it
            print(f"one Chromium, a context per person, at nice {args.browser_nice} (servers at 0); "
                  f"pages looked at every {pa.POLL_S * 1000:.0f} ms", flush=True)
            # Warm every process (its dataset opened, its map prepared): the figures are for a
            # server in use, not one that has just started (bench.country measures that).
            for url in urls:
                warm = run(url, pids, users[:1], n, log, "warm-up", args.processes)
                if not all(o.ok for o in warm.outcomes):
                    print_report(warm, None)
                    raise SystemExit("a single session failed on a warm server: see above")
            print(f"default analyses kept after {wait_for_defaults(env):.0f} s", flush=True)
            singles = [run(base, pids, [users[i % len(users)]], n, log, "one session", args.processes)
                       for i in range(SINGLE_ROUNDS)]
            single = combined(singles, f"one session at a time ({SINGLE_ROUNDS} rounds)")
            print_report(single, None)
            many = run(base, pids, users, n, log, f"{args.sessions} sessions at once", args.processes)
            print_report(many, single)
        if args.json:
            args.json.write_text(json.dumps([asdict(single), asdict(many)], default=str, indent=1), encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
