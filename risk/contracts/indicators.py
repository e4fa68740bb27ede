"""The indicator registry: what each commune indicator means and which way it points.

Indicators describe places. `ethnic_minority_share` in particular is a
vulnerability indicator of a commune (distance from services, information and
jobs in one's own language), never a mark on people.
"""
from __future__ import annotations

from dataclasses import dataclass

from risk.i18n import DEFAULT_LANGUAGE, t


@dataclass(frozen=True)
class Indicator:
    """One indicator: its unit and direction, and catalogue keys for its label and description
    (risk/i18n/locales), so translators edit every visible word in one place."""

    key: str
    unit: str
    higher_is_riskier: bool | None  # None: direction unknown (extra indicators)
    label_key: str | None = None  # None: labelled by its column name (an extra indicator)
    description_key: str | None = "indicator.extra.description"  # None: no description
    source: str = ""  # a key of SOURCE_KEYS
    is_rate: bool = True  # a percentage, bounded to [0, 100]
    in_registry: bool = True
    # How values of several communes combine into one (rows of pre-2025 communes converted through the
    # crosswalk): "sum" for counts, "mean" (population-weighted) for rates; None: unknown (an extra).
    aggregation: str | None = "mean"

    def label(self, lang: str = DEFAULT_LANGUAGE) -> str:
        return t(self.label_key, lang) if self.label_key else self.key

    def description(self, lang: str = DEFAULT_LANGUAGE) -> str:
        return t(self.description_key, lang) if self.description_key else ""

    def source_label(self, lang: str = DEFAULT_LANGUAGE) -> str:
        return t(SOURCE_KEYS[self.source], lang) if self.source in SOURCE_KEYS else self.source


# Typical sources of the indicators.
SOURCE_KEYS: dict[str, str] = {
    "social": "source.social", "census": "source.census", "education": "source.education",
    "population": "source.population",
}

REGISTRY: dict[str, Indicator] = {
    ind.key: ind
    for ind in [
        Indicator("poverty_rate", "%", True, "indicator.poverty_rate.label",
                  "indicator.poverty_rate.description", source="social"),
        Indicator("near_poor_rate", "%", True, "indicator.near_poor_rate.label",
                  "indicator.near_poor_rate.description", source="social"),
        Indicator("ethnic_minority_share", "%", True, "indicator.ethnic_minority_share.label",
                  "indicator.ethnic_minority_share.description", source="census"),
        Indicator("outmigration_rate", "%", True, "indicator.outmigration_rate.label",
                  "indicator.outmigration_rate.description", source="social"),
        Indicator("dropout_rate", "%", True, "indicator.dropout_rate.label",
                  "indicator.dropout_rate.description", source="education"),
        Indicator("early_marriage_rate", "%", True, "indicator.early_marriage_rate.label",
                  "indicator.early_marriage_rate.description", source="social"),
        Indicator("no_road_share", "%", True, "indicator.no_road_share.label",
                  "indicator.no_road_share.description", source="social"),
        Indicator("mobile_coverage", "%", False, "indicator.mobile_coverage.label",
                  "indicator.mobile_coverage.description", source="social"),
        Indicator("population", "người / people", None, "indicator.population.label",
                  "indicator.population.description", source="population", is_rate=False, aggregation="sum"),
    ]
}


def indicator_for(key: str) -> Indicator:
    """The registry entry for `key`, or a flagged entry for an extra indicator.

    Columns outside the registry are accepted and labelled by their column name.
    """
    if key in REGISTRY:
        return REGISTRY[key]
    return Indicator(key, "", None, is_rate=False, in_registry=False, aggregation=None)
