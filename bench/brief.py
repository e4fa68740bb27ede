"""Time of the PDF brief at province and national scale, against the naive list drawn with fpdf's table().

Ours: risk.outputs.brief draws the list row by row, each word measured once. Naive: the same rows
through fpdf2's table() (repeat_headings), which re-measures every character of every cell while
it lays out each row. Both lists carry the same columns and text; the naive column prints only the
list, ours the whole brief (letterhead, map, list, method, signature), so the comparison flatters
the naive way. Prints one row per scale; never asserts on time.
"""
from __future__ import annotations

import argparse
import re
import time

import numpy as np
import pandas as pd

from bench.synthetic import synthetic_communes
from risk.outputs.export import FONT_DIR, ExportMeta, export_table

SCALES = (130, 3321)
DRIVERS = "▲ Tỷ lệ lao động đi làm ăn xa, ▲ Tỷ lệ hộ nghèo đa chiều, ▼ Tỷ lệ dân số dân tộc thiểu số"


def brief_rows(communes) -> pd.DataFrame:
    n = len(communes)
    rng = np.random.default_rng(0)
    return pd.DataFrame({
        "rank": np.arange(1, n + 1), "interval": [f"{max(1, i - 20)}–{i + 40}" for i in range(1, n + 1)],
        "name": communes["name"].to_numpy(), "former_district": communes["former_district"].to_numpy(),
        "score": np.sort(rng.uniform(0, 100, n))[::-1], "drivers": [DRIVERS] * n,
        "cases_3y": pd.Series([("<3" if i % 3 else 4) for i in range(n)], dtype=object),
        "hotspot": ["Không thuộc cụm"] * n, "dist_border_km": rng.uniform(0, 300, n),
        "commune_id": communes["commune_id"].to_numpy(),
    })


def naive_list(table: pd.DataFrame) -> bytes:
    """The list alone, as fpdf2's table() lays it out (the way the brief drew its first 50 rows)."""
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    pdf = FPDF(orientation="landscape", unit="mm", format="A4")
    pdf.add_font("DejaVu", "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdf.add_page()
    pdf.set_font("DejaVu", "", 7)
    widths = (8, 12, 22, 20, 9, 70, 12, 26, 12, 11)
    with pdf.table(col_widths=widths, line_height=3.5, repeat_headings=1,
                   headings_style=FontFace(emphasis="BOLD")) as grid:
        head = grid.row()
        for column in table.columns:
            head.cell(str(column))
        for values in table.itertuples(index=False, name=None):
            row = grid.row()
            for value in values:
                row.cell(f"{value:.1f}" if isinstance(value, float) else str(value))
    return bytes(pdf.output())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=int, nargs="*", default=list(SCALES))
    args = parser.parse_args(argv)
    meta = ExportMeta(title="Danh sách xã ưu tiên năm 2026", method="…", data_version="bench", dataset="bench",
                      date="2026-01-01T00:00:00Z", language="vi", decimals={"score": 1, "dist_border_km": 1},
                      issuer="Tỉnh thử", place="Thử")
    warm = synthetic_communes(30, spacing_deg=0.02)
    export_table(brief_rows(warm), "pdf", meta, geometry=warm)  # imports and font parsing, once
    print(f"{'communes':>9} {'pages':>6} {'brief (ours) s':>15} {'list only, fpdf table() s':>26}")
    for n in args.scales:
        communes = synthetic_communes(n, spacing_deg=0.02)
        table = brief_rows(communes)
        t0 = time.perf_counter()
        data, _, _ = export_table(table, "pdf", meta, geometry=communes)
        ours = time.perf_counter() - t0
        t0 = time.perf_counter()
        naive_list(table)
        naive = time.perf_counter() - t0
        pages = len(re.findall(rb"/Type\s*/Page(?!s)", data))
        print(f"{n:>9} {pages:>6} {ours:>15.2f} {naive:>26.2f}", flush=True)


if __name__ == "__main__":
    main()
