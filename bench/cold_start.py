"""Cold start: seconds until the light entry points answer in a fresh interpreter, against the
same entry points with the heavy analysis libraries imported eagerly (the naive way: what
their module tops did before the imports moved into the functions that compute).

Rows: `python -m risk --help`; importing risk.outputs.classify and risk.access.accounts;
everything dashboard.py imports; that plus everything pages/risk_map.py imports; a fresh
server's first page (the sign-in form, demo off) run through AppTest. Each figure is the
median of --runs fresh interpreters (interpreter start included); one more run lists which
heavy libraries are in sys.modules when the entry point's interpreter exits. Prints figures only,
never asserts on time (tests/test_import_cost.py checks what is imported).
"""
from __future__ import annotations

import argparse
import ast
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("sklearn", "scipy.stats", "esda", "libpysal", "mapclassify")
# What the module tops imported before: the model's, calibration's and classify's sklearn and
# mapclassify, geography's and the hotspot modules' libpysal, esda and scipy.stats.
EAGER = ("import sklearn.ensemble, sklearn.impute, sklearn.inspection, sklearn.linear_model, sklearn.metrics, "
         "sklearn.pipeline, sklearn.preprocessing, scipy.stats, esda, libpysal.graph, mapclassify")


def _imports_of(*paths: Path) -> str:
    """Every import statement of these scripts, at any depth, as source."""
    lines = []
    for path in paths:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        lines += [ast.unparse(n) for n in ast.walk(tree)
                  if isinstance(n, (ast.Import, ast.ImportFrom)) and getattr(n, "module", None) != "__future__"]
    return "\n".join(lines)


def _sign_in_page() -> str:
    return ("from streamlit.testing.v1 import AppTest\n"
            f"at = AppTest.from_file({str(ROOT / 'dashboard.py')!r}, default_timeout=600)\n"
            "at.run()\n"
            "assert not at.exception, [e.value for e in at.exception]\n")


def entry_points() -> tuple[list[tuple[str, list[str]]], str]:
    """(label, the arguments after `python`) per row, and `--help` as code (the naive way runs
    it after EAGER)."""
    help_code = "import runpy, sys\nsys.argv = ['risk', '--help']\nrunpy.run_module('risk', run_name='__main__')\n"
    return [
        ("python -m risk --help", ["-m", "risk", "--help"]),
        ("import risk.outputs.classify", ["-c", "import risk.outputs.classify"]),
        ("import risk.access.accounts", ["-c", "import risk.access.accounts"]),
        ("dashboard.py's imports", ["-c", _imports_of(ROOT / "dashboard.py")]),
        ("+ pages/risk_map.py's imports", ["-c", _imports_of(ROOT / "dashboard.py", ROOT / "pages" / "risk_map.py")]),
        ("first page (sign-in, AppTest)", ["-c", _sign_in_page()]),
    ], help_code


def _code(args: list[str], help_code: str) -> str:
    """The row as `-c` code (`-m risk --help` through runpy)."""
    return help_code if args[0] == "-m" else args[1]


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    if done.returncode != 0:
        raise RuntimeError(f"{args[:2]} failed: {done.stderr[-2000:]}")
    return done


def seconds(args: list[str], env: dict[str, str], runs: int) -> float:
    """Median wall time of `runs` fresh interpreters."""
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        _run(args, env)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def heavy_loaded(code: str, env: dict[str, str]) -> list[str]:
    """Which of HEAVY are in sys.modules when the code's interpreter exits."""
    report = (f"import atexit, sys\natexit.register(lambda: print('HEAVY=' + ','.join("
              f"m for m in {HEAVY!r} if m in sys.modules), file=sys.stderr))\n")
    stderr = _run(["-c", report + code], env).stderr
    line = next(line for line in stderr.splitlines() if line.startswith("HEAVY="))
    return [name for name in line[len("HEAVY="):].split(",") if name]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="fresh interpreters per figure (median)")
    parser.add_argument("--only", nargs="*", default=None, metavar="N", type=int,
                        help="row numbers to run (1-based; default all)")
    opts = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "PYTHONPATH": str(ROOT), "RISK_DEMO_MODE": "off",
               "RISK_STORE": str(Path(tmp) / "store.gpkg"), "RISK_ACCOUNTS_DB": str(Path(tmp) / "accounts.sqlite")}
        rows, help_code = entry_points()
        print(f"median of {opts.runs} fresh interpreters, seconds; naive = the same with "
              f"{', '.join(HEAVY)} imported eagerly")
        print(f"{'entry point':34s} {'ours':>6s} {'naive':>6s}  heavy libraries ours loads")
        for number, (label, args) in enumerate(rows, start=1):
            if opts.only and number not in opts.only:
                continue
            code = _code(args, help_code)
            ours = seconds(args, env, opts.runs)
            naive = seconds(["-c", f"{EAGER}\n{code}"], env, opts.runs)
            heavy = heavy_loaded(code, env)
            print(f"{label:34s} {ours:6.2f} {naive:6.2f}  {', '.join(heavy) or 'none'}", flush=True)


if __name__ == "__main__":
    main()
