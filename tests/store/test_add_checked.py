"""Store.add_checked saves a dataset only while it is the one its check saw (risk/store/shared.py),
on both backends."""
from __future__ import annotations

import pytest

from risk.access.settings import DEFAULT_DATA_DIR
from risk.contracts.dataset import dataset_checksum
from risk.i18n import LANGUAGES
from risk.ingest.upload import check_upload
from risk.store.shared import StoreBase as Store, StoreError


@pytest.fixture(scope="module")
def checked():
    dataset, report = check_upload(DEFAULT_DATA_DIR)
    assert dataset is not None and report.ok and report.content_checksum == dataset_checksum(dataset)
    return dataset, report


def _versions(store: Store) -> int:
    return len(store.versions())


@pytest.mark.parametrize("alter", ["indicator value", "commune name", "case removed", "geometry", "meta"])
def test_a_dataset_altered_after_its_check_is_refused_and_nothing_is_stored(new_store: Store, checked, alter) -> None:
    dataset, report = check_upload(DEFAULT_DATA_DIR)
    store = new_store
    store.add_checked(*checked, user="admin", label="first")  # a store with one version already
    before = _versions(store)
    if alter == "indicator value":
        key = dataset.indicator_keys[0]
        dataset.indicators.loc[0, key] = dataset.indicators.loc[0, key] + 1
    elif alter == "commune name":
        dataset.boundaries.loc[0, "name"] = "Somewhere else"
    elif alter == "case removed":
        assert len(dataset.cases)
        dataset.cases = dataset.cases.iloc[1:]
    elif alter == "geometry":
        column = dataset.boundaries.geometry.name
        dataset.boundaries.loc[0, column] = dataset.boundaries.loc[0, column].buffer(0.01)
    else:
        dataset.meta["name"] = "renamed"
    with pytest.raises(StoreError) as caught:
        store.add_checked(dataset, report, user="admin", label="altered")
    assert caught.value.code == "store.dataset_changed"
    assert all(caught.value.message(lang) for lang in LANGUAGES)
    assert _versions(store) == before
    assert "altered" not in set(store.versions()["label"])
    assert store.audit(action="import")["details"].map(lambda d: d["label"]).tolist() == ["first"]


def test_a_report_without_a_content_checksum_is_refused(new_store: Store, checked) -> None:
    dataset, report = check_upload(DEFAULT_DATA_DIR)
    report.content_checksum = ""
    with pytest.raises(StoreError) as caught:
        new_store.add_checked(dataset, report, user="admin")
    assert caught.value.code == "store.dataset_changed" and not new_store.exists()


def test_an_unaltered_dataset_saves(new_store: Store, checked) -> None:
    dataset, report = check_upload(DEFAULT_DATA_DIR)
    store = new_store
    saved = store.add_checked(dataset, report, user="admin", label="as checked")
    assert saved.version_id == 1 and _versions(store) == 1 and store.active_version() == 1
    loaded = store.load()
    assert loaded.stored is not None and loaded.stored.label == "as checked"
    assert len(loaded.boundaries) == len(dataset.boundaries) and len(loaded.cases) == len(dataset.cases)


def test_the_checksum_is_stable_and_sees_changes(checked) -> None:
    dataset, _report = checked
    again, _ = check_upload(DEFAULT_DATA_DIR)
    assert dataset_checksum(again) == dataset_checksum(dataset)
    again.indicators = again.indicators[list(reversed(again.indicators.columns))]
    assert dataset_checksum(again) != dataset_checksum(dataset)
