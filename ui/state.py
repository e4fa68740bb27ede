"""Session state and cached resources: the chosen language and the open dataset."""
from __future__ import annotations


import streamlit as st

from risk.i18n import DEFAULT_LANGUAGE, LANGUAGE_NAMES, LANGUAGES, t
from risk.contracts.dataset import Dataset
from risk.ingest.folder import DataError
from risk.outputs.geometry_file import PreparedDisplay, prepare_display
from risk.outputs.mapview import DisplayLayer
from risk.access.privacy import DEFAULT_ROLE, Role
from risk.access.settings import Settings, load_settings
from risk.store import open_store
from risk.store.shared import StoreBase, StoreError
from risk.views.source import DatasetSource, embedded_demo_open, load_source, resolve_source
from ui import session as slots
from ui import widgets


def settings() -> Settings:
    return load_settings()


def language_picker() -> str:
    """Sidebar language switch; Vietnamese unless the user picks English."""
    if not slots.LANG.present():
        slots.LANG.set(DEFAULT_LANGUAGE)
    st.sidebar.selectbox(
        t("app.language_switch"),
        LANGUAGES, key=slots.LANG.name, format_func=lambda code: LANGUAGE_NAMES[code],
        on_change=slots.relabel,
    )
    return slots.LANG.get(DEFAULT_LANGUAGE)


def lang() -> str:
    return slots.LANG.get(DEFAULT_LANGUAGE)


# Cached analyses are keyed on the open dataset's identity (hashable, frozen).
DatasetKey = DatasetSource


def store() -> StoreBase:
    """The configured store (RISK_STORE: a GeoPackage file or a PostgreSQL database)."""
    return open_store(settings().store)


def begin_run() -> DatasetKey:
    """Resolve which dataset is open, once for this script run (dashboard.py calls it first;
    a page file run on its own calls it from `require_page`). Every later `dataset_key()` of
    the run reads the slot, so the store is not queried again."""
    key = resolve_source(settings())
    slots.DATASET_KEY.set(key)
    slots.RUN_BEGUN.set(True)
    return key


def end_run() -> None:
    """Forget this run's key (dashboard.py, after the page): the next run resolves afresh."""
    slots.RUN_BEGUN.pop()
    slots.DATASET_KEY.pop()


def dataset_key() -> DatasetKey:
    """Identity of the open dataset: the store's active version if there is one, else RISK_DATA_DIR."""
    key = slots.DATASET_KEY.get()
    return key if key is not None else begin_run()


def active_store_version() -> int | None:
    """The store's active version, or None when the open dataset is a folder."""
    return dataset_key().version


def using_embedded_demo() -> bool:
    """The embedded demo folder is open (no store version active): demo mode may apply."""
    return embedded_demo_open(dataset_key(), settings())


def demo_mode_allowed() -> bool:
    """Password-less read-only access, by the one rule in risk/access/settings.py."""
    return settings().demo_mode_allowed(using_embedded_demo())


@st.cache_resource(show_spinner=False, max_entries=4)
def load_by_key(key: DatasetKey) -> Dataset:
    """The dataset behind a key (cached; raises DataError or StoreError on bad data)."""
    return load_source(key)


@st.cache_resource(show_spinner=False, max_entries=4)
def _display(key: DatasetKey) -> PreparedDisplay:
    return prepare_display(load_by_key(key).boundaries, settings().map_cache_dir)


def warm_up() -> None:
    """Open the dataset a visitor would see, with its prepared map and the kept results a first visit
    shows, before anyone asks: a server's start (ui.server.lifespan) runs this in a thread, so the
    first visit after a restart finds them in memory instead of reading the files in its own run
    (0.8 s of a 3,321-commune restart's first map; issue 17). A dataset that cannot be opened is left
    for the page, which says why."""
    # Not streamlit-folium: a component declared before the server's runtime exists is not served (404).
    try:
        key = resolve_source(settings())
        load_by_key(key)
        _display(key)
        from ui.results import warm_kept  # it imports this module

        warm_kept(key)
    except Exception:  # noqa: BLE001 - the first visit opens it again and shows the error in words
        pass


def dataset() -> Dataset:
    """The open dataset; on bad data, every problem is shown and the page stops."""
    key = dataset_key()
    try:
        return load_by_key(key)
    except DataError as err:
        st.error(widgets.tm("app.load_error", lang(), path=key.path))
        for message in err.messages(lang()):
            st.text(f"• {message}")
        st.stop()
        raise  # unreachable: st.stop() ends the script run
    except StoreError as err:
        st.error(widgets.md(err.message(lang())))
        st.stop()
        raise


def display(ds: Dataset) -> DisplayLayer:
    """Simplified commune geometry of the open dataset, for drawing (prepared once per boundaries
    content and kept on disk, so a restart does not pay it again)."""
    return _display(dataset_key()).layer


def geometry_url() -> str:
    """Where the browser fetches the open dataset's commune geometry (sent once, then cached)."""
    from ui.server import geometry_url as url

    return url(_display(dataset_key()).geometry.name)


def audit(action: str, user: str, details: dict | None = None, rows: int | None = None) -> None:
    """Append to the store's audit log (never edited)."""
    store().append_audit(user, action, details or {}, rows)


def current_session():
    """The signed-in session (ui.auth.Session) or None."""
    from ui import auth

    return auth.current()


def data_version_label() -> str:
    """What an export of the open dataset says about its data (risk.views.source.data_version_label)."""
    return _version_label(dataset_key())


@st.cache_resource(show_spinner=False, max_entries=4)
def _version_label(key: DatasetKey) -> str:
    """Kept per dataset identity: for a folder it hashes every file (17 MB at 3,321 communes), which
    the Priorities page paid on each rerun (8 % of it; issue 17). The key's stamp changes with the files."""
    from risk.views.source import data_version_label as label

    return label(load_by_key(key))


def require_page(page: str) -> None:
    """Every page calls this first: sign-in, then the role check, even when the page is reached
    by its URL. (With a pages/ folder, a fresh server may run a page file on its own, without
    dashboard.py, until st.navigation has run once: the guard must live in each page too.)"""
    from risk.access.privacy import page_allowed
    from ui import auth

    if not slots.RUN_BEGUN.get():  # a page file run without dashboard.py (AppTest's switch_page; a fresh
        # server's first request, were ui.navigation.entry_script_only to stop working)
        from ui import links

        links.read_url()  # its link's view still counts
        begin_run()
        slots.RUN_BEGUN.pop()  # no dashboard.py to end this run: the next run must resolve afresh too
    session = auth.require_session(settings(), lang(), demo_mode_allowed(), audit=audit)
    if not page_allowed(page, session.role):
        st.error(t("auth.forbidden", lang()))
        st.stop()


def read_only() -> bool:
    """A password-less demo session: it may look, but not upload or change anything."""
    session = current_session()
    return session is None or bool(getattr(session, "read_only", True))


def role() -> Role:
    """The signed-in session's role (risk/access/privacy.py decides what it may see)."""
    session = current_session()
    return session.role if session else DEFAULT_ROLE
