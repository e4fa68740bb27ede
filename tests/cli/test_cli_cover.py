"""`python -m risk cover`: the page's patrol coverage from the command line, existing posts kept open."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from risk.analysis.coverage import commune_points, cover, patrol_sites
from risk.analysis.model import ModelConfig, score
from risk.cli.main import main
from risk.i18n import t
from risk.ingest.folder import load_dataset

DEMO = Path(__file__).resolve().parents[2] / "data" / "demo"


def _main(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["cover", "--data", str(DEMO), "--year", "2025", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_json_keeps_the_existing_post_and_equals_the_engine(capsys):
    code, out, _ = _main(capsys, "--k", "2", "--fixed", "Nậm Cắn", "--json")
    assert code == 0
    data = json.loads(out)
    assert [b["name"] for b in data["fixed"]] == ["Nậm Cắn"] and len(data["bases"]) == 3
    ds = load_dataset(DEMO)
    table = score(ds, 2025, ModelConfig(n_bootstrap=0)).table
    communes = commune_points(ds.boundaries).drop(columns=["name"]).merge(
        table[["commune_id", "score"]].assign(population=0.0), on="commune_id")
    sites = patrol_sites(gates=ds.gates)
    direct = cover(communes, sites, 2, 15.0, fixed=[sites["name"].tolist().index("Nậm Cắn")])
    assert sorted(b["name"] for b in data["bases"]) == sorted(b.name for b in direct.bases)
    assert data["covered_share"] == pytest.approx(direct.covered_share, rel=1e-12)


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_readable_summary_marks_the_existing_post(capsys, lang):
    code, out, _ = _main(capsys, "--k", "1", "--fixed", "Nậm Cắn", "--lang", lang)
    assert code == 0
    assert f"Nậm Cắn ({t('pr.fixed_mark', lang)})" in out and t("cover.cli.summary", lang, k=1, radius=15.0,
                                                                    share="@", greedy="@").split("@")[0] in out


def test_an_unknown_post_or_too_many_bases_is_a_clear_error(capsys):
    code, _, err = _main(capsys, "--k", "1", "--fixed", "Nowhere", "--lang", "en")
    assert code == 2 and "Nowhere" in err
    code, _, err = _main(capsys, "--k", "9", "--lang", "en")
    assert code == 2 and "candidate locations" in err
    code, _, err = _main(capsys, "--k", "1", "--sites", "file", "--lang", "en")
    assert code == 2 and "--sites-file" in err


def test_recorded_cases_objective_weighs_the_last_three_years(capsys):
    code, out, _ = _main(capsys, "--k", "2", "--objective", "recorded_cases", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["objective_kind"] == "recorded_cases"
    ds = load_dataset(DEMO)
    located = ds.cases[ds.cases["date"].dt.year.between(2023, 2025) & ds.cases["commune_id"].notna()]
    assert data["covered_risk"] == pytest.approx(data["covered_share"] * len(located), rel=1e-9)
