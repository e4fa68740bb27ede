"""How the store writes values: the GeoPackage geometry encoding, cells and JSON
as SQLite takes them, and the ST_* SQL functions registered on every connection.

Rows are written with the GeoPackage geometry encoding directly (GDAL is used
only to create the empty layers, so its spatial-index triggers and metadata
are the reference ones, see risk/store/schema.py); the ST_* functions those
triggers call are provided to SQLite here (`_register_functions`).
"""
from __future__ import annotations

import json
import sqlite3
import struct
from datetime import datetime, timezone
from pathlib import Path
from typing import Mapping

import numpy as np
import pandas as pd
import shapely

__all__ = ["SRS_ID", "decode_geometries", "encode_geometries"]

SRS_ID = 4326


# --- times, JSON and cells ---------------------------------------------------------------------------


def _now() -> str:
    """UTC time in ISO 8601 with a Z, to the millisecond (sorts as text)."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=_plain)


def _plain(value: object) -> object:
    """numpy and pandas scalars and dates as JSON values."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (pd.Timestamp, datetime)):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    return str(value)


# --- GeoPackage geometry encoding -------------------------------------------------------------------

_ENVELOPE_BYTES = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}


def encode_geometries(geometries: np.ndarray | list, srs_id: int = SRS_ID) -> list[bytes | None]:
    """GeoPackage binary (header with an x/y envelope, then ISO WKB) of each geometry."""
    geoms = np.asarray(geometries, dtype=object)
    wkb = shapely.to_wkb(geoms, output_dimension=2, byte_order=1, flavor="iso")
    bounds = shapely.bounds(geoms)
    empty = shapely.is_empty(geoms)
    out: list[bytes | None] = []
    for blob, box, is_empty in zip(wkb, bounds, empty):
        if blob is None:
            out.append(None)
        elif is_empty:
            out.append(b"GP\x00" + bytes([0b10001]) + struct.pack("<i", srs_id) + blob)
        else:
            header = b"GP\x00" + bytes([0b00011]) + struct.pack("<i", srs_id)
            out.append(header + struct.pack("<4d", box[0], box[2], box[1], box[3]) + blob)
    return out


def _wkb(blob: bytes) -> bytes:
    """The WKB inside a GeoPackage geometry blob."""
    return blob[8 + _ENVELOPE_BYTES[(blob[3] >> 1) & 0b111]:]


def decode_geometries(blobs: list[bytes | None]) -> np.ndarray:
    """Shapely geometries from GeoPackage blobs (None stays None)."""
    return shapely.from_wkb([None if b is None else _wkb(b) for b in blobs])


def _envelope(blob: bytes | None) -> tuple[float, float, float, float] | None:
    """(minx, maxx, miny, maxy) of a blob: from its header, else from the geometry."""
    if blob is None or len(blob) < 8 or blob[3] & 0b10000:
        return None
    if (blob[3] >> 1) & 0b111:
        return struct.unpack("<4d", blob[8:40])
    minx, miny, maxx, maxy = shapely.from_wkb(_wkb(blob)).bounds
    return minx, maxx, miny, maxy


def _register_functions(con: sqlite3.Connection) -> None:
    """The spatial functions GDAL's R-tree triggers call (GDAL provides them to its own connections)."""
    def coordinate(i: int):
        return lambda blob: None if (e := _envelope(blob)) is None else e[i]

    con.create_function("ST_IsEmpty", 1, lambda b: None if b is None else int(_envelope(b) is None),
                        deterministic=True)
    for i, name in enumerate(("ST_MinX", "ST_MaxX", "ST_MinY", "ST_MaxY")):
        con.create_function(name, 1, coordinate(i), deterministic=True)


def _multi(geometry: shapely.Geometry | None) -> shapely.Geometry | None:
    """Polygon -> MultiPolygon, LineString -> MultiLineString (the layers' declared types)."""
    if geometry is None:
        return None
    if geometry.geom_type == "Polygon":
        return shapely.MultiPolygon([geometry])
    if geometry.geom_type == "LineString":
        return shapely.MultiLineString([geometry])
    return geometry


def _single(geometry: shapely.Geometry | None) -> shapely.Geometry | None:
    """A one-part multi-geometry back to its single form, as most boundary files have it."""
    if geometry is not None and geometry.geom_type in ("MultiPolygon", "MultiLineString") \
            and shapely.get_num_geometries(geometry) == 1:
        return shapely.get_geometry(geometry, 0)
    return geometry


def _value(value: object) -> object:
    """A cell as SQLite takes it (NaN and NA as NULL, numpy scalars as Python)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and np.isnan(value):
        return None
    if isinstance(value, np.generic):
        value = value.item()
        return None if isinstance(value, float) and np.isnan(value) else value
    return value


def _filters(values: Mapping[str, object]) -> tuple[str, list]:
    """A WHERE clause for the given equality filters (None means any)."""
    clauses, params = [], []
    for column, value in values.items():
        if value is not None:
            clauses.append(f"{column} = ?")
            params.append(value)
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), params
