"""The benchmark's byte-counting proxy (bench.wire.CountingProxy): it relays, and it counts what
the server sends, websocket apart from plain HTTP. No timing is asserted."""
from __future__ import annotations

import socket
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bench.wire import CountingProxy

BODY = b"x" * 50_000


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - the standard library's name
        self.send_response(200)
        self.send_header("Content-Length", str(len(BODY)))
        self.end_headers()
        self.wfile.write(BODY)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def upstream():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def _raw_get(port: int, path: str) -> bytes:
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_the_proxy_relays_and_counts_what_the_server_sent(upstream):
    proxy = CountingProxy(upstream)
    try:
        assert proxy.received().total == 0
        with urllib.request.urlopen(f"http://127.0.0.1:{proxy.port}/static/app.js") as response:
            assert response.read() == BODY
        got = proxy.received()
        assert got.websocket == 0
        assert len(BODY) < got.http < len(BODY) + 1000  # the body and its headers, nothing twice
    finally:
        proxy.close()


def test_a_connection_that_opens_streamlits_websocket_is_counted_apart(upstream):
    proxy = CountingProxy(upstream)
    try:
        before = proxy.received()
        reply = _raw_get(proxy.port, "/_stcore/stream")
        got = proxy.received() - before
        assert reply.endswith(BODY)
        assert got.http == 0 and got.websocket == len(reply)
    finally:
        proxy.close()


def test_a_closed_proxy_takes_no_more_connections(upstream):
    proxy = CountingProxy(upstream)
    port = proxy.port
    proxy.close()
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
