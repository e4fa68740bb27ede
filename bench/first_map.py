"""Seconds from opening the dashboard in headless Chromium until every commune is drawn.

Starts the real server on the demo dataset, cold (first visit: data load and
display-layer cache fill) and warm (second visit). Needs Debian's chromium.
"""
from __future__ import annotations

import time

from risk.ingest.folder import load_dataset
from risk.access.settings import DEFAULT_DATA_DIR
from tests.browser import browser_page, chromium_available, streamlit_server, wait_for_paths


def main() -> None:
    if not chromium_available():
        print("chromium not installed: skipped (make test installs it)")
        return
    n = len(load_dataset(DEFAULT_DATA_DIR).boundaries)
    t_start = time.perf_counter()
    with streamlit_server({"RISK_DATA_DIR": str(DEFAULT_DATA_DIR)}) as url:
        print(f"server up in {time.perf_counter() - t_start:.1f} s")
        for visit in ("cold", "warm"):
            with browser_page(url) as (page, blocked):
                t0 = time.perf_counter()
                page.goto(url, wait_until="domcontentloaded")
                drawn = wait_for_paths(page, n, timeout_ms=120000)
                elapsed = time.perf_counter() - t0
                print(f"{visit}: {drawn} interactive shapes (>= {n} communes, plus gates) drawn in {elapsed:.1f} s; blocked external requests: {len(blocked)}")


if __name__ == "__main__":
    main()
