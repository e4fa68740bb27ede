"""Run the dashboard like a server whose data was accepted before the text check existed.

`risk.contracts.text.unsafe_reason` is replaced by a function that refuses nothing, so both
loaders (the dataset folder and the patrol-site upload) accept formulas, HTML, backticks,
`${` and Markdown links as a store or folder written by an older version would hold them.
Then Streamlit runs dashboard.py in this process, so the pages see the replaced rule. The
display escaping (risk.outputs.mapview.safe_html, ui.widgets.md) is left as it is: that is what a
test started with this launcher checks (tests/e2e/test_browser_hostile.py).

Usage (tests.browser.streamlit_server does this): python tests/serve_unchecked.py [streamlit run options]
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def accept_everything(text: str) -> None:
    """The rule as it was before the check: no text is refused."""
    return None


def main() -> int:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import risk.contracts.text
    from streamlit.web import cli as stcli

    risk.contracts.text.unsafe_reason = accept_everything
    print("serve_unchecked: risk.contracts.text.unsafe_reason refuses nothing in this server", flush=True)
    sys.argv = ["streamlit", "run", str(ROOT / "dashboard.py"), *sys.argv[1:]]
    return stcli.main()


if __name__ == "__main__":
    sys.exit(main())
