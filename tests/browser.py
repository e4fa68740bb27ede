"""Helpers for real-browser tests: a Streamlit server and Debian's Chromium via Playwright.

Never `playwright install` (it downloads a browser): we drive /usr/bin/chromium.
Requests to anything but the local server are blocked and recorded, so a test
can assert the page needed no internet.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("RISK_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def streamlit_server(env_extra: dict[str, str] | None = None, timeout: float = 90,
                     launcher: str | Path | None = None) -> Iterator[str]:
    """Start `streamlit run dashboard.py` on a free port; yield its base URL.

    `launcher`: a Python script run instead of `-m streamlit run dashboard.py`, given the same
    options (e.g. tests/serve_unchecked.py, which changes a rule and then runs Streamlit in-process).
    """
    port = free_port()
    env = {**os.environ, **(env_extra or {})}
    # A server a module fixture starts before the per-test settings (tests/conftest.py) would keep its
    # analyses and prepared maps in the checkout's var/: it gets folders of its own.
    results = tempfile.TemporaryDirectory(prefix="risk-server-")
    env.setdefault("RISK_RESULTS_DIR", os.path.join(results.name, "results"))
    env.setdefault("RISK_MAP_CACHE", os.path.join(results.name, "maps"))
    # Background analyses load the 2 cores while the browser is timed against fixed waits (a hostile
    # walk's 60 s legend wait failed once in CI); a test that wants them passes RISK_PRECOMPUTE=on.
    env.setdefault("RISK_PRECOMPUTE", "off")
    log = open(ROOT / "tests" / "artifacts" / f"streamlit-{port}.log", "w") if (ROOT / "tests" / "artifacts").is_dir() else subprocess.DEVNULL
    command = [sys.executable, str(launcher)] if launcher else [sys.executable, "-m", "streamlit", "run", "dashboard.py"]
    proc = subprocess.Popen(
        [*command, "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, proc, timeout, "streamlit")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        results.cleanup()


def wait_healthy(url: str, proc: subprocess.Popen, timeout: float, what: str) -> None:
    """Until `url` answers Streamlit's health check (through a proxy too); RuntimeError when `proc`
    exits first or `timeout` passes, with what it wrote to a piped stderr."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            err = proc.stderr.read().decode(errors="replace").strip()[:400] if proc.stderr and proc.poll() is not None else ""
            raise RuntimeError(f"{what} did not start (exit code {proc.poll()}) {err}".strip())
        time.sleep(0.3)


def chromium_available() -> bool:
    return Path(CHROMIUM).exists() or shutil.which("chromium") is not None


@contextmanager
def browser_page(base_url: str, width: int = 1500, height: int = 1100):
    """A Playwright page in headless Chromium; yields (page, blocked_requests)."""
    with browser_pages([base_url], width, height) as pages:
        yield pages[0]


@contextmanager
def browser_pages(base_urls: list[str], width: int = 1500, height: int = 1100):
    """One page per URL, each in a context of its own (its own cookies: another person), in one
    headless Chromium (Playwright's sync API allows one instance per thread); yields a list of
    (page, blocked_requests). Requests to anything but the page's own server are blocked."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
        pages, contexts = [], []
        for base_url in base_urls:
            blocked: list[str] = []
            context = browser.new_context(viewport={"width": width, "height": height}, accept_downloads=True)

            def guard(route, request, base_url=base_url, blocked=blocked):
                if request.url.startswith(base_url) or request.url.startswith(("data:", "blob:", "about:")):
                    route.continue_()
                else:
                    blocked.append(request.url)
                    route.abort()

            context.route("**/*", guard)
            contexts.append(context)
            pages.append((context.new_page(), blocked))
        try:
            yield pages
        finally:
            for context in contexts:
                context.close()
            browser.close()


def map_frame(page):
    """The streamlit-folium iframe, or None while it does not exist."""
    for frame in page.frames:
        if "streamlit_folium" in frame.url and not frame.is_detached():
            return frame
    return None


def count_in_map(page, selector: str) -> int:
    """Elements matching `selector` inside the map iframe (0 while it is being re-mounted)."""
    frame = map_frame(page)
    if frame is None:
        return 0
    try:
        return frame.locator(selector).count()
    except Exception:  # the frame was replaced between lookup and count
        return 0


def wait_for_paths(page, minimum: int, timeout_ms: int = 60000, selector: str = "path.leaflet-interactive") -> int:
    """Poll until at least `minimum` interactive vector paths are drawn in the map frame."""
    waited, count = 0, 0
    while waited < timeout_ms:
        count = count_in_map(page, selector)
        if count >= minimum:
            return count
        page.wait_for_timeout(250)
        waited += 250
    return count


def wait_for_text(page, text: str, timeout_ms: int = 30000) -> bool:
    waited = 0
    while waited < timeout_ms:
        if page.get_by_text(text, exact=False).count():
            return True
        page.wait_for_timeout(250)
        waited += 250
    return False


def poll(page, condition, timeout_ms: int = 60000, step_ms: int = 200) -> bool:
    """Until `condition()` holds (True) or the time is up (its last answer)."""
    waited = 0
    while waited < timeout_ms:
        if condition():
            return True
        page.wait_for_timeout(step_ms)
        waited += step_ms
    return bool(condition())
