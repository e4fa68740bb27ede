"""No page lets a planner, an official or a demo visitor work out a suppressed case count.

The test is differential, so it catches channels nobody listed: two datasets
differ only in one hidden cell (with k = 30, commune X has 3 cases in the latest
year in one and 25 in the other; both show "<30"). The large k makes the gap wide
enough that X's recorded cases are among its main drivers (the fixture checks it),
so a leaking driver would show. For each restricted role, every page is run on
both and everything it sends (every element of the page and the sidebar, and
the map component's arguments) must be identical. Any value that moves with the
hidden count is a channel: a driver's contribution, a z-score, an exact total
from which the hidden year could be subtracted.

The commune also has 32 (visible) cases two years earlier, so a 3-year total
would give the hidden year back by subtraction if it were exact.

Declared channels, pinned to the first dataset's values in both runs (see
risk/access/privacy.py): the model's score and rank interval, and the hotspot cluster
(class, level, members), the band of the smoothed risk, and the trend. They are the decision the product exists to show, and depend on counts
only through a fitted model or a test. The latest year's counts are model
features only for scoring that year (as labels they are binary, 1 and 2 alike),
so the fitted model is the same on both datasets and pinning is exact.
(Patrol weighting is off by default, and the twin cases are not patrol-detected.)

The model card is left out: its figures are province-wide backtest aggregates.
"""
from __future__ import annotations

import csv
import re
import shutil
from dataclasses import replace
from datetime import datetime, timezone

import pytest
from streamlit.testing.v1 import AppTest

import risk.analysis.hotspots
import risk.analysis.model
from risk.analysis.features import CASE_FEATURES
from risk.i18n import t
from risk.ingest.folder import load_dataset
from risk.access.privacy import Role
from risk.access.settings import DEFAULT_DATA_DIR, PROJECT_ROOT
from tests.apptest_helpers import download, signed_in_session
from ui.auth import Session

APP = str(PROJECT_ROOT / "dashboard.py")
PAGES = ("pages/risk_map.py", "pages/hotspots.py", "pages/priorities.py")
ROLES = {"planner": (Role.PLANNER, False), "official": (Role.OFFICIAL, False), "demo": (Role.PLANNER, True)}
SCORE_COLUMNS = ["score", "rank", "rank_low", "rank_high"]
# A larger k than the default 3, so the hidden cell can be 3 or 25 (see the module docstring).
K = 30


def _read_cases(folder):
    with open(folder / "cases.csv", encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        return reader.fieldnames, list(reader)


def _write_cases(folder, fields, rows) -> None:
    with open(folder / "cases.csv", "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)


@pytest.fixture(scope="module")
def twin_datasets(tmp_path_factory):
    """(folder with 1 case for X in the latest year, folder with 2, X's commune_id, latest year)."""
    ds = load_dataset(DEFAULT_DATA_DIR)
    latest = max(ds.years)
    fields, rows = _read_cases(DEFAULT_DATA_DIR)
    # X: a commune without cases in the last three years whose indicators push its score least,
    # so that its recorded cases would be among its main drivers if they were shown.
    busy = {r["commune_id"] for r in rows if r["date"][:4] >= str(latest - 2)}
    quiet = risk.analysis.model.score(ds, latest, risk.analysis.model.ModelConfig(n_bootstrap=0)).table.set_index("commune_id")
    quiet = quiet[~quiet.index.astype(str).isin(busy)]
    target = str(quiet["drivers_without_cases"].map(lambda d: abs(d[0].contribution)).idxmin())
    template = next(r for r in rows if r.get("commune_id"))

    def case(n: int, year: int) -> dict:
        return {**template, "case_id": f"TWIN-{year}-{n}", "date": f"{year}-06-{1 + n % 28:02d}", "commune_id": target,
                "lon": "", "lat": "", "detected_by": "victim_or_family_report", "victims": "1"}

    earlier = [case(n, latest - 2) for n in range(32)]  # visible (≥ K): a total must not subtract it away
    folders = []
    for hidden in (3, 25):  # both below K, so both show as "<30"
        extra = [case(20 + n, latest) for n in range(hidden)]
        folder = tmp_path_factory.mktemp("twin")
        shutil.rmtree(folder)
        shutil.copytree(DEFAULT_DATA_DIR, folder)
        _write_cases(folder, fields, rows + earlier + extra)
        folders.append(folder)
    shown = risk.analysis.model.score(load_dataset(folders[1]), latest, risk.analysis.model.ModelConfig(n_bootstrap=0)).table
    drivers = shown.set_index("commune_id").loc[target, "drivers"]
    assert CASE_FEATURES & {d.feature for d in drivers}, "the twin must make a case feature a main driver"
    return folders[0], folders[1], target, latest


@pytest.fixture()
def pinned(twin_datasets, monkeypatch):
    """Score and hotspot class/trend computed on the first dataset, whatever dataset is open."""
    first = load_dataset(twin_datasets[0])
    real_score, real_hotspots = risk.analysis.model.score, risk.analysis.hotspots.hotspot_analysis

    def score(ds, year, config=risk.analysis.model.ModelConfig(), table=None, report=None):
        result = real_score(ds, year, config, table)
        out = result.table.set_index("commune_id")
        base = real_score(first, year, config).table.set_index("commune_id")
        out[SCORE_COLUMNS] = base.loc[out.index, SCORE_COLUMNS]
        return replace(result, table=out.sort_values("rank", kind="mergesort").reset_index())

    def hotspot_analysis(boundaries, cases, indicators, options, report=None):
        out = real_hotspots(boundaries, cases, indicators, options)
        base = real_hotspots(first.boundaries, first.cases, first.indicators, options).table.set_index("commune_id")
        table = out.table.set_index("commune_id")
        pinned = ["class", "trend", "band", "cluster", "level"]
        table[pinned] = base.loc[table.index, pinned]
        base_result = real_hotspots(first.boundaries, first.cases, first.indicators, options)
        return replace(out, table=table.reset_index(), scan=base_result.scan, smoothing=base_result.smoothing)

    monkeypatch.setattr("risk.analysis.model.score", score)  # every page's scores come through it
    monkeypatch.setattr("risk.analysis.hotspots.hotspot_analysis", hotspot_analysis)
    return twin_datasets


_FOLIUM_ID = re.compile(r"_[0-9a-f]{32}\b")  # folium names each element with a fresh uuid
_DEFERRED_ID = re.compile(r'deferred_file_id: "[0-9a-f]{32}"')  # a download made on click: a fresh id per run


def _sent(at: AppTest) -> list[str]:
    """Everything the run sent to the browser, element by element (protobuf text), and the file each
    download button gives when clicked (the Priorities page's list, in its default format)."""
    sent = [_DEFERRED_ID.sub("deferred_file_id: ID", _FOLIUM_ID.sub("_ID", str(element.proto)))
            for element in [*at.main, *at.sidebar] if hasattr(element, "proto")]
    for button in at.get("download_button"):
        if button.proto.deferred_file_id:
            sent.append(download(at, button.proto.id.rsplit("-", 1)[-1]).decode("utf-8-sig"))
    return sent


def _run(folder, page: str, role: Role, demo: bool, target: str, year: int, monkeypatch) -> list[str]:
    monkeypatch.setenv("RISK_DATA_DIR", str(folder))
    monkeypatch.setenv("RISK_DEMO_MODE", "on" if demo else "off")
    monkeypatch.setenv("RISK_SMALL_CELL_K", str(K))
    at = AppTest.from_file(APP, default_timeout=300)
    at.session_state["lang"] = "en"
    at.session_state["auth"] = (Session("demo", role, True, datetime.now(timezone.utc)) if demo
                                else signed_in_session(role))
    at.session_state["selected_commune"] = target  # the commune panel is open on X
    at.switch_page(page)
    at.run()
    assert not at.exception, at.exception
    sent = _sent(at)
    if page == "pages/risk_map.py":  # the panel is open on X
        assert any(t("panel.cases", "en") in text for text in sent)
        if role is not Role.COMMANDER:  # ... with the hidden cell in it
            assert any(f"<{K}" in text for text in sent)
    return sent


@pytest.mark.parametrize("who", list(ROLES))
@pytest.mark.parametrize("page", PAGES)
def test_no_value_a_page_sends_moves_with_a_hidden_count(pinned, page, who, monkeypatch):
    one, two, target, year = pinned
    role, demo = ROLES[who]
    first = _run(one, page, role, demo, target, year, monkeypatch)
    second = _run(two, page, role, demo, target, year, monkeypatch)
    assert len(first) == len(second)
    moved = [(a[:300], b[:300]) for a, b in zip(first, second) if a != b]
    assert not moved, f"{page} as {who}: {len(moved)} element(s) change with a hidden count, e.g. {moved[0]}"


def test_the_same_comparison_sees_the_count_for_a_commander(pinned, monkeypatch):
    """The test can fail: a commander, who may see case rows, is shown something that moves."""
    one, two, target, year = pinned
    first = _run(one, "pages/risk_map.py", Role.COMMANDER, False, target, year, monkeypatch)
    second = _run(two, "pages/risk_map.py", Role.COMMANDER, False, target, year, monkeypatch)
    assert first != second
