"""The shipped nginx site (deploy/nginx-risk-dashboard.conf), run for real on loopback in front of
two stand-in processes: a browser sticks to one process, browsers spread over both, the websocket's
upgrade headers pass, and scripts leave compressed."""
from __future__ import annotations

import http.cookiejar
import http.server
import threading
import urllib.request
from contextlib import contextmanager

import pytest

from bench.load import nginx, nginx_site
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


def test_scripts_leave_compressed(proxy):
    url, _ = proxy
    request = urllib.request.Request(url + "/static/js/app.js", headers={"Accept-Encoding": "gzip"})
    with urllib.request.urlopen(request, timeout=10) as resp:
        assert resp.headers.get("Content-Encoding") == "gzip"


def test_the_site_file_is_rendered_with_only_ports_replaced():
    site = nginx_site([9001, 9002, 9003], 8080)
    assert "server 127.0.0.1:9001;" in site and "server 127.0.0.1:9003;" in site
    assert "8501" not in site and "listen 127.0.0.1:8080;" in site
    assert "hash $risk_route consistent;" in site and "proxy_read_timeout 1d;" in site
