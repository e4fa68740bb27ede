"""Byte-stable writers for the demo dataset: fixed float formats, fixed order, "\n" line ends.

GeoPackage is avoided on purpose: it embeds timestamps, so two builds would differ.
"""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any, Iterable

import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry
from shapely.geometry.polygon import orient


def _coords(seq: Iterable[tuple[float, ...]]) -> str:
    return "[" + ",".join(f"[{x:.6f},{y:.6f}]" for x, y, *_ in seq) + "]"


def _polygon_coords(polygon: shapely.Polygon) -> str:
    """RFC 7946 ring order: exterior counter-clockwise, holes clockwise."""
    polygon = orient(polygon, sign=1.0)
    rings = [polygon.exterior] + list(polygon.interiors)
    return "[" + ",".join(_coords(r.coords) for r in rings) + "]"


def geometry_json(geom: BaseGeometry) -> str:
    """GeoJSON geometry text with 6-decimal coordinates."""
    if isinstance(geom, shapely.Polygon):
        return f'{{"type":"Polygon","coordinates":{_polygon_coords(geom)}}}'
    if isinstance(geom, shapely.MultiPolygon):
        parts = ",".join(_polygon_coords(p) for p in geom.geoms)
        return f'{{"type":"MultiPolygon","coordinates":[{parts}]}}'
    if isinstance(geom, shapely.LineString):
        return f'{{"type":"LineString","coordinates":{_coords(geom.coords)}}}'
    raise TypeError(f"unsupported geometry type {geom.geom_type}")


def feature_collection_text(features: list[tuple[dict[str, Any], BaseGeometry]], name: str) -> str:
    """A FeatureCollection, one feature per line so diffs stay readable."""
    lines = []
    for props, geom in features:
        props_text = json.dumps(props, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        lines.append(f'{{"type":"Feature","properties":{props_text},"geometry":{geometry_json(geom)}}}')
    head = f'{{"type":"FeatureCollection","name":{json.dumps(name, ensure_ascii=False)},"features":[\n'
    return head + ",\n".join(lines) + "\n]}\n"


def csv_text(frame: pd.DataFrame, float_formats: dict[str, str]) -> str:
    """CSV with the given per-column float formats; other values as str."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(frame.columns)
    formats = [float_formats.get(c) for c in frame.columns]
    for row in frame.itertuples(index=False):
        writer.writerow([fmt.format(v) if fmt else str(v) for v, fmt in zip(row, formats)])
    return buffer.getvalue()


def json_text(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, indent=2) + "\n"


def write_text(path: Path, text: str) -> Path:
    """Write UTF-8 with "\n" line ends on every platform."""
    path.write_bytes(text.encode("utf-8"))
    return path
