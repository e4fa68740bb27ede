"""Every Streamlit session-state key the app uses, and the only code that touches them.

A key written in one file and read in another under a slightly different name
is a silent bug; so pages and ui modules read and write session state only
through `Slot`s declared here, each with the type of value it holds.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Collection, Generic, Iterable, TypeVar

import streamlit as st

T = TypeVar("T")


@dataclass(frozen=True)
class Slot(Generic[T]):
    """One named session-state entry. `name` is the Streamlit key; `doc` says what it holds."""

    name: str
    doc: str

    def get(self, default: T | None = None) -> T | None:
        return st.session_state.get(self.name, default)

    def set(self, value: T) -> None:
        st.session_state[self.name] = value

    def pop(self) -> T | None:
        return st.session_state.pop(self.name, None)

    def present(self) -> bool:
        return self.name in st.session_state


def preset(key: str, value: Any) -> str:
    """Give the widget `key` a value before it is drawn, unless it holds one already; returns `key`.

    A widget's own key is dropped by Streamlit when its page is left, so a value shared by pages
    (a view slot below) lives in its slot, and each page's widget is preset from it when new."""
    if key not in st.session_state:
        st.session_state[key] = value
    return key


def shown(slot: Slot, key: str, allowed: Collection) -> str:
    """The key of the widget that shows `slot` on this page, preset from the slot's value when the
    widget is new and the value is one it offers (a link may name a year the data lacks)."""
    value = slot.get()
    if value is not None and value in allowed:
        preset(key, value)
    return key


def labelled(key: str) -> str:
    """Mark `key` as a widget whose option labels are written in the UI language; returns `key`.

    Streamlit's frontend keeps a keyed select box's shown label across reruns, so after a
    language switch it would keep showing the old language's label. `relabel` re-sets these
    widgets' values when the language changes, which makes the frontend redraw their labels."""
    keys = LABELLED_WIDGETS.get() or set()
    keys.add(key)
    LABELLED_WIDGETS.set(keys)
    return key


def relabel() -> None:
    """Language switch callback: re-set every labelled widget's own value (not a new one), so
    its label is redrawn in the new language."""
    for key in LABELLED_WIDGETS.get() or ():
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]


def widget_value(key: str) -> Any:
    """The value a widget or component with `key` reported (read in its on_change callback)."""
    return st.session_state.get(key)


def forget(keys: Iterable[str], prefixes: Iterable[str] = ()) -> None:
    """Drop widget keys (and keys starting with one of `prefixes`), so the next `preset` applies:
    used when a link brings a view the widgets on screen do not show."""
    prefixes = tuple(prefixes)
    for key in [k for k in st.session_state if k in set(keys) or (prefixes and str(k).startswith(prefixes))]:
        del st.session_state[key]


# --- frame ----------------------------------------------------------------------
LANG: Slot[str] = Slot("lang", "the UI language code (vi or en)")
LABELLED_WIDGETS: Slot[set] = Slot("_labelled_widgets", "keys of widgets whose option labels follow the language (relabel)")

DATASET_KEY: Slot[Any] = Slot("_dataset_key", "this run's open dataset (ui.state.DatasetKey), resolved once per run")
RUN_BEGUN: Slot[bool] = Slot("_run_begun", "dashboard.py resolved this run's dataset before the page ran")

# --- sign-in (ui/auth.py) ------------------------------------------------------
AUTH: Slot[Any] = Slot("auth", "the signed-in ui.auth.Session, or absent")
AUTH_LAST_SEEN: Slot[Any] = Slot("_auth_last_seen", "UTC time of the last rerun of this session (idle time-out)")
AUTH_CLIENT: Slot[str] = Slot("_auth_client", "a random per-browser-session id for the sign-in throttle")
AUTH_NOTICE: Slot[str] = Slot("_auth_notice", "why the last session ended, shown once on the sign-in form")
DEMO_DECLINED: Slot[bool] = Slot("_demo_declined", "the visitor chose to sign in instead of the demo planner")
DEMO_AUDITED: Slot[bool] = Slot("_demo_audited", "this browser session's demo visit is already in the audit log")

AUTH_SESSION_ID: Slot[int] = Slot("_auth_session_id", "this browser session's row in the session tokens (risk/access/sessions.py)")
AUTH_HANDOFF: Slot[str] = Slot("_auth_handoff", "the one-time code the page trades for the session cookie, until it has")
AUTH_COOKIE_CHECKED: Slot[bool] = Slot("_auth_cookie_checked", "this browser session looked for a session cookie")
AUTH_FORGET_COOKIE: Slot[bool] = Slot("_auth_forget_cookie", "the page should clear its (signed-out or dead) session cookie")

# --- the view in the URL (ui/links.py): shared by every page of the session ----------------------
URL_WRITTEN: Slot[dict] = Slot("_url_written", "the query parameters this session last put in the URL")
VIEW_YEAR: Slot[int] = Slot("view_year", "the year shown, one for the risk map and the priorities")
VIEW_INDICATOR: Slot[str] = Slot("view_indicator", "the risk map's layer: the score, the composite or an indicator key")
VIEW_SCHEME: Slot[str] = Slot("view_scheme", "the risk map's class scheme (risk.outputs.classify.SCHEMES)")
VIEW_CLASSES: Slot[int] = Slot("view_classes", "the risk map's number of classes")
VIEW_RANKING: Slot[str] = Slot("view_ranking", "what the priority list ranks by: model or composite")
VIEW_FILTERS: Slot[Any] = Slot("view_filters", "the priority list's filters (risk.views.priorities.PriorityFilters)")
VIEW_PERIOD: Slot[tuple] = Slot("view_period", "the hotspot page's period (first year, last year)")
VIEW_FORM: Slot[str] = Slot("view_form", "the hotspot page's form of trafficking ('' for all)")
VIEW_LAYER: Slot[str] = Slot("view_layer", "the hotspot page's layer")

# --- admin page and own account ----------------------------------------------------------
USERS_NOTICE: Slot[Any] = Slot("_users_notice", "the admin page's last result (a message, and a new password once)")
ACCOUNT_NOTICE: Slot[str] = Slot("_account_notice", "the account page's last result, shown once")

# --- background analyses (ui/jobs.py) ----------------------------------------------
JOB_WATCHER: Slot[str] = Slot("_job_watcher", "a random per-browser-session id naming who waits for an analysis run")

# --- composite index (risk map and priorities, read by the model card's backtest) -------
COMPOSITE_SETTINGS: Slot[Any] = Slot("composite_settings", "the CompositeConfig last set in the weights editor")

# --- model settings (Model page, used by every page that scores) ---------------
MODEL_SETTINGS: Slot[Any] = Slot("model_settings", "the ModelConfig chosen on the Model page")

# --- risk map -------------------------------------------------------------------
SELECTED_COMMUNE: Slot[str] = Slot("selected_commune", "commune id whose panel is open on the risk map")

# --- priorities page ------------------------------------------------------------
PR_MAP_SELECTED: Slot[list] = Slot("pr_map_selected", "commune ids toggled on the priorities map")
PR_TABLE: Slot[Any] = Slot("pr_table", "the priority table editor's state")
PR_TABLE_PAGE: Slot[int] = Slot("pr_table_page", "which page of the priority table is shown (0-based)")
PR_TABLE_DRAWN: Slot[tuple] = Slot("pr_table_drawn", "the priority table last drawn: its generation and its rows' commune ids")


def pr_table(generation: int) -> Slot[Any]:
    """The state of the priority table of `generation`: a new one each time the rows shown change,
    so the rows picked in one are never read as rows of another (ui.priorities.table_generation)."""
    return PR_TABLE if generation == 0 else Slot(f"{PR_TABLE.name}_{generation}", PR_TABLE.doc)
PR_ALLOCATION: Slot[Any] = Slot("pr_allocation", "the last budget allocation run")
PR_COVERAGE: Slot[Any] = Slot("pr_coverage", "the last patrol-base coverage run")
PR_SHOW: Slot[str] = Slot("pr_show", "which result the priorities map shows: selection, allocation or coverage")

# --- data page ------------------------------------------------------------------
IMPORT_CHECK: Slot[Any] = Slot("import_check", "the checked upload waiting to be saved")
IMPORT_DONE: Slot[int] = Slot("import_done", "version id just saved, announced once")
ACTIVATED: Slot[int] = Slot("activated", "version id just activated, announced once")

ALL_SLOTS: tuple[Slot, ...] = tuple(v for v in globals().values() if isinstance(v, Slot))
