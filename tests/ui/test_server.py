"""ui/server.py: the first admin's password at server start, and the session-cookie route."""
from __future__ import annotations

import asyncio
import os
import queue
import re
import subprocess
import sys
import threading
import time
from datetime import timedelta

import pytest
from starlette.requests import Request

from risk.access.accounts import Accounts, open_accounts
from risk.access.privacy import Role
from risk.access.sessions import COOKIE_NAME, HANDOFF_SECONDS
from risk.access.settings import PROJECT_ROOT, load_settings
from risk.i18n import t
from tests.browser import free_port
from ui import server

HOST = "127.0.0.1:8621"


def test_streamlit_run_prints_the_first_admin_password_at_start_before_any_request(tmp_path):
    """`streamlit run dashboard.py` on a new accounts database, and no request at all: the
    password is on stdout, in both languages, and signs in."""
    db = tmp_path / "fresh" / "accounts.sqlite"
    env = {**os.environ, "RISK_ACCOUNTS_DB": str(db), "RISK_STORE": str(tmp_path / "store.gpkg")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "dashboard.py", "--server.port", str(free_port()),
         "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout], daemon=True).start()
    seen: list[str] = []
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and not any("Password:" in line for line in seen):
            try:
                seen.append(lines.get(timeout=1))
            except queue.Empty:
                assert proc.poll() is None, "".join(seen)
        while len([line for line in seen if "admin" in line]) < 2 and time.monotonic() < deadline:
            seen.append(lines.get(timeout=5))
    finally:
        proc.terminate()
        proc.wait(15)
    text = "".join(seen)
    password = re.search(r"Password: (\S+)", text).group(1)
    assert t("accounts.first_admin", "vi", password=password) in text
    assert t("accounts.first_admin", "en", password=password) in text
    assert Accounts(db).sign_in("admin", password).ok


def test_the_announcement_is_made_once(tmp_path, monkeypatch):
    monkeypatch.setenv("RISK_ACCOUNTS_DB", str(tmp_path / "a.sqlite"))
    said: list[str] = []
    first = server.announce_first_admin(out=said.append)
    assert first and len(said) == 2 and all(first in line for line in said)
    assert server.announce_first_admin(out=said.append) is None and len(said) == 2


# --- the route -------------------------------------------------------------------------------------


def call(method: str, body: bytes = b"", origin: str | None = f"http://{HOST}", cookie: str | None = None):
    headers = [(b"host", HOST.encode())]
    if origin:
        headers.append((b"origin", origin.encode()))
    if cookie:
        headers.append((b"cookie", f"{COOKIE_NAME}={cookie}".encode()))
    scope = {"type": "http", "method": method, "path": server.session_url(), "headers": headers,
             "query_string": b"", "scheme": "http", "server": ("127.0.0.1", 8621), "client": ("127.0.0.1", 5000)}
    sent = False

    async def receive():
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return asyncio.run(server.session_route(Request(scope, receive)))


@pytest.fixture
def granted():
    conf = load_settings()
    accounts = open_accounts(conf)
    accounts.add("cmd", Role.COMMANDER, "commander-pass")
    tokens = server.tokens(conf)
    return tokens, tokens.grant(accounts.get("cmd"))


def cookie_header(response) -> str:
    return response.headers.get("set-cookie", "")


def test_a_code_from_our_page_sets_an_httponly_strict_cookie_once(granted):
    tokens, grant = granted
    response = call("POST", grant.code.encode())
    assert response.status_code == 204
    header = cookie_header(response)
    token = re.search(rf"{COOKIE_NAME}=([^;]+)", header).group(1)
    assert "HttpOnly" in header and "SameSite=strict" in header and "Path=/" in header
    assert f"Max-Age={load_settings().session_max_hours * 3600}" in header
    assert grant.code not in header
    assert tokens.resume(token).user.username == "cmd"
    assert call("POST", grant.code.encode()).status_code == 403  # spent


@pytest.mark.parametrize("origin", [None, "https://evil.example", "http://127.0.0.1:9999"])
def test_another_sites_page_cannot_use_the_route(granted, origin):
    tokens, grant = granted
    response = call("POST", grant.code.encode(), origin=origin)
    assert response.status_code == 403 and not cookie_header(response)
    assert not tokens.bound(grant.session_id)  # the code is still there for the real page


@pytest.mark.parametrize("body", [b"", b"not-a-code", b"<script>", b"x" * 5000])
def test_anything_but_a_live_code_gets_no_cookie(granted, body):
    response = call("POST", body)
    assert response.status_code in (403, 413) and not cookie_header(response)


def test_an_expired_code_gets_no_cookie(granted, monkeypatch):
    from datetime import datetime, timezone

    import risk.access.sessions as sessions

    tokens, grant = granted
    later = datetime.now(timezone.utc) + timedelta(seconds=HANDOFF_SECONDS + 5)
    monkeypatch.setattr(sessions, "_now", lambda: later)
    assert call("POST", grant.code.encode()).status_code == 403


def test_delete_forgets_the_browsers_session_and_clears_the_cookie(granted):
    tokens, grant = granted
    token = re.search(rf"{COOKIE_NAME}=([^;]+)", cookie_header(call("POST", grant.code.encode()))).group(1)
    response = call("DELETE", cookie=token)
    assert response.status_code == 204
    assert re.search(rf'{COOKIE_NAME}=(""|);', cookie_header(response)) and "Max-Age=0" in cookie_header(response)
    assert tokens.resume(token) is None


def get_geometry(name: str, accept: str = "gzip, deflate", etag: str | None = None):
    """The geometry route called as a browser would, with no cookie at all (it is served without sign-in)."""
    headers = [(b"host", HOST.encode()), (b"accept-encoding", accept.encode())]
    if etag:
        headers.append((b"if-none-match", etag.encode()))
    scope = {"type": "http", "method": "GET", "path": f"/_risk/geometry/{name}", "headers": headers,
             "query_string": b"", "scheme": "http", "server": ("127.0.0.1", 8621), "client": ("127.0.0.1", 5000),
             "path_params": {"name": name}}
    return asyncio.run(server.geometry_route(Request(scope)))


def test_the_geometry_route_serves_published_files_only_cached_and_gzipped(tmp_path, monkeypatch):
    import gzip

    from risk.ingest.folder import load_dataset
    from risk.access.settings import DEFAULT_DATA_DIR
    from risk.outputs.geometry_file import prepare_display

    monkeypatch.setenv("RISK_MAP_CACHE", str(tmp_path))
    prepared = prepare_display(load_dataset(DEFAULT_DATA_DIR).boundaries, tmp_path)
    name = prepared.geometry.name
    assert server.geometry_url(name) == f"/_risk/geometry/{name}"
    packed = get_geometry(name)
    assert packed.status_code == 200 and packed.headers["content-encoding"] == "gzip"
    assert "immutable" in packed.headers["cache-control"] and packed.headers["content-type"].startswith("application/json")
    assert gzip.decompress(packed.body) == prepared.geometry.path.read_bytes()
    plain = get_geometry(name, accept="identity")
    assert plain.body == prepared.geometry.path.read_bytes() and "content-encoding" not in plain.headers
    assert get_geometry(name, etag=packed.headers["etag"]).status_code == 304
    pickles = [p.name for p in (tmp_path / "prepared").iterdir()]
    for bad in (*pickles, f"../prepared/{pickles[0]}", "0" * 64 + ".topojson", name + ".gz"):
        assert get_geometry(bad).status_code == 404


def test_the_served_app_watches_no_source_files():
    """File watching is for editing: after each run it resolved every loaded module's path on the
    loop that sends the page (issue 17, profiled at half the server's busy time on a return visit)."""
    import tomllib

    from risk.access.settings import PROJECT_ROOT

    config = tomllib.loads((PROJECT_ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["fileWatcherType"] == "none"
    assert config["server"]["enableWebsocketCompression"] is True
