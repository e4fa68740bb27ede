"""The app's pages and the sidebar menu that links them, in the user's language.

Why our own menu. With a `pages/` folder, the first request a fresh server process gets runs
Streamlit's folder mode: its sidebar lists the raw file names (dashboard, audit, data…),
admin pages included, until `st.navigation` has run once. `client.showSidebarNavigation = false`
(.streamlit/config.toml) hides that list, so the pages are registered here with a hidden
navigation and linked from the sidebar with translated titles, only those the role may open.
"""
from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from risk.i18n import t

__all__ = ["PAGES", "Entry", "entries", "entry_script_only", "menu", "register_all"]

# (page key, file, icon, catalogue key of its title). Who may open each page is decided in
# risk/access/privacy.py; the first listed page the role may open is the default.
PAGES: tuple[tuple[str, str, str, str], ...] = (
    ("risk_map", "pages/risk_map.py", ":material/map:", "page.risk_map"),
    ("hotspots", "pages/hotspots.py", ":material/local_fire_department:", "page.hotspots"),
    ("priorities", "pages/priorities.py", ":material/format_list_numbered:", "page.priorities"),
    ("model", "pages/model.py", ":material/insights:", "page.model"),
    ("data", "pages/data.py", ":material/database:", "page.data"),
    ("audit", "pages/audit.py", ":material/history:", "page.audit"),
    ("users", "pages/users.py", ":material/manage_accounts:", "page.users"),
    ("account", "pages/account.py", ":material/person:", "page.account"),
)


@dataclass(frozen=True)
class Entry:
    """One page as registered: its key, its st.Page, its translated title and icon."""

    key: str
    page: object  # streamlit.navigation.page.StreamlitPage
    title: str
    icon: str


def entries(keys: list[str] | None, lang: str) -> list[Entry]:
    """The pages with these keys (all when None), in menu order; the first is the default. A page's
    URL is its key with dashes."""
    chosen = [p for p in PAGES if keys is None or p[0] in keys]
    out = []
    for i, (key, path, icon, title_key) in enumerate(chosen):
        title = t(title_key, lang)
        # No icon on the st.Page itself: Streamlit makes a page's icon the tab's favicon, and fetched some
        # (insights) from fonts.gstatic.com, which an offline intranet cannot reach. The menu shows them.
        out.append(Entry(key, st.Page(path, title=title, url_path=key.replace("_", "-"), default=(i == 0)), title, icon))
    return out


def register_all(lang: str):
    """Every page, with no menu: so a link to any page keeps its path (before sign-in, and when a
    fresh server ran a page file on its own). Returns the chosen page."""
    return st.navigation([e.page for e in entries(None, lang)], position="hidden")


def menu(items: list[Entry]) -> None:
    """The menu, in the current container (dashboard.py keeps a place for it at the top of the
    sidebar): one link per page the session may open, titled in its language."""
    for entry in items:
        st.page_link(entry.page, label=entry.title, icon=entry.icon)
    st.divider()


def entry_script_only() -> None:
    """At server start: every request runs dashboard.py, which picks the page.

    Streamlit runs a page file of `pages/` on its own for a process's requests until some run has
    called `st.navigation` (folder mode): a deep link as a fresh server's first request showed a blank
    page for seconds, then a page without its menu, language switch or view. `st.navigation` ends
    folder mode by clearing this flag; clearing it at start does the same before any request.
    (tests/e2e/test_browser_mouse.py holds the result; should the flag go, every page still checks the
    sign-in and role itself: `ui.state.require_page`.)"""
    from streamlit.runtime.pages_manager import PagesManager

    if hasattr(PagesManager, "uses_pages_directory"):
        PagesManager.uses_pages_directory = False
