"""The text rule: which names, codes and labels are refused because a page, a map or a
spreadsheet would run them (see risk/ingest/text_safety.py for why).

A pure function with no reading behind it, so both the loaders (every cell of a
data file) and the store (a version's label) apply the same rule. Callers look it
up on this module at call time (`text.unsafe_reason(...)`), so a test launcher
can swap the rule in one place (tests/serve_unchecked.py).
"""
from __future__ import annotations

import re

__all__ = ["FORMULA_PREFIXES", "starts_like_formula", "unsafe_reason"]

# What a spreadsheet may take as the start of a formula (OWASP "CSV injection"): the one list
# behind both the import rule below and the export's neutralising quote (risk/outputs/export.py).
FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?\d+([.,]\d+)?%?$")
_MARKUP = re.compile(r"<\s*[A-Za-z/!?]")
# A backtick or "${" would end or run a JavaScript template literal; "](" and "![" make a
# Markdown link or image, which a page would fetch.
_SCRIPT = re.compile(r"`|\$\{")
_MARKDOWN_LINK = re.compile(r"!\[|\]\s*\(")


def starts_like_formula(text: str) -> bool:
    return text.startswith(FORMULA_PREFIXES)


def unsafe_reason(text: str) -> str | None:
    """The i18n code of why `text` cannot be a name or code, or None when it is fine.

    A lone "-" or a signed number ("-5", "+3,5%") is data, not a formula."""
    if len(text) > 1 and starts_like_formula(text) and not _NUMBER.match(text):
        return "import.formula_in_text"
    if _MARKUP.search(text):
        return "import.markup_in_text"
    if _SCRIPT.search(text):
        return "import.script_in_text"
    if _MARKDOWN_LINK.search(text):
        return "import.link_in_text"
    return None
