"""The shipped nginx site (deploy/nginx-risk-dashboard.conf), run for real on loopback in front of
two stand-in processes: a browser sticks to one process, browsers spread over both, the websocket's
upgrade headers pass, and scripts leave compressed."""
from __future__ import annotations

import gzip
import http.cookiejar
import http.server
import threading
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

from bench.load import nginx, nginx_site, streamlit_static
from tests.browser import free_port


class _Backend(http.server.BaseHTTPRequestHandler):
    """Answers with its own port and the upgrade headers it was given; a long script for gzip."""

    def do_GET(self) -> None:  # noqa: N802 - the http.server API
        port = self.server.server_address[1]
        if self.path.endswith(".js"):
            body = b"var x = 'a script that compresses well';\n" * 200
            kind = "application/javascript"
        else:
            body = f"{port} {self.headers.get('Upgrade', '-')} {self.headers.get('Connection', '-')}".encode()
            kind = "text/plain"
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@contextmanager
def backends(count: int):
    servers = [http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), _Backend) for _ in range(count)]
    for server in servers:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield [s.server_address[1] for s in servers]
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()


@pytest.fixture(scope="module")
def proxy(tmp_path_factory):
    with backends(2) as ports, nginx(ports, tmp_path_factory.mktemp("nginx")) as url:
        yield url, ports


def _browser():
    jar = http.cookiejar.CookieJar()
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar)), jar


def _port(opener, url: str, headers: dict | None = None) -> int:
    with opener.open(urllib.request.Request(url, headers=headers or {}), timeout=10) as resp:
        return int(resp.read().decode().split()[0])


def test_a_browser_stays_on_the_process_that_served_its_first_request(proxy):
    url, ports = proxy
    opener, jar = _browser()
    first = _port(opener, url + "/")
    assert [c.name for c in jar] == ["risk_route"]
    cookie = next(iter(jar))
    assert cookie.path == "/" and cookie.has_nonstandard_attr("HttpOnly")
    assert {_port(opener, f"{url}/page{i}") for i in range(20)} == {first}
    assert first in ports
    assert [c.value for c in jar] == [cookie.value]  # not re-issued once the browser has one


def test_browsers_spread_over_every_process(proxy):
    url, ports = proxy
    seen = {_port(_browser()[0], url + "/") for _ in range(40)}
    assert seen == set(ports)  # 40 random keys all on one of two processes: about 1 in 10^12


def test_the_websocket_upgrade_reaches_the_process(proxy):
    url, _ = proxy
    opener, _ = _browser()
    with opener.open(urllib.request.Request(url + "/_stcore/stream", headers={"Upgrade": "websocket",
                                                                          "Connection": "Upgrade"})) as resp:
        _, upgrade, connection = resp.read().decode().split()
    assert (upgrade, connection) == ("websocket", "upgrade")


def _get(url: str) -> tuple[bytes, dict]:
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"})
    with urllib.request.urlopen(request, timeout=10) as resp:
        body, headers = resp.read(), dict(resp.headers)
    return (gzip.decompress(body) if headers.get("Content-Encoding") == "gzip" else body), headers


def _streamlit_script() -> Path:
    return max((streamlit_static() / "static" / "js").glob("*.js"), key=lambda p: p.stat().st_size)


def test_scripts_leave_compressed(proxy):
    url, _ = proxy
    for path in ("/static/js/app.js", "/static/js/" + _streamlit_script().name):  # the app's, nginx's own
        _, headers = _get(url + path)
        assert headers.get("Content-Encoding") == "gzip", path


def test_streamlits_own_files_come_from_nginx_not_the_app(proxy):
    """A new browser asks for about 60 of Streamlit's scripts at once; nginx reads them from the
    installed Streamlit, as JavaScript, to be kept by the browser, and the app never sees them."""
    url, _ = proxy
    script = _streamlit_script()
    body, headers = _get(f"{url}/static/js/{script.name}")
    assert body == script.read_bytes()  # the backends answer every .js with a script of their own
    assert headers["Content-Type"].startswith("application/javascript")
    assert "immutable" in headers["Cache-Control"]
    css = next((streamlit_static() / "static" / "css").glob("*.css"))
    body, headers = _get(f"{url}/static/css/{css.name}")
    assert body == css.read_bytes() and headers["Content-Type"].startswith("text/css")


def test_a_file_streamlit_does_not_have_is_asked_of_the_app(proxy):
    """Another Streamlit version's file names, say, after an upgrade with the site file unchanged."""
    url, ports = proxy
    body, headers = _get(url + "/static/js/app.js")
    assert body.startswith(b"var x = 'a script") and "Set-Cookie" in headers
    assert _port(_browser()[0], url + "/static/media/not-there.png") in ports


def test_the_site_file_is_rendered_with_only_ports_replaced():
    site = nginx_site([9001, 9002, 9003], 8080)
    assert "server 127.0.0.1:9001;" in site and "server 127.0.0.1:9003;" in site
    assert "8501" not in site and "listen 127.0.0.1:8080;" in site
    assert "hash $risk_route consistent;" in site and "proxy_read_timeout 1d;" in site
    assert f"root {streamlit_static()};" in site and "/opt/risk-dashboard" not in site
