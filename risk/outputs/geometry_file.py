"""Commune geometry sent to the browser once per dataset, as a static, content-addressed file.

Why. Version one embedded every commune's geometry in the map's HTML and resent it on every
rerun: 3.7 MB at 10,600 communes for a year change. The geometry of a dataset version never
changes, so it is written here once, as TopoJSON (shared edges stored once, coordinates
quantised and delta-encoded; about 0.6 MB gzipped at 10,600 communes), under a name that is
the hash of its bytes. The app serves it with a year-long cache (ui/server.py), and a rerun
sends only each commune's colour and tooltip text.

Privacy. The file is served without sign-in, so it holds boundary data only: geometry and the
fields in PUBLIC_FIELDS (the commune's code, name and former district, as the boundaries file
gives them). No case, count, score or indicator ever goes in; `topology` refuses other fields
and tests/outputs/test_geometry_file.py checks a real file.

The prepared display layer (simplification takes seconds at national scale) is kept next to it,
keyed by the boundaries' content, so the first visitor after a restart does not pay it again.
"""
from __future__ import annotations

import gzip
import hashlib
import json
import os
import pickle
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

from risk.outputs.mapview import DISPLAY_CRS, DisplayLayer, display_layer, safe_html

FORMAT = 1  # bump when the file layout changes: older files are then ignored, not misread
OBJECT = "communes"  # the TopoJSON object the browser decodes
PUBLIC_FIELDS = ("commune_id", "name", "former_district")
QUANTISATION = 100_000  # grid steps across the extent: ~2 m on a province, ~13 m on the country
PUBLIC_DIR = "public"  # the only subfolder the app serves
PREPARED_DIR = "prepared"  # display layers, private to the server
_NAME = re.compile(r"^[0-9a-f]{64}\.topojson$")


@dataclass(frozen=True)
class GeometryFile:
    """A published geometry file: `name` is what the browser asks for."""

    name: str
    path: Path
    size: int  # bytes of the TopoJSON
    gzip_size: int  # bytes as sent to a browser that accepts gzip


@dataclass(frozen=True)
class PreparedDisplay:
    """What every map page needs of a dataset's communes: the layer, and its published geometry."""

    layer: DisplayLayer
    geometry: GeometryFile


def topology(layer: DisplayLayer, fields: tuple[str, ...] = PUBLIC_FIELDS) -> bytes:
    """The layer as TopoJSON bytes, with only boundary fields (text escaped for HTML).

    `fields` may only name PUBLIC_FIELDS: this file is served without sign-in."""
    extra = set(fields) - set(PUBLIC_FIELDS)
    if extra:
        raise ValueError(f"only boundary fields may be published, not {sorted(extra)}")
    import topojson  # a well-kept library: arcs shared between neighbours, quantised and delta-encoded

    geometries = [shapely.geometry.shape(f["geometry"]) for f in layer.features]
    columns = {name: [_field(f["properties"], name) for f in layer.features] for name in fields}
    frame = gpd.GeoDataFrame(columns, geometry=geometries, crs=DISPLAY_CRS)
    topo = topojson.Topology(frame, topology=True, prequantize=QUANTISATION, presimplify=False,
                             toposimplify=False, shared_coords=False, object_name=OBJECT)
    data = json.loads(topo.to_json())
    for geometry in data["objects"][OBJECT]["geometries"]:
        geometry.pop("id", None)  # the frame's row number: nothing the browser uses
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _field(props: dict, name: str) -> str:
    value = props.get(name)
    # The code is data for the click handler (JSON-encoded, never shown as HTML); names are shown.
    return "" if value is None else str(value) if name == "commune_id" else safe_html(value)


def publish(layer: DisplayLayer, directory: Path) -> GeometryFile:
    """Write the layer's TopoJSON (and its gzip) under `directory`/public, named by its hash.
    Writing is atomic, and a file already there is kept: the same content has the same name."""
    data = topology(layer)
    name = f"{hashlib.sha256(data).hexdigest()}.topojson"
    public = Path(directory) / PUBLIC_DIR
    path = public / name
    packed = gzip.compress(data, compresslevel=9, mtime=0)
    if not path.exists() or not path.with_suffix(".topojson.gz").exists():
        public.mkdir(parents=True, exist_ok=True)
        _write_atomic(path.with_name(name + ".gz"), packed)
        _write_atomic(path, data)
    return GeometryFile(name, path, len(data), len(packed))


def published(directory: Path, name: str) -> Path | None:
    """The file a browser asked for, if `name` is a published geometry name (nothing else is served)."""
    if not _NAME.match(name or ""):
        return None
    path = Path(directory) / PUBLIC_DIR / name
    return path if path.is_file() else None


def prepare_display(boundaries: gpd.GeoDataFrame, directory: Path) -> PreparedDisplay:
    """The display layer and its published geometry, computed once per boundaries content and kept
    on disk (a pickle the server itself wrote in its own private folder, never one from outside)."""
    key = boundaries_key(boundaries)
    kept = Path(directory) / PREPARED_DIR / f"{key}.pickle"
    try:
        with kept.open("rb") as handle:
            prepared = pickle.load(handle)
        if isinstance(prepared, PreparedDisplay) and prepared.geometry.path.is_file():
            return prepared
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, TypeError):
        pass  # absent, or from an older layout: prepare again
    layer = display_layer(boundaries)
    prepared = PreparedDisplay(layer, publish(layer, directory))
    kept.parent.mkdir(parents=True, exist_ok=True)
    _write_atomic(kept, pickle.dumps(prepared, protocol=pickle.HIGHEST_PROTOCOL))
    return prepared


def boundaries_key(boundaries: gpd.GeoDataFrame) -> str:
    """A hash of what the display layer depends on: geometry, CRS and the boundary fields."""
    digest = hashlib.sha256(f"format={FORMAT};crs={boundaries.crs}".encode())
    digest.update(b"".join(shapely.to_wkb(np.asarray(boundaries.geometry.values, dtype=object))))
    for name in PUBLIC_FIELDS:
        if name in boundaries.columns:
            digest.update(json.dumps([None if v is None else str(v) for v in boundaries[name]]).encode())
    return digest.hexdigest()


def _write_atomic(path: Path, data: bytes) -> None:
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
