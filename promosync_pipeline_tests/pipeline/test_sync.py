"""A supplier sync, end to end: feed simulator over HTTP -> Dagster -> real catalog database."""

from collections.abc import Iterable
from typing import Any

import dagster as dg
import httpx
import sqlalchemy as sa

from promosync_pipeline.catalog import schema as t
from promosync_pipeline.feedsim import parse_fault
from promosync_pipeline_tests.support import syncs
from promosync_pipeline_tests.support.catalog import active_skus, rows
from promosync_pipeline_tests.support.catalog_vs_feed import (
    assert_catalog_equals_feed,
    assert_family_stored,
    catalog_snapshot,
)
from promosync_pipeline_tests.support.syncs import Sync, refresh


def sync(instance: dg.DagsterInstance, codes: Iterable[str] | None = None, **options: Any) -> Sync:
    """A sync without the image step (``--skip-images``): these tests are about the catalog,
    the image step's are in test_images.py, and it would be a third of their time."""
    return syncs.sync(instance, codes, images=False, **options)


def test_first_sync_writes_every_family_variant_and_tier(instance, feed, env):
    runs = sync(instance)
    generator = feed.generator
    assert all(run.success for run in runs.values())
    assert_catalog_equals_feed(env, generator)
    for code, run in runs.items():
        families = [generator.family(s) for s in generator.family_skus(code)]
        written = run.metadata["catalog_products"]
        assert written["families_new"] == len(families)
        assert written["variants_written"] == sum(len(f.variants) for f in families)
        assert written["price_tiers_written"] == sum(f.price_tier_count for f in families)
        assert written["families_failed"] == 0
    suppliers = rows(env, t.suppliers)
    assert {s["code"]: s["products_count"] for s in suppliers} == {
        c: len(generator.family_skus(c)) for c in generator.supplier_codes()
    }
    assert {r["status"] for r in rows(env, t.sync_runs)} == {"success"}
    assert len(rows(env, t.categories)) == len(generator.categories())
    assert rows(env, t.staged_families) == []
    assert sorted(instance.get_dynamic_partitions("suppliers")) == sorted(
        generator.supplier_codes()
    )


def test_second_sync_without_change_downloads_and_writes_nothing(instance, feed, env):
    sync(instance)
    before = rows(env, t.products)
    feed.stats.reset()
    runs = sync(instance)
    assert feed.stats.product_downloads() == 0
    for run in runs.values():
        assert run.success
        written = run.metadata["catalog_products"]
        assert written["families_new"] == written["families_changed"] == 0
        assert written["variants_written"] == written["price_tiers_written"] == 0
    assert rows(env, t.products) == before


def test_one_changed_family_is_the_only_download_and_rewrite(instance, feed, env):
    sync(instance)
    generator = feed.generator
    (sku,) = generator.change_families(1)
    untouched = {r["sku"]: r["last_synced_at"] for r in rows(env, t.products)}
    feed.stats.reset()
    runs = sync(instance)
    assert feed.stats.product_downloads() == 1
    code = sku.split("-")[0]
    assert runs[code].metadata["catalog_products"]["families_changed"] == 1
    assert_family_stored(env, generator.family(sku))
    after = {r["sku"]: r["last_synced_at"] for r in rows(env, t.products)}
    assert {s for s in after if after[s] != untouched[s]} == {sku}


def test_bytes_only_change_is_downloaded_but_not_rewritten(instance, feed, env):
    sync(instance)
    generator = feed.generator
    sku = generator.all_skus()[2]
    (before,) = rows(env, t.products, t.products.c.sku == sku)
    generator.change_bytes_only([sku])
    feed.stats.reset()
    runs = sync(instance)
    assert feed.stats.product_downloads() == 1
    written = runs[sku.split("-")[0]].metadata["catalog_products"]
    assert written["families_changed"] == written["variants_written"] == 0
    (after,) = rows(env, t.products, t.products.c.sku == sku)
    assert after["source_hash"] == generator.file_hash(sku) != before["source_hash"]
    assert after["content_hash"] == before["content_hash"]


def test_removed_family_is_deactivated_not_deleted(instance, feed, env):
    sync(instance)
    generator = feed.generator
    sku = generator.all_skus()[0]
    generator.remove_families([sku])
    runs = sync(instance)
    assert runs[sku.split("-")[0]].metadata["catalog_products"]["families_removed"] == 1
    (product,) = rows(env, t.products, t.products.c.sku == sku)
    assert not product["is_active"] and product["removed_at"] is not None
    variants = rows(env, t.product_variants, t.product_variants.c.product_sku == sku)
    assert variants and not any(v["is_active"] for v in variants)
    assert_catalog_equals_feed(env, generator)


def test_new_supplier_is_discovered_and_synced(instance, feed, env):
    sync(instance)
    code = feed.generator.add_supplier(4)
    runs = sync(instance)
    assert code in runs and runs[code].metadata["catalog_products"]["families_new"] == 4
    assert_catalog_equals_feed(env, feed.generator)


def test_429_and_5xx_bursts_are_retried_and_the_sync_succeeds(instance, feed, env):
    feed.set_faults(
        [parse_fault("429:times=1,retry_after=0.2"), parse_fault("5xx:rate=0.3,status=503")]
    )
    runs = sync(instance)
    assert all(run.success for run in runs.values())
    assert sum(run.metadata["catalog_products"]["retries"] for run in runs.values()) > 0
    assert_catalog_equals_feed(env, feed.generator)


def test_truncated_family_is_recorded_and_the_others_commit(instance, feed, env):
    generator = feed.generator
    bad = generator.all_skus()[1]
    feed.set_faults([parse_fault(f"truncate:sku={bad}")])
    runs = sync(instance)
    code = bad.split("-")[0]
    assert runs[code].success and runs[code].metadata["catalog_products"]["families_failed"] == 1
    (error,) = rows(env, t.sync_errors, t.sync_errors.c.resolved_at.is_(None))
    assert (error["sku"], error["stage"]) == (bad, "parse")
    assert "invalid JSON" in error["error"] and bad in error["error"]
    active = {r["sku"] for r in rows(env, t.products, t.products.c.is_active)}
    assert active == set(generator.all_skus()) - {bad}
    feed.set_faults([])
    sync(instance)
    assert_catalog_equals_feed(env, generator)
    (resolved,) = rows(env, t.sync_errors)
    assert resolved["resolved_at"] is not None


def test_full_refresh_downloads_everything_and_converges(instance, feed, env):
    sync(instance)
    first = catalog_snapshot(env)
    feed.stats.reset()
    sync(instance, parse={"full_refresh": True})
    assert feed.stats.product_downloads() == len(feed.generator.all_skus())
    assert catalog_snapshot(env) == first


def test_too_many_failures_fail_the_step(instance, feed, env):
    feed.set_faults([parse_fault("404")])
    runs = sync(instance)
    assert not any(run.success for run in runs.values())
    engine = sa.create_engine(env.replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(t.products)).scalar() == 0
    engine.dispose()
    assert {r["status"] for r in rows(env, t.sync_runs)} == {"failed"}


def test_empty_index_is_refused_and_deactivates_nothing(instance, feed, env):
    sync(instance)
    before = active_skus(env)
    feed.generator.remove_families(feed.generator.all_skus())
    run = refresh(instance)
    assert not run.success
    failure = next(e for e in run.result.all_events if e.is_step_failure)
    assert "lists no product file" in failure.step_failure_data.error.message
    assert active_skus(env) == before


def test_index_that_lost_most_of_a_supplier_is_refused(instance, feed, env):
    sync(instance)
    before = active_skus(env)
    code = feed.generator.supplier_codes()[0]
    feed.generator.remove_families(feed.generator.family_skus(code)[:8])
    runs = sync(instance, [code])
    assert not runs[code].success
    assert active_skus(env) == before


def test_supplier_missing_from_the_index_keeps_its_catalog(instance, feed, env):
    sync(instance)
    before = active_skus(env)
    code = feed.generator.supplier_codes()[0]
    feed.generator.remove_supplier(code)
    runs = sync(instance, [code])
    assert not runs[code].success
    assert active_skus(env) == before


def test_an_unusable_index_line_is_recorded_and_its_family_kept(instance, feed, env):
    """A family whose Import.txt line is damaged is neither synced nor silently missing: it is
    in sync_errors (stage index) with the line's problem, stays active with its last content,
    and the error resolves once the line is whole again."""
    g = feed.generator
    sync(instance)
    code = g.supplier_codes()[0]
    damaged = g.family_skus(code)[0]
    lines = httpx.get(feed.index_url, timeout=10).text.splitlines()
    line = next(ln for ln in lines if f"/{damaged}.json" in ln)
    g.replace_index(
        "\n".join(
            ln if ln != line else line.split("|")[0] + "|not-a-hash!" for ln in lines
        ).encode()
    )
    runs = sync(instance, [code])
    assert runs[code].success
    (error,) = [e for e in rows(env, t.sync_errors) if e["resolved_at"] is None]
    assert (error["sku"], error["stage"]) == (damaged, "index")
    assert "missing or malformed hash" in error["error"] and error["supplier_code"] == code
    (product,) = rows(env, t.products, t.products.c.sku == damaged)
    assert product["is_active"], "a damaged line is not a removal"

    g.replace_index(None)
    assert sync(instance, [code])[code].success
    assert [e for e in rows(env, t.sync_errors) if e["resolved_at"] is None] == []
    assert_catalog_equals_feed(env, g)
