"""The storage layer does not depend on parsing or on the pages: no module under
risk/store imports risk.ingest or streamlit (checked on the source, with ast)."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

STORE = Path(__file__).resolve().parents[2] / "risk" / "store"
FORBIDDEN = ("risk.ingest", "streamlit")


def _imports(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
            found += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level:  # relative: resolve against risk.store
            base = ["risk", "store", *path.relative_to(STORE).parent.parts][: 3 - node.level or None]
            found.append((node.lineno, ".".join([*base, *(node.module or "").split(".")]).rstrip(".")))
        elif isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) in (
                "import_module", "__import__") and node.args and isinstance(node.args[0], ast.Constant):
            found.append((node.lineno, str(node.args[0].value)))
    return found


MODULES = sorted(STORE.rglob("*.py"))


def test_the_store_has_modules() -> None:
    assert any(p.name == "versions.py" for p in MODULES)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_no_store_module_imports_ingest_or_streamlit(path: Path) -> None:
    bad = [f"{path.name}:{line} imports {name}" for line, name in _imports(path)
           if any(name == f or name.startswith(f + ".") for f in FORBIDDEN)]
    assert not bad, bad
