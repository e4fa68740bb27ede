"""Priorities page in AppTest: the list, its filters, the selection shared with the map."""
from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from risk.i18n import t
from risk.access.privacy import Role
from risk.access.settings import PROJECT_ROOT
from tests.apptest_helpers import commune_styles, map_place, signed_in_session

APP = str(PROJECT_ROOT / "dashboard.py")


def open_priorities(role: Role = Role.PLANNER, lang: str = "en", **state) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=300)
    at.session_state["lang"] = lang
    at.session_state["auth"] = signed_in_session(role, f"u-{role.value}")
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    at.switch_page("pages/priorities.py")
    at.run()
    assert not at.exception, at.exception
    return at


def listing(at: AppTest):
    return at.dataframe[0].value


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_ranked_list_with_all_columns(lang):
    at = open_priorities(lang=lang)
    assert at.title[0].value == t("page.priorities", lang)
    table = listing(at)
    for key in ("pr.col.rank", "pr.col.interval", "pr.col.score", "pr.col.drivers", "pr.col.cases_3y",
                "pr.col.hotspot", "pr.col.dist_border"):
        assert t(key, lang) in table.columns
    ranks = table[t("pr.col.rank", lang)].tolist()
    assert ranks == sorted(ranks) and len(ranks) == 130
    assert at.get("component_instance"), "the map is missing"


def test_planner_sees_suppressed_case_totals_commander_exact():
    planner = listing(open_priorities(Role.PLANNER))[t("pr.col.cases_3y", "en")].tolist()
    commander = listing(open_priorities(Role.COMMANDER))[t("pr.col.cases_3y", "en")].tolist()
    assert any(p.startswith("≥") for p in planner) and not any(c.startswith(("≥", "<")) for c in commander)
    differ = [(p, c) for p, c in zip(planner, commander) if p != c]
    # A total that holds a hidden year is a lower bound ("≥m", m ≤ the true total), never exact.
    assert differ and all(p.startswith(("≥", "<")) and int(p[1:]) <= int(c) for p, c in differ)


def test_filters_narrow_the_list_and_keep_ranks():
    at = open_priorities()
    at.multiselect(key="pr_districts").set_value(["Huyện Kỳ Sơn"])
    at.run()
    table = listing(at)
    assert set(table[t("col.former_district", "en")]) == {"Huyện Kỳ Sơn"}
    assert any(c.value == t("pr.count", "en", shown=len(table), total=130) for c in at.caption)
    at.slider(key="pr_border").set_value(10)
    at.run()
    narrowed = listing(at)
    assert len(narrowed) <= len(table) and (narrowed[t("pr.col.dist_border", "en")] <= 10).all()


def test_map_clicks_select_rows():
    at = open_priorities(pr_map_selected=["16819"])
    table = listing(at)
    selected = table[table[t("pr.selected", "en")]]
    assert selected[t("col.commune_id", "en")].tolist() == ["16819"]
    import json

    styles = commune_styles(json.loads(at.get("component_instance")[0].proto.json_args))
    assert sum(s["weight"] == 3 for s in styles) == 1  # the one selected commune is outlined on the map


def test_the_map_keeps_its_place_whatever_is_shown_above_it():
    """A selection's clear button, an allocation's figures or the composite weights coming and going
    above the map moved it, and the browser then reloaded the map instead of restyling it (issue 17)."""
    at = open_priorities()
    places = {"list": map_place(at)}
    at.session_state["pr_map_selected"] = ["16819"]
    at.run()
    places["selection"] = map_place(at)
    at.number_input(key="pr_budget").set_value(1000)
    at.button(key="pr_run_alloc").click()
    at.run()
    places["allocation"] = map_place(at)
    at.radio(key="pr_ranking").set_value("composite")
    at.run()
    places["composite"] = map_place(at)
    assert not at.exception
    assert len(set(places.values())) == 1 and None not in places.values(), places


def test_composite_ranking_without_the_model():
    at = open_priorities()
    assert all(listing(at)[t("pr.col.interval", "en")] != "–")  # the model's ranks carry intervals
    at.radio(key="pr_ranking").set_value("composite")
    at.run()
    assert not at.exception
    assert len(listing(at)) == 130
    # A fixed formula has no interval to show: a dash and a sentence, not "1–1", which would claim
    # a certainty nothing measured.
    assert set(listing(at)[t("pr.col.interval", "en")]) == {"–"}
    assert any(c.value.startswith(t("pr.ranked.composite", "en", year=2025)[:40]) and "(–)" in c.value
               for c in at.caption)
    # Every commune that differs from the average on some indicator says which, in the indicators' names.
    reasons = listing(at)[t("pr.col.drivers", "en")]
    assert (reasons != "").all()
    assert reasons.str.contains("▲").any() and reasons.str.contains("▼").any()
    assert reasons.str.contains(t("indicator.poverty_rate.label", "en"), regex=False).any()


def test_allocation_beats_the_ranking_and_shows_on_the_map():
    at = open_priorities()
    at.number_input(key="pr_budget").set_value(1000)
    at.number_input(key="pr_cost").set_value(100)
    at.button(key="pr_run_alloc").click()
    at.run()
    assert not at.exception and not at.error
    plan = at.session_state["pr_allocation"].plan
    assert len(plan.chosen) == 10 and plan.cost <= 1000
    assert plan.objective >= plan.greedy_objective
    labels = [m.label for m in at.metric]
    assert t("pr.alloc_ratio", "en") in labels and t("pr.alloc_ratio_gain", "en") in labels
    # With one flat cost, taking communes by risk per unit of cost is already optimal: the page says so.
    assert plan.ratio_gap == pytest.approx(0.0, abs=1e-9 * plan.objective)
    assert any(t("pr.alloc_near_zero", "en", gain="@").split("(")[0] in w.value for w in at.warning)
    assert at.radio(key="pr_show").value == "allocation"
    import json

    styles = commune_styles(json.loads(at.get("component_instance")[0].proto.json_args))
    assert sum(s["weight"] == 3 for s in styles) == 10


def test_allocation_error_is_explained():
    at = open_priorities()
    at.number_input(key="pr_budget").set_value(50)
    at.number_input(key="pr_cost").set_value(100)
    at.toggle(key="pr_force").set_value(True)
    at.run()
    at.multiselect(key="pr_include").set_value(["16819"])
    at.button(key="pr_run_alloc").click()
    at.run()
    assert not at.exception
    assert at.error, "an impossible plan must be explained"
    assert "budget" in at.error[0].value and "pr_allocation" not in at.session_state


def test_patrol_coverage_at_gates():
    at = open_priorities()
    at.number_input(key="pr_k").set_value(2)
    at.radio(key="pr_sites").set_value("gates")
    at.button(key="pr_run_cover").click()
    at.run()
    assert not at.exception and not at.error
    coverage = at.session_state["pr_coverage"]
    assert len(coverage.bases) == 2 and 0 < coverage.covered_share <= 1
    assert coverage.covered_share >= coverage.greedy_share - 1e-9
    assert coverage.objective_kind == "expected_cases" and coverage.fixed == ()
    # An existing post kept open: it is among the bases, and two new ones are added to it.
    at.toggle(key="pr_fixed_on").set_value(True)
    at.run()
    at.multiselect(key="pr_fixed_gates").set_value([0])
    at.button(key="pr_run_cover").click()
    at.run()
    assert not at.exception and not at.error
    kept = at.session_state["pr_coverage"]
    assert len(kept.fixed) == 1 and len(kept.bases) == 3 and kept.fixed[0] in kept.bases
    assert kept.covered_share >= coverage.covered_share - 1e-9
    assert t("pr.coverage_help", "en") in [c.value for c in at.caption]


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "pdf"])
def test_export_is_offered_and_audited_when_downloaded(fmt):
    from risk.access.settings import load_settings
    from risk.store.versions import Store
    from tests.apptest_helpers import download, download_name

    at = open_priorities()
    at.selectbox(key="pr_export_format").set_value(fmt)
    at.run()
    assert not at.exception
    log = Store(load_settings().store_path).audit(action="export")
    assert len(log) == 0  # offering a file is not exporting it
    assert download_name(at, "pr_export_download").endswith("." + fmt)
    assert len(download(at, "pr_export_download")) > 100
    log = Store(load_settings().store_path).audit(action="export")
    assert len(log) == 1 and log.loc[0, "user"] == "u-planner" and log.loc[0, "rows"] == 130
    assert log.loc[0, "details"]["format"] == fmt and log.loc[0, "details"]["filters"]["year"] == 2025


def test_the_download_follows_the_format_and_filters_without_a_stale_file():
    """The file is made from the page as it is when clicked: changing the format or a filter changes
    what the same button gives, with no second click on anything."""
    import io

    import pandas as pd

    from tests.apptest_helpers import download, download_name

    at = open_priorities()
    at.selectbox(key="pr_export_format").set_value("csv")
    at.run()
    full = pd.read_csv(io.BytesIO(download(at, "pr_export_download")), encoding="utf-8-sig", dtype=str)
    assert len(full) == 130
    district = sorted(set(full[t("export.col.former_district", "en")]))[0]
    at.multiselect(key="pr_districts").set_value([district])
    at.run()
    narrowed = pd.read_csv(io.BytesIO(download(at, "pr_export_download")), encoding="utf-8-sig", dtype=str)
    assert 0 < len(narrowed) < 130 and set(narrowed[t("export.col.former_district", "en")]) == {district}
    at.selectbox(key="pr_export_format").set_value("xlsx")
    at.run()
    assert download_name(at, "pr_export_download").endswith(".xlsx")
    assert download(at, "pr_export_download").startswith(b"PK")  # a zip: the XLSX, not the old CSV


def test_allocation_export_holds_the_chosen_communes():
    import io

    import pandas as pd

    from tests.apptest_helpers import download

    at = open_priorities()
    at.button(key="pr_run_alloc").click()
    at.run()
    at.radio(key="pr_export_what").set_value("allocation")
    at.selectbox(key="pr_export_format").set_value("csv")
    at.run()
    assert not at.exception
    frame = pd.read_csv(io.BytesIO(download(at, "pr_export_download")), encoding="utf-8-sig", dtype=str)
    chosen = set(at.session_state["pr_allocation"].plan.chosen)
    assert set(frame[t("export.col.commune_id", "en")]) == chosen


def test_only_roles_that_see_case_rows_may_cover_recorded_cases():
    label = t("pr.objective.recorded_cases", "en")
    planner = open_priorities(Role.PLANNER)
    assert label not in planner.radio(key="pr_cover_objective").options
    at = open_priorities(Role.COMMANDER)
    assert label in at.radio(key="pr_cover_objective").options
    at.radio(key="pr_cover_objective").set_value("recorded_cases")
    at.number_input(key="pr_k").set_value(2)
    at.radio(key="pr_sites").set_value("gates")
    at.button(key="pr_run_cover").click()
    at.run()
    assert not at.exception and not at.error
    assert at.session_state["pr_coverage"].objective_kind == "recorded_cases"
    assert t("pr.covered_share_cases", "en") in [m.label for m in at.metric]


def test_the_page_says_which_year_the_list_ranks_as_the_brief_does():
    at = open_priorities(lang="vi")
    assert t("pr.ranked.model", "vi", next=2026, year=2025) in [c.value for c in at.caption]
    at.radio(key="pr_ranking").set_value("composite")
    at.run()
    assert t("pr.ranked.composite", "vi", year=2025) in [c.value for c in at.caption]


def test_a_composite_brief_from_the_page_names_its_year_weights_and_filters(tmp_path):
    from tests.apptest_helpers import download
    from tests.outputs.test_brief import pages_text

    at = open_priorities(lang="vi")
    at.radio(key="pr_ranking").set_value("composite")
    at.run()
    at.select_slider(key="composite_w_poverty_rate").set_value(3.0)
    at.multiselect(key="pr_districts").set_value(["Huyện Kỳ Sơn"])
    at.selectbox(key="pr_export_format").set_value("pdf")
    at.run()
    assert not at.exception
    path = tmp_path / "brief.pdf"
    path.write_bytes(download(at, "pr_export_download"))
    text = " ".join("\n".join(pages_text(path, "-raw")).split())
    assert "Danh sách xã ưu tiên theo chỉ số tổng hợp năm 2025" in text
    assert "Huyện cũ Huyện Kỳ Sơn" in text and "trong 130 xã/phường" in text
    assert "Tỷ lệ hộ nghèo đa chiều 3" in text  # the weight the planner set, in the method
    assert "year:" not in text and "ranking:" not in text


def test_a_long_list_is_shown_a_page_at_a_time_and_keeps_what_was_picked(monkeypatch):
    """At country scale the whole table was resent with every change (0.9 MB per year change at
    10,600 communes, issue 17): the table shows a page of the ranked list, and rows picked on one
    page stay picked, on the map, when another is shown."""
    monkeypatch.setattr("risk.views.priorities.TABLE_ROWS", 50)
    at = open_priorities()
    assert listing(at)[t("pr.col.rank", "en")].tolist() == list(range(1, 51))
    pager = at.selectbox(key="pr_table_page")
    assert pager.options == [t("pr.page_rows", "en", first=a, last=b) for a, b in ((1, 50), (51, 100), (101, 130))]
    picked = listing(at)[t("col.commune_id", "en")].iloc[[0, 2]].tolist()
    at.session_state["pr_table"] = {"selection": {"rows": [0, 2], "columns": [], "cells": []}}
    at.run()
    at.selectbox(key="pr_table_page").set_value(2)
    at.run()
    assert not at.exception, at.exception
    assert listing(at)[t("pr.col.rank", "en")].tolist() == list(range(101, 131))
    assert sorted(at.session_state["pr_map_selected"]) == sorted(picked)
    import json

    styles = commune_styles(json.loads(at.get("component_instance")[0].proto.json_args))
    assert sum(s["weight"] == 3 for s in styles) == 2  # both still outlined on the map

    # A filter that shortens the list under the chosen page shows the last page there is; with one
    # page left the pager goes, and the map keeps its place.
    place = map_place(at)
    at.multiselect(key="pr_districts").set_value(["Huyện Kỳ Sơn"])
    at.run()
    table = listing(at)
    assert not at.exception and 0 < len(table) <= 50 and table[t("pr.col.rank", "en")].is_monotonic_increasing
    assert not [s for s in at.selectbox if s.key == "pr_table_page"]
    assert map_place(at) == place


def test_a_province_list_is_one_table_without_a_pager():
    at = open_priorities()
    assert len(listing(at)) == 130 and not [s for s in at.selectbox if s.key == "pr_table_page"]


def test_communes_picked_for_the_allocation_stay_picked_through_a_year_change():
    """Its choices are listed by name, not by rank, so a year change neither resends them (0.4 MB
    at 10,600 communes, issue 17) nor drops what a person picked."""
    at = open_priorities(pr_force=True)
    include = at.multiselect(key="pr_include")
    options = list(include.options)
    assert options == sorted(options)
    include.select(include.options[5])  # AppTest's options are the shown names
    at.run()
    picked = at.session_state["pr_include"]
    assert len(picked) == 1
    first_year = min(at.selectbox(key="pr_year").options)
    at.selectbox(key="pr_year").set_value(int(first_year))
    at.run()
    assert not at.exception, at.exception
    assert list(at.multiselect(key="pr_include").options) == options
    assert at.session_state["pr_include"] == picked and at.session_state["pr_year"] == int(first_year)


def test_rows_picked_in_the_table_stay_on_their_communes_when_the_ranking_changes():
    """Streamlit gives a table's picks as row positions: after a year change re-ranks the list, the
    same positions are other communes. The picks are read against the rows the person saw, kept as
    the selection, and the new table starts with none."""
    at = open_priorities()
    before = listing(at)[t("col.commune_id", "en")].tolist()
    at.session_state["pr_table"] = {"selection": {"rows": [0, 1], "columns": [], "cells": []}}
    at.run()
    first_year = min(at.selectbox(key="pr_year").options)
    at.selectbox(key="pr_year").set_value(int(first_year))
    at.run()
    assert not at.exception, at.exception
    after = listing(at)
    assert after[t("col.commune_id", "en")].tolist()[:2] != before[:2]  # the year re-ranked the list
    assert sorted(at.session_state["pr_map_selected"]) == sorted(before[:2])
    ticked = after[after[t("pr.selected", "en")]][t("col.commune_id", "en")]
    assert sorted(ticked) == sorted(before[:2])
    assert "pr_table" not in at.session_state  # the old table's positions are gone with it


def test_communes_are_forced_or_posts_kept_only_once_asked_for():
    """Each chooser lists every commune: at country scale the browser spent about 0.3 s of a first
    visit building them (issue 17). They are drawn when a person asks, and off means none applies."""
    at = open_priorities()
    keys = {m.key for m in at.multiselect}
    assert not keys & {"pr_include", "pr_exclude", "pr_fixed_communes", "pr_fixed_gates"}, keys
    at.toggle(key="pr_force").set_value(True)
    at.toggle(key="pr_fixed_on").set_value(True)
    at.run()
    assert not at.exception
    assert len(at.multiselect(key="pr_include").options) == 130 == len(at.multiselect(key="pr_exclude").options)
    assert at.multiselect(key="pr_fixed_communes").options
    exclude = at.multiselect(key="pr_exclude")
    exclude.select(exclude.options[0])
    at.run()
    assert len(at.session_state["pr_exclude"]) == 1
    at.toggle(key="pr_force").set_value(False)  # off: the picks are cleared, none is forced
    at.button(key="pr_run_alloc").click()
    at.run()
    assert not at.exception and not at.error
    assert "pr_exclude" not in at.session_state
    run = at.session_state["pr_allocation"]
    assert run.settings.include == () and run.settings.exclude == ()


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_commune_stays_in_view_and_the_reasons_column_says_how_to_read_a_cut_cell(lang):
    """Scrolled sideways, every figure is still read against its commune; a reason the grid cuts
    can be read whole, and the column's header says how. Each setting names a column the table
    has, so a renamed column cannot leave it applying to nothing."""
    at = open_priorities(lang=lang)
    config = json.loads(at.dataframe[0].proto.columns)
    table = listing(at)
    for key in ("pr.selected", "pr.col.rank", "col.name"):
        assert config[t(key, lang)]["pinned"] is True and t(key, lang) in table.columns
    reasons = config[t("pr.col.drivers", lang)]
    assert t("pr.col.drivers", lang) in table.columns
    assert reasons["width"] == "large" and reasons["help"] == t("pr.col.drivers_help", lang)
