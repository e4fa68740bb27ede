"""The message catalogue against the code that uses it, checked statically with `ast`.

A key is *used* when a string literal equal to it appears anywhere in the application code
(`t("...")`, a key map such as `CLASS_KEYS = {"hot_99": "hotspots.class.hot_99"}`, an error code
such as `ModelError("model.bad_kind")`, ...). Keys are never built at run time: a `t(f"...")`
would hide its keys from this test, so it is a failure in itself.
"""
from __future__ import annotations

import ast
import re
import tomllib
from functools import cache
from pathlib import Path

from risk.i18n import LANGUAGES, LOCALES_DIR, placeholders

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("risk", "ui", "pages", "dashboard.py")
TRANSLATORS = {"t", "tm"}  # risk.i18n.t and ui.widgets.tm


def _source_files() -> list[Path]:
    files: list[Path] = []
    for name in SOURCES:
        path = ROOT / name
        files.extend(sorted(path.rglob("*.py")) if path.is_dir() else [path])
    return files


@cache
def _locales() -> dict[str, dict[str, str]]:
    return {lang: tomllib.loads((LOCALES_DIR / f"{lang}.toml").read_text(encoding="utf-8")) for lang in LANGUAGES}


@cache
def _parsed() -> dict[Path, ast.Module]:
    return {path: ast.parse(path.read_text(encoding="utf-8"), filename=str(path)) for path in _source_files()}


def _catalogue_keys() -> set[str]:
    return {key for texts in _locales().values() for key in texts}


def _where(path: Path, node: ast.AST) -> str:
    return f"{path.relative_to(ROOT)}:{node.lineno}"


def _is_dynamic(node: ast.AST) -> bool:
    """An f-string, or a string glued together with `+` or `%`, or `"...".format(...)`."""
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mod)):
        return any(isinstance(side, (ast.Constant, ast.JoinedStr)) and not isinstance(getattr(side, "value", ""), (int, float))
                   or _is_dynamic(side) for side in (node.left, node.right))
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format"
            and isinstance(node.func.value, ast.Constant))


def _translator_calls() -> list[tuple[Path, ast.Call]]:
    calls = []
    for path, tree in _parsed().items():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
            if name in TRANSLATORS:
                calls.append((path, node))
    return calls


def _string_literals() -> set[str]:
    """Every string constant in the code, except the fixed fragments of f-strings."""
    literals: set[str] = set()
    for tree in _parsed().values():
        fragments = {id(part) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr) for part in node.values}
        literals |= {node.value for node in ast.walk(tree)
                     if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in fragments}
    return literals


def test_the_scan_sees_the_application() -> None:
    files = _source_files()
    assert ROOT / "dashboard.py" in files and any(p.parent.name == "pages" for p in files)
    assert len(_translator_calls()) > 100


def test_no_key_is_built_at_run_time() -> None:
    dynamic = [_where(path, call) for path, call in _translator_calls() if _is_dynamic(call.args[0])]
    assert not dynamic, "t()/tm() with a computed key (use a literal key map instead): " + ", ".join(dynamic)


def test_every_literal_key_passed_to_t_exists_in_both_languages() -> None:
    locales = _locales()
    missing = [f"{_where(path, call)} {call.args[0].value!r} ({lang})"
               for path, call in _translator_calls()
               if isinstance(call.args[0], ast.Constant) and isinstance(call.args[0].value, str)
               for lang in LANGUAGES if call.args[0].value not in locales[lang]]
    assert not missing, missing


def _localised_error_classes() -> set[str]:
    """Names of the classes that derive, directly or not, from risk.i18n.LocalisedError."""
    bases = {node.name: {b.id if isinstance(b, ast.Name) else b.attr for b in node.bases
                         if isinstance(b, (ast.Name, ast.Attribute))}
             for tree in _parsed().values() for node in ast.walk(tree) if isinstance(node, ast.ClassDef)}
    found = {"LocalisedError"}
    while grown := {name for name, parents in bases.items() if parents & found} - found:
        found |= grown
    return found


def test_every_localised_error_code_exists() -> None:
    classes = _localised_error_classes()
    assert {"ModelError", "StoreError", "HotspotError", "AllocationError"} <= classes
    keys = _catalogue_keys()
    missing = []
    for path, tree in _parsed().items():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in classes and node.args:
                code = node.args[0]
                if _is_dynamic(code):
                    missing.append(f"{_where(path, node)} computed code")
                elif isinstance(code, ast.Constant) and code.value not in keys:
                    missing.append(f"{_where(path, node)} {code.value!r}")
    assert not missing, missing


# Strings such as "store.gpkg" are file names in a catalogue namespace, not keys.
_FILE_SUFFIXES = {"csv", "geojson", "gpkg", "json", "pdf", "py", "sqlite", "toml", "txt", "xlsx", "zip"}


def test_every_string_that_looks_like_a_key_exists() -> None:
    """A literal such as "accounts.exsts" in a namespace of the catalogue is a typo of a key:
    it catches error codes and key maps that no `t()` call names directly."""
    keys = _catalogue_keys()
    shaped = re.compile(r"^(?:%s)(?:\.[a-z0-9_]+)+$" % "|".join(sorted({key.split(".")[0] for key in keys})))
    unknown = sorted(s for s in _string_literals()
                     if shaped.match(s) and s not in keys and s.rsplit(".", 1)[1] not in _FILE_SUFFIXES)
    assert not unknown, unknown


def test_both_languages_have_the_same_keys_and_placeholders() -> None:
    locales = _locales()
    vi, en = (locales[lang] for lang in ("vi", "en"))
    assert set(vi) == set(en), {"only in vi": sorted(set(vi) - set(en)), "only in en": sorted(set(en) - set(vi))}
    empty = [f"{key} ({lang})" for lang in LANGUAGES for key, text in locales[lang].items()
             if not isinstance(text, str) or not text.strip()]
    assert not empty, empty
    mismatched = {key: (sorted(placeholders(vi[key])), sorted(placeholders(en[key]))) for key in vi
                  if placeholders(vi[key]) != placeholders(en[key])}
    assert not mismatched, mismatched


def test_every_catalogue_key_is_used() -> None:
    unused = sorted(_catalogue_keys() - _string_literals())
    assert not unused, f"{len(unused)} catalogue keys appear nowhere in the code: {unused}"
