"""The light entry points stay light: what they import, never how long it takes.

The command line's parser (`python -m risk --help`), the modules every page imports, the
modules the Risk map page imports, and a fresh server's sign-in page must not load the
heavy analysis libraries: scikit-learn, scipy.stats, esda, libpysal, mapclassify. Each
costs seconds on a loaded 2-core machine, and none of these entry points shows their
result. The libraries load where they compute (risk.analysis.model fits, classify computes
breaks, the hotspot run). Each check runs in a fresh interpreter, since this test process
has imported everything already.
"""
from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("sklearn", "scipy.stats", "esda", "libpysal", "mapclassify")
# The parser also leaves the numeric stack out: that is what makes `--help` answer at once.
NUMERIC = ("numpy", "pandas", "geopandas", "scipy", "shapely")


def _loaded_after(code: str, watch: tuple[str, ...] = HEAVY, env: dict[str, str] | None = None) -> dict:
    """Run `code` in a fresh interpreter at the project root; which of `watch` it loaded, and
    whatever the code put in the dict `out`."""
    script = "import json, sys\nout = {}\n" + textwrap.dedent(code) + (
        f"\nout['loaded'] = [m for m in {watch!r} if m in sys.modules]\nprint('RESULT ' + json.dumps(out))\n")
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=600,
                          env={**os.environ, **(env or {})})
    assert done.returncode == 0, done.stderr[-3000:]
    line = next(line for line in done.stdout.splitlines() if line.startswith("RESULT "))
    return json.loads(line[len("RESULT "):])


def _imports_of(path: Path) -> str:
    """Every import statement of a script, at any depth (dashboard.py imports inside main())."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = [n for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom)) and getattr(n, "module", None) != "__future__"]
    return "\n".join(ast.unparse(n) for n in nodes)


def test_the_command_line_parser_loads_no_analysis_library():
    out = _loaded_after("""
        from risk.cli.main import build_parser
        build_parser()
    """, HEAVY + NUMERIC)
    assert out["loaded"] == []


def test_help_of_every_command_loads_no_analysis_library():
    out = _loaded_after("""
        import contextlib, io
        from risk.cli.main import build_parser
        parser = build_parser()
        commands = parser._subparsers._group_actions[0].choices
        out["commands"] = sorted(commands)
        for name in commands:
            with contextlib.suppress(SystemExit), contextlib.redirect_stdout(io.StringIO()):
                parser.parse_args([name, "--help"])
    """, HEAVY + NUMERIC)
    assert {"hotspots", "allocate", "cover", "export", "score", "backtest"} <= set(out["commands"])
    assert out["loaded"] == []


@pytest.mark.parametrize("module", ["risk.outputs.classify", "risk.access.accounts", "risk.access.privacy",
                                    "risk.analysis.hotspots", "risk.analysis.model", "risk.analysis.geography",
                                    "risk.views.hotspots"])
def test_importing_loads_no_analysis_library(module):
    assert _loaded_after(f"import {module}")["loaded"] == []


def test_importing_accounts_makes_no_password_hash():
    out = _loaded_after("""
        import risk.access.accounts as accounts
        out["dummy"] = accounts._dummy_hash_value
    """)
    assert out["dummy"] is None


def test_quantiles_and_equal_intervals_need_no_analysis_library():
    """The risk map's default scheme: a restarted server's first map does not wait for mapclassify."""
    out = _loaded_after("""
        from risk.outputs.classify import classify
        out["bounds"] = [classify(list(range(20)), scheme, 4).upper_bounds for scheme in ("quantiles", "equal_interval")]
    """)
    assert out["loaded"] == [] and [len(b) for b in out["bounds"]] == [4, 4]


def test_classify_still_uses_mapclassify_when_it_runs():
    out = _loaded_after("""
        from risk.outputs.classify import classify
        out["bounds"] = classify(list(range(20)), "natural_breaks", 4).upper_bounds
    """, ("mapclassify",))
    assert out["loaded"] == ["mapclassify"] and len(out["bounds"]) == 4


def test_the_dashboard_and_the_risk_map_page_import_no_analysis_library():
    """Everything dashboard.py and pages/risk_map.py import, as they import it; altair too
    waits for a commune's panel to draw its chart."""
    code = _imports_of(ROOT / "dashboard.py") + "\n" + _imports_of(ROOT / "pages" / "risk_map.py")
    assert "from ui import" in code and "risk.views" in code  # the statements were found
    assert _loaded_after(code, HEAVY + ("altair",))["loaded"] == []


def test_a_fresh_servers_sign_in_page_loads_no_analysis_library(tmp_path):
    """The first page a fresh server draws, without the demo: the sign-in form."""
    out = _loaded_after(f"""
        from streamlit.testing.v1 import AppTest
        at = AppTest.from_file({str(ROOT / "dashboard.py")!r}, default_timeout=300)
        at.run()
        out["exceptions"] = [str(e.value) for e in at.exception]
        out["password_field"] = any(w.proto.type == w.proto.PASSWORD for w in at.text_input)
    """, env={"RISK_DEMO_MODE": "off", "RISK_STORE": str(tmp_path / "store.gpkg"),
              "RISK_ACCOUNTS_DB": str(tmp_path / "accounts.sqlite")})
    assert out["exceptions"] == [] and out["password_field"]
    assert out["loaded"] == []
