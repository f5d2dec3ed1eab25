"""An index that lies by omission: truncated in transit, empty, an error page, a supplier gone.

The refusals driven by feed mutations are in ``pipeline/test_sync.py`` (empty index, index that
lost most of a supplier, supplier missing from the index); here the index is damaged on the
wire or replaced, and the opt-in removal of a vanished supplier is checked.
"""

import httpx
import pytest

from promosync_pipeline.catalog import schema as t
from promosync_pipeline.feedsim import parse_fault
from promosync_pipeline.promidata import parse_index
from promosync_pipeline_tests.support.catalog import active_skus, rows
from promosync_pipeline_tests.support.catalog_vs_feed import assert_nothing_lost
from promosync_pipeline_tests.support.syncs import TEST_CLIENT, sync

pytestmark = pytest.mark.feed(seed=23, suppliers=2, families=8)


def test_index_cut_before_most_of_a_supplier_is_refused_then_converges(instance, feed, sqlite_env):
    """Import.txt arrives cut to 15 % (a 200 whose Content-Length matches the cut body, so the
    transfer looks complete): the index step refuses the cut index ("truncated") or, where
    the cut falls between lines, the supplier that lost most of its lines is refused
    ("refusing to deactivate"); nothing is deactivated; the next whole index converges."""
    generator = feed.generator
    sync(instance, promidata=TEST_CLIENT, images=False)
    before = active_skus(sqlite_env)
    generator.change_families(1)  # a new index, so the conditional GET is a 200
    feed.set_faults([parse_fault("truncate:target=index,keep=0.15")])
    runs = sync(
        instance,
        generator.supplier_codes(),
        promidata=TEST_CLIENT,
        images=False,
        refresh_may_fail=True,
    )
    if runs.refresh.success:
        failed = [code for code, run in runs.items() if not run.success]
        assert failed, "a truncated index was taken for the truth"
        for code in failed:
            assert "refusing to deactivate" in runs[code].error()
    else:
        assert "truncated" in runs.refresh.error()
    assert active_skus(sqlite_env) == before

    feed.set_faults([])
    runs = sync(instance, generator.supplier_codes(), promidata=TEST_CLIENT, images=False)
    assert all(run.success for run in runs.values())
    assert_nothing_lost(sqlite_env, generator)


def test_index_cut_inside_its_last_line_deactivates_nothing(instance, feed, sqlite_env):
    """Import.txt cut inside its last line (96 % kept): the parser flags the index as
    truncated (``IndexReport.truncated``), so the refresh must refuse it instead of
    deactivating the family whose line was cut (one family is far below
    ``max_removed_share``, the guard of the removal share cannot catch it); the whole index
    then converges."""
    generator = feed.generator
    sync(instance, promidata=TEST_CLIENT, images=False)
    before = active_skus(sqlite_env)
    generator.change_families(1)
    feed.set_faults([parse_fault("truncate:target=index,keep=0.96")])
    with httpx.Client(timeout=10) as client:
        assert parse_index(client.get(feed.index_url).content).truncated
    feed.stats.reset()
    runs = sync(
        instance,
        generator.supplier_codes(),
        promidata=TEST_CLIENT,
        images=False,
        refresh_may_fail=True,
    )
    assert active_skus(sqlite_env) == before, "families deactivated by a truncated index"
    assert not runs.refresh.success and "truncated" in runs.refresh.error()

    feed.set_faults([])
    runs = sync(instance, generator.supplier_codes(), promidata=TEST_CLIENT, images=False)
    assert all(run.success for run in runs.values())
    assert_nothing_lost(sqlite_env, generator)


def test_index_without_entries_is_refused_clearly(instance, feed, sqlite_env):
    """Import.txt that is empty, blank, or an HTML error page served with 200: the index step
    fails with a message saying so ("lists no product file … refusing"), is not retried, no
    supplier run starts, and the catalog keeps every family active."""
    generator = feed.generator
    sync(instance, promidata=TEST_CLIENT, images=False)
    before = active_skus(sqlite_env)
    for body in (
        b"",
        b"\xef\xbb\xbf\r\n\r\n",
        b"<html><body><h1>503 Service Unavailable</h1></body></html>",
    ):
        generator.replace_index(body)
        feed.stats.reset()
        runs = sync(instance, promidata=TEST_CLIENT, images=False, refresh_may_fail=True)
        assert not runs.refresh.success and runs.suppliers == {}
        assert "lists no product file" in runs.refresh.error()
        assert "refusing to treat an empty index as the truth" in runs.refresh.error()
        assert feed.stats.requests["index"] == 1, "retried a refusal"
        assert active_skus(sqlite_env) == before
    generator.replace_index(None)
    sync(instance, promidata=TEST_CLIENT, images=False)
    assert_nothing_lost(sqlite_env, generator)


def test_vanished_supplier_is_kept_unless_removal_is_confirmed(instance, feed, sqlite_env):
    """A supplier missing from the index keeps its catalog (the step fails naming
    ``allow_supplier_removal``); with ``allow_supplier_removal`` its families are deactivated,
    never deleted, and the other supplier is untouched."""
    generator = feed.generator
    sync(instance, promidata=TEST_CLIENT, images=False)
    gone = generator.supplier_codes()[0]
    skus = set(generator.family_skus(gone))
    generator.remove_supplier(gone)
    refused = sync(instance, [gone], promidata=TEST_CLIENT, images=False)[gone]
    assert not refused.success and "allow_supplier_removal" in refused.error()
    assert skus <= active_skus(sqlite_env)
    assert_nothing_lost(sqlite_env, generator, kept=skus)

    confirmed = sync(
        instance,
        [gone],
        promidata=TEST_CLIENT,
        write={"allow_supplier_removal": True},
        images=False,
    )[gone]
    assert confirmed.success, confirmed.error()
    products = rows(sqlite_env, t.products, t.products.c.supplier_code == gone)
    assert {p["sku"] for p in products} == skus
    assert not any(p["is_active"] for p in products)
    assert all(p["removed_at"] is not None for p in products)
    assert_nothing_lost(sqlite_env, generator)
