"""Vietnamese and English strings for everything a user sees.

Vietnamese is the default. Every visible string goes through `t()`, so a
missing translation is a test failure, not a blank label. Strings are grouped
by the module that owns them; keys are dotted (`area.name`).
"""
from __future__ import annotations

import string

LANGUAGES: tuple[str, ...] = ("vi", "en")
DEFAULT_LANGUAGE = "vi"
LANGUAGE_NAMES = {"vi": "Tiếng Việt", "en": "English"}

# --- application frame and pages -------------------------------------------
_UI: dict[str, dict[str, str]] = {
    "app.title": {"vi": "Bản đồ nguy cơ mua bán người", "en": "Human-trafficking risk map"},
    "app.subtitle": {
        "vi": "Hỗ trợ phòng, chống mua bán người ở các xã biên giới, miền núi và vùng đồng bào dân tộc thiểu số",
        "en": "Supporting trafficking prevention in border, mountainous and ethnic-minority communes",
    },
    "app.language": {"vi": "Ngôn ngữ", "en": "Language"},
    "app.dataset": {"vi": "Bộ dữ liệu", "en": "Dataset"},
    "app.dataset_summary": {
        "vi": "{communes} xã/phường · chỉ số {year_min}–{year_max} · {cases} vụ việc",
        "en": "{communes} communes · indicators {year_min}–{year_max} · {cases} cases",
    },
    "app.demo_notice": {
        "vi": "DỮ LIỆU MINH HỌA: ranh giới xã, các chỉ số và vụ việc trên trang này đều do máy tạo ra, không phải số liệu thật. "
        "Chỉ tên, mã xã, đường biên giới và cửa khẩu là thật.",
        "en": "DEMO DATA: the commune shapes, indicators and cases on this page are generated, not real figures. "
        "Only the commune names and codes, the border line and the border gates are real.",
    },
    "app.load_error": {
        "vi": "Không đọc được bộ dữ liệu tại {path}:",
        "en": "The dataset at {path} could not be read:",
    },
    "page.risk_map": {"vi": "Bản đồ nguy cơ", "en": "Risk map"},
    "map.indicator": {"vi": "Chỉ số", "en": "Indicator"},
    "map.year": {"vi": "Năm", "en": "Year"},
    "map.scheme": {"vi": "Cách chia lớp", "en": "Class breaks"},
    "map.classes": {"vi": "Số lớp", "en": "Number of classes"},
    "map.scheme.quantiles": {"vi": "Phân vị (số xã bằng nhau)", "en": "Quantiles (equal counts)"},
    "map.scheme.natural_breaks": {"vi": "Ngắt tự nhiên (Jenks)", "en": "Natural breaks (Jenks)"},
    "map.scheme.equal_interval": {"vi": "Khoảng đều", "en": "Equal interval"},
    "map.legend": {"vi": "Chú giải", "en": "Legend"},
    "map.no_data": {"vi": "Không có số liệu", "en": "No data"},
    "map.layers.border": {"vi": "Biên giới Việt Nam – Lào", "en": "Vietnam–Laos border"},
    "map.layers.gates": {"vi": "Cửa khẩu", "en": "Border gates"},
    "map.layers.outline": {"vi": "Ranh giới tỉnh", "en": "Province outline"},
    "map.layers.communes": {"vi": "Xã/phường", "en": "Communes"},
    "map.tooltip.name": {"vi": "Xã/phường", "en": "Commune"},
    "map.tooltip.former_district": {"vi": "Huyện cũ", "en": "Former district"},
    "map.tooltip.value": {"vi": "Giá trị", "en": "Value"},
    "map.direction.higher_risk": {"vi": "cao hơn = nguy cơ cao hơn", "en": "higher = more risk"},
    "map.direction.lower_risk": {"vi": "cao hơn = nguy cơ thấp hơn", "en": "higher = less risk"},
    "map.direction.unknown": {"vi": "chiều tác động chưa xác định", "en": "direction not set"},
    "map.extra_indicator": {
        "vi": "Chỉ số bổ sung (không có trong danh mục): {key}",
        "en": "Extra indicator (not in the registry): {key}",
    },
    "map.source": {"vi": "Nguồn", "en": "Source"},
    "map.selected": {"vi": "Xã đang chọn", "en": "Selected commune"},
    "map.click_hint": {
        "vi": "Bấm vào một xã trên bản đồ để xem chi tiết.",
        "en": "Click a commune on the map to see its details.",
    },
    "map.summary": {
        "vi": "{n} xã có số liệu năm {year}; trung vị {median}",
        "en": "{n} communes with data in {year}; median {median}",
    },
    "map.table": {"vi": "Bảng số liệu", "en": "Data table"},
    "map.vulnerability_note": {
        "vi": "Tỷ lệ dân tộc thiểu số mô tả mức độ dễ tổn thương của một địa bàn (khó tiếp cận dịch vụ, thông tin), không mô tả con người.",
        "en": "Ethnic-minority share describes a place's vulnerability (access to services and information), never people.",
    },
    "col.commune_id": {"vi": "Mã xã", "en": "Commune code"},
    "col.name": {"vi": "Tên", "en": "Name"},
    "col.former_district": {"vi": "Huyện cũ", "en": "Former district"},
    "col.value": {"vi": "Giá trị", "en": "Value"},
    "col.class": {"vi": "Lớp", "en": "Class"},
}

# --- loaders and validation (risk/io.py) -------------------------------------
_IO: dict[str, dict[str, str]] = {}

CATALOG: dict[str, dict[str, str]] = {**_UI, **_IO}


def t(key: str, lang: str = DEFAULT_LANGUAGE, **params: object) -> str:
    """Translate `key` into `lang`, filling `{placeholders}` from params.

    An unknown key raises KeyError: a missing string is a bug to catch in tests.
    """
    entry = CATALOG[key]
    text = entry.get(lang) or entry[DEFAULT_LANGUAGE]
    return text.format(**params) if params else text


def placeholders(text: str) -> set[str]:
    """Names of the `{placeholders}` in a template (used by the catalogue test)."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}
