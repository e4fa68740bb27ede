"""What crosses the wire and what the server holds: a byte-counting proxy and process memory.

Why a proxy. The browser's own network log reports websocket payloads after any per-message
compression is undone, so a change that turns compression on would not show there. Counting the
TCP bytes the server sends through a local proxy measures what a provincial link would carry,
whatever the app sends (websocket frames, static files, routes of its own). The connection that
opens Streamlit's websocket (`GET /_stcore/stream`) is counted apart from plain HTTP.

Memory is read from /proc (psutil is not a dependency): the resident set of the server process
and all its descendants.
"""
from __future__ import annotations

import os
import socket
import threading
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Received", "CountingProxy", "machine_busy_seconds", "tree_cpu_seconds", "tree_rss_bytes", "server_pid"]

WEBSOCKET_PATH = b"/_stcore/stream"


@dataclass(frozen=True)
class Received:
    """Bytes the server sent to the browser: over the websocket and over plain HTTP."""

    websocket: int = 0
    http: int = 0

    @property
    def total(self) -> int:
        return self.websocket + self.http

    def __sub__(self, other: "Received") -> "Received":
        return Received(self.websocket - other.websocket, self.http - other.http)


class CountingProxy:
    """A TCP proxy on 127.0.0.1 in front of `upstream_port`; `received()` is a running total."""

    def __init__(self, upstream_port: int) -> None:
        self._upstream = upstream_port
        self._lock = threading.Lock()
        self._ws = 0
        self._http = 0
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def received(self) -> Received:
        with self._lock:
            return Received(self._ws, self._http)

    def close(self) -> None:
        self._closed = True
        _shut(self._listener)  # close() alone leaves a thread blocked in accept() listening

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        try:
            server = socket.create_connection(("127.0.0.1", self._upstream))
        except OSError:
            client.close()
            return
        for sock in (client, server):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        kind = {"ws": False}
        first = threading.Event()

        def upstream() -> None:
            seen_first = False
            try:
                while data := client.recv(65536):
                    if not seen_first:
                        kind["ws"] = data.startswith(b"GET " + WEBSOCKET_PATH)
                        seen_first = True
                        first.set()
                    server.sendall(data)
            except OSError:
                pass
            finally:
                first.set()
                _shut(server)

        def downstream() -> None:
            try:
                while data := server.recv(65536):
                    first.wait(5)
                    with self._lock:
                        if kind["ws"]:
                            self._ws += len(data)
                        else:
                            self._http += len(data)
                    client.sendall(data)
            except OSError:
                pass
            finally:
                _shut(client)

        threading.Thread(target=upstream, daemon=True).start()
        downstream()


def _shut(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        tree.setdefault(ppid, []).append(int(entry.name))
    return tree


def server_pid(port: int) -> int | None:
    """The process started by this one that serves `port` (its command line names the port)."""
    tree = _children()
    stack, mine = list(tree.get(os.getpid(), [])), []
    while stack:
        pid = stack.pop()
        mine.append(pid)
        stack.extend(tree.get(pid, []))
    for pid in mine:
        try:
            args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if str(port).encode() in args:
            return pid
    return None


def tree_rss_bytes(pid: int) -> int:
    """Resident memory of `pid` and every process under it."""
    tree = _children()
    total, stack = 0, [pid]
    while stack:
        p = stack.pop()
        stack.extend(tree.get(p, []))
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            continue
    return total


def tree_cpu_seconds(pid: int) -> float:
    """CPU seconds (user and system, its finished children's included) of `pid` and every process
    under it, from /proc."""
    tree = _children()
    tick = os.sysconf("SC_CLK_TCK")
    total, stack = 0.0, [pid]
    while stack:
        p = stack.pop()
        stack.extend(tree.get(p, []))
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(v) for v in fields[11:15]) / tick  # utime, stime, cutime, cstime
    return total


def machine_busy_seconds() -> float:
    """CPU seconds every core of the machine has spent busy since boot (/proc/stat, all but idle and iowait)."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return (sum(values) - values[3] - values[4]) / os.sysconf("SC_CLK_TCK")
