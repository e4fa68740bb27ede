"""Deployment settings, read from the environment so nothing site-specific is hard-coded.

| variable | default | meaning |
|---|---|---|
| RISK_DATA_DIR | data/demo | dataset folder the dashboard opens (when the store has no active version) |
| RISK_TILE_URL | (none) | optional basemap tile URL, e.g. an intranet tile server `https://tiles.example/{z}/{x}/{y}.png` |
| RISK_TILE_ATTRIBUTION | (none) | attribution shown for that basemap (required by Leaflet when a URL is set) |
| RISK_STATIC_URL | /app/static | where the app serves its own scripts (Streamlit static serving) |
| RISK_STORE | var/store.gpkg | the store: dataset versions, model runs, audit log. A file path: the embedded GeoPackage (SQLite); a `postgresql://user:password@host:port/db` URL: PostgreSQL/PostGIS (risk.store.open_store) |
| RISK_RESULTS_DIR | var/results | finished analyses kept per dataset content (risk/store/results.py); private, never under static/; ignored when RISK_STORE is a postgresql:// URL: they then live in that database (risk.store.results.open_results) |
| RISK_PRECOMPUTE | on | `on`: when a dataset is opened, its default analyses are computed in the background; `off`: only when a page asks |
| RISK_MAX_UPLOAD_MB | 50 | largest accepted upload, and largest total size a zip may expand to ×4 |
| RISK_ACCOUNTS_DB | var/accounts.sqlite | user accounts (Argon2id password hashes), sign-in sessions and lock-outs, in this SQLite file; ignored when RISK_STORE is a postgresql:// URL: they then live in that database, shared by every app process (risk.access.accounts.accounts_location) |
| RISK_DEMO_MODE | auto | `on`, `off`, or `auto` (on only when the embedded demo dataset is open): sign in as a read-only planner without a password |
| RISK_SESSION_MINUTES | 30 | a signed-in session ends after this many idle minutes |
| RISK_SESSION_MAX_HOURS | 12 | a sign-in kept across reloads (its cookie) ends this many hours after it was made, however active |
| RISK_MAX_FAILURES | 5 | wrong passwords in a row before an account is locked |
| RISK_LOCKOUT_MINUTES | 15 | how long a locked account stays locked (for the client address that failed) |
| RISK_SIGN_IN_PER_MINUTE | 10 | sign-in attempts one client address may make per minute before it must wait |
| RISK_SMALL_CELL_K | 3 | case counts below k are shown as "<k" to roles that may not see case rows |
| RISK_BRIEF_ISSUER | (from the data) | the issuing unit printed at the top of the PDF brief, e.g. `Sở Nội vụ tỉnh Nghệ An`; unset: the province of the open dataset ("Tỉnh Nghệ An" / "Nghệ An Province") |
| RISK_BRIEF_PLACE | (from the data) | the place in the brief's place-and-date line, e.g. `Vinh`; unset: the dataset's province |
| RISK_RUN_LOG | (none) | a file to which every script run appends its process, page, wall and CPU seconds (for load tests and operations; no user, no data) |

The brief's issuer and place are deployment facts the data does not hold (dataset.json names the
province, not who issues the brief), so the administrator sets them here; until then the brief
names the province, which is true of every deployment and never invents a unit.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from risk.store import is_server_store

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATA_DIR = PROJECT_ROOT / "data" / "demo"
VAR_DIR = PROJECT_ROOT / "var"
STATIC_DIR = PROJECT_ROOT / "static"  # served by the web server to anyone, signed in or not


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    tile_url: str | None = None
    tile_attribution: str | None = None
    static_url: str = "/app/static"
    store: str = str(VAR_DIR / "store.gpkg")  # a GeoPackage path or a postgresql:// URL (risk.store.open_store)
    max_upload_mb: float = 50.0
    accounts_db: Path = VAR_DIR / "accounts.sqlite"
    demo_mode: str = "auto"
    session_minutes: int = 30
    session_max_hours: int = 12
    max_failures: int = 5
    lockout_minutes: int = 15
    sign_in_per_minute: int = 10
    small_cell_k: int = 3
    brief_issuer: str | None = None
    brief_place: str | None = None
    # Prepared commune geometry: public/ is served without sign-in (boundaries only), prepared/ is not.
    map_cache_dir: Path = VAR_DIR / "maps"
    results_dir: Path = VAR_DIR / "results"
    precompute: bool = True
    run_log: Path | None = None

    @property
    def store_path(self) -> Path:
        """The GeoPackage file of a file store (a PostgreSQL store has none: ValueError)."""
        if is_server_store(self.store):
            raise ValueError("RISK_STORE is a database URL, not a file; open it with risk.store.open_store")
        return Path(self.store)

    @property
    def is_embedded_demo(self) -> bool:
        return self.data_dir.resolve() == DEFAULT_DATA_DIR.resolve()

    def demo_mode_allowed(self, embedded_demo_open: bool) -> bool:
        """Password-less read-only planner access (the one rule): `on` always, `off` never, and
        `auto` only while the embedded demo dataset is what is open (no store version active)."""
        if self.demo_mode == "on":
            return True
        if self.demo_mode == "off":
            return False
        return embedded_demo_open


def _path(env: dict[str, str], name: str, default: Path) -> Path:
    path = Path(env.get(name) or default)
    return path if path.is_absolute() else PROJECT_ROOT / path


def _store(env: dict[str, str]) -> str:
    """RISK_STORE: a database URL kept as written, else a file path made absolute (as other paths)."""
    value = (env.get("RISK_STORE") or "").strip()
    return value if is_server_store(value) else str(_path(env, "RISK_STORE", VAR_DIR / "store.gpkg"))


def _int(env: dict[str, str], name: str, default: int) -> int:
    try:
        return int(env.get(name) or default)
    except ValueError:
        return default


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    """Settings from environment variables (or a given mapping, for tests)."""
    env = os.environ if environ is None else environ
    try:
        max_upload = float(env.get("RISK_MAX_UPLOAD_MB") or 50)
    except ValueError:
        max_upload = 50.0
    demo_mode = (env.get("RISK_DEMO_MODE") or "auto").strip().lower()
    return Settings(
        data_dir=_path(env, "RISK_DATA_DIR", DEFAULT_DATA_DIR),
        tile_url=env.get("RISK_TILE_URL") or None,
        tile_attribution=env.get("RISK_TILE_ATTRIBUTION") or None,
        static_url=(env.get("RISK_STATIC_URL") or "/app/static").rstrip("/"),
        store=_store(env),
        max_upload_mb=max_upload,
        accounts_db=_path(env, "RISK_ACCOUNTS_DB", VAR_DIR / "accounts.sqlite"),
        demo_mode=demo_mode if demo_mode in ("on", "off", "auto") else "auto",
        session_minutes=_int(env, "RISK_SESSION_MINUTES", 30),
        session_max_hours=max(1, _int(env, "RISK_SESSION_MAX_HOURS", 12)),
        max_failures=_int(env, "RISK_MAX_FAILURES", 5),
        lockout_minutes=_int(env, "RISK_LOCKOUT_MINUTES", 15),
        sign_in_per_minute=max(1, _int(env, "RISK_SIGN_IN_PER_MINUTE", 10)),
        small_cell_k=_int(env, "RISK_SMALL_CELL_K", 3),
        brief_issuer=(env.get("RISK_BRIEF_ISSUER") or "").strip() or None,
        brief_place=(env.get("RISK_BRIEF_PLACE") or "").strip() or None,
        map_cache_dir=_path(env, "RISK_MAP_CACHE", VAR_DIR / "maps"),
        results_dir=_path(env, "RISK_RESULTS_DIR", VAR_DIR / "results"),
        precompute=(env.get("RISK_PRECOMPUTE") or "on").strip().lower() not in ("off", "0", "no", "false"),
        run_log=Path(env["RISK_RUN_LOG"]) if env.get("RISK_RUN_LOG") else None,
    )
