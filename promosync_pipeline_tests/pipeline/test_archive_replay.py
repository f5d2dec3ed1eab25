"""The raw archive end to end: feed simulator over HTTP -> Dagster -> catalog + archive store."""

import dataclasses
from datetime import UTC, datetime
from pathlib import Path

import pytest

from promosync_pipeline import settings
from promosync_pipeline.catalog import FamilyWrite, make_engine
from promosync_pipeline.catalog.store import Catalog
from promosync_pipeline.promidata import Family, content_hash
from promosync_pipeline_tests.support.catalog import write_families
from promosync_pipeline_tests.support.catalog_vs_feed import assert_nothing_lost, catalog_snapshot
from promosync_pipeline_tests.support.syncs import TEST_CLIENT, sync

pytestmark = pytest.mark.feed(seed=16, suppliers=2, families=20)


def misread(family: Family, how: int) -> Family:
    """The family as an earlier, wrong parser read it: another brand, a variant dropped
    (grouping), or no prices (read from a field that does not exist)."""
    if how == 0:
        return dataclasses.replace(family, brand="misread brand")
    if how == 1 and len(family.variants) > 1:
        return dataclasses.replace(family, variants=family.variants[:-1])
    variants = tuple(dataclasses.replace(v, price_tiers=()) for v in family.variants)
    return dataclasses.replace(family, variants=variants)


def write_as_old_parser(url: str, families: list[Family], generator) -> None:
    """Store ``families`` as an earlier parser's output of the feed's current files: the
    catalog's own write path, the index hash of today's file, the content hash of the
    misread family (exactly what that parser's sync would have stored)."""
    engine = make_engine(url)
    try:
        store = Catalog(engine)
        items = [
            FamilyWrite(f, f"{f.sku}.json", generator.file_hash(f.sku), content_hash(f))
            for f in families
        ]
        write_families(store, families[0].supplier_code, items, datetime.now(UTC))
    finally:
        engine.dispose()


def test_replay_after_a_parser_fix_equals_a_full_refresh_with_no_product_download(
    instance, feed, env
):
    """A parser-visible change, honestly: the catalog holds six families as an earlier parser
    misread them (stored through the catalog's write path, with that parser's content hash),
    while the index hashes are today's, so a normal sync sees nothing to do. Replaying the
    supplier from the archive re-parses every file with today's parser and restores them, with
    no product request reaching the feed; a full refresh from the feed afterwards finds
    nothing left to change."""
    generator = feed.generator
    first = sync(instance, promidata=TEST_CLIENT, images=False)
    assert all(run.success for run in first.values())
    code = generator.supplier_codes()[0]
    skus = generator.family_skus(code)
    wrong = [misread(generator.family(sku), n % 3) for n, sku in enumerate(skus[:6])]
    write_as_old_parser(env, wrong, generator)
    with pytest.raises(AssertionError, match="not stored with the feed's content"):
        assert_nothing_lost(env, generator)
    feed.stats.reset()
    normal = sync(instance, [code], promidata=TEST_CLIENT, images=False)
    assert feed.stats.product_downloads() == 0
    assert normal[code].metadata["catalog_products"]["families_changed"] == 0

    feed.stats.reset()
    replay = sync(
        instance, [code], promidata=TEST_CLIENT, parse={"from_archive": True}, images=False
    )[code]
    assert replay.success, replay.error()
    assert feed.stats.product_downloads() == 0
    parsed = replay.metadata["parsed_variants"]
    assert (parsed["archive_hits"], parsed["archive_misses"]) == (len(skus), 0)
    assert parsed["files_downloaded"] == 0
    assert replay.metadata["catalog_products"]["families_changed"] == 6
    assert_nothing_lost(env, generator)
    replayed = catalog_snapshot(env)

    feed.stats.reset()
    refresh = sync(
        instance, [code], promidata=TEST_CLIENT, parse={"full_refresh": True}, images=False
    )[code]
    assert feed.stats.product_downloads() == len(skus)
    assert refresh.metadata["catalog_products"]["families_changed"] == 0
    assert catalog_snapshot(env) == replayed


def test_replay_downloads_what_the_archive_lacks_and_counts_it(instance, feed, env, tmp_path: Path):
    generator = feed.generator
    code = generator.supplier_codes()[1]
    sync(instance, promidata=TEST_CLIENT, images=False)
    changed = generator.change_families(2, code=code)
    # The changed files' new versions were never downloaded, so they are not archived yet.
    feed.stats.reset()
    replay = sync(
        instance, [code], promidata=TEST_CLIENT, parse={"from_archive": True}, images=False
    )[code]
    assert replay.success, replay.error()
    assert sorted(p.rsplit("/", 1)[-1] for p in feed.stats.paths if "/Products/" in p) == sorted(
        f"{sku}.json" for sku in changed
    )
    parsed = replay.metadata["parsed_variants"]
    assert parsed["archive_misses"] == 2 == parsed["files_downloaded"]
    assert parsed["archive_hits"] == len(generator.family_skus(code)) - 2
    assert replay.metadata["catalog_products"]["archive_misses"] == 2
    assert parsed["archive_files_kept"] == 2
    assert_nothing_lost(env, generator)


def test_the_archive_keeps_n_versions_per_family_and_reports_its_size(
    instance, feed, env, monkeypatch, tmp_path: Path
):
    monkeypatch.setenv(settings.ARCHIVE_VERSIONS, "2")
    generator = feed.generator
    code = generator.supplier_codes()[0]
    sku = generator.family_skus(code)[0]
    runs = sync(instance, [code], promidata=TEST_CLIENT, images=False)
    assert runs[code].metadata["parsed_variants"]["archive_objects"] == 20
    for _ in range(3):
        generator.change_families(1, code=code)  # picks at random: make sure ``sku`` moves
        generator.change_bytes_only([sku])
        runs = sync(instance, [code], promidata=TEST_CLIENT, images=False)
        assert runs[code].success
    family_dir = next((tmp_path / "archive" / code).glob(f"{sku}"))
    versions = sorted(p.name for p in family_dir.iterdir())
    assert len(versions) == 2
    assert versions[-1].endswith(f"-{generator.file_hash(sku).upper()}.json.gz")
    parsed = runs[code].metadata["parsed_variants"]
    on_disk = list((tmp_path / "archive" / code).rglob("*.json.gz"))
    assert parsed["archive_objects"] == len(on_disk)
    assert parsed["archive_bytes"] == sum(p.stat().st_size for p in on_disk)
    assert parsed["archive_versions_pruned"] >= 1


def test_an_archive_outage_does_not_fail_the_sync(instance, feed, env, monkeypatch, s3_bucket):
    monkeypatch.setenv(settings.ARCHIVE_STORE, f"s3://{s3_bucket}-gone/raw")
    runs = sync(instance, promidata=TEST_CLIENT, images=False)
    generator = feed.generator
    for code in generator.supplier_codes():
        run = runs[code]
        assert run.success, run.error()
        parsed = run.metadata["parsed_variants"]
        assert parsed["archive_files_kept"] == 0
        assert parsed["archive_errors"] == len(generator.family_skus(code)) + 1
        assert "NoSuchBucket" in parsed["archive_status"]
        assert run.metadata["catalog_products"]["archive_errors"] == parsed["archive_errors"]
        assert run.metadata["catalog_products"]["families_new"] == len(generator.family_skus(code))
    assert_nothing_lost(env, generator)
