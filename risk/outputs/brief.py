"""The PDF brief: a list an official can sign and send upward.

One A4 landscape document: the issuing unit, place and local date; a title that
names what is ranked; the demo notice where the data is generated; the filters
and, for an allocation, its figures, in words; the map with its class legend,
scale bar, north arrow and the top communes numbered and named; the full list,
spanning pages with its header repeated and columns wide enough that no word is
cut; the method in one paragraph; a signature block. Every page's footer says
what the page belongs to.

What is said comes from the caller (ExportMeta, BriefMap, in the user's
language); this module only lays it out. The fonts come from static/fonts
(DejaVu Sans), never from the system, so Vietnamese prints the same on every
machine. A PDF runs nothing, so text stays raw (no formula neutralisation).
"""
from __future__ import annotations

import io
import math
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Mapping, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd

from risk.i18n import format_date, format_datetime, format_number, t
from risk.outputs.classify import classify
from risk.outputs.render import BORDER_LINE, MISSING_FILL, render_map

__all__ = ["BriefMap", "LegendItem", "Marker", "default_map", "write_pdf"]

FONT = "DejaVu"
PX_PER_MM = 8.0  # the map is drawn at about 200 dpi
MARKER_RADIUS = 2.3  # mm
BODY_SIZE = 9.0
TABLE_SIZES = (7.5, 7.0, 6.5, 6.0)  # tried in turn until the columns fit the page
CELL_PAD = 0.9  # mm, left and right of a table cell
MAX_TOP = 10
MAP_MIN_HEIGHT = 95.0  # mm: below this the map (and its legend and key) go to the next page


@dataclass(frozen=True)
class LegendItem:
    """One swatch of the map legend: a fill colour and what it means."""

    colour: str
    label: str


@dataclass(frozen=True)
class Marker:
    """A commune numbered on the map, and its line in the key beside the map."""

    commune_id: str
    number: str
    text: str


@dataclass(frozen=True)
class BriefMap:
    """What the brief's map shows, decided by the caller so it matches the screen."""

    fills: Mapping[str, str]  # commune_id -> colour; communes not named are grey ("not in the list")
    legend_title: str
    legend: tuple[LegendItem, ...]
    markers: tuple[Marker, ...] = ()
    outlined: tuple[str, ...] = ()  # communes outlined in black
    outline_label: str = ""  # what the black outline means ("" when nothing is outlined)
    missing_label: str = ""  # what grey means


def _text(value: Any) -> str:
    """Text for the PDF: NFC (precomposed Vietnamese, which the font has), no control characters."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    return unicodedata.normalize("NFC", "".join(" " if ord(c) < 32 or ord(c) == 127 else c for c in str(value)))


def _rgb(colour: str) -> tuple[int, int, int]:
    colour = colour.lstrip("#")
    return tuple(int(colour[i:i + 2], 16) for i in (0, 2, 4))  # type: ignore[return-value]


# --- the map's contents when the caller gives none --------------------------------------------------


def default_map(frame: pd.DataFrame, id_column: str, lang: str, value_column: str = "score",
                decimals: int = 1) -> BriefMap:
    """Quintiles of `value_column` among the table's rows (as the screen's maps classify) and the
    first rows numbered; used when a caller passes no BriefMap."""
    ids = frame[id_column].astype(str).tolist() if id_column in frame.columns else []
    fills: dict[str, str] = {}
    legend: tuple[LegendItem, ...] = ()
    if ids and value_column in frame.columns and pd.api.types.is_numeric_dtype(frame[value_column]):
        values = frame[value_column].to_numpy(dtype=float)
        classes = classify(values, "quantiles", 5, True)
        fills = {cid: classes.colour_of(int(c)) for cid, c in zip(ids, classes.classes) if c >= 0}
        legend = class_legend(classes, decimals, lang)
    names = frame["name"].astype(str).tolist() if "name" in frame.columns else ids
    markers = tuple(Marker(cid, str(i + 1), name) for i, (cid, name) in enumerate(zip(ids[:MAX_TOP], names)))
    return BriefMap(fills, t("export.brief.legend_value", lang), legend, markers,
                    missing_label=t("export.brief.not_in_list", lang))


def class_legend(classes, decimals: int, lang: str) -> tuple[LegendItem, ...]:
    """'lower – upper (n communes)' per class of a risk.outputs.classify.Classification, highest first."""
    items = [LegendItem(colour, t("export.brief.class_range", lang, low=format_number(low, decimals, lang),
                                  high=format_number(high, decimals, lang), n=format_number(n, 0, lang)))
             for colour, (low, high), n in zip(classes.colours, classes.ranges(), classes.counts)]
    return tuple(reversed(items))


# --- the document -----------------------------------------------------------------------------------


def _document(meta):
    from fpdf import FPDF

    from risk.outputs.export import FONT_DIR

    lang = meta.language
    footer = _text(" · ".join(part for part in (meta.title, meta.dataset, meta.data_version,
                                                 format_datetime(meta.date, lang)) if part))
    page_word = t("export.brief.page", lang)

    class Brief(FPDF):
        def footer(self) -> None:  # every page says what it belongs to
            self.set_y(-9)
            self.set_font(FONT, "", 7)
            self.set_text_color(90, 90, 90)
            self.cell(0, 4, f"{footer} · {page_word} {self.page_no()}/{{nb}}", align="C")
            self.set_text_color(0, 0, 0)

    pdf = Brief(orientation="landscape", unit="mm", format="A4")
    pdf.set_margins(12, 10, 12)
    pdf.set_title(_text(meta.title))
    pdf.set_author(_text(meta.issuer or meta.user))
    pdf.set_creator("risk")
    try:
        pdf.set_creation_date(datetime.fromisoformat(meta.date.replace("Z", "+00:00")))
    except (ValueError, TypeError):
        pass
    pdf.add_font(FONT, "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font(FONT, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdf.set_auto_page_break(True, margin=13)
    pdf.alias_nb_pages()
    return pdf


def _room(pdf) -> float:
    """Millimetres left above the bottom margin on the current page."""
    return pdf.h - pdf.b_margin - pdf.get_y()


def _heading_block(pdf, meta) -> None:
    """Issuer (left) and place and date (right), then the title and what it ranks."""
    lang, width = meta.language, pdf.epw
    top = pdf.get_y()
    half = width * 0.5
    pdf.set_font(FONT, "B", 10)
    pdf.multi_cell(half, 5, _text(meta.issuer), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 8)
    pdf.set_text_color(70, 70, 70)
    pdf.multi_cell(half, 4, _text(meta.dataset), new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)
    left_end = pdf.get_y()
    pdf.set_xy(pdf.l_margin + half, top)
    pdf.set_font(FONT, "", 10)
    place_date = t("export.brief.place_date", lang, place=meta.place, date=format_date(meta.date, lang)) \
        if meta.place else format_date(meta.date, lang)
    pdf.multi_cell(half, 5, _text(place_date), align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_y(max(left_end, pdf.get_y()) + 3)
    pdf.set_font(FONT, "B", 16)
    pdf.multi_cell(width, 8, _text(meta.title), align="C", new_x="LMARGIN", new_y="NEXT")
    if meta.subtitle:
        pdf.set_font(FONT, "", 9.5)
        pdf.multi_cell(width, 5, _text(meta.subtitle), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    if meta.notes:
        pdf.set_font(FONT, "B", 8.5)
        pdf.set_text_color(170, 20, 20)
        for note in meta.notes:
            pdf.multi_cell(width, 4.3, _text(note), new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0, 0, 0)
        pdf.ln(1.5)


def _pairs(pdf, pairs: Sequence[tuple[str, str]], x: float, width: float, label_width: float,
           size: float = 8.5) -> float:
    """Label: value lines from the current y, in a column at `x`, the value wrapping under itself;
    returns the bottom y."""
    for label, value in pairs:
        y = pdf.get_y()
        pdf.set_xy(x, y)
        pdf.set_font(FONT, "B", size)
        pdf.multi_cell(label_width - 2, 4.2, _text(label), align="L", new_x="RIGHT", new_y="NEXT")
        label_end = pdf.get_y()
        pdf.set_xy(x + label_width, y)
        pdf.set_font(FONT, "", size)
        pdf.multi_cell(width - label_width, 4.2, _text(value), align="L", new_x="LEFT", new_y="NEXT")
        pdf.set_y(max(pdf.get_y(), label_end))
    return pdf.get_y()


def _facts(pdf, meta) -> None:
    """The filters in words; an allocation's figures beside them, so the map still fits the first page."""
    left, width = pdf.l_margin, pdf.epw
    if not meta.figures:
        _pairs(pdf, meta.filter_lines, left, width, 52)
        return
    note = t("export.meta.note", meta.language)
    figures = [pair for pair in meta.figures if pair[0] != note]
    top, half = pdf.get_y(), (width - 8) / 2
    bottom = _pairs(pdf, meta.filter_lines, left, half, 38)
    pdf.set_xy(left + half + 8, top)
    pdf.set_font(FONT, "B", 9.5)
    pdf.cell(half, 5, _text(t("export.brief.figures", meta.language)), new_x="LEFT", new_y="NEXT")
    bottom = max(bottom, _pairs(pdf, figures, left + half + 8, half, 58))
    pdf.set_y(bottom + 1)
    _pairs(pdf, [pair for pair in meta.figures if pair[0] == note], left, width, 38)  # notes span the page


# --- the map ------------------------------------------------------------------------------------------


def _aspect(shapes: gpd.GeoDataFrame) -> float:
    """Width / height of the drawn map (x scaled by cos(mid-latitude), as risk.outputs.render draws)."""
    minx, miny, maxx, maxy = (shapes.to_crs(4326) if shapes.crs is not None else shapes).total_bounds
    kx = math.cos(math.radians((miny + maxy) / 2))
    return max(0.3, min(3.0, ((maxx - minx) * kx) / max(maxy - miny, 1e-9)))


def _nice_km(target: float) -> float:
    """A round length (1, 2, 5 × 10^n km) no longer than `target` km."""
    if target <= 0 or not math.isfinite(target):
        return 0.0
    power = 10 ** math.floor(math.log10(target))
    return max(m * power for m in (1, 2, 5) if m * power <= target)


def _scale_bar(pdf, x: float, y: float, mm_per_km: float, max_mm: float, lang: str) -> None:
    km = _nice_km(max_mm / mm_per_km) if mm_per_km > 0 else 0.0
    if km <= 0:
        return
    length = km * mm_per_km
    pdf.set_line_width(0.2)
    pdf.set_draw_color(0, 0, 0)
    for i in range(2):  # two halves, black and white
        pdf.set_fill_color(*((0, 0, 0) if i == 0 else (255, 255, 255)))
        pdf.rect(x + i * length / 2, y, length / 2, 1.4, style="DF")
    pdf.set_font(FONT, "", 6.5)
    pdf.text(x - 0.8, y + 4.2, "0")
    label = t("export.brief.km", lang, n=format_number(km, 0 if km >= 1 else 1, lang))
    pdf.text(x + length - pdf.get_string_width(label) / 2, y + 4.2, label)


def _north_arrow(pdf, x: float, y: float, lang: str) -> None:
    """An arrow pointing up (north, the map being drawn north up), its letter above."""
    pdf.set_draw_color(0, 0, 0)
    pdf.set_line_width(0.25)
    pdf.set_fill_color(0, 0, 0)
    pdf.polygon([(x, y + 3), (x - 2.2, y + 10), (x, y + 8.4)], style="DF")
    pdf.set_fill_color(255, 255, 255)
    pdf.polygon([(x, y + 3), (x + 2.2, y + 10), (x, y + 8.4)], style="DF")
    pdf.set_font(FONT, "B", 8)
    letter = t("export.brief.north", lang)
    pdf.text(x - pdf.get_string_width(letter) / 2, y + 2.4, letter)


def _place_markers(anchors: list[tuple[float, float]], box: tuple[float, float, float, float],
                   keep_out: Sequence[tuple[float, float, float, float]] = ()) -> list[tuple[float, float]]:
    """Marker centres: on each commune when free, else nudged outward (a leader line joins them),
    so no two markers overlap, none covers the scale bar or north arrow (`keep_out` rectangles)
    and all stay inside the map."""
    x0, y0, x1, y1 = box
    gap = 2 * MARKER_RADIUS + 0.5
    r = MARKER_RADIUS

    def clear(cx: float, cy: float) -> bool:
        return all(cx + r < kx0 or cx - r > kx1 or cy + r < ky0 or cy - r > ky1 for kx0, ky0, kx1, ky1 in keep_out)

    placed: list[tuple[float, float]] = []
    for ax, ay in anchors:
        best = (ax, ay)
        for ring in (0, 5.5, 8.5, 11.5, 14.5, 18.0, 24.0):
            candidates = [(ax, ay)] if ring == 0 else [
                (ax + ring * math.cos(a), ay + ring * math.sin(a)) for a in np.linspace(0, 2 * math.pi, 12, endpoint=False)]
            free = [(cx, cy) for cx, cy in candidates
                    if x0 + r <= cx <= x1 - r and y0 + r <= cy <= y1 - r and clear(cx, cy)
                    and all(math.hypot(cx - px, cy - py) >= gap for px, py in placed)]
            if free:
                best = free[0]
                break
        placed.append(best)
    return placed


def _marker(pdf, x: float, y: float, number: str) -> None:
    pdf.set_fill_color(255, 255, 255)
    pdf.set_draw_color(0, 0, 0)
    pdf.set_line_width(0.3)
    pdf.circle(x, y, MARKER_RADIUS, style="DF")
    size = 6.5 if len(number) <= 2 else 5.0
    pdf.set_font(FONT, "B", size)
    pdf.text(x - pdf.get_string_width(number) / 2, y + size * 0.353 / 2 - 0.1, number)


def _swatch(pdf, x: float, y: float, colour: str, outline: tuple[int, int, int] = (120, 120, 120),
            width: float = 0.2) -> None:
    pdf.set_fill_color(*_rgb(colour))
    pdf.set_draw_color(*outline)
    pdf.set_line_width(width)
    pdf.rect(x, y, 6, 3.6, style="DF")


def _legend(pdf, x: float, y: float, width: float, spec: BriefMap, has_border: bool, all_filled: bool,
            lang: str) -> float:
    """The class legend, grey (when some commune is grey), border and outline entries, then the key of
    numbered communes; returns the bottom y."""
    pdf.set_xy(x, y)
    pdf.set_font(FONT, "B", 9)
    pdf.multi_cell(width, 4.6, _text(t("export.brief.legend", lang)), new_x="LEFT", new_y="NEXT")
    pdf.set_font(FONT, "", 7.5)
    pdf.multi_cell(width, 3.8, _text(spec.legend_title), new_x="LEFT", new_y="NEXT")
    pdf.ln(0.8)

    def entry(draw, label: str) -> None:
        top = pdf.get_y()
        draw(x, top + 0.3)
        pdf.set_xy(x + 8, top)
        pdf.set_font(FONT, "", 7.5)
        pdf.multi_cell(width - 8, 4.2, _text(label), new_x="LEFT", new_y="NEXT")
        pdf.set_xy(x, max(pdf.get_y(), top + 4.6))

    for item in spec.legend:
        entry(lambda ex, ey, c=item.colour: _swatch(pdf, ex, ey, c), item.label)
    if spec.missing_label and not all_filled:
        entry(lambda ex, ey: _swatch(pdf, ex, ey, MISSING_FILL), spec.missing_label)
    if has_border:
        def border_line(ex, ey):
            pdf.set_draw_color(*_rgb(BORDER_LINE))
            pdf.set_line_width(0.9)
            pdf.line(ex, ey + 1.8, ex + 6, ey + 1.8)
        entry(border_line, t("export.brief.border", lang))
    if spec.outlined and spec.outline_label:
        entry(lambda ex, ey: _swatch(pdf, ex, ey, "#ffffff", (0, 0, 0), 0.6), spec.outline_label)
    if spec.markers:
        pdf.ln(1.5)
        pdf.set_x(x)
        pdf.set_font(FONT, "B", 9)
        pdf.multi_cell(width, 4.6, _text(t("export.brief.top_key", lang, n=len(spec.markers))),
                       new_x="LEFT", new_y="NEXT")
        for marker in spec.markers:
            top = pdf.get_y()
            if top + 5 > pdf.h - pdf.b_margin:
                break
            _marker(pdf, x + MARKER_RADIUS, top + 2.2, marker.number)
            pdf.set_xy(x + 2 * MARKER_RADIUS + 1.5, top)
            pdf.set_font(FONT, "", 7.5)
            pdf.multi_cell(width - 2 * MARKER_RADIUS - 1.5, 4.2, _text(marker.text), new_x="LEFT", new_y="NEXT")
            pdf.set_xy(x, max(pdf.get_y(), top + 4.8))
    pdf.set_draw_color(0, 0, 0)
    pdf.set_line_width(0.2)
    return pdf.get_y()


def _map_section(pdf, shapes: gpd.GeoDataFrame, border: gpd.GeoDataFrame | None, spec: BriefMap, lang: str) -> None:
    """The map on the left, the legend and the key on the right; a new page when too little is left."""
    legend_w = 82.0
    if _room(pdf) < MAP_MIN_HEIGHT:
        pdf.add_page()
    pdf.ln(1)
    top = pdf.get_y()
    aspect = _aspect(shapes)
    box_w, box_h = pdf.epw - legend_w - 6, _room(pdf) - 2
    w = min(box_w, box_h * aspect)
    h = w / aspect
    ids = [m.commune_id for m in spec.markers]
    drawn = render_map(shapes, spec.fills, outline_ids=spec.outlined, size=(int(w * PX_PER_MM), int(h * PX_PER_MM)),
                       border=border, anchor_ids=ids)
    x0 = pdf.l_margin + (box_w - w) / 2
    pdf.image(io.BytesIO(drawn.png), x=x0, y=top, w=w, h=h)
    pdf.set_draw_color(150, 150, 150)
    pdf.set_line_width(0.2)
    pdf.rect(x0, top, w, h)
    mm = w / drawn.width
    known = [m for m in spec.markers if m.commune_id in drawn.anchors]
    anchors = [(x0 + drawn.anchors[m.commune_id][0] * mm, top + drawn.anchors[m.commune_id][1] * mm) for m in known]
    bar = (x0 + 3, top + h - 9, x0 + 8 + w * 0.25, top + h - 1.5)  # the scale bar and its labels
    arrow = (x0 + w - 9, top + 1, x0 + w - 3, top + 14)
    centres = _place_markers(anchors, (x0, top, x0 + w, top + h), keep_out=(bar, arrow))
    for (ax, ay), (cx, cy) in zip(anchors, centres):  # leader lines first, markers over them
        if math.hypot(cx - ax, cy - ay) > 0.1:
            pdf.set_draw_color(0, 0, 0)
            pdf.set_line_width(0.25)
            pdf.line(ax, ay, cx, cy)
            pdf.set_fill_color(0, 0, 0)
            pdf.circle(ax, ay, 0.45, style="F")
    for marker, (cx, cy) in zip(known, centres):
        _marker(pdf, cx, cy, marker.number)
    _north_arrow(pdf, x0 + w - 6, top + 3, lang)
    _scale_bar(pdf, x0 + 5, top + h - 7, drawn.pixels_per_km * mm, w * 0.25, lang)  # mm per km on the page
    all_filled = set(shapes["commune_id"].astype(str)) <= set(spec.fills)
    bottom = _legend(pdf, pdf.l_margin + box_w + 6, top, legend_w, spec, border is not None and len(border) > 0,
                     all_filled, lang)
    pdf.set_xy(pdf.l_margin, max(top + h, bottom) + 2)


# --- the list -----------------------------------------------------------------------------------------


def _cell_text(value: Any, column: str, meta) -> str:
    """A cell as the screen writes it: numbers in the language's marks with the screen's decimals."""
    if isinstance(value, (bool, np.bool_)):
        return _text(value)
    if isinstance(value, (int, np.integer)):
        return format_number(int(value), 0, meta.language)
    if isinstance(value, (float, np.floating)):
        if math.isnan(value):
            return ""
        return format_number(float(value), int(meta.decimals.get(column, 2)), meta.language)
    return _text(value)


class _Measure:
    """String widths at one font size, each word measured once (a national list repeats most words)."""

    def __init__(self, pdf, size: float):
        self.pdf, self.size, self._cache = pdf, size, {}

    def __call__(self, text: str, style: str = "") -> float:
        key = (style, text)
        if key not in self._cache:
            self.pdf.set_font(FONT, style, self.size)
            self._cache[key] = self.pdf.get_string_width(text)
        return self._cache[key]

    def words(self, text: str, style: str = "") -> list[float]:
        return [self(w, style) for w in text.split(" ")]

    def wrap(self, text: str, width: float, style: str = "") -> list[str]:
        """Lines of `text` within `width`, broken between words only (a column is never narrower
        than its longest word, see _widths; a longer word is left whole rather than cut)."""
        if not text:
            return [""]
        space = self(" ", style)
        lines, line, used = [], [], 0.0
        for word, w in zip(text.split(" "), self.words(text, style)):
            if line and used + space + w > width:
                lines.append(" ".join(line))
                line, used = [], 0.0
            used += (space if line else 0.0) + w
            line.append(word)
        lines.append(" ".join(line))
        return lines


def _widths(measure: _Measure, room: float, header: list[str], body: list[list[str]], numeric: list[bool]
            ) -> list[float] | None:
    """Column widths (mm) that fit `room` with no word cut: each column at least its longest word
    (headers and text) or its longest cell (numbers and codes, which never wrap); the room left goes
    first to making short text columns whole, so only the long one wraps. None when even the
    minimum does not fit at this font size."""
    pad = 2 * CELL_PAD + 0.4
    minimum, natural = [], []
    for i, head in enumerate(header):
        head_word = max(measure.words(head, "B"), default=0.0)
        cells = {row[i] for row in body}
        longest = max((measure(c) for c in cells), default=0.0)
        if numeric[i] or all(" " not in c for c in cells):
            low = max(head_word, longest)
        else:
            low = max([head_word] + [w for c in cells for w in measure.words(c)])
        minimum.append(low + pad)
        natural.append(max(low, longest) + pad)
    if sum(minimum) > room:
        return None
    text = [i for i in range(len(header)) if not numeric[i]]
    widths = list(minimum)
    for lines in range(1, 8):  # the fewest lines a row needs so that the columns fit the page
        need = [max(minimum[i], natural[i] / lines * 1.08) if i in text else minimum[i] for i in range(len(header))]
        if sum(need) <= room:
            widths = need
            break
    left = room - sum(widths)
    for i in sorted(text, key=lambda i: natural[i] - widths[i]):
        give = min(max(0.0, natural[i] - widths[i]), left)
        widths[i] += give
        left -= give
    targets = text or list(range(len(header)))
    return [w + (left / len(targets) if i in targets else 0) for i, w in enumerate(widths)]


def _table(pdf, frame: pd.DataFrame, meta) -> "_Rows":
    """The whole list, laid out (not drawn): header repeated on every page, numbers right-aligned,
    no word cut.

    Drawn row by row here rather than with fpdf's table(), which measures every character of
    every cell several times: 3,321 rows took about 20 s that way."""
    keys = list(frame.columns)
    header = [_text(meta.column_labels.get(k, k)) for k in keys]
    numeric = [pd.api.types.is_numeric_dtype(frame[k]) or _counts_like(frame[k]) for k in keys]
    body = [[_cell_text(v, k, meta) for v, k in zip(row, keys)] for row in frame.itertuples(index=False, name=None)]
    widths, measure = None, _Measure(pdf, TABLE_SIZES[-1])
    for size in TABLE_SIZES:
        measure = _Measure(pdf, size)
        widths = _widths(measure, pdf.epw, header, body, numeric)
        if widths is not None:
            break
    if widths is None:  # too many columns for the page even at the smallest size: share it evenly
        widths = [pdf.epw / len(keys)] * len(keys)
    heading = t("export.brief.list_heading", meta.language, n=format_number(len(frame), 0, meta.language))
    return _Rows(pdf, measure, widths, numeric, _text(heading), header, body)


class _Rows:
    """Rows of text cells drawn with a repeated header: a grey header, light bands, hairlines."""

    HEADING_H = 8.0  # the list's heading above its header

    def __init__(self, pdf, measure: _Measure, widths: list[float], numeric: list[bool], heading: str,
                 header: list[str], body: list[list[str]]):
        self.pdf, self.measure, self.widths, self.numeric = pdf, measure, widths, numeric
        self.heading, self.header, self.body = heading, header, body
        self.line_h = measure.size * 0.3528 * 1.22
        self.lefts = [pdf.l_margin + sum(widths[:i]) for i in range(len(widths))]

    def height(self) -> float:
        """Height of the heading and the whole list on one page (to know whether it fits where it is)."""
        rows = [self.header, *self.body]
        return self.HEADING_H + sum(self._height([self.measure.wrap(c, w - 2 * CELL_PAD, "B" if i == 0 else "")
                                                  for c, w in zip(row, self.widths)]) for i, row in enumerate(rows))

    def _height(self, lines: list[list[str]]) -> float:
        return max(len(c) for c in lines) * self.line_h + 1.2

    def _draw(self, lines: list[list[str]], height: float, style: str, fill: tuple[int, int, int] | None,
              align_numbers: bool) -> None:
        pdf, top = self.pdf, self.pdf.get_y()
        if fill:
            pdf.set_fill_color(*fill)
            pdf.rect(pdf.l_margin, top, sum(self.widths), height, style="F")
        pdf.set_font(FONT, style, self.measure.size)
        ascent = self.measure.size * 0.3528 * 0.8
        for i, cell in enumerate(lines):
            right = align_numbers and self.numeric[i]
            for k, text in enumerate(cell):
                if not text:
                    continue
                x = (self.lefts[i] + self.widths[i] - CELL_PAD - self.measure(text, style) if right
                     else self.lefts[i] + CELL_PAD)
                pdf.text(x, top + 0.6 + k * self.line_h + ascent, text)
        pdf.set_draw_color(190, 190, 190)
        pdf.set_line_width(0.15)
        pdf.line(pdf.l_margin, top + height, pdf.l_margin + sum(self.widths), top + height)
        pdf.set_y(top + height)

    def draw(self) -> None:
        pdf, header, body = self.pdf, self.header, self.body
        pdf.set_font(FONT, "B", 11)
        pdf.cell(pdf.epw, 6, self.heading, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(self.HEADING_H - 6)
        head = [self.measure.wrap(h, w - 2 * CELL_PAD, "B") for h, w in zip(header, self.widths)]
        head_h = self._height(head)
        bottom = pdf.h - pdf.b_margin
        self._draw(head, head_h, "B", (225, 225, 225), False)
        for n, row in enumerate(body):
            lines = [self.measure.wrap(c, w - 2 * CELL_PAD) for c, w in zip(row, self.widths)]
            height = self._height(lines)
            if pdf.get_y() + height > bottom:
                pdf.add_page()  # the header again on every page the list spans
                self._draw(head, head_h, "B", (225, 225, 225), False)
            self._draw(lines, height, "", (246, 246, 246) if n % 2 else None, True)


def _counts_like(series: pd.Series) -> bool:
    """A text column of counts ("12", "<3", "≥4"): right-aligned with the numbers."""
    values = [v for v in series.to_numpy() if v is not None and v == v]
    return bool(values) and all(isinstance(v, (int, np.integer)) or (isinstance(v, str) and v.lstrip("<≥").isdigit())
                                for v in values)


# --- method and signature ------------------------------------------------------------------------------


SIGNATURE_HEIGHT = 46.0  # mm


def _method(pdf, meta) -> None:
    """The method in one paragraph and where the data came from; kept on one page with the
    signature block that follows, so a signature never stands alone on a page."""
    lang = meta.language
    provenance = _text(t("export.brief.provenance", lang, dataset=meta.dataset, version=meta.data_version,
                         when=format_datetime(meta.date, lang), user=meta.user or "–"))
    pdf.set_font(FONT, "", BODY_SIZE)
    method_h = pdf.multi_cell(pdf.epw, 4.6, _text(meta.method), dry_run=True, output="HEIGHT")
    pdf.set_font(FONT, "", 7.5)
    provenance_h = pdf.multi_cell(pdf.epw, 4, provenance, dry_run=True, output="HEIGHT")
    if _room(pdf) < 4 + 6 + method_h + 1.5 + provenance_h + SIGNATURE_HEIGHT + 6:
        pdf.add_page()
    else:
        pdf.ln(4)
    pdf.set_font(FONT, "B", 11)
    pdf.cell(pdf.epw, 6, _text(t("export.meta.method", lang)), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", BODY_SIZE)
    pdf.multi_cell(pdf.epw, 4.6, _text(meta.method), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1.5)
    pdf.set_font(FONT, "", 7.5)
    pdf.set_text_color(70, 70, 70)
    pdf.multi_cell(pdf.epw, 4, provenance, new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)


def _signature(pdf, meta) -> None:
    """Two blocks side by side: who prepared the list (and signs), and the head of unit (signs, seals)."""
    lang = meta.language
    if _room(pdf) < SIGNATURE_HEIGHT + 6:
        pdf.add_page()
    pdf.ln(6)
    top = pdf.get_y()
    column = pdf.epw * 0.42
    blocks = ((pdf.l_margin, "export.brief.prepared_by", "export.brief.sign_hint", meta.user),
              (pdf.l_margin + pdf.epw - column, "export.brief.approved_by", "export.brief.seal_hint", ""))
    for x, title_key, hint_key, name in blocks:
        pdf.set_xy(x, top)
        pdf.set_font(FONT, "B", 10)
        pdf.multi_cell(column, 5, _text(t(title_key, lang)).upper() if lang == "vi" else _text(t(title_key, lang)),
                       align="C", new_x="LEFT", new_y="NEXT")
        pdf.set_font(FONT, "", 8)
        pdf.multi_cell(column, 4, _text(t(hint_key, lang)), align="C", new_x="LEFT", new_y="NEXT")
        pdf.set_xy(x, top + 32)
        pdf.set_font(FONT, "B", 9.5)
        pdf.multi_cell(column, 5, _text(name), align="C", new_x="LEFT", new_y="NEXT")
    pdf.set_xy(pdf.l_margin, top + 40)


def write_pdf(table: pd.DataFrame, meta, geometry: gpd.GeoDataFrame | None = None, id_column: str = "commune_id",
              border: gpd.GeoDataFrame | None = None, brief_map: BriefMap | None = None) -> bytes:
    """The brief of `table` (every row) described by `meta` (risk.outputs.export.ExportMeta)."""
    from risk.outputs.export import _plain_frame, _rounded

    frame = _rounded(_plain_frame(table), meta)
    pdf = _document(meta)
    pdf.add_page()
    _heading_block(pdf, meta)
    _facts(pdf, meta)
    rows = _table(pdf, frame, meta)
    shapes = geometry if geometry is not None else (table if isinstance(table, gpd.GeoDataFrame) else None)
    if shapes is not None and len(shapes):
        spec = brief_map or default_map(frame, id_column, meta.language,
                                        decimals=int(meta.decimals.get("score", 1)))
        if _room(pdf) < MAP_MIN_HEIGHT and rows.height() + 4 <= _room(pdf):
            pdf.ln(4)  # a short list (an allocation's choice) fills the first page; the map gets the next
            rows.draw()
            _map_section(pdf, shapes, border, spec, meta.language)
        else:
            _map_section(pdf, shapes, border, spec, meta.language)
            pdf.add_page()
            rows.draw()
    else:
        pdf.ln(4)
        rows.draw()
    _method(pdf, meta)
    _signature(pdf, meta)
    return bytes(pdf.output())

