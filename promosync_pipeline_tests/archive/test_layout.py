"""Archive keys and which versions a prune keeps."""

from datetime import UTC, datetime, timedelta

import pytest

from promosync_pipeline.archive.layout import (
    ArchivedVersion,
    parse_key,
    version_key,
    versions_to_prune,
)

T0 = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


def test_a_key_names_supplier_sku_time_and_hash_and_reads_back():
    key = version_key("A23", "A23-100/7 x", "ab12", T0)
    assert key == "A23/A23-100%2F7%20x/20261201T020000000000Z-AB12.json.gz"
    assert parse_key(key, 99) == ArchivedVersion(
        key, "A23-100/7 x", "AB12", "20261201T020000000000Z", 99
    )


@pytest.mark.parametrize(
    "key", ["A23/A23-1/notes.txt", "A23/A23-1.json.gz", "A23/A23-1/x/y.json.gz", "A23/A/-H.json.gz"]
)
def test_foreign_objects_under_the_prefix_are_not_versions(key):
    assert parse_key(key, 1) is None


def versions(*hashes: str) -> list[ArchivedVersion]:
    """One version per hash, the first the oldest, a day apart."""
    out = []
    for day, file_hash in enumerate(hashes):
        key = version_key("A1", "A1-1", file_hash, T0 + timedelta(days=day))
        parsed = parse_key(key, 10)
        assert parsed is not None
        out.append(parsed)
    return out


def hashes(pruned: list[ArchivedVersion]) -> list[str]:
    return [v.hash for v in pruned]


def test_prune_keeps_the_newest_n():
    assert hashes(versions_to_prune(versions("A", "B", "C", "D", "E"), "E", 3)) == ["B", "A"]


def test_nothing_to_prune_at_or_below_n():
    assert versions_to_prune(versions("A", "B", "C"), "C", 3) == []


def test_the_current_version_is_kept_however_old():
    """A feed that went back to an older file must still replay it."""
    assert hashes(versions_to_prune(versions("A", "B", "C", "D"), "A", 2)) == ["C", "B"]


def test_an_older_copy_of_a_kept_hash_goes():
    (pruned,) = versions_to_prune(versions("A", "B", "A"), "A", 3)
    assert (pruned.hash, pruned.stamp[:8]) == ("A", "20261201")
