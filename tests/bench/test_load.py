"""The load bench on two processes behind the shipped nginx site, with two people: both finish
every step (sign in, map, year, commune, CSV), and both processes served script runs."""
from __future__ import annotations

import json
import os

import pytest

from bench.load import main, percentile
from tests.browser import chromium_available

pytestmark = pytest.mark.skipif(
    not chromium_available() and not os.environ.get("CI"),
    reason="Chromium is not installed (make test installs it); CI never skips this",
)


def test_two_people_through_nginx_to_two_processes_finish_every_step(tmp_path, capsys):
    out = tmp_path / "load.json"
    # --browser-nice 0: os.nice would lower this whole test process for the tests after this one.
    main(["--sessions", "2", "--processes", "2", "--browser-nice", "0", "--json", str(out)])
    single, many = json.loads(out.read_text())
    assert [o["failed_step"] for o in many["outcomes"]] == ["", ""], many["outcomes"]
    assert all(len(o["seconds"]) == 4 for o in single["outcomes"] + many["outcomes"])
    assert len(many["server_walls"]) == len(many["server_cpus"]) > 0
    assert len(single["outcomes"]) == 3  # the reference: one person alone, three times
    printed = capsys.readouterr().out
    assert "successes 2, errors 0" in printed and "× one session's median" in printed


def test_percentiles_interpolate():
    assert percentile([], 95) is None
    assert percentile([3.0], 95) == 3.0
    assert percentile([1.0, 2.0, 3.0, 4.0, 5.0], 50) == 3.0
    assert percentile(list(map(float, range(1, 21))), 95) == pytest.approx(19.05)


def test_with_a_postgresql_store_the_load_accounts_are_made_in_its_database(tmp_path, postgis_url):
    """The servers read accounts from the PostgreSQL store's database, so that is where the bench
    makes them (twice on one database: the second run resets their passwords)."""
    from bench.load import PASSWORD, prepare
    from risk.access.accounts import Accounts

    for _ in range(2):
        env, users, _ = prepare(tmp_path, 130, 2, postgis_url)
    assert env["RISK_STORE"] == postgis_url and not (tmp_path / "accounts.sqlite").exists()
    assert all(Accounts(postgis_url).sign_in(user, PASSWORD).ok for user in users)
