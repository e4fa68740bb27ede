"""Vietnamese and English strings for everything a user sees.

Vietnamese is the default. Every visible string goes through `t()`, so a
missing translation is a test failure, not a blank label. The text lives in
`locales/vi.toml` and `locales/en.toml` (flat, quoted, dotted keys such as
`"map.year"`, grouped by the prefix of the module that owns them), so a
translator edits text files, not Python.
"""
from __future__ import annotations

import string
import tomllib
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Mapping

LANGUAGES: tuple[str, ...] = ("vi", "en")
DEFAULT_LANGUAGE = "vi"
LANGUAGE_NAMES = {"vi": "Tiếng Việt", "en": "English"}
LOCALES_DIR = Path(__file__).resolve().parent / "locales"


def _load_catalogue() -> dict[str, dict[str, str]]:
    """{key: {lang: text}} from the locale files, read once at import."""
    by_lang = {lang: tomllib.loads((LOCALES_DIR / f"{lang}.toml").read_text(encoding="utf-8")) for lang in LANGUAGES}
    keys = dict.fromkeys(k for lang in LANGUAGES for k in by_lang[lang])
    return {key: {lang: by_lang[lang][key] for lang in LANGUAGES if key in by_lang[lang]} for key in keys}


CATALOG: dict[str, dict[str, str]] = _load_catalogue()


def t(key: str, lang: str = DEFAULT_LANGUAGE, /, **params: object) -> str:
    """Translate `key` into `lang`, filling `{placeholders}` from params.

    An unknown key raises KeyError: a missing string is a bug to catch in tests.
    """
    entry = CATALOG[key]
    text = entry.get(lang) or entry[DEFAULT_LANGUAGE]
    return text.format(**params) if params else text


def placeholders(text: str) -> set[str]:
    """Names of the `{placeholders}` in a template (used by the catalogue test)."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@dataclass(frozen=True)
class Message:
    """Something to tell the user that is not an error (a note under a result), rendered via the
    catalogue: `code` is an i18n key, `params` fill it."""

    code: str
    params: Mapping[str, object] = field(default_factory=dict)

    def message(self, lang: str = DEFAULT_LANGUAGE) -> str:
        return t(self.code, lang, **self.params)

    def to_dict(self, lang: str = DEFAULT_LANGUAGE) -> dict:
        return {"code": self.code, "params": dict(self.params), "message": self.message(lang)}


class LocalisedError(Exception):
    """An error whose text lives in the catalogue: `code` is an i18n key, `params` fill it.

    The engine raises these; pages and the CLI render `message(lang)` in the
    user's language, so no traceback or English-only text reaches a user.
    """

    def __init__(self, code: str, **params: object):
        self.code = code
        self.params = params
        super().__init__(code, params)

    def message(self, lang: str = DEFAULT_LANGUAGE) -> str:
        return t(self.code, lang, **self.params)

    def __str__(self) -> str:
        return self.message("en")

    def __reduce__(self):  # keyword parameters survive pickling (caches, subprocesses)
        return (_rebuild_error, (type(self), self.code, self.params))


def _rebuild_error(cls: type, code: str, params: dict) -> LocalisedError:
    return cls(code, **params)


# --- numbers as each language writes them ------------------------------------------------
# Vietnamese writes 1.234,5 and 12,3%; English 1,234.5 and 12.3%.
_SEPARATORS = {"vi": (".", ","), "en": (",", ".")}


def format_number(value: float | None, decimals: int, lang: str, *, sign: bool = False) -> str:
    """`value` with `decimals` places and the language's thousands and decimal marks; "–" for none."""
    if value is None or value != value:
        return "–"
    text = f"{value:{'+' if sign else ''},.{decimals}f}"
    thousands, point = _SEPARATORS.get(lang, _SEPARATORS["en"])
    return text.replace(",", "\0").replace(".", point).replace("\0", thousands)


# Vietnam keeps one offset all year (no daylight saving), so no time-zone database is needed.
VIETNAM_TIME = timezone(timedelta(hours=7), "ICT")
_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _vietnam_time(value: str | None) -> datetime | None:
    """An ISO timestamp (UTC when it has no offset, as the store writes) in Vietnam's local time."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(VIETNAM_TIME)


def format_datetime(value: str | None, lang: str) -> str:
    """An ISO timestamp (UTC when it has no offset, as the store writes) in Vietnam's local time:
    "03/12/2026 00:39" in Vietnamese, "3 Dec 2026 00:39" in English; "–" for none or unreadable."""
    local = _vietnam_time(value)
    if local is None:
        return "–"
    return f"{format_date(value, lang)} {local:%H:%M}"


def format_date(value: str | None, lang: str) -> str:
    """The Vietnam calendar day of an ISO timestamp: "03/12/2026" in Vietnamese, "3 Dec 2026" in
    English; "–" for none or unreadable."""
    local = _vietnam_time(value)
    if local is None:
        return "–"
    if lang == "vi":
        return local.strftime("%d/%m/%Y")
    return f"{local.day} {_MONTHS_EN[local.month - 1]} {local.year}"


# Vietnamese leaves a (non-breaking) space before the percent sign: "3,2 %"; English writes "3.2%".
_PERCENT_SIGN = {"vi": "\u00a0%", "en": "%"}


def format_percent(share: float | None, lang: str, decimals: int = 1, *, sign: bool = False) -> str:
    """A share (0.123) as a percentage in the language's marks ("12,3 %" / "12.3%")."""
    if share is None or share != share:
        return "–"
    return format_number(share * 100, decimals, lang, sign=sign) + _PERCENT_SIGN.get(lang, "%")


def format_value(value: float | None, unit: str, lang: str, *, with_unit: bool = True) -> str:
    """An indicator value as the map, its legend and the commune panel write it: rates (unit "%")
    with one decimal, large or whole numbers without decimals, other numbers with two; in the
    language's marks; "–" where missing."""
    if value is None or value != value:
        return "–"
    if unit == "%":
        text = format_number(value, 1, lang)
        return text + _PERCENT_SIGN.get(lang, "%") if with_unit else text
    return format_number(value, 0 if abs(value) >= 100 or float(value).is_integer() else 2, lang)
