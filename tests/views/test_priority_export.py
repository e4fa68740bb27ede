"""The brief an official sends upward, built by the view the page and `python -m risk export` share:
the year ranked, the issuer and place, the filters and the allocation in words, the full list, the
map's legend, the signature block. Rendered to PNG (RISK_BRIEF_PNG_DIR=<folder> keeps them)."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from risk.access.privacy import Role
from risk.access.settings import PROJECT_ROOT, load_settings
from risk.cli.main import _priority_list, main
from risk.i18n import format_date, format_number, t
from risk.ingest.folder import load_dataset
from risk.outputs.brief import class_legend
from risk.outputs.classify import classify
from risk.analysis.model import ModelConfig
from risk.views import priorities as view
from risk.views import priority_export as files
from tests.outputs.test_brief import has_words, nfc, pages_text, render_pngs

DEMO = PROJECT_ROOT / "data" / "demo"


@pytest.fixture(scope="module")
def ds():
    return load_dataset(DEMO)


@pytest.fixture(scope="module")
def lists(ds):
    """The 2025 list as `risk export` builds it (official role), in both languages."""
    return {lang: _priority_list(ds, 2025, ModelConfig(), Role.OFFICIAL, 3, lang) for lang in ("vi", "en")}


def test_the_title_names_the_year_ranked_and_the_page_says_the_same(ds, lists):
    plist = lists["vi"]
    assert files.ranked_year(plist) == 2026  # the model scores 2025 data for a case in 2026
    assert files.export_title(plist, "list", "vi") == "Danh sách xã ưu tiên năm 2026"
    assert files.export_title(lists["en"], "allocation", "en") == "Programme allocation for 2026"
    assert "2026" in files.ranked_text(plist, "vi") and "2025" in files.ranked_text(plist, "vi")
    composite = view.PriorityList(2025, "composite", plist.case_years, plist.table)
    assert files.ranked_year(composite) == 2025  # an index of 2025's indicators forecasts nothing
    assert files.export_title(composite, "list", "en") == "Priority communes by the composite index, 2025"
    assert files.export_name(plist, "pdf", "vi", date="2026-03-04T18:30:00Z") == \
        "danh-sach-xa-uu-tien-nam-2026_20260305.pdf"


def test_issuer_and_place_come_from_the_settings_or_else_the_dataset_province(ds, monkeypatch):
    assert ds.province == "Nghệ An"
    assert files.issuer_and_place(ds, load_settings({}), "vi") == ("Tỉnh Nghệ An", "Nghệ An")
    assert files.issuer_and_place(ds, load_settings({}), "en") == ("Nghệ An Province", "Nghệ An")
    conf = load_settings({"RISK_BRIEF_ISSUER": "Sở Nội vụ tỉnh Nghệ An", "RISK_BRIEF_PLACE": " Vinh "})
    assert files.issuer_and_place(ds, conf, "en") == ("Sở Nội vụ tỉnh Nghệ An", "Vinh")


def test_filters_are_said_in_words(lists):
    plist = lists["vi"]
    filters = view.PriorityFilters(("Huyện Kỳ Sơn",), 20.0, 5000.0, {"poverty_rate": 35.5})
    lines = dict(files.filter_lines(plist, filters, 12, Role.OFFICIAL, 3, "vi"))
    assert lines["Xếp hạng theo"] == "Điểm mô hình" and lines["Dữ liệu năm"] == "2025"
    assert lines["Phạm vi"].startswith("12 trong 130 xã/phường")
    assert lines["Huyện cũ"] == "Huyện Kỳ Sơn" and lines["Khoảng cách tới biên giới"] == "không quá 20 km"
    assert lines["Dân số"] == "từ 5.000 trở lên" and lines["Tỷ lệ hộ nghèo đa chiều"] == "từ 35,50 % trở lên"
    assert "Cán bộ lãnh đạo, quản lý" in lines["Số vụ việc"] and "<3" in lines["Số vụ việc"]
    english = dict(files.filter_lines(lists["en"], None, 130, Role.COMMANDER, 3, "en"))
    assert english["Communes"] == "all 130 communes (no filter)" and "exact counts" in english["Case counts"]


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_cli_brief_holds_everything_an_official_sends(lang, ds, lists, tmp_path, monkeypatch):
    monkeypatch.setenv("RISK_BRIEF_ISSUER", "Sở Nội vụ tỉnh Nghệ An")
    out = tmp_path / "brief.pdf"
    before = datetime.now(timezone.utc).isoformat()
    assert main(["export", "--data", str(DEMO), "--year", "2025", "--format", "pdf", "--out", str(out),
                 "--lang", lang, "--store", str(tmp_path / "s.gpkg"), "--user", "hoa.nguyen"]) == 0
    days = {format_date(before, lang), format_date(datetime.now(timezone.utc).isoformat(), lang)}
    pages = pages_text(out)
    first, text, last = pages[0], "\n".join(pages), pages[-1]
    assert len(pages) > 3
    assert "Sở Nội vụ tỉnh Nghệ An" in first
    assert any(t("export.brief.place_date", lang, place="Nghệ An", date=day) in first for day in days)
    assert files.export_title(lists[lang], "list", lang) in first and "2026" in first
    assert files.ranked_text(lists[lang], lang) in " ".join(first.split())
    assert "year: 2025" not in text and "ranking: model" not in text and "UTC" not in text
    assert t("app.demo_notice", lang)[:40] in " ".join(first.split())
    # The map's legend is the screen's classes (quintiles of the listed scores), with the key of the top 10.
    table = lists[lang].table
    for item in class_legend(classify(table["score"].to_numpy(float), "quantiles", 5, True), 1, lang):
        assert item.label in first, item.label
    assert all(nfc(name) in first for name in table["name"].head(10))
    # Every commune, its score as the page rounds it, and its code; the header on every list page.
    for row in table.itertuples():
        assert nfc(row.name) in text and row.commune_id in text
        assert format_number(round(row.score, 1), 1, lang) in text
    list_pages = [p for p in pages[1:] if any(cid in p for cid in table["commune_id"])]
    assert len(list_pages) > 1 and all(has_words(p, t("export.col.rank", lang)) for p in list_pages)
    # The method in one paragraph, then the signature block.
    assert t("export.brief.prepared_by", lang).upper() in last.upper() and "hoa.nguyen" in last
    assert t("export.brief.seal_hint", lang) in last
    render_pngs(out, f"brief-cli-list-{lang}", tmp_path, last=len(pages), dpi=70)


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_allocation_brief_gives_budget_cost_result_and_gain(lang, ds, lists, tmp_path):
    plist = lists[lang]
    run = view.run_allocation(ds, plist, plist.table, view.AllocationSettings(700.0, 100.0, "expected_cases"))
    rows = plist.table[plist.table["commune_id"].isin(run.plan.chosen)]
    method = view.method_text(plist, lang, role=Role.OFFICIAL) + view.allocation_method(run, lang)
    prepared = files.prepare_export(ds, plist, rows, "pdf", lang, method=method, user="hoa.nguyen", what="allocation",
                                    data_version="v1", role=Role.OFFICIAL, settings=load_settings({}),
                                    shown=plist.table, run=run)
    assert prepared.rows == len(run.plan.chosen) == 7
    out = tmp_path / prepared.name
    out.write_bytes(prepared.data)
    pages = pages_text(out, "-raw")
    text = " ".join("\n".join(pages).split())
    assert files.export_title(plist, "allocation", lang) in text
    lines = files.allocation_lines(run, plist.table, lang)
    for label, value in lines[:4]:  # budget, cost per programme, objective, communes chosen
        assert f"{label} {value}" in text, (label, value)
    for figure in files.allocation_figures(run, lang):  # total cost, risk addressed, the two rules, the gain
        assert figure.label in text and figure.value in text, figure
    assert format_number(700, 0, lang) in text and t("pr.alloc_ratio_why", lang)[:50] in text
    assert t("pr.brief.chosen", lang) in text
    for name in rows["name"]:
        assert nfc(name) in text
    render_pngs(out, f"brief-cli-allocation-{lang}", tmp_path, last=len(pages), dpi=70)


def test_a_dataset_names_its_province_from_dataset_json_or_its_one_boundary_province(ds):
    from dataclasses import replace

    assert replace(ds, meta={}).province == "Nghệ An"  # every commune says Nghệ An
    mixed = ds.boundaries.assign(province=["Nghệ An"] * (len(ds.boundaries) - 1) + ["Hà Tĩnh"])
    assert replace(ds, meta={}, boundaries=mixed).province == ""  # a country-wide dataset names none
    assert replace(ds, meta={"province": "Quảng Trị"}, boundaries=mixed).province == "Quảng Trị"
    issuer, place = files.issuer_and_place(replace(ds, meta={"name": "Toàn quốc"}, boundaries=mixed),
                                           load_settings({}), "vi")
    assert (issuer, place) == ("Toàn quốc", "")
