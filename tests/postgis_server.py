"""A throwaway PostgreSQL/PostGIS server for the tests of the PostgreSQL store backend.

Why a server of our own: the tests must not depend on (or touch) a database someone runs on the
machine, and CI is a fresh clone run as root. tools/install_system_deps.sh installs Debian's
postgresql and PostGIS packages; this module runs their binaries (/usr/lib/postgresql/*/bin):
initdb into a temporary folder, pg_ctl start on the loopback address on a free port with the unix
socket in that folder, and a template database with PostGIS from which each test gets a fresh
database (`PostgisServer.fresh_url`). PostgreSQL refuses to run as root, so under root every
server command runs as the `postgres` account (runuser) and the folder belongs to it.

When no server can be started the PostGIS tests FAIL naming the reason (`ServerUnavailable`):
skipping would let a missing PostGIS pass unnoticed.
"""
from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

SERVER_USER = "postgres"  # the Debian package's account; used only when the tests run as root
TEMPLATE = "risk_template"
START_TIMEOUT_S = 120


class ServerUnavailable(RuntimeError):
    """No throwaway PostgreSQL/PostGIS server could be started; the message says why."""


def _bin_dir() -> Path:
    """The newest installed server whose PostGIS extension is installed too."""
    found = []
    for initdb in glob.glob("/usr/lib/postgresql/*/bin/initdb"):
        major = Path(initdb).parents[1].name
        if Path(f"/usr/share/postgresql/{major}/extension/postgis.control").is_file():
            found.append((int(major) if major.isdigit() else 0, Path(initdb).parent))
    if not found:
        raise ServerUnavailable("no PostgreSQL server with PostGIS under /usr/lib/postgresql/*/bin; "
                                "run `bash tools/install_system_deps.sh` (as root) to install postgresql and "
                                "postgresql-15-postgis-3")
    return max(found)[1]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class PostgisServer:
    """A running throwaway server; `url` is its template database (PostGIS created)."""

    root: Path
    bin_dir: Path
    port: int
    as_user: list[str]
    _names: itertools.count = field(default_factory=lambda: itertools.count(1))

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    def url_of(self, database: str) -> str:
        return f"postgresql://{SERVER_USER}@127.0.0.1:{self.port}/{database}"

    @property
    def url(self) -> str:
        return self.url_of(TEMPLATE)

    def _admin(self, *statements: str, database: str = "postgres") -> None:
        import psycopg

        with psycopg.connect(self.url_of(database), autocommit=True, connect_timeout=10) as con:
            for statement in statements:
                con.execute(statement)

    def fresh_url(self) -> str:
        """A new empty database with PostGIS (a copy of the template): one per test."""
        name = f"risk_test_{os.getpid()}_{next(self._names)}"
        self._admin(f'CREATE DATABASE "{name}" TEMPLATE {TEMPLATE}')
        return self.url_of(name)

    def drop(self, url: str) -> None:
        """Drop a database fresh_url made (ending its leftover sessions)."""
        name = url.rsplit("/", 1)[-1]
        self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def _run(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([*self.as_user, *args], capture_output=True, text=True, timeout=START_TIMEOUT_S,
                              cwd=self.root)

    def stop(self) -> None:
        try:
            self._run(str(self.bin_dir / "pg_ctl"), "stop", "-D", str(self.data_dir), "-m", "immediate", "-w")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


def start_server() -> PostgisServer:
    """initdb, start on 127.0.0.1 at a free port, create the PostGIS template database."""
    bin_dir = _bin_dir()
    root = Path(tempfile.mkdtemp(prefix="risk-postgis-"))
    as_user: list[str] = []
    if os.geteuid() == 0:  # postgres refuses root: run the server as the package's account
        try:
            account = pwd.getpwnam(SERVER_USER)
        except KeyError as err:
            shutil.rmtree(root, ignore_errors=True)
            raise ServerUnavailable(f"running as root and there is no '{SERVER_USER}' account to run the "
                                    "server as (the postgresql package creates it)") from err
        os.chown(root, account.pw_uid, account.pw_gid)
        runuser = shutil.which("runuser")
        if not runuser:
            shutil.rmtree(root, ignore_errors=True)
            raise ServerUnavailable("running as root and `runuser` (util-linux) is missing")
        as_user = [runuser, "-u", SERVER_USER, "--"]
    os.chmod(root, 0o700)
    server = PostgisServer(root, bin_dir, _free_port(), as_user)
    init = server._run(str(bin_dir / "initdb"), "-D", str(server.data_dir), "-U", SERVER_USER, "--auth=trust",
                       "-E", "UTF8", "--locale=C.UTF-8", "--no-instructions")
    if init.returncode != 0:
        server.stop()
        raise ServerUnavailable(f"initdb failed: {init.stderr.strip() or init.stdout.strip()}")
    # A throwaway server: durability off (fsync) keeps the tests quick; nothing here outlives the run.
    options = (f"-c listen_addresses=127.0.0.1 -p {server.port} -c unix_socket_directories={root} "
               "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
    for attempt in range(3):
        started = server._run(str(bin_dir / "pg_ctl"), "start", "-D", str(server.data_dir), "-w",
                              "-t", str(START_TIMEOUT_S), "-l", str(root / "server.log"), "-o", options)
        if started.returncode == 0:
            break
        log = (root / "server.log").read_text(errors="replace") if (root / "server.log").exists() else ""
        if "could not bind" not in log or attempt == 2:  # a port taken meanwhile: try another
            server.stop()
            raise ServerUnavailable(f"pg_ctl start failed: {started.stderr.strip()} {log[-2000:]}")
        server.port = _free_port()
    try:
        server._admin(f"CREATE DATABASE {TEMPLATE}")
        server._admin("CREATE EXTENSION postgis", database=TEMPLATE)
    except Exception as err:  # noqa: BLE001 (reported as the reason)
        server.stop()
        raise ServerUnavailable(f"could not create a PostGIS database: {err}") from err
    return server
