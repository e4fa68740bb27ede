"""Session state and cached resources: the chosen language and the open dataset."""
from __future__ import annotations

from pathlib import Path

import streamlit as st

from risk.i18n import DEFAULT_LANGUAGE, LANGUAGE_NAMES, LANGUAGES, t
from risk.ingest.folder import DataError, Dataset, load_dataset
from risk.outputs.mapview import DisplayLayer, display_layer
from risk.access.privacy import DEFAULT_ROLE, Role
from risk.access.settings import Settings, load_settings
from risk.store.versions import Store, StoreError
from ui import widgets


def settings() -> Settings:
    return load_settings()


def language_picker() -> str:
    """Sidebar language switch; Vietnamese unless the user picks English."""
    if "lang" not in st.session_state:
        st.session_state["lang"] = DEFAULT_LANGUAGE
    st.sidebar.selectbox(
        t("app.language_switch"),
        LANGUAGES, key="lang", format_func=lambda code: LANGUAGE_NAMES[code],
    )
    return st.session_state["lang"]


def lang() -> str:
    return st.session_state.get("lang", DEFAULT_LANGUAGE)


def _folder_stamp(folder: Path) -> float:
    """Latest modification time in the folder, so an edited dataset is reloaded."""
    times = [p.stat().st_mtime for p in folder.glob("*") if p.is_file()]
    return max(times, default=0.0)


# ("folder", path, mtime) or ("store", path, version id, mtime): cached analyses are keyed on it.
DatasetKey = tuple


def store() -> Store:
    return Store(settings().store_path)


def active_store_version() -> int | None:
    """The store's active version, or None when there is no store or no version yet."""
    st_ = store()
    if not st_.exists():
        return None
    try:
        return st_.active_version()
    except StoreError:
        return None


def dataset_key() -> DatasetKey:
    """Identity of the open dataset: the store's active version if there is one, else RISK_DATA_DIR."""
    version = active_store_version()
    if version is not None:
        path = settings().store_path
        return ("store", str(path), int(version), path.stat().st_mtime)
    folder = settings().data_dir
    return ("folder", str(folder), _folder_stamp(folder))


def using_embedded_demo() -> bool:
    """The embedded demo folder is open (no store version active): demo mode may apply."""
    return active_store_version() is None and settings().is_embedded_demo


def demo_mode_allowed() -> bool:
    """Password-less read-only access: `on`, or `auto` while the embedded demo data is open."""
    conf = settings()
    return conf.demo_mode == "on" or (conf.demo_mode == "auto" and using_embedded_demo())


@st.cache_resource(show_spinner=False, max_entries=4)
def load_by_key(key: DatasetKey) -> Dataset:
    """The dataset behind a key (cached; raises DataError or StoreError on bad data)."""
    if key[0] == "store":
        return Store(key[1]).load(key[2])
    return load_dataset(Path(key[1]))


@st.cache_resource(show_spinner=False, max_entries=4)
def _display(key: DatasetKey) -> DisplayLayer:
    return display_layer(load_by_key(key).boundaries)


def dataset() -> Dataset:
    """The open dataset; on bad data, every problem is shown and the page stops."""
    key = dataset_key()
    try:
        return load_by_key(key)
    except DataError as err:
        st.error(widgets.tm("app.load_error", lang(), path=key[1]))
        for message in err.messages(lang()):
            st.text(f"• {message}")
        st.stop()
        raise  # unreachable: st.stop() ends the script run
    except StoreError as err:
        st.error(widgets.md(err.message(lang())))
        st.stop()
        raise


def display(ds: Dataset) -> DisplayLayer:
    """Simplified commune geometry of the open dataset, for drawing (cached per dataset)."""
    return _display(dataset_key())


def audit(action: str, user: str, details: dict | None = None, rows: int | None = None) -> None:
    """Append to the store's audit log (never edited)."""
    store().append_audit(user, action, details or {}, rows)


def current_session():
    """The signed-in session (ui.auth.Session) or None."""
    return st.session_state.get("auth")


def data_version_label(ds: Dataset) -> str:
    """What an export says about its data: the store version, or the folder's files' checksum."""
    if ds.meta.get("store_version") is not None:
        return f"#{ds.meta['store_version']} {ds.meta.get('store_label', '')} ({ds.meta.get('store_created_at', '')})"
    from risk.outputs.export import folder_version

    return f"{ds.folder.name} {folder_version(ds.folder)}"


def require_page(page: str) -> None:
    """Every page calls this first: sign-in, then the role check, even when the page is reached
    by its URL. (With a pages/ folder, a fresh server may run a page file on its own, without
    dashboard.py, until st.navigation has run once: the guard must live in each page too.)"""
    from risk.access.privacy import page_allowed
    from ui import auth

    session = auth.require_session(settings(), lang(), audit=audit, demo_allowed=demo_mode_allowed())
    if not page_allowed(page, session.role):
        st.error(t("auth.forbidden", lang()))
        st.stop()


def read_only() -> bool:
    """A password-less demo session: it may look, but not upload or change anything."""
    session = st.session_state.get("auth")
    return session is None or bool(getattr(session, "read_only", True))


def role() -> Role:
    """The signed-in session's role (risk/access/privacy.py decides what it may see)."""
    session = st.session_state.get("auth")
    return session.role if session else DEFAULT_ROLE
