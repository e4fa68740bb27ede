"""The view in the URL: a link, a reload or the browser's back button reopens what was on screen.

Every value of the view (the year, the layer, the class scheme, the composite weights, the
filters, the selected commune, ...) lives in a session slot (ui/session.py), so every page of
the session shares it; pages preset their widgets from it and write it back. This module puts
those values in the URL with `st.query_params` and reads them back:

* `write_url(page)` runs after the page drew (dashboard.py): the page's own parameters, the
  shared ones and the language, written only when they changed, so the address bar always
  shows the view and a copied address reopens it. Every value is written, defaults too, so a
  link does not depend on defaults that may move (a new year of data).
* `read_url()` runs first: when the URL holds a view this session did not write (a link
  opened, a reload, back or forward), each parameter is parsed strictly and a malformed one
  (an unknown form, `<script>`, a year of letters, a 10 kB list) is ignored. Whether a
  well-formed value fits the data (a year the data has, a commune that exists) is checked by
  the page, which falls back to its default. Nothing read here reaches HTML.

Streamlit's widget binding (`bind="query-params"`) was measured and not used: a bound
parameter belongs to one page and is dropped when another page opens, so the year could not
be shared; a select box writes its translated label, so a link made in Vietnamese would name
options in Vietnamese; and defaults are left out of the URL.

No secret ever enters the URL: the sign-in is carried by an HttpOnly cookie (ui/server.py),
so a copied link shows the view to its recipient only after their own sign-in.
"""
from __future__ import annotations

import html
import math
import re
from dataclasses import dataclass
from typing import Any, Callable, Mapping

import streamlit as st

from risk.analysis.composite import METHODS, CompositeConfig
from risk.analysis.model import KINDS, ModelConfig
from risk.i18n import LANGUAGES, t
from risk.contracts.cases import FORMS
from risk.outputs.classify import CLASS_COUNTS, SCHEMES
from risk.views.hotspots import LAYERS
from risk.views.priorities import RANKING_LABEL_KEYS, PriorityFilters
from ui import session as slots

Query = Mapping[str, list[str]]

ETHNIC = "ethnic_minority_share"
PATROL_WEIGHTS = (0.0, 0.25, 0.5, 0.75, 1.0)
CLASS_RANGE = (min(CLASS_COUNTS), max(CLASS_COUNTS))
_KEY = re.compile(r"[A-Za-z0-9_]{1,64}")  # indicator keys, and the risk map's __score__ / __composite__
_ID = re.compile(r"[A-Za-z0-9_.\-]{1,64}")  # commune ids
_MAX_ITEMS = 200
_MAX_TEXT = 120


@dataclass(frozen=True)
class Param:
    """One value of the view: the slot it lives in, how it reads from and writes to the URL, and
    the widgets that show it (forgotten when a link brings a new value, so they show that one)."""

    slot: slots.Slot
    read: Callable[[Query], Any]  # the value, or None when absent; raises on a malformed one
    write: Callable[[Any], dict[str, str | list[str]]]
    widgets: tuple[str, ...] = ()
    widget_prefixes: tuple[str, ...] = ()


# --- strict readers: a value is returned only when it is well formed ----------------------------


def _one(query: Query, name: str) -> str | None:
    values = query.get(name)
    if not values:
        return None
    if len(values) != 1 or len(values[0]) > 1000:
        raise ValueError(name)
    return values[0]


def _int(text: str, low: int, high: int) -> int:
    if not re.fullmatch(r"-?\d{1,10}", text):
        raise ValueError(text)
    value = int(text)
    if not low <= value <= high:
        raise ValueError(text)
    return value


def _float(text: str, low: float, high: float) -> float:
    if not re.fullmatch(r"-?\d{1,12}(\.\d{1,12})?", text):
        raise ValueError(text)
    value = float(text)
    if not (math.isfinite(value) and low <= value <= high):
        raise ValueError(text)
    return value


def _choice(text: str, allowed: tuple) -> str:
    if text not in allowed:
        raise ValueError(text)
    return text


def _pattern(text: str, pattern: re.Pattern) -> str:
    if not pattern.fullmatch(text):
        raise ValueError(text)
    return text


def _pairs(text: str, low: float, high: float) -> dict[str, float]:
    """"key:number,key:number" with well-formed keys and numbers in [low, high]."""
    items = [item for item in text.split(",") if item]
    if len(items) > _MAX_ITEMS:
        raise ValueError("too many")
    out: dict[str, float] = {}
    for item in items:
        key, _, number = item.partition(":")
        out[_pattern(key, _KEY)] = _float(number, low, high)
    return out


def _number_text(value: float) -> str:
    return f"{value:g}"


def _simple(name: str, parse: Callable[[str], Any]) -> Callable[[Query], Any]:
    def read(query: Query) -> Any:
        text = _one(query, name)
        return None if text is None else parse(text)

    return read


def _texts(query: Query, name: str, pattern: re.Pattern | None = None) -> tuple[str, ...] | None:
    """A repeated parameter: a few short printable texts (district names, commune ids)."""
    values = query.get(name)
    if values is None:
        return None
    if len(values) > _MAX_ITEMS:
        raise ValueError(name)
    values = [v for v in values if v != ""]
    for value in values:
        if len(value) > _MAX_TEXT or not value.isprintable() or (pattern and not pattern.fullmatch(value)):
            raise ValueError(name)
    return tuple(dict.fromkeys(values))


# --- composite: "wm" (method) and "w" (weights) ------------------------------------------------


def _read_composite(query: Query) -> CompositeConfig | None:
    method, weights = _one(query, "wm"), _one(query, "w")
    if method is None and weights is None:
        return None
    return CompositeConfig(weights=_pairs(weights or "", 0.0, 10.0), method=_choice(method or "arithmetic", METHODS))


def _write_composite(config: CompositeConfig) -> dict[str, str]:
    return {"wm": config.method, "w": ",".join(f"{k}:{_number_text(v)}" for k, v in sorted(config.weights.items()))}


# --- model settings: "model", "noeth", "patrol" -----------------------------------------------


def _read_model(query: Query) -> ModelConfig | None:
    kind, noeth, patrol = _one(query, "model"), _one(query, "noeth"), _one(query, "patrol")
    if kind is None and noeth is None and patrol is None:
        return None
    weight = float(_choice(patrol, tuple(_number_text(w) for w in PATROL_WEIGHTS))) if patrol is not None else 1.0
    return ModelConfig(kind=_choice(kind or KINDS[0], KINDS),
                       drop_features=(ETHNIC,) if _choice(noeth or "0", ("0", "1")) == "1" else (),
                       patrol_weight=weight)


def _write_model(config: ModelConfig) -> dict[str, str]:
    return {"model": config.kind, "noeth": "1" if ETHNIC in config.drop_features else "0",
            "patrol": _number_text(config.patrol_weight)}


# --- priority filters: "d" (repeated), "border", "minpop", "min" -------------------------------


def _read_filters(query: Query) -> PriorityFilters | None:
    if not any(name in query for name in ("d", "border", "minpop", "min")):
        return None
    border, minpop, minimums = _one(query, "border"), _one(query, "minpop"), _one(query, "min")
    border_km = _float(border, 0.0, 100_000.0) if border is not None else 0.0
    population = _float(minpop, 0.0, 1e12) if minpop is not None else 0.0
    return PriorityFilters(districts=_texts(query, "d") or (), max_border_km=border_km or None,
                           min_population=population or None, thresholds=_pairs(minimums or "", -1e12, 1e12))


def _write_filters(filters: PriorityFilters) -> dict[str, str | list[str]]:
    return {"d": list(filters.districts), "border": _number_text(filters.max_border_km or 0),
            "minpop": _number_text(filters.min_population or 0),
            "min": ",".join(f"{k}:{_number_text(v)}" for k, v in sorted(filters.thresholds.items()))}


# --- hotspot period: "from", "to" -------------------------------------------------------------


def _read_selection(query: Query) -> list[str] | None:
    ids = _texts(query, "sel", _ID)
    return None if ids is None else sorted(ids)


def _read_period(query: Query) -> tuple[int, int] | None:
    first, last = _one(query, "from"), _one(query, "to")
    if first is None or last is None:
        return None
    first_year, last_year = _int(first, 1000, 3000), _int(last, 1000, 3000)
    if first_year > last_year:
        raise ValueError("period")
    return first_year, last_year


LANG = Param(slots.LANG, _simple("lang", lambda v: _choice(v, LANGUAGES)), lambda v: {"lang": v})
YEAR = Param(slots.VIEW_YEAR, _simple("year", lambda v: _int(v, 1000, 3000)), lambda v: {"year": str(v)},
             widgets=("map_year", "pr_year"))
INDICATOR = Param(slots.VIEW_INDICATOR, _simple("ind", lambda v: _pattern(v, _KEY)), lambda v: {"ind": v},
                  widgets=("map_indicator",))
SCHEME = Param(slots.VIEW_SCHEME, _simple("scheme", lambda v: _choice(v, SCHEMES)), lambda v: {"scheme": v},
               widgets=("map_scheme",))
CLASSES = Param(slots.VIEW_CLASSES, _simple("k", lambda v: _int(v, *CLASS_RANGE)), lambda v: {"k": str(v)},
                widgets=("map_k",))
COMMUNE = Param(slots.SELECTED_COMMUNE, _simple("commune", lambda v: _pattern(v, _ID)), lambda v: {"commune": v})
COMPOSITE = Param(slots.COMPOSITE_SETTINGS, _read_composite, _write_composite, widgets=("composite_method",),
                  widget_prefixes=("composite_w_",))
MODEL = Param(slots.MODEL_SETTINGS, _read_model, _write_model, widgets=("mp_kind", "mp_drop_ethnic", "mp_patrol"))
RANKING = Param(slots.VIEW_RANKING, _simple("rank", lambda v: _choice(v, tuple(RANKING_LABEL_KEYS))),
                lambda v: {"rank": v}, widgets=("pr_ranking",))
FILTERS = Param(slots.VIEW_FILTERS, _read_filters, _write_filters,
                widgets=("pr_districts", "pr_border", "pr_min_pop", "pr_threshold_keys"), widget_prefixes=("pr_min_",))
SELECTION = Param(slots.PR_MAP_SELECTED, _read_selection, lambda v: {"sel": sorted(v)})
PERIOD = Param(slots.VIEW_PERIOD, _read_period, lambda v: {"from": str(v[0]), "to": str(v[1])}, widgets=("hs_period",))
FORM = Param(slots.VIEW_FORM, _simple("form", lambda v: _choice(v, ("", *FORMS))), lambda v: {"form": v},
             widgets=("hs_form",))
LAYER = Param(slots.VIEW_LAYER, _simple("layer", lambda v: _choice(v, LAYERS)), lambda v: {"layer": v},
              widgets=("hs_layer",))

PARAMS: tuple[Param, ...] = (LANG, YEAR, INDICATOR, SCHEME, CLASSES, COMMUNE, COMPOSITE, MODEL, RANKING, FILTERS,
                             SELECTION, PERIOD, FORM, LAYER)
# What each page's link carries besides the language (the page itself is the URL's path).
PAGE_PARAMS: dict[str, tuple[Param, ...]] = {
    "risk_map": (YEAR, INDICATOR, SCHEME, CLASSES, COMMUNE, COMPOSITE, MODEL),
    "priorities": (YEAR, RANKING, COMPOSITE, MODEL, FILTERS, SELECTION),
    "hotspots": (PERIOD, FORM, LAYER),
    "model": (MODEL, COMPOSITE),
}


def parse(query: Query) -> dict[slots.Slot, Any]:
    """The well-formed values of a URL's parameters, by slot; anything malformed is left out."""
    found: dict[slots.Slot, Any] = {}
    for param in PARAMS:
        try:
            value = param.read(query)
        except Exception:  # malformed or hostile: ignored, the default stays
            continue
        if value is not None:
            found[param.slot] = value
    return found


def encode(page: str, values: Mapping[slots.Slot, Any]) -> dict[str, list[str]]:
    """The query parameters of `page`'s view, from its values by slot (absent ones left out)."""
    out: dict[str, list[str]] = {}
    for param in (LANG, *PAGE_PARAMS.get(page, ())):
        if param.slot in values and values[param.slot] is not None:
            for name, value in param.write(values[param.slot]).items():
                written = list(value) if isinstance(value, list) else [value]
                if written:  # st.query_params cannot hold an empty list: the URL would never match
                    out[name] = written  # what was written, and read_url would put its view back
    return out


def _current_query() -> dict[str, list[str]]:
    return {name: st.query_params.get_all(name) for name in st.query_params}


def read_url() -> None:
    """Take the view a URL brings, unless it is the one this session wrote (called first in a run)."""
    query = _current_query()
    if not query or query == slots.URL_WRITTEN.get():
        return  # a page switch clears the URL; the session's values stay
    found = parse(query)
    for param in PARAMS:
        if param.slot in found:
            param.slot.set(found[param.slot])
            slots.forget(param.widgets, param.widget_prefixes)
    slots.URL_WRITTEN.set(query)


def write_url(page: str) -> None:
    """Put `page`'s view in the URL, when it differs from what is there (called after the page drew)."""
    values = {param.slot: param.slot.get() for param in PARAMS if param.slot.present()}
    query = encode(page, values)
    if query != _current_query():
        st.query_params.from_dict({name: value if len(value) != 1 else value[0] for name, value in query.items()})
    slots.URL_WRITTEN.set(query)


_COPY_SCRIPT = """
<script>
(function () {
  document.querySelectorAll("button.risk-copy-link").forEach(function (button) {
    if (button.dataset.ready) { return; }
    button.dataset.ready = "1";
    var label = button.textContent;
    function copied() {
      button.textContent = button.dataset.done;
      setTimeout(function () { button.textContent = label; }, 2500);
    }
    button.addEventListener("click", function () {
      var link = window.location.href;
      function byHand() {
        var area = document.createElement("textarea");
        area.value = link;
        area.setAttribute("readonly", "");
        area.style.position = "fixed";
        area.style.opacity = "0";
        document.body.appendChild(area);
        area.select();
        var ok = false;
        try { ok = document.execCommand("copy"); } catch (err) { ok = false; }
        document.body.removeChild(area);
        if (ok) { copied(); } else { window.prompt(button.dataset.manual, link); }
      }
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(link).then(copied, byHand);
      } else {
        byHand();
      }
    });
  });
})();
</script>
"""
_COPY_STYLE = ("font: inherit; font-size: 0.875rem; padding: 0.25rem 0.75rem; border-radius: 0.5rem; "
               "border: 1px solid rgba(49, 51, 63, 0.2); background: #fff; color: inherit; cursor: pointer;")


def copy_button(lang: str) -> None:
    """"Copy link to this view": copies the page's address, which `write_url` keeps equal to the view.

    Streamlit has no copy button of its own outside code blocks (whose copy needs HTTPS and says
    "Copy to clipboard" in English). This one runs in the page itself (st.html, no iframe): the
    clipboard API where the browser allows it, the selection copy on plain HTTP, and a box to
    copy by hand if both fail. Only our translated labels enter the HTML, escaped."""
    label, done, manual = (html.escape(t(key, lang), quote=True) for key in ("link.copy", "link.copied", "link.manual"))
    st.html(f'<button type="button" class="risk-copy-link" title="{manual}" data-done="{done}" '
            f'data-manual="{manual}" style="{_COPY_STYLE}">{label}</button>{_COPY_SCRIPT}',
            unsafe_allow_javascript=True)
