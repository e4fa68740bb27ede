"""Real browser: an admin signs in, uploads a dataset on the Data page, checks it, saves it
as a version, and the risk map then draws it; all with no internet."""
from __future__ import annotations

import os

import pytest

from risk.access.accounts import Accounts
from risk.access.privacy import Role
from risk.access.settings import DEFAULT_DATA_DIR, PROJECT_ROOT
from risk.store.versions import Store
from tests.browser import browser_page, chromium_available, streamlit_server, wait_for_paths, wait_for_text

pytestmark = pytest.mark.skipif(
    not chromium_available() and not os.environ.get("CI"),
    reason="Chromium is not installed (make test installs it); CI never skips this",
)
ARTIFACTS = PROJECT_ROOT / "tests" / "artifacts"


def sign_in(page, base: str, user: str, password: str) -> None:
    page.goto(base, wait_until="domcontentloaded")
    page.get_by_label("Tên đăng nhập").fill(user)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập").click()


def test_admin_imports_a_dataset_and_the_map_uses_it(tmp_path):
    ARTIFACTS.mkdir(exist_ok=True)
    accounts_db, store_path = tmp_path / "accounts.sqlite", tmp_path / "store.gpkg"
    Accounts(accounts_db).add("admin1", Role.ADMIN, "admin-password-1")
    env = {"RISK_ACCOUNTS_DB": str(accounts_db), "RISK_STORE": str(store_path), "RISK_DEMO_MODE": "off",
           "RISK_DATA_DIR": str(DEFAULT_DATA_DIR)}
    with streamlit_server(env) as base, browser_page(base) as (page, blocked):
        sign_in(page, base, "admin1", "admin-password-1")
        assert wait_for_paths(page, 130) >= 130  # the map of the folder data, before any import
        # Navigate inside the session (a new URL would start a new, signed-out session).
        page.locator('[data-testid="stSidebar"] a[data-testid="stPageLink-NavLink"]', has_text="Dữ liệu").click()
        assert wait_for_text(page, "Tải lên")
        files = ["boundaries.geojson", "indicators.csv", "cases.csv", "border.geojson", "border_gates.csv"]
        for i, name in enumerate(files):
            uploader = page.locator('[data-testid="stFileUploader"]').nth(i)
            # A rerun triggered by the previous upload can replace the widget while a file is being
            # set; like a person would, try again when the file does not show up.
            for _attempt in range(3):
                uploader.locator('input[type="file"]').set_input_files(str(DEFAULT_DATA_DIR / name))
                waited = 0
                while uploader.get_by_text(name).count() == 0 and waited < 15000:
                    page.wait_for_timeout(200)
                    waited += 200
                if uploader.get_by_text(name).count():
                    break
            assert uploader.get_by_text(name).count(), f"{name} was not uploaded"
            page.wait_for_timeout(500)  # let the rerun this upload started finish
        page.get_by_label("Tên phiên bản").fill("Thử nhập dữ liệu")
        page.keyboard.press("Tab")
        page.get_by_role("button", name="Kiểm tra và xem trước").click()
        assert wait_for_text(page, "Không có lỗi", 60000), "the check reported errors"
        assert wait_for_paths(page, 100) >= 100  # the preview map drew the uploaded communes
        page.screenshot(path=str(ARTIFACTS / "data-preview.png"), full_page=True)
        page.get_by_role("button", name="Lưu thành phiên bản mới và sử dụng").click()
        assert wait_for_text(page, "Đã lưu phiên bản #1", 60000)
        page.screenshot(path=str(ARTIFACTS / "data-saved.png"), full_page=True)
        assert blocked == [], blocked[:5]

    store = Store(store_path)
    assert store.active_version() == 1
    versions = store.versions()
    assert versions.loc[0, "label"] == "Thử nhập dữ liệu" and versions.loc[0, "user"] == "admin1"
    assert "import" in store.audit()["action"].tolist()
