"""The audit log records sign-ins (failed and successful), imports, activations and exports,
in order, with the user, on both store backends (RISK_STORE a file or a postgresql:// URL)."""
from __future__ import annotations

from streamlit.testing.v1 import AppTest

from risk.access.accounts import Accounts, open_accounts
from risk.access.privacy import Role
from risk.access.settings import DEFAULT_DATA_DIR, PROJECT_ROOT, load_settings
from risk.store import open_store
from risk.ingest.upload import import_files
from tests.apptest_helpers import download

APP = str(PROJECT_ROOT / "dashboard.py")


def test_every_audited_action_in_order_with_its_user(monkeypatch, configured_store):
    monkeypatch.setenv("RISK_DEMO_MODE", "off")
    conf = load_settings()
    open_accounts(conf).add("boss", Role.ADMIN, "admin-password")
    at = AppTest.from_file(APP, default_timeout=300)
    at.session_state["lang"] = "en"
    at.run()
    for password in ("wrong-password", "admin-password"):
        at.text_input(key="login_user").input("boss")
        at.text_input(key="login_password").input(password)
        at.button[0].click()
        at.run()
    assert not at.exception

    store = open_store(conf.store)  # the same calls the Data page makes
    assert store.location == configured_store.location
    import_files(store, DEFAULT_DATA_DIR, user="boss", label="first")
    import_files(store, DEFAULT_DATA_DIR, user="boss", label="second")
    store.activate(1, "boss")

    at.switch_page("pages/priorities.py")
    at.run()
    assert not at.exception
    download(at, "pr_export_download")

    log = store.audit().iloc[::-1]  # oldest first
    assert log["action"].tolist() == ["sign_in_failed", "sign_in", "import", "import", "activate", "export"]
    assert set(log["user"]) == {"boss"}
    assert log.iloc[-1]["rows"] == 130 and log.iloc[4]["details"]["version"] == 1
