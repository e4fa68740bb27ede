"""The PDF brief's layout, read back with poppler: every row on pages with the header repeated, no
word cut, the map with its legend, scale bar and north arrow, numbers as the screen writes them,
and a signature block. Pages are rendered to PNG (pdftoppm) so a person can look at them:
RISK_BRIEF_PNG_DIR=<folder> keeps the pictures there."""
from __future__ import annotations

import math
import os
import subprocess
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from risk.ingest.folder import load_dataset
from risk.outputs.brief import BriefMap, LegendItem, Marker, _nice_km, _place_markers, default_map
from risk.outputs.export import ExportMeta, export_table
from risk.outputs.render import render_map

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "data" / "demo"
HEADERS = {"rank": "Hạng", "name": "Tên xã/phường", "former_district": "Huyện cũ", "score": "Điểm nguy cơ",
           "drivers": "Yếu tố chính", "cases_3y": "Số vụ việc 2023–2025", "commune_id": "Mã xã"}


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def has_words(page: str, words: str) -> bool:
    """`words` in the page, each word whole, in order, possibly wrapped onto the next lines of a
    header cell (pdftotext -layout puts a wrapped word below its first part)."""
    import re

    if words in page:
        return True
    pattern = r"\b" + r"\b[\s\S]{0,400}?\b".join(re.escape(w) for w in words.split()) + r"(?!\w)"
    return re.search(pattern, page) is not None


def pages_text(path: Path, mode: str = "-layout") -> list[str]:
    """pdftotext per page (form feeds split pages), NFC; `mode` "-raw" keeps the order text was
    written in (columns side by side are not interleaved line by line)."""
    out = subprocess.run(["pdftotext", mode, str(path), "-"], check=True, capture_output=True, text=True).stdout
    return [nfc(p) for p in out.split("\f") if p.strip()]


def render_pngs(path: Path, name: str, tmp_path: Path, first: int = 1, last: int = 2, dpi: int = 60) -> list[Path]:
    """Pages first..last as PNG, in RISK_BRIEF_PNG_DIR when set (to look at), else the test's folder."""
    folder = Path(os.environ.get("RISK_BRIEF_PNG_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    prefix = folder / name
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", "-f", str(first), "-l", str(last), str(path), str(prefix)],
                   check=True)
    return sorted(folder.glob(f"{name}-*.png"))


@pytest.fixture(scope="module")
def ds():
    return load_dataset(DEMO)


def brief_table(boundaries, n: int | None = None, seed: int = 0) -> pd.DataFrame:
    b = boundaries.reset_index(drop=True)
    n = n or len(b)
    rng = np.random.default_rng(seed)
    score = np.sort(rng.uniform(0, 100, n))[::-1]
    return pd.DataFrame({
        "rank": np.arange(1, n + 1), "name": b["name"].astype(str).to_numpy()[:n],
        "former_district": b["former_district"].astype(str).to_numpy()[:n], "score": score,
        "drivers": ["▲ Tỷ lệ lao động đi làm ăn xa, ▲ Tỷ lệ hộ nghèo đa chiều, ▼ Tỷ lệ dân số dân tộc thiểu số"] * n,
        "cases_3y": pd.Series([13 if i % 3 == 0 else ("<3" if i % 3 == 1 else "≥4") for i in range(n)], dtype=object),
        "commune_id": b["commune_id"].astype(str).to_numpy()[:n],
    })


def brief_meta(**extra) -> ExportMeta:
    values = dict(title="Danh sách xã ưu tiên năm 2026", method="Hồi quy logistic trên các năm trước.",
                  data_version="v7", dataset="Nghệ An (demo)", date="2026-03-04T18:30:00+00:00", user="hoa.nguyen",
                  language="vi", column_labels=HEADERS, decimals={"score": 1}, issuer="Sở Nội vụ tỉnh Nghệ An",
                  place="Vinh", subtitle="Xếp hạng cho năm 2026.",
                  filter_lines=(("Dữ liệu năm", "2025"), ("Phạm vi", "tất cả 130 xã/phường (không lọc)")))
    values.update(extra)
    return ExportMeta(**values)


def test_the_brief_holds_every_row_with_its_header_on_every_page_and_no_word_cut(ds, tmp_path):
    table = brief_table(ds.boundaries)
    data, name, _ = export_table(table, "pdf", brief_meta(), geometry=ds.boundaries, border=ds.border)
    path = tmp_path / name
    path.write_bytes(data)
    pages = pages_text(path)
    assert len(pages) > 2
    text = "\n".join(pages)
    assert all(nfc(n) in text for n in table["name"])  # all 130, not the first 50
    list_pages = [p for p in pages if any(cid in p for cid in table["commune_id"])]
    assert len(list_pages) > 1
    for page in list_pages:  # the header repeats, whole (a header may wrap between its words)
        assert has_words(page, "Hạng") and has_words(page, "Tên xã/phường") and has_words(page, "Mã xã")
    assert "Hạn\n" not in text and not any(line.strip() == "g" for line in text.splitlines())
    # Issuer, place and the Vietnam date (18:30 UTC on the 4th is the 5th in Vietnam), title, filters in words.
    first = pages[0]
    for words in ("Sở Nội vụ tỉnh Nghệ An", "Vinh, ngày 05/03/2026", "Danh sách xã ưu tiên năm 2026",
                  "Xếp hạng cho năm 2026.", "Dữ liệu năm", "tất cả 130 xã/phường (không lọc)"):
        assert words in first, words
    # The map: legend title, one label per class, the border, the north letter, a scale in km, the key.
    legend = default_map(table, "commune_id", "vi")
    for item in legend.legend:
        assert item.label in first, item.label
    assert "Chú giải" in first and "Biên giới quốc gia" in first and " km" in first
    assert any(line.strip() == "B" for line in first.splitlines())
    assert nfc(table["name"].iloc[0]) in first and "10 xã đứng đầu" in first
    # Scores as on screen: one decimal, Vietnamese marks; counts and hidden cells as they are.
    assert f"{table['score'].iloc[0]:.1f}".replace(".", ",") in text and "<3" in text and "≥4" in text
    # Method and signature block close the brief.
    last = pages[-1]
    assert "Phương pháp" in text and "NGƯỜI LẬP" in last and "THỦ TRƯỞNG ĐƠN VỊ" in last
    assert "(Ký, ghi rõ họ tên)" in last and "hoa.nguyen" in last
    pngs = render_pngs(path, "brief-writer-vi", tmp_path, last=len(pages))
    assert len(pngs) == len(pages)
    picture = Image.open(pngs[0]).convert("RGB")
    colours = {c for _, c in picture.getcolors(maxcolors=picture.width * picture.height)}
    assert {tuple(int(item.colour[i:i + 2], 16) for i in (1, 3, 5)) for item in legend.legend} <= colours


def test_the_english_brief_uses_english_marks_and_words(ds, tmp_path):
    table = brief_table(ds.boundaries, 40)
    meta = brief_meta(language="en", title="Priority communes for 2026", place="Vinh",
                      column_labels={**HEADERS, "rank": "Rank", "name": "Commune"}, filter_lines=())
    data, name, _ = export_table(table, "pdf", meta, geometry=ds.boundaries, border=ds.border)
    path = tmp_path / name
    path.write_bytes(data)
    text = "\n".join(pages_text(path))
    assert "Vinh, 5 Mar 2026" in text and "Legend" in text and "International border" in text
    assert "Prepared by" in text and "Head of unit" in text and "(signature and seal)" in text
    assert f"{table['score'].iloc[0]:.1f}" in text
    render_pngs(path, "brief-writer-en", tmp_path, last=1)


def test_a_national_list_of_3321_rows_spans_pages_with_its_header(tmp_path):
    """At national scale the brief still prints every row, the header on every page of the list."""
    from bench.synthetic import synthetic_communes

    communes = synthetic_communes(3321, spacing_deg=0.02)
    table = brief_table(communes)
    data, name, _ = export_table(table, "pdf", brief_meta(), geometry=communes)
    path = tmp_path / name
    path.write_bytes(data)
    pages = pages_text(path)
    list_pages = [p for p in pages if "Xã Thử nghiệm" in p and "Hạng" in p]
    assert len(list_pages) > 50
    assert all(has_words(p, "Hạng") and has_words(p, "Mã xã") for p in list_pages)
    text = "\n".join(pages)
    assert all(f"Xã Thử nghiệm {i} " in text or f"Xã Thử nghiệm {i}\n" in text for i in (0, 1660, 3320))
    assert "3.321" in text  # the last rank, in Vietnamese marks
    assert sum(p.count("Xã Thử nghiệm") for p in list_pages) == 3321
    render_pngs(path, "brief-national-vi", tmp_path, last=2)


def test_markers_never_overlap_nor_cover_the_scale_bar():
    anchors = [(50.0 + (i % 3) * 0.5, 50.0 + (i // 3) * 0.5) for i in range(10)]  # ten communes in one spot
    bar = (40.0, 40.0, 60.0, 46.0)
    centres = _place_markers(anchors, (0, 0, 120, 100), keep_out=(bar,))
    for i, (x, y) in enumerate(centres):
        assert 0 < x < 120 and 0 < y < 100
        assert not (bar[0] - 2.3 < x < bar[2] + 2.3 and bar[1] - 2.3 < y < bar[3] + 2.3)
        for x2, y2 in centres[i + 1:]:
            assert math.hypot(x - x2, y - y2) >= 2 * 2.3


def test_the_scale_bar_measures_the_map(ds):
    """Pixels per km from the renderer against the real distance between two commune points."""
    from pyproj import Geod

    ids = ds.boundaries["commune_id"].astype(str).tolist()
    a, b = ids[0], ids[-1]
    drawn = render_map(ds.boundaries, {}, size=(1200, 900), anchor_ids=[a, b])
    (xa, ya), (xb, yb) = drawn.anchors[a], drawn.anchors[b]
    pixels = math.hypot(xa - xb, ya - yb)
    shapes = ds.boundaries.set_index(ds.boundaries["commune_id"].astype(str)).to_crs(4326).geometry
    pa, pb = shapes[a].point_on_surface(), shapes[b].point_on_surface()
    km = Geod(ellps="WGS84").inv(pa.x, pa.y, pb.x, pb.y)[2] / 1000
    assert pixels / drawn.pixels_per_km == pytest.approx(km, rel=0.03)
    assert [_nice_km(x) for x in (0.7, 1, 3.9, 49, 51, 260)] == [0.5, 1, 2, 20, 50, 200]


def test_a_caller_map_is_drawn_as_given(ds, tmp_path):
    ids = ds.boundaries["commune_id"].astype(str).tolist()
    spec = BriefMap({ids[0]: "#bd0026"}, "Chỉ số thử", (LegendItem("#bd0026", "Nhóm duy nhất thử"),),
                    (Marker(ids[0], "7", "Xã đầu tiên thử"),), outlined=(ids[0],), outline_label="Viền đen thử",
                    missing_label="Xám thử")
    table = brief_table(ds.boundaries, 3)
    data, name, _ = export_table(table, "pdf", brief_meta(), geometry=ds.boundaries, brief_map=spec)
    path = tmp_path / name
    path.write_bytes(data)
    first = pages_text(path)[0]
    for words in ("Chỉ số thử", "Nhóm duy nhất thử", "Xã đầu tiên thử", "Viền đen thử", "Xám thử"):
        assert words in first, words
