"""The indicator registry: what each commune indicator means and which way it points.

Indicators describe places. `ethnic_minority_share` in particular is a
vulnerability indicator of a commune (distance from services, information and
jobs in one's own language), never a mark on people.
"""
from __future__ import annotations

from dataclasses import dataclass

from risk.i18n import DEFAULT_LANGUAGE


@dataclass(frozen=True)
class Indicator:
    key: str
    label_vi: str
    label_en: str
    unit: str
    higher_is_riskier: bool | None  # None: direction unknown (extra indicators)
    description_vi: str
    description_en: str
    source: str = ""  # a key of SOURCES
    is_rate: bool = True  # a percentage, bounded to [0, 100]
    in_registry: bool = True

    def label(self, lang: str = DEFAULT_LANGUAGE) -> str:
        return self.label_en if lang == "en" else self.label_vi

    def description(self, lang: str = DEFAULT_LANGUAGE) -> str:
        return self.description_en if lang == "en" else self.description_vi

    def source_label(self, lang: str = DEFAULT_LANGUAGE) -> str:
        entry = SOURCES.get(self.source)
        return (entry[1] if lang == "en" else entry[0]) if entry else self.source


# Typical sources of each indicator, (Vietnamese, English).
SOURCES: dict[str, tuple[str, str]] = {
    "social": ("Thống kê cấp xã (ngành Lao động – Thương binh và Xã hội, Nội vụ)",
               "Commune statistics (labour and social affairs, home affairs)"),
    "census": ("Tổng điều tra dân số và nhà ở", "Population and housing census"),
    "education": ("Ngành giáo dục", "Education sector"),
    "population": ("Thống kê dân số", "Population statistics"),
}


_SOURCE = "social"

REGISTRY: dict[str, Indicator] = {
    ind.key: ind
    for ind in [
        Indicator(
            "poverty_rate", "Tỷ lệ hộ nghèo đa chiều", "Multidimensional poverty rate", "%", True,
            "Tỷ lệ hộ nghèo theo chuẩn nghèo đa chiều.",
            "Share of households below the multidimensional poverty line.", _SOURCE,
        ),
        Indicator(
            "near_poor_rate", "Tỷ lệ hộ cận nghèo", "Near-poor rate", "%", True,
            "Tỷ lệ hộ cận nghèo theo chuẩn đa chiều.",
            "Share of households just above the poverty line.", _SOURCE,
        ),
        Indicator(
            "ethnic_minority_share", "Tỷ lệ dân số dân tộc thiểu số (mức dễ tổn thương của địa bàn)",
            "Ethnic-minority share of population (a place's vulnerability)", "%", True,
            "Mô tả mức dễ tổn thương của địa bàn (xa dịch vụ, thông tin và việc làm bằng tiếng mẹ đẻ), không mô tả con người.",
            "Describes a place's vulnerability (distance from services, information and jobs in one's own language), never people.",
            "census",
        ),
        Indicator(
            "outmigration_rate", "Tỷ lệ lao động đi làm ăn xa", "Labour out-migration rate", "%", True,
            "Tỷ lệ người trong độ tuổi lao động đi làm việc ngoài tỉnh hoặc ra nước ngoài.",
            "Share of working-age people working outside the province or abroad.", _SOURCE,
        ),
        Indicator(
            "dropout_rate", "Tỷ lệ bỏ học THCS", "Lower-secondary dropout rate", "%", True,
            "Tỷ lệ học sinh trung học cơ sở bỏ học trong năm.",
            "Share of lower-secondary pupils who left school during the year.", "education",
        ),
        Indicator(
            "early_marriage_rate", "Tỷ lệ tảo hôn", "Early-marriage rate", "%", True,
            "Tỷ lệ kết hôn dưới tuổi luật định trong số các cuộc kết hôn.",
            "Share of marriages below the legal age.", _SOURCE,
        ),
        Indicator(
            "no_road_share", "Tỷ lệ hộ chưa có đường đi lại quanh năm", "Households without all-weather road", "%", True,
            "Tỷ lệ hộ không có đường ô tô đi lại được quanh năm.",
            "Share of households without all-weather road access.", _SOURCE,
        ),
        Indicator(
            "mobile_coverage", "Tỷ lệ phủ sóng di động/Internet", "Mobile and internet coverage", "%", False,
            "Tỷ lệ dân số được phủ sóng di động và Internet; cao hơn nghĩa là dễ tiếp cận thông tin hơn.",
            "Share of population covered by mobile and internet; higher means better access to information.", _SOURCE,
        ),
        Indicator(
            "population", "Dân số", "Population", "người / people", None,
            "Dân số trung bình năm.", "Mid-year population.", "population", is_rate=False,
        ),
    ]
}


def indicator_for(key: str) -> Indicator:
    """The registry entry for `key`, or a flagged entry for an extra indicator.

    Columns outside the registry are accepted and labelled by their column name.
    """
    if key in REGISTRY:
        return REGISTRY[key]
    return Indicator(
        key, key, key, "", None,
        "Chỉ số bổ sung, không có trong danh mục.", "Extra indicator, not in the registry.",
        is_rate=False, in_registry=False,
    )
