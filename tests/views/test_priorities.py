"""The priority list is one view: the page's export and `python -m risk export` give the same file."""
from __future__ import annotations

import pytest

from risk.access.privacy import Role
from risk.access.settings import PROJECT_ROOT
from risk.cli.main import main
from tests.apptest_helpers import download, open_page

DEMO = PROJECT_ROOT / "data" / "demo"


def page_export(role: Role, lang: str, year: int) -> bytes:
    at = open_page("pages/priorities.py", role, f"u-{role.value}", lang)
    at.selectbox(key="pr_year").set_value(year)
    at.selectbox(key="pr_export_format").set_value("csv")
    at.run()
    assert not at.exception, at.exception
    return download(at, "pr_export_download")


@pytest.mark.parametrize("role, lang", [(Role.PLANNER, "vi"), (Role.COMMANDER, "en")])
def test_cli_export_equals_the_page_export(tmp_path, role, lang):
    out = tmp_path / "list.csv"
    code = main(["export", "--data", str(DEMO), "--year", "2024", "--format", "csv", "--out", str(out),
                 "--lang", lang, "--role", role.value, "--store", str(tmp_path / "audit.gpkg")])
    assert code == 0
    cli = out.read_bytes()
    page = page_export(role, lang, 2024)
    assert cli == page
    assert cli.count(b"\n") == 131  # the header and every commune


def test_page_and_cli_lists_differ_when_the_role_does():
    """The equality above is not vacuous: the role changes the cells (hidden small counts)."""
    assert page_export(Role.PLANNER, "en", 2024) != page_export(Role.COMMANDER, "en", 2024)


def test_cli_allocation_equals_the_page_allocation(capsys):
    import json

    at = open_page("pages/priorities.py", Role.PLANNER, "u-planner")
    at.number_input(key="pr_budget").set_value(700)
    at.button(key="pr_run_alloc").click()
    at.run()
    assert not at.exception, at.exception
    page = at.session_state["pr_allocation"].plan
    code = main(["allocate", "--data", str(DEMO), "--year", "2025", "--budget", "700", "--cost", "100", "--json"])
    assert code == 0
    cli = json.loads(capsys.readouterr().out)
    assert sorted(cli["chosen"]) == sorted(page.chosen) and len(page.chosen) == 7
    assert cli["objective"] == pytest.approx(page.objective, rel=1e-12)


def test_an_export_from_the_store_names_the_stored_version(tmp_path):
    """The page and the command line describe store-backed data the same way: '#<version> <label> (<when>)'."""
    from risk.ingest.upload import import_files
    from risk.store.versions import Store

    store = Store(tmp_path / "store.gpkg")
    import_files(store, DEMO, user="tester", label="stored demo")
    out = tmp_path / "list.csv"
    assert main(["export", "--store", str(store.path), "--year", "2024", "--format", "csv", "--out", str(out),
                 "--lang", "en"]) == 0
    version = store.audit(action="export").iloc[-1]["details"]["data_version"]
    assert version.startswith("#1 stored demo (")
