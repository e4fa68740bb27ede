"""The Data page's comparison of two dataset versions, labelled in the user's language."""
from __future__ import annotations

import pandas as pd

from dataclasses import dataclass

from risk.contracts.indicators import indicator_for
from risk.i18n import format_number, format_value, t

# Catalogue keys of Store.compare's rows (risk/store/versions.py), in its order.
ROW_KEYS = {
    "boundaries": "dp.cmp.boundaries", "indicators": "dp.cmp.indicators", "cases": "dp.cmp.cases",
    "border": "dp.cmp.border", "gates": "dp.cmp.gates", "communes_added": "dp.cmp.communes_added",
    "communes_removed": "dp.cmp.communes_removed", "indicator_values_changed": "dp.cmp.indicator_values_changed",
    "cases_changed": "dp.cmp.cases_changed", "communes_changed": "dp.cmp.communes_changed",
}


def comparison_table(frame: pd.DataFrame, v1: int, v2: int, lang: str) -> pd.DataFrame:
    """Store.compare(v1, v2) with its rows and columns named in `lang`."""
    version = t("dp.version", lang)
    out = frame.rename(index=lambda row: t(ROW_KEYS[row], lang) if row in ROW_KEYS else row,
                       columns={f"v{v1}": f"{version} {v1}", f"v{v2}": f"{version} {v2}",
                                "change": t("dp.cmp.change", lang)})
    out.index.name = t("dp.cmp.what", lang)
    return out


# Catalogue keys of the version list's columns (Store.versions), in the order shown.
VERSION_COLUMN_KEYS = {
    "id": "dp.col.id", "created_at": "dp.col.created_at", "label": "dp.col.label", "user": "dp.col.user",
    "active": "dp.col.active", "boundaries": "dp.cmp.boundaries", "indicators": "dp.cmp.indicators",
    "cases": "dp.cmp.cases", "border": "dp.cmp.border", "gates": "dp.cmp.gates", "years": "dp.col.years",
}


def versions_table(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Store.versions() as the Data page lists it: local time in the language's format, columns named
    in `lang`, without checksums and source paths."""
    from risk.i18n import format_datetime

    shown = frame[[c for c in VERSION_COLUMN_KEYS if c in frame.columns]].copy()
    if "created_at" in shown:
        shown["created_at"] = shown["created_at"].map(lambda v: format_datetime(v, lang))
    return shown.rename(columns={c: t(VERSION_COLUMN_KEYS[c], lang) for c in shown.columns})


# --- what changed, value by value, and what it does to the ranking ----------------------------------


def value_changes(old, new, lang: str) -> pd.DataFrame:
    """Every indicator value that differs between two versions (Dataset `old` and `new`): commune, year,
    indicator, the two values and the change, largest relative change first; a value present in one
    version only counts as a change. Labelled in `lang`."""
    keys = ["commune_id", "year"]
    columns = [c for c in new.indicator_keys if c in old.indicators.columns]
    a = old.indicators[keys + columns].assign(commune_id=lambda f: f["commune_id"].astype(str))
    b = new.indicators[keys + columns].assign(commune_id=lambda f: f["commune_id"].astype(str))
    joined = a.merge(b, on=keys, how="outer", suffixes=("_a", "_b"))
    names = new.boundaries.assign(commune_id=new.boundaries["commune_id"].astype(str)).set_index("commune_id")["name"]
    rows = []
    for key in columns:
        before, after = pd.to_numeric(joined[f"{key}_a"], errors="coerce"), pd.to_numeric(joined[f"{key}_b"], errors="coerce")
        differs = ~((before == after) | (before.isna() & after.isna()))
        unit = indicator_for(key).unit
        for i in joined.index[differs]:
            x, y = before[i], after[i]
            relative = abs(y - x) / max(abs(x), 1e-9) if pd.notna(x) and pd.notna(y) else float("inf")
            rows.append({"commune_id": joined.at[i, "commune_id"], "year": int(joined.at[i, "year"]), "key": key,
                         "before": format_value(x, unit, lang), "after": format_value(y, unit, lang),
                         "change": format_value(y - x, unit, lang) if pd.notna(x) and pd.notna(y) else "–",
                         "_relative": relative})
    frame = pd.DataFrame(rows, columns=["commune_id", "year", "key", "before", "after", "change", "_relative"])
    frame = frame.sort_values(["_relative", "commune_id", "year"], ascending=[False, True, True], kind="mergesort")
    return pd.DataFrame({
        t("col.commune_id", lang): frame["commune_id"], t("col.name", lang): frame["commune_id"].map(names).fillna(""),
        t("dp.cmp.year", lang): frame["year"], t("dp.cmp.indicator", lang): [indicator_for(k).label(lang) for k in frame["key"]],
        t("dp.cmp.before", lang): frame["before"], t("dp.cmp.after", lang): frame["after"],
        t("dp.cmp.change", lang): frame["change"],
    }).reset_index(drop=True)


@dataclass(frozen=True)
class RankingChanges:
    """The communes whose place moved most between two versions, ranked the same way on each."""

    year: int
    ranking: str  # "model" (risk score) or "composite" (equal weights) when a version has no cases
    table: pd.DataFrame  # labelled: commune, rank before, rank after, change


def ranking_changes(old, new, lang: str, top: int = 10) -> RankingChanges | None:
    """The `top` largest rank changes for the latest year both versions hold: by the model's risk score
    when both have cases, else by the composite index at equal weights; None when no year is shared
    or neither ranking can be made."""
    from risk.analysis.composite import CompositeError, composite_index
    from risk.analysis.features import ModelError
    from risk.analysis.model import ModelConfig, score

    years = sorted(set(old.years) & set(new.years))
    if not years:
        return None
    year = years[-1]
    ranks, ranking = {}, "model"
    try:
        if not (len(old.cases) and len(new.cases)):
            raise ModelError("model.no_cases")
        for name, ds in (("a", old), ("b", new)):
            table = score(ds, year, ModelConfig(n_bootstrap=0)).table
            ranks[name] = table.assign(commune_id=table["commune_id"].astype(str)).set_index("commune_id")["rank"]
    except ModelError:
        ranking = "composite"
        try:
            for name, ds in (("a", old), ("b", new)):
                table = composite_index(ds.indicators, year).table
                ranks[name] = table.assign(commune_id=table["commune_id"].astype(str)).set_index("commune_id")["rank"]
        except CompositeError:
            return None
    both = pd.DataFrame({"a": ranks["a"], "b": ranks["b"]}).dropna()
    both["move"] = both["a"] - both["b"]  # positive: the commune rose (a smaller rank is higher risk)
    both = both.reindex(both["move"].abs().sort_values(ascending=False, kind="mergesort").index).head(top)
    names = new.boundaries.assign(commune_id=new.boundaries["commune_id"].astype(str)).set_index("commune_id")["name"]
    table = pd.DataFrame({
        t("col.commune_id", lang): both.index, t("col.name", lang): both.index.map(names).fillna(""),
        t("dp.rank.before", lang): both["a"].astype(int).to_numpy(), t("dp.rank.after", lang): both["b"].astype(int).to_numpy(),
        t("dp.rank.move", lang): [format_number(m, 0, lang, sign=True) for m in both["move"]],
    })
    return RankingChanges(int(year), ranking, table.reset_index(drop=True))


def compare_versions(store, v1: int, v2: int, lang: str) -> tuple[pd.DataFrame, RankingChanges | None]:
    """The values that differ and the largest ranking changes between two stored versions."""
    old, new = store.load(int(v1)), store.load(int(v2))
    return value_changes(old, new, lang), ranking_changes(old, new, lang)
