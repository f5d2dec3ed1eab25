"""The archive's settings as the Dagster resource reads them."""

from datetime import UTC, datetime

import pytest

from promosync_pipeline import settings
from promosync_pipeline.resources import ArchiveStoreResource


def test_versions_default_to_three_and_come_from_the_environment(monkeypatch):
    monkeypatch.delenv(settings.ARCHIVE_VERSIONS, raising=False)
    assert ArchiveStoreResource().resolved_versions() == 3
    monkeypatch.setenv(settings.ARCHIVE_VERSIONS, "5")
    assert ArchiveStoreResource().resolved_versions() == 5
    assert ArchiveStoreResource(versions=2).resolved_versions() == 2


@pytest.mark.parametrize(
    ("value", "says"), [("0", "below the minimum"), ("2.5", "whole number"), ("x", "not a number")]
)
def test_a_bad_versions_value_is_an_error_naming_the_variable(monkeypatch, value, says):
    monkeypatch.setenv(settings.ARCHIVE_VERSIONS, value)
    with pytest.raises(ValueError, match=says) as error:
        ArchiveStoreResource().resolved_versions()
    assert settings.ARCHIVE_VERSIONS in str(error.value)


def test_the_location_comes_from_the_environment_and_must_be_a_folder_or_s3(monkeypatch, tmp_path):
    monkeypatch.setenv(settings.ARCHIVE_STORE, str(tmp_path / "raw"))
    archive = ArchiveStoreResource().supplier("A1", datetime.now(UTC))
    assert archive.store.description == f"folder {tmp_path / 'raw'}"
    monkeypatch.setenv(settings.ARCHIVE_STORE, "ftp://host/raw")
    with pytest.raises(ValueError, match=settings.ARCHIVE_STORE):
        ArchiveStoreResource().supplier("A1", datetime.now(UTC))
