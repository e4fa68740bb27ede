"""The Data page's report of a checked upload, as tables labelled in the user's language:
what was read from each file, the names that matched no commune, and the geometry repairs."""
from __future__ import annotations

import pandas as pd

from risk.contracts.report import ImportReport, PartReport
from risk.i18n import format_number, t


def _converted(info: PartReport, lang: str) -> str:
    """'2 472 (2019–2024)': rows keyed by pre-2025 communes and converted, with their years; '' when none."""
    if not info.converted_rows:
        return ""
    years = info.converted_years
    span = f"{years[0]}–{years[-1]}" if years == list(range(years[0], years[-1] + 1)) else ", ".join(map(str, years))
    return f"{format_number(info.converted_rows, 0, lang)} ({span})"


def parts_table(report: ImportReport, lang: str) -> pd.DataFrame:
    """One row per file: rows read and kept, rows converted from pre-2025 communes (with their years:
    beside the rows kept, which they explain, and in view at 1366 px), names matched, then format,
    encoding, delimiter, layout, CRS and reprojection."""
    return pd.DataFrame([{
        t("dp.file", lang): f"{part}: {info.file}", t("dp.rows_read", lang): info.rows_read,
        t("dp.rows_kept", lang): info.rows_kept, t("dp.converted", lang): _converted(info, lang),
        t("dp.matched_by_id", lang): info.matched_by_id, t("dp.matched_by_name", lang): info.matched_by_name,
        t("dp.unmatched", lang): len(info.unmatched), t("dp.format", lang): info.format,
        t("dp.encoding", lang): info.encoding or "", t("dp.delimiter", lang): info.delimiter or "",
        t("dp.layout", lang): info.layout or "", t("dp.crs", lang): info.crs or "",
        t("dp.reprojection", lang): info.reprojection or "",
    } for part, info in report.parts.items()])


def unmatched_table(report: ImportReport, lang: str) -> pd.DataFrame:
    """Names that matched no commune, with the closest name when there is one (empty: none)."""
    return pd.DataFrame([{t("dp.file", lang): part, t("dp.row", lang): m.row, t("dp.name", lang): m.name,
                          t("dp.suggestion", lang): m.suggestion or ""}
                         for part, info in report.parts.items() for m in info.unmatched])


def repairs_table(report: ImportReport, lang: str) -> pd.DataFrame:
    """Geometries repaired with make_valid, and why (empty: none)."""
    return pd.DataFrame([{t("dp.row", lang): r.feature, "commune_id": r.commune_id, t("dp.reason", lang): r.reason}
                         for info in report.parts.values() for r in info.repairs])
