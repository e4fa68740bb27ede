"""Small widgets drawn the same way on every page."""
from __future__ import annotations

import html
import re

import streamlit as st

from risk.outputs.classify import NO_DATA_COLOUR, Classification
from risk.i18n import format_number, format_value, t
from risk.contracts.dataset import Dataset


# Characters that make Markdown do something (links and images a browser would fetch, emphasis,
# HTML, LaTeX, Streamlit's :icon: and :colour[...] directives). Parentheses, dots and dashes stay:
# without a bracket they link nothing, and names are full of them.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>~$:|#!])")


def md(value: object) -> str:
    """Data text (names, headers, labels, messages quoting a cell) for a widget that renders
    Markdown: every Markdown character backslash-escaped, so it shows as written and fetches nothing."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", "" if value is None else str(value))


def tm(key: str, lang: str, /, **params: object) -> str:
    """`t()` for a Markdown widget: our template as Markdown, every parameter as plain text.
    (`key` and `lang` are positional-only: a template may have a {key} or {lang} parameter.)"""
    return t(key, lang, **{name: md(value) for name, value in params.items()})


def demo_notice(ds: Dataset, lang: str) -> None:
    """The generated-data warning; shown on every page that shows demo data."""
    if ds.generated:
        st.warning(t("app.demo_notice", lang), icon="⚠️")


# Vega's number locale for each language, so chart axes write 0,25 and 1.000 in Vietnamese.
CHART_LOCALES = {"vi": {"decimal": ",", "thousands": ".", "grouping": [3], "currency": ["", "\u00a0₫"],
                        "percent": "\u00a0%"},
                 "en": {"decimal": ".", "thousands": ",", "grouping": [3], "currency": ["$", ""]}}


def chart(figure, lang: str):
    """An Altair chart whose axes and tooltips format numbers in the user's language."""
    return figure.configure(locale={"number": CHART_LOCALES.get(lang, CHART_LOCALES["en"])})


def _css_text(text: str) -> str:
    """`text` as a CSS string literal: every character outside letters, digits and spaces escaped."""
    return '"' + "".join(c if c.isalnum() or c == " " else f"\\{ord(c):06x}" for c in text) + '"'


def streamlit_texts(lang: str, max_upload_mb: float) -> None:
    """Streamlit's file uploader writes "Upload" and "50MB per file" in English and has no setting
    for them: they are hidden and ours drawn in their place, from the catalogue (CSS content)."""
    upload = _css_text(t("widget.upload", lang))
    limit = _css_text(t("widget.upload_limit", lang, mb=format_number(max_upload_mb, 0, lang)))
    st.html(f"""<style>
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p {{display: none;}}
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"]::after {{content: {upload};}}
[data-testid="stFileUploaderDropzoneInstructions"] span {{display: none;}}
[data-testid="stFileUploaderDropzoneInstructions"] > div::after {{content: {limit}; font-size: 0.875rem;
  color: rgba(49, 51, 63, 0.6);}}
</style>""")


def localized(frame, lang: str, decimals: dict[str, int]):
    """A table whose numbers show in the user's language ("83,5", "63.594") while each column keeps
    its numbers, so sorting still sorts numbers. `decimals`: column -> places.

    It is a pandas Styler that carries the display text of the number columns only. Streamlit draws
    a Styler's display value over each cell and reads nothing else of it but its CSS
    (streamlit.elements.lib.pandas_styler_utils; both libraries pinned in requirements.txt). pandas'
    own `_translate` builds a dict of HTML attributes for every cell of the table: 0.2-0.3 s for the
    priority list at 3,321 communes, a third of the page's rerun (issue 17). Streamlit knows a Styler
    by its exact type, so the instance's `_translate` is replaced rather than subclassed.
    tests/ui/test_widgets.py checks the text Streamlit sends: an upgrade that changes either side fails there."""
    from pandas.io.formats.style import Styler

    body = []
    for j, column in enumerate(frame.columns):
        if column in decimals:
            places = decimals[column]
            body.append([{"id": f"row{r}_col{j}", "display_value": format_number(v, places, lang)}
                         for r, v in enumerate(frame[column].tolist())])
    # A fixed id: pandas draws a random one per table, so identical tables would differ on the wire.
    styler = Styler(frame, uuid="risk")
    styler._translate = lambda *args, **kwargs: {"body": body, "cellstyle": [], "table_styles": []}
    return styler


def number_choice(container, label: str, options: list[float], lang: str, decimals: int, **kwargs) -> float:
    """A choice of numbers that shows them in the user's language ("1,5"): Streamlit's number inputs
    and sliders can only print "1.50" whatever the language."""
    return container.select_slider(label, options=options, format_func=lambda v: format_number(v, decimals, lang),
                                   **kwargs)


def swatch_legend(title: str, rows: list[tuple[str, str, int | None, float]]) -> None:
    """A legend drawn in Streamlit (a branca legend would pull d3 from a CDN).

    `rows`: (colour, label, count or None, opacity). Labels are escaped here.
    """
    items = "".join(
        f'<div style="display:flex;align-items:center;gap:.5em;margin:2px 0">'
        f'<span style="display:inline-block;width:1.6em;height:1em;background:{colour};opacity:{opacity};'
        f'border:1px solid #777"></span><span>{html.escape(label)}</span>'
        f'{"" if n is None else f"<span style=color:#666>({n})</span>"}</div>'
        for colour, label, n, opacity in rows
    )
    # st.html, not st.markdown(unsafe_allow_html): the browser then needs no markdown-to-HTML
    # parser (rehype-raw, 184 KB of script on every first map view; issue 17).
    st.html(f'<div class="risk-legend"><b>{html.escape(title)}</b>{items}</div>')


def legend(title: str, classification: Classification, unit: str, lang: str, missing: int) -> None:
    """Choropleth legend: one row per class range, and the communes without data."""
    rows = [(colour, f"{format_value(low, unit, lang)} – {format_value(high, unit, lang)}", count, 1.0)
            for (low, high), colour, count in zip(classification.ranges(), classification.colours,
                                                  classification.counts)]
    if missing:
        rows.append((NO_DATA_COLOUR, t("map.no_data", lang), missing, 1.0))
    swatch_legend(title, rows)


WEIGHT_STEPS = [i / 2 for i in range(21)]  # 0 to 10 by halves


def composite_weights_editor(ds: Dataset, lang: str, expanded: bool = False):
    """Weights the planner can edit (equal by default) and the arithmetic/geometric choice. The choice
    is kept for the session (ui.session.COMPOSITE_SETTINGS), so it survives a page switch and the
    model card's backtest judges the composite index at these weights."""
    from risk.analysis.composite import METHOD_KEYS, METHODS, CompositeConfig, resolve_directions
    from risk.contracts.indicators import indicator_for
    from ui import session as slots

    saved = slots.COMPOSITE_SETTINGS.get() or CompositeConfig()
    directed = [k for k, d in resolve_directions(ds.indicator_keys).items() if d is not None]
    with st.expander(t("map.composite_weights", lang), expanded=expanded):
        method = st.radio(t("map.composite_method", lang), METHODS, horizontal=True,
                          key=slots.labelled(slots.preset("composite_method", saved.method)),
                          format_func=lambda m: t(METHOD_KEYS[m], lang))
        columns = st.columns(min(4, max(1, len(directed))))
        weights = {}
        for i, key in enumerate(directed):
            # Each page's editor starts from the session's weights (one set for every page and the URL).
            start = min(10.0, max(0.0, float(saved.weights.get(key, 1.0))))
            weights[key] = number_choice(
                columns[i % len(columns)], md(indicator_for(key).label(lang)), WEIGHT_STEPS, lang, 1,
                key=slots.preset(f"composite_w_{key}", round(start * 2) / 2),
            )
    if not any(weights.values()):
        from risk.analysis.composite import CompositeError

        st.warning(CompositeError("composite.all_weights_zero").message(lang))
        weights = {k: 1.0 for k in directed}
    config = CompositeConfig(weights=weights, method=method)
    slots.COMPOSITE_SETTINGS.set(config)
    return config
