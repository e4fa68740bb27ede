"""The server compresses its websocket (.streamlit/config.toml: server.enableWebsocketCompression).

A map's geometry and styles repeat themselves, so compression cuts what a map costs on a slow
provincial link several times over (issue 17). No browser here: a bare websocket handshake
that offers permessage-deflate, as every browser does, must be answered with it.
"""
from __future__ import annotations

import base64
import os
import socket
from urllib.parse import urlsplit

from risk.access.settings import DEFAULT_DATA_DIR
from tests.browser import streamlit_server


def _handshake(url: str, extensions: str | None) -> str:
    """The response head to a websocket upgrade on Streamlit's stream."""
    parts = urlsplit(url)
    lines = [
        "GET /_stcore/stream HTTP/1.1", f"Host: {parts.netloc}", "Upgrade: websocket", "Connection: Upgrade",
        f"Sec-WebSocket-Key: {base64.b64encode(os.urandom(16)).decode()}", "Sec-WebSocket-Version: 13",
        f"Origin: {url}", "Sec-WebSocket-Protocol: streamlit",
    ]
    if extensions:
        lines.append(f"Sec-WebSocket-Extensions: {extensions}")
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = sock.recv(4096)
            if not chunk:
                break
            head += chunk
    return head.split(b"\r\n\r\n")[0].decode("latin-1")


def test_the_websocket_is_compressed_when_the_browser_offers_it():
    with streamlit_server({"RISK_DATA_DIR": str(DEFAULT_DATA_DIR)}) as url:
        offered = _handshake(url, "permessage-deflate; client_max_window_bits")
        plain = _handshake(url, None)
    assert offered.startswith("HTTP/1.1 101"), offered
    assert "sec-websocket-extensions: permessage-deflate" in offered.lower(), offered
    # A client that offers nothing still connects, uncompressed.
    assert plain.startswith("HTTP/1.1 101") and "permessage-deflate" not in plain.lower(), plain
