"""The file formats an export can be written in, and their MIME types (risk/outputs/export.py writes them).

Here, in a module that imports nothing, so that the command line's parser and the export
button can offer the formats without loading geopandas and the writers.
"""
from __future__ import annotations

FORMATS: tuple[str, ...] = ("csv", "xlsx", "geojson", "gpkg", "pdf")
MIME_TYPES: dict[str, str] = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "geojson": "application/geo+json",
    "gpkg": "application/geopackage+sqlite3",
    "pdf": "application/pdf",
}
