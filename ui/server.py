"""What the server does outside any browser session: no Streamlit script runs here.

`streamlit run dashboard.py` finds the `st.App` in dashboard.py and serves it (Streamlit's
ASGI mode), so the server gets two things a script cannot give it:

* `lifespan`: at start, before any request, the accounts database is opened and a new one
  gets its first admin, whose password is printed once in Vietnamese and English (the same
  lines as `python -m risk users init`). Expired session rows are purged.
  A download's file made on a click is kept for a grace period (ui/downloads.py). A thread
  opens the dataset and its prepared map (ui.state.warm_up), so the first visit finds them ready.
* `routes`: the session route of risk/access/sessions.py. POST trades a one-time handoff code
  for an HttpOnly, SameSite=Strict cookie holding the session token; DELETE forgets this
  browser's session and clears the cookie. Both answer only a request from the app's own
  page (its Origin is this host), so another site cannot make a visitor's browser use them.
"""
from __future__ import annotations

import threading
from contextlib import asynccontextmanager
from functools import lru_cache
from typing import Any, AsyncIterator, Callable
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from risk.access.accounts import Accounts, accounts_location, open_accounts
from risk.access.sessions import COOKIE_NAME, SessionTokens
from risk.access.settings import Settings, load_settings
from risk.i18n import t

SESSION_PATH = "_risk/session"
GEOMETRY_PATH = "_risk/geometry"
# A geometry file's name is the hash of its content, so a browser may keep it as long as it likes.
_FOREVER = "public, max-age=31536000, immutable"
_MAX_BODY = 256


def base_path() -> str:
    """Streamlit's server.baseUrlPath as "/" or "/prefix/" (our route and cookie live under it)."""
    try:
        from streamlit import config

        base = (config.get_option("server.baseUrlPath") or "").strip("/")
    except Exception:  # no Streamlit config (a unit test)
        base = ""
    return f"/{base}/" if base else "/"


def session_url() -> str:
    """The session route's path, for the page script that calls it."""
    return base_path() + SESSION_PATH


@lru_cache(maxsize=4)
def _tokens(location: str, idle_minutes: int, max_hours: int, max_failures: int,
            lockout_minutes: int) -> SessionTokens:
    return SessionTokens(Accounts(location, max_failures, lockout_minutes), idle_minutes, max_hours)


def tokens(conf: Settings) -> SessionTokens:
    """The session rows of the configured accounts database (one object per database)."""
    return _tokens(accounts_location(conf), conf.session_minutes, conf.session_max_hours, conf.max_failures,
                   conf.lockout_minutes)


def announce_first_admin(conf: Settings | None = None, out: Callable[[str], Any] = print) -> str | None:
    """Create the accounts database if needed; on a new one print the first admin's password
    (once, both languages) and return it. Also forget session rows that can never be used."""
    conf = conf or load_settings()
    accounts = open_accounts(conf)
    password = accounts.ensure_admin()
    if password:
        for lang in ("vi", "en"):
            out(t("accounts.first_admin", lang, password=password))
    tokens(conf).purge()
    return password


@asynccontextmanager
async def lifespan(app: Any) -> AsyncIterator[None]:
    """The server's start: runs before uvicorn accepts the first request."""
    from ui.downloads import keep_downloads

    keep_downloads()  # a file made on a click survives other sessions' runs (ui/downloads.py)
    announce_first_admin(out=lambda line: print(line, flush=True))
    from ui.state import warm_up

    threading.Thread(target=warm_up, name="warm-up", daemon=True).start()
    yield


def same_origin(request: Request) -> bool:
    """The request comes from a page of this server (browsers always send Origin on POST and DELETE)."""
    origin = request.headers.get("origin")
    host = request.headers.get("x-forwarded-host") or request.headers.get("host")
    return bool(origin and host) and urlsplit(origin).netloc == host


def _secure(request: Request) -> bool:
    return request.url.scheme == "https" or request.headers.get("x-forwarded-proto") == "https"


async def session_route(request: Request) -> Response:
    """POST: spend a handoff code, set the cookie. DELETE: end this browser's session, clear it."""
    if not same_origin(request):
        return Response(status_code=403)
    conf = load_settings()
    store = tokens(conf)
    if request.method == "DELETE":
        store.forget(request.cookies.get(COOKIE_NAME))
        response = Response(status_code=204)
        response.delete_cookie(COOKIE_NAME, path=base_path(), httponly=True, samesite="strict",
                               secure=_secure(request))
        return response
    body = await _small_body(request)
    if body is None:
        return Response(status_code=413)
    token = store.redeem(body.decode("ascii", errors="replace").strip())
    if token is None:
        return Response(status_code=403)
    response = Response(status_code=204)
    response.set_cookie(COOKIE_NAME, token, max_age=conf.session_max_hours * 3600, path=base_path(),
                        httponly=True, samesite="strict", secure=_secure(request))
    return response


async def _small_body(request: Request) -> bytes | None:
    """The request body if it is at most _MAX_BODY bytes (read no further), else None."""
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > _MAX_BODY:
            return None
    return body


def geometry_url(name: str) -> str:
    """Where the browser fetches a published geometry file (risk.outputs.geometry_file)."""
    return f"{base_path()}{GEOMETRY_PATH}/{name}"


async def geometry_route(request: Request) -> Response:
    """GET a published commune geometry file: boundaries only, so no sign-in is asked (the file's
    name is its hash; any other name is 404). Sent gzipped when the browser accepts it."""
    from risk.outputs.geometry_file import published

    path = published(load_settings().map_cache_dir, request.path_params.get("name", ""))
    if path is None:
        return Response(status_code=404)
    headers = {"Cache-Control": _FOREVER, "ETag": f'"{path.stem}"', "Vary": "Accept-Encoding",
               "X-Content-Type-Options": "nosniff"}
    if request.headers.get("if-none-match") == headers["ETag"]:
        return Response(status_code=304, headers=headers)
    packed = path.with_name(path.name + ".gz")
    if "gzip" in request.headers.get("accept-encoding", "") and packed.is_file():
        return Response(packed.read_bytes(), media_type="application/json",
                        headers={**headers, "Content-Encoding": "gzip"})
    return Response(path.read_bytes(), media_type="application/json", headers=headers)


def routes() -> list[Route]:
    """The routes the st.App in dashboard.py adds to Streamlit's own."""
    return [Route(session_url(), session_route, methods=["POST", "DELETE"]),
            Route(base_path() + GEOMETRY_PATH + "/{name}", geometry_route, methods=["GET"])]
