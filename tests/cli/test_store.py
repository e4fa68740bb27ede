"""`python -m risk store migrate --from A --to B` (risk/cli/store.py): moves a GeoPackage store into
PostgreSQL with a localised summary or --json, refuses a destination that holds anything (exit 2,
naming it), and never prints a URL's password, also when the server cannot be reached."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from risk.cli.main import main
from risk.i18n import t
from risk.ingest.upload import import_files
from risk.store import open_store
from risk.store.migrate import MIGRATE_ACTION

DEMO = Path(__file__).resolve().parents[2] / "data" / "demo"
PASSWORD = "s3cret-Pa55word"


@pytest.fixture
def gpkg_store(tmp_path) -> str:
    path = tmp_path / "office.gpkg"
    store = open_store(path)
    import_files(store, DEMO, user="boss", label="first")
    import_files(store, DEMO, user="boss", label="second")
    store.record_model_run(2, "backtest", {"kind": "logistic"}, {"auc": 0.7}, user="boss")
    return str(path)


def _with_password(url: str) -> str:
    """The test server trusts local connections: a password in the URL is accepted and unused."""
    scheme, rest = url.split("://", 1)
    user, host = rest.split("@", 1)
    return f"{scheme}://{user}:{PASSWORD}@{host}"


def _run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["store", "migrate", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_a_geopackage_store_moves_into_postgresql_with_a_summary(gpkg_store, postgis_url, capsys) -> None:
    url = _with_password(postgis_url)
    code, out, err = _run(capsys, "--from", gpkg_store, "--to", url, "--user", "mover", "--lang", "en")
    assert code == 0, err
    assert PASSWORD not in out + err
    assert f"Moved the store {gpkg_store} to postgresql://postgres@" in out
    assert "Checksums equal for every version: yes." in out and "Verified:" in out
    assert "boundaries: 260 / 260 equal" in out and "Model runs: 1 equal" in out
    entry = open_store(postgis_url).audit(action=MIGRATE_ACTION).iloc[0]
    assert entry["user"] == "mover" and entry["details"]["from"] == gpkg_store
    assert PASSWORD not in json.dumps(entry["details"]) and entry["details"]["to"].startswith("postgresql://postgres@")

    code, out, err = _run(capsys, "--from", gpkg_store, "--to", url)  # again: the database is no longer empty
    assert code == 2 and out == "" and PASSWORD not in err
    assert "không trống" in err and "postgresql://postgres@127.0.0.1" in err


def test_json_output_and_a_postgresql_store_back_to_a_file(gpkg_store, postgis_url, tmp_path, capsys) -> None:
    code, out, _ = _run(capsys, "--from", gpkg_store, "--to", postgis_url, "--json")
    first = json.loads(out)
    assert code == 0 and first["ok"] and first["checksums_equal"] and first["audit"]["ok"]
    assert first["message"] == t("store.migrate.verified", "vi")
    back = tmp_path / "back.gpkg"
    code, out, _ = _run(capsys, "--from", _with_password(postgis_url), "--to", str(back), "--json")
    second = json.loads(out)
    assert code == 0 and second["ok"] and PASSWORD not in out
    assert [v["checksum"] for v in second["versions"]] == [v["checksum"] for v in first["versions"]]
    assert second["audit"]["copied"] == first["audit"]["rows"] and second["parts"]["indicators"]["equal"]
    assert open_store(back).verify_audit().ok


def test_an_unreachable_server_is_named_without_its_password(gpkg_store, capsys) -> None:
    code, out, err = _run(capsys, "--from", gpkg_store, "--to", f"postgresql://admin:{PASSWORD}@127.0.0.1:1/risk",
                          "--lang", "en")
    assert code == 2 and out == ""
    assert PASSWORD not in err and "postgresql://admin@127.0.0.1:1/risk" in err
