"""A targeted sync (``only_skus``) through the real jobs: only the named families move."""

from urllib.parse import urlsplit

import pytest

from promosync_pipeline.catalog import schema as t
from promosync_pipeline.promidata import content_hash
from promosync_pipeline_tests.support.catalog import active_skus, rows
from promosync_pipeline_tests.support.catalog_vs_feed import (
    assert_nothing_lost,
    assert_whole_families,
)
from promosync_pipeline_tests.support.syncs import TEST_CLIENT, sync

pytestmark = pytest.mark.feed(seed=23, suppliers=1, families=50, image_size=(120, 90))


def product_files(feed) -> list[str]:
    """SKUs whose product file the simulator served since the last reset."""
    return sorted(
        p.rsplit("/", 1)[-1].removesuffix(".json")
        for p, n in feed.stats.paths.items()
        for _ in range(n)
        if p.startswith("/Products/")
    )


def stored_hash(url: str, sku: str) -> str:
    (row,) = rows(url, t.products, t.products.c.sku == sku)
    return row["content_hash"]


def test_targeted_sync_of_two_changed_families_among_fifty_fetches_exactly_those(
    instance, feed, env
):
    generator = feed.generator
    (code,) = generator.supplier_codes()
    assert all(run.success for run in sync(instance, promidata=TEST_CLIENT).values())
    changed = generator.change_families(5, code=code)
    targets, others = changed[:2], changed[2:]
    (gone,) = generator.remove_families([s for s in generator.family_skus(code)[:10]
                                         if s not in changed][:1])  # fmt: skip
    image_rows_before = {r["id"] for r in rows(env, t.product_images)}

    feed.stats.reset()
    run = sync(instance, [code], promidata=TEST_CLIENT, parse={"only_skus": targets})[code]
    assert run.success, run.error()
    assert product_files(feed) == sorted(targets)
    written = run.metadata["catalog_products"]
    assert (written["families_changed"], written["families_new"]) == (2, 0)
    assert written["families_unchanged"] == 0, "counts answer for the two families asked for"
    assert written["families_removed"] == 0 and written["skus_unknown"] == "none"
    assert gone in active_skus(env), "a targeted sync never deactivates"
    assert_whole_families(env, [generator.family(s) for s in targets])
    for sku in others:
        assert stored_hash(env, sku) != content_hash(generator.family(sku))

    # The images of the two families, and only theirs, were fetched and stored.
    new_images = [r for r in rows(env, t.product_images) if r["id"] not in image_rows_before]
    originals = [r for r in new_images if r["rendition"] == "original"]
    assert originals and {r["product_sku"] for r in originals} == set(targets)
    assert {r["status"] for r in originals} == {"stored"}
    served = {p for p in feed.stats.paths if p.startswith("/Images/")}
    assert served == {urlsplit(r["source_url"]).path for r in originals}

    feed.stats.reset()
    normal = sync(instance, [code], promidata=TEST_CLIENT, images=False)[code]
    assert normal.success, normal.error()
    assert product_files(feed) == sorted(others), "the targeted families are not fetched again"
    assert normal.metadata["catalog_products"]["families_removed"] == 1
    assert_nothing_lost(env, generator)


def test_an_unknown_sku_is_named_and_the_rest_of_the_request_still_runs(instance, feed, env):
    generator = feed.generator
    (code,) = generator.supplier_codes()
    sync(instance, promidata=TEST_CLIENT, images=False)
    (target,) = generator.change_families(1, code=code)
    feed.stats.reset()
    run = sync(
        instance,
        [code],
        promidata=TEST_CLIENT,
        parse={"only_skus": [f"{code}-999999", target, "ZZ-1"]},
        images=False,
    )[code]
    assert run.success, run.error()
    assert product_files(feed) == [target]
    assert run.metadata["parsed_variants"]["skus_unknown"] == f"{code}-999999, ZZ-1"
    assert run.metadata["catalog_products"]["skus_unknown"] == f"{code}-999999, ZZ-1"
    assert run.metadata["catalog_products"]["families_changed"] == 1
    assert_whole_families(env, [generator.family(target)])
    logged = [e.user_message for e in instance.all_logs(run.result.run_id)]
    assert any("not in this supplier's index" in m and "ZZ-1" in m for m in logged)
