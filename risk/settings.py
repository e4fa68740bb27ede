"""Deployment settings, read from the environment so nothing site-specific is hard-coded.

| variable | default | meaning |
|---|---|---|
| RISK_DATA_DIR | data/demo | dataset folder the dashboard opens |
| RISK_TILE_URL | (none) | optional basemap tile URL, e.g. an intranet tile server `https://tiles.example/{z}/{x}/{y}.png` |
| RISK_TILE_ATTRIBUTION | (none) | attribution shown for that basemap (required by Leaflet when a URL is set) |
| RISK_STATIC_URL | /app/static | where the app serves its own scripts (Streamlit static serving) |
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA_DIR = PROJECT_ROOT / "data" / "demo"


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    tile_url: str | None
    tile_attribution: str | None
    static_url: str


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    """Settings from environment variables (or a given mapping, for tests)."""
    env = os.environ if environ is None else environ
    data_dir = Path(env.get("RISK_DATA_DIR") or DEFAULT_DATA_DIR)
    if not data_dir.is_absolute():
        data_dir = PROJECT_ROOT / data_dir
    return Settings(
        data_dir=data_dir,
        tile_url=env.get("RISK_TILE_URL") or None,
        tile_attribution=env.get("RISK_TILE_ATTRIBUTION") or None,
        static_url=(env.get("RISK_STATIC_URL") or "/app/static").rstrip("/"),
    )
