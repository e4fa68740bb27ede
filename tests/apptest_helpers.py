"""Helpers shared by the AppTest page tests."""
from __future__ import annotations

import json

from streamlit.testing.v1 import AppTest


def map_args(at: AppTest) -> dict:
    """The arguments the page sent to its one streamlit-folium component (script, links, ...)."""
    comps = [e for e in at.main if getattr(e, "type", None) == "component_instance"]
    assert len(comps) == 1, "the page should hold exactly one map component"
    return json.loads(comps[0].proto.json_args)


def map_place(at: AppTest) -> tuple[int, ...] | None:
    """Where the map component sits among the page's elements (index in main, index in its block...).
    A map that moves is reloaded by the browser instead of restyled (issue 17), so pages keep it still."""
    def walk(node, path):
        if getattr(node, "type", None) == "component_instance":
            return path
        for i, child in getattr(node, "children", {}).items():
            found = walk(child, (*path, i))
            if found is not None:
                return found
        return None
    return walk(at.main, ())


def signed_in_session(role, username: str | None = None):
    """A ui.auth.Session as a real sign-in opens it, for an account created (if missing) in this
    test's accounts database: sessions are re-checked against their account on every rerun."""
    from risk.access.accounts import generate_password, open_accounts
    from risk.access.settings import load_settings
    from ui.auth import session_for

    accounts = open_accounts(load_settings())
    name = username or f"user-{role.value}"
    if accounts.get(name) is None:
        accounts.add(name, role, generate_password())
    user = accounts.get(name)
    if user.role != role:
        raise ValueError(f"account {name} exists with role {user.role.value}, not {role.value}: use another name")
    return session_for(user)


def open_page(page: str, role, username: str | None = None, lang: str = "en", timeout: float = 300) -> AppTest:
    """The dashboard signed in as `role`, switched to `page` (e.g. "pages/risk_map.py") and run once."""
    from risk.access.settings import PROJECT_ROOT

    at = AppTest.from_file(str(PROJECT_ROOT / "dashboard.py"), default_timeout=timeout)
    at.session_state["lang"] = lang
    at.session_state["auth"] = signed_in_session(role, username)
    at.run()
    at.switch_page(page)
    at.run()
    return at


# AppTest gives each run its own media file manager and drops it when the run ends, so a download
# button whose file is made on click (`data` a callable) would leave nothing to click afterwards.
# Every such callable registered during a test run is kept here, by the file id the button carries.
_DEFERRED: dict[str, tuple[object, str | None]] = {}


def _record_deferred():
    from streamlit.runtime.media_file_manager import MediaFileManager

    original = MediaFileManager.add_deferred
    if getattr(original, "_records", False):
        return

    def add_deferred(self, data_callable, mimetype, coordinates, file_name=None, **kwargs):
        file_id = original(self, data_callable, mimetype, coordinates, file_name, **kwargs)
        _DEFERRED[file_id] = (data_callable, file_name)
        return file_id

    add_deferred._records = True
    MediaFileManager.add_deferred = add_deferred


_record_deferred()


def _deferred(at: AppTest, key: str) -> tuple[object, str | None]:
    buttons = [e for e in at.get("download_button") if e.proto.id.endswith(f"-{key}")]
    assert len(buttons) == 1, f"no download button with key {key}"
    file_id = buttons[0].proto.deferred_file_id
    assert file_id, f"the download button {key} holds its bytes: it should make them when clicked"
    return _DEFERRED[file_id]


def download(at: AppTest, key: str) -> bytes:
    """Click a download button whose file is made on click: run its callable, as Streamlit does when
    the browser asks for the file, and return the bytes the browser receives."""
    make, _ = _deferred(at, key)
    data = make()
    return data.encode("utf-8") if isinstance(data, str) else bytes(data)


def download_name(at: AppTest, key: str) -> str:
    """The file name a download button offers."""
    return _deferred(at, key)[1]


def map_text(args: dict) -> str:
    """Everything the page sent to draw its map: the base map and the part each rerun replaces."""
    return "\n".join(args.get(k) or "" for k in ("script", "feature_group", "layer_control"))


def commune_styles(args: dict) -> list[dict]:
    """The style each commune is drawn with, in the layer's order (risk.outputs.mapview.CommuneLayer)."""
    import re

    found = re.search(r"palette: (\[.*?\]), style: (\[.*?\]),", args["feature_group"], re.S)
    assert found, "no commune layer in the map's changing part"
    palette, index = json.loads(found.group(1)), json.loads(found.group(2))
    return [palette[i] for i in index]


def published_geometry(args: dict) -> str:
    """The text of the geometry file the map fetches (served without sign-in)."""
    import re

    from risk.access.settings import load_settings
    from risk.outputs.geometry_file import published

    name = re.search(r"/_risk/geometry/([0-9a-f]{64}\.topojson)", args["feature_group"]).group(1)
    return published(load_settings().map_cache_dir, name).read_text(encoding="utf-8")
