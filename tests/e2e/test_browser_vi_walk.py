"""Real browser: an administrator walks every page in Vietnamese and reads no English and no English
number format, in the app and in the map frames (issue: "Vietnamese all the way").

What is read is what a person sees: the visible text (`innerText`) of the page and of each map frame,
and the placeholders of inputs. Tooltips that only appear on hover are not read. Each page is also
walked with its usual controls opened: a multiselect's list, the upload area on the Data page.
"""
from __future__ import annotations

import re

import pytest

from risk.access.accounts import Accounts
from risk.access.privacy import Role
from risk.access.settings import DEFAULT_DATA_DIR, PROJECT_ROOT
from risk.i18n import t
from tests.browser import browser_page, chromium_available, streamlit_server, wait_for_text
from tests.e2e.test_browser_mouse import low_commune
from tests.e2e.test_browser_hostile import PAGE_READY, click_until, go_to, mouse_click, sign_in, wait_idle

pytestmark = pytest.mark.skipif(not chromium_available(), reason="Chromium is not installed (make test installs it)")
ARTIFACTS = PROJECT_ROOT / "tests" / "artifacts"
USER, PASSWORD = "quan.tri.hostile", "admin-pass-hostile-1"  # the hostile test's admin, so sign_in works

# Words from Streamlit's own widgets, Leaflet's controls and stray Python values that must not reach a
# Vietnamese screen. Whole words, case-sensitive as they are written there.
ENGLISH = ("Select all", "Choose an option", "Choose options", "Drag and drop", "Browse files", "Upload",
           "Limit ", "per file", "No results", "Press Enter", "Clear all", "Loading", "Running", "Download",
           "Search", "None", "NaN", "nan", "True", "False", "Show password", "Page ", " of ", "Close",
           "Deselect", "No options", "Add ", "Remove", "Submit", "Cancel", "Delete", "Edit", "Error", "Warning",
           "Info", "Success", "Yes", "No ", "mi", "ft")
WORDS = [re.compile(rf"(?<![\w.-]){re.escape(w.strip())}(?![\w-])") for w in ENGLISH]
# English number formats: a decimal point between digits ("3.2", "0.789", but not Vietnamese thousands
# "1.000" or "63.594"), a comma before three digits after a non-zero integer part ("1,000"), and
# ISO dates.
DECIMAL_POINT = re.compile(r"(?<![\d.,])\d+\.(?:\d{1,2}|\d{4,})(?![\d.,])")
THOUSANDS_COMMA = re.compile(r"(?<![\d.,])[1-9]\d{0,2}(?:,\d{3})+(?![\d.,])")
ISO_DATE = re.compile(r"\b20\d\d-\d\d-\d\d\b")
# Our own texts that legitimately hold such strings: file names, codes, the language switch.
ALLOWED = ("Ngôn ngữ / Language", "English", ".csv", ".xlsx", ".geojson", ".gpkg", ".zip", "sha256:", "EPSG:")


def offending(text: str) -> list[str]:
    """Every English word or English-format number in `text`, with a little context."""
    found = []
    for line in text.splitlines():
        if not line.strip() or any(a in line for a in ALLOWED):
            continue
        for pattern in (*WORDS, DECIMAL_POINT, THOUSANDS_COMMA, ISO_DATE):
            found += [f"{m.group(0)!r} in {line.strip()[:90]!r}" for m in pattern.finditer(line)]
    return found


def visible_text(page) -> str:
    """What the page shows: the document's innerText, each frame's, and input placeholders."""
    parts = [page.locator("body").inner_text()]
    # Placeholders show only in empty fields.
    parts += [p for p in page.evaluate("() => Array.from(document.querySelectorAll('input[placeholder],"
                                       " textarea[placeholder]')).filter(e => !e.value).map(e => e.placeholder)") if p]
    for frame in page.frames[1:]:
        try:
            if not frame.is_detached():
                parts.append(frame.locator("body").inner_text(timeout=3000))
        except Exception:  # a frame being replaced by a rerun: the next look reads it
            continue
    return "\n".join(parts)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    var = tmp_path_factory.mktemp("vi-walk")
    Accounts(var / "accounts.sqlite").add(USER, Role.ADMIN, PASSWORD)
    env = {"RISK_DATA_DIR": str(DEFAULT_DATA_DIR), "RISK_DEMO_MODE": "on",
           "RISK_ACCOUNTS_DB": str(var / "accounts.sqlite"), "RISK_STORE": str(var / "store.gpkg")}
    ARTIFACTS.mkdir(exist_ok=True)
    with streamlit_server(env, timeout=120) as url:
        yield url


def open_a_commune(page) -> None:
    """Click a commune on screen with the mouse and wait for its panel."""
    for _attempt in range(3):  # a click that lands while the map reports its first view can be dropped
        x, y = low_commune(page)
        page.mouse.click(x, y)
        if wait_for_text(page, t("map.selected", "vi"), 20000):
            break
    assert wait_for_text(page, t("map.selected", "vi"), 1000), "no commune panel opened"
    wait_idle(page)


def run_the_allocation(page) -> None:
    button = page.get_by_role("button", name=t("pr.run_alloc", "vi"))
    click_until(page, button, lambda: page.get_by_text(t("pr.alloc_cost", "vi")).count() > 0,
                "running the allocation")
    wait_idle(page)


# What a person does on a page before reading it again: the states Streamlit's own texts hide in.
ACTIONS = {"risk_map": open_a_commune, "priorities": run_the_allocation}


def open_first_multiselect(page) -> None:
    """Open a multiselect's list, where Streamlit writes its own words."""
    box = page.locator('[data-testid="stMultiSelect"] [data-baseweb="select"]').first
    if box.count():
        mouse_click(page, box)
        page.wait_for_timeout(600)


@pytest.mark.parametrize("width, height", [(1366, 768), (1500, 1000)])
def test_an_administrator_reads_only_vietnamese_on_every_page(server, width, height):
    problems: dict[str, list[str]] = {}
    with browser_page(server, width, height) as (page, blocked):
        page.goto(server, wait_until="domcontentloaded")
        assert page.get_by_text(t(PAGE_READY["risk_map"], "vi")).first.wait_for(timeout=120000) is None
        sign_in(page, Role.ADMIN)
        for key in PAGE_READY:
            if key != "risk_map":
                go_to(page, key)
            wait_idle(page)
            page.wait_for_timeout(1500)
            seen = offending(visible_text(page))
            open_first_multiselect(page)
            seen += offending(visible_text(page))
            page.keyboard.press("Escape")
            if key in ACTIONS:
                ACTIONS[key](page)
                page.wait_for_timeout(1000)
                seen += offending(visible_text(page))
            if seen:
                problems[key] = sorted(set(seen))
            page.screenshot(path=str(ARTIFACTS / f"vi-walk-{key}-{width}x{height}.png"))
        assert blocked == []
    assert not problems, "English on a Vietnamese screen:\n" + "\n".join(
        f"{page}: {', '.join(found[:40])}" for page, found in problems.items())


def test_the_checker_finds_what_it_should():
    assert offending("Chọn tất cả\n1.000 xã · 3,2 %\n0,789 [0,740; 0,832]\n63.594 người") == []
    found = " ".join(offending("Select all\n3.2 %\n1,000 communes\n2026-12-05\nNone\n0.5"))
    for bad in ("Select all", "3.2", "1,000", "2026-12-05", "None", "0.5"):
        assert bad in found, bad
