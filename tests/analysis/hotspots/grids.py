"""Square-grid provinces for hotspot tests: 10 × 10 communes of 0.1° near Nghệ An, and cases in them."""
from __future__ import annotations

import geopandas as gpd
import pandas as pd
from shapely.geometry import box

N = 10  # grid side: 100 communes of 0.1° (about 10.5 km) near Nghệ An


def grid(n: int = N, extra: list | None = None) -> gpd.GeoDataFrame:
    """n×n square communes, row by row from the south-west; ids 0000..."""
    cells = [box(104 + i * 0.1, 19 + j * 0.1, 104 + (i + 1) * 0.1, 19 + (j + 1) * 0.1)
             for j in range(n) for i in range(n)]
    cells += extra or []
    return gpd.GeoDataFrame({"commune_id": [f"{k:04d}" for k in range(len(cells))],
                             "name": [f"Xã {k}" for k in range(len(cells))]}, geometry=cells, crs="EPSG:4326")


def block(rows: range, cols: range, n: int = N) -> list[int]:
    return [r * n + c for r in rows for c in cols]


def cases_in(g: gpd.GeoDataFrame, counts: dict[tuple[int, int], int], form: str = "forced_marriage",
             month: int = 6) -> pd.DataFrame:
    """Case rows: counts[(cell, year)] cases at the cell's centroid, on the 1st of `month`."""
    rows = []
    for (cell, year), n in counts.items():
        c = g.geometry.iloc[cell].centroid
        for k in range(n):
            rows.append({"case_id": f"C{cell}-{year}-{k}", "date": pd.Timestamp(year, month, 1), "lon": c.x,
                         "lat": c.y, "commune_id": g["commune_id"].iloc[cell], "form": form, "victims": 1})
    frame = pd.DataFrame(rows, columns=["case_id", "date", "lon", "lat", "commune_id", "form", "victims"])
    frame["date"] = pd.to_datetime(frame["date"])
    return frame
