"""Session state and cached resources: the chosen language and the open dataset."""
from __future__ import annotations

from pathlib import Path

import streamlit as st

from risk.i18n import DEFAULT_LANGUAGE, LANGUAGE_NAMES, LANGUAGES, t
from risk.io import DataError, Dataset, load_dataset
from risk.mapview import DisplayLayer, display_layer
from risk.privacy import DEFAULT_ROLE, Role
from risk.settings import Settings, load_settings


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


@st.cache_resource(show_spinner=False, max_entries=4)
def _load(folder: str, stamp: float) -> Dataset:
    return load_dataset(Path(folder))


@st.cache_resource(show_spinner=False, max_entries=4)
def _display(folder: str, stamp: float) -> DisplayLayer:
    return display_layer(_load(folder, stamp).boundaries)


def dataset() -> Dataset:
    """The open dataset; on bad data, every problem is shown and the page stops."""
    folder = settings().data_dir
    try:
        return _load(str(folder), _folder_stamp(folder))
    except DataError as err:
        st.error(t("app.load_error", lang(), path=str(folder)))
        for message in err.messages(lang()):
            st.text(f"• {message}")
        st.stop()
        raise  # unreachable: st.stop() ends the script run


def display(ds: Dataset) -> DisplayLayer:
    folder = ds.folder
    return _display(str(folder), _folder_stamp(folder))


def role() -> Role:
    """The signed-in session's role (risk/privacy.py decides what it may see)."""
    session = st.session_state.get("auth")
    return session.role if session else DEFAULT_ROLE
