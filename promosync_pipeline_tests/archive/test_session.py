"""A supplier's archive on a real folder and on a real S3 API (moto's server over HTTP)."""

import gzip
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from promosync_pipeline.archive import SupplierArchive, open_archive_store
from promosync_pipeline.archive.session import MAX_ERRORS_IN_A_ROW, pack
from promosync_pipeline.promidata import IndexEntry

T0 = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


def entry(sku: str, file_hash: str) -> IndexEntry:
    return IndexEntry("A1", sku, f"http://h/A1/{sku}.json", file_hash, 1)


@pytest.fixture(params=["folder", "s3"])
def location(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "folder":
        return str(tmp_path / "archive")
    bucket = request.getfixturevalue("s3_bucket")
    return f"s3://{bucket}/raw"


def packed(data: bytes) -> tuple[bytes, int]:
    """``keep``'s arguments for a downloaded file, compressed as the sync compresses it."""
    return pack(data), len(data)


def session(location: str, day: int, versions: int = 3) -> SupplierArchive:
    """The archive as the sync of ``day`` sees it (listed at its start)."""
    archive = SupplierArchive(
        open_archive_store(location), "A1", versions=versions, now=T0 + timedelta(days=day)
    )
    archive.open()
    return archive


def test_a_kept_file_is_stored_compressed_and_replays_by_its_hash(location):
    body = b'{"sku": "A1-1", "name": "mug"}' * 200
    first = session(location, 0)
    first.keep(entry("A1-1", "h1"), *packed(body))
    assert (first.kept, first.errors) == (1, 0)
    assert first.kept_bytes < len(body) / 10

    later = session(location, 1)
    assert later.read(entry("A1-1", "H1")) == body
    assert later.read(entry("A1-1", "h2")) is None
    assert later.read(entry("A1-2", "h1")) is None
    assert (later.hits, later.misses) == (1, 2)
    assert later.size() == (1, first.kept_bytes)


def test_a_version_already_archived_is_not_written_again(location):
    session(location, 0).keep(entry("A1-1", "h1"), *packed(b"one"))
    again = session(location, 1)
    again.keep(entry("A1-1", "h1"), *packed(b"one"))
    assert again.kept == 0
    assert again.size()[0] == 1


def test_prune_keeps_n_versions_per_family(location):
    for day, file_hash in enumerate(["h1", "h2", "h3", "h4", "h5"]):
        archive = session(location, day, versions=2)
        archive.keep(entry("A1-1", file_hash), *packed(file_hash.encode() * 50))
        archive.keep(entry("A1-2", "same"), *packed(b"unchanged"))
        archive.prune({"A1-1": file_hash, "A1-2": "same"})
    after = session(location, 9, versions=2)
    assert after.size()[0] == 3
    assert after.read(entry("A1-1", "h5")) == b"h5" * 50
    assert after.read(entry("A1-1", "h4")) == b"h4" * 50
    assert after.read(entry("A1-1", "h3")) is None
    assert after.read(entry("A1-2", "same")) == b"unchanged"


def test_an_unusable_store_never_raises_and_is_counted(tmp_path: Path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the archive folder should be")
    archive = session(str(blocker), 0)
    for n in range(MAX_ERRORS_IN_A_ROW + 3):
        archive.keep(entry(f"A1-{n}", "h"), *packed(b"data"))
    assert archive.kept == 0
    assert archive.errors == MAX_ERRORS_IN_A_ROW + 3
    meta = archive.metadata()
    assert meta["archive_errors"] == MAX_ERRORS_IN_A_ROW + 3
    assert "not-a-folder" in meta["archive_status"]
    assert archive.read(entry("A1-1", "h")) is None
    archive.prune({"A1-1": "h"})


def test_a_missing_bucket_is_counted_not_raised(s3_bucket):
    archive = session(f"s3://{s3_bucket}-missing/raw", 0)
    archive.keep(entry("A1-1", "h"), *packed(b"data"))
    assert (archive.kept, archive.errors) == (0, 2)
    assert "NoSuchBucket" in archive.metadata()["archive_status"]


def test_a_corrupt_copy_is_a_miss(tmp_path: Path):
    location = str(tmp_path / "archive")
    session(location, 0).keep(entry("A1-1", "h1"), *packed(b"good"))
    (copy,) = (tmp_path / "archive").rglob("*.json.gz")
    copy.write_bytes(b"not gzip")
    later = session(location, 1)
    assert later.read(entry("A1-1", "h1")) is None
    assert (later.misses, later.errors) == (1, 1)


def test_the_copy_is_plain_gzip(tmp_path: Path):
    session(str(tmp_path / "archive"), 0).keep(entry("A1-1", "h1"), *packed(b"payload"))
    (copy,) = (tmp_path / "archive").rglob("*.json.gz")
    assert gzip.decompress(copy.read_bytes()) == b"payload"
    assert copy.relative_to(tmp_path / "archive").parts[:2] == ("A1", "A1-1")


class CountingStore:
    """A folder store that counts its listings."""

    def __init__(self, location: str) -> None:
        self.inner = open_archive_store(location)
        self.listings = 0

    def __getattr__(self, name: str):
        return getattr(self.inner, name)

    def list_sizes(self, prefix: str):
        self.listings += 1
        return self.inner.list_sizes(prefix)


def test_the_archive_is_listed_once_and_only_when_a_file_is_looked_up(tmp_path: Path):
    location = str(tmp_path / "archive")
    session(location, 0).keep(entry("A1-1", "h1"), *packed(b"one"))
    store = CountingStore(location)
    idle = SupplierArchive(store, "A1", versions=3, now=T0 + timedelta(days=1))
    idle.prune({"A1-1": "h1"})
    metadata = idle.metadata()
    assert store.listings == 0, "a sync that fetches nothing does not list the archive"
    assert "archive_objects" not in metadata and "archive_bytes" not in metadata

    assert not idle.wants(entry("A1-1", "h1")) and idle.wants(entry("A1-2", "h1"))
    assert store.listings == 1
    assert idle.metadata()["archive_objects"] == 1
