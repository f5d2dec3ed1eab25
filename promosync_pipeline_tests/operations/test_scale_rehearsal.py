"""The scale rehearsal, reduced for CI: an asset backfill of every supplier partition on the
production instance (deploy/dagster.yaml on PostgreSQL and S3) with a real daemon and code
server, then a no-op backfill. benchmarks/scale_benchmark.py is the full-size version."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from promosync_pipeline.feedsim import FeedSpec
from promosync_pipeline_tests.support.backfills import run_backfill
from promosync_pipeline_tests.support.catalog_vs_feed import assert_catalog_equals_feed
from promosync_pipeline_tests.support.deployment import rehearsal
from promosync_pipeline_tests.support.syncs import TEST_CLIENT, refresh

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

MAX_RUNS = 2


def test_backfill_of_every_supplier_then_a_no_op_backfill(
    tmp_path: Path, pg_database: Callable[[], str], s3_endpoint: str
) -> None:
    spec = FeedSpec(seed=59, suppliers=3, families=20, exact=True, image_size=(120, 90))
    # The no-op is launched as soon as the first backfill's runs ended: the daemon's tick that
    # marks the first done starts the second's runs (its backfill loop ticks every 30 s).
    with rehearsal(tmp_path, pg_database, s3_endpoint, spec, max_runs=MAX_RUNS) as parts:
        setup, feed, catalog_url, _, _ = parts
        instance = setup.instance()
        try:
            assert refresh(instance, TEST_CLIENT).success
            codes = sorted(feed.generator.supplier_codes())

            full = run_backfill(
                setup, instance, codes, "all suppliers", timeout_s=900, until_marked_done=False
            )
            assert full.statuses() == {"SUCCESS": len(codes)}
            assert full.partitions() == codes
            assert full.max_at_once() == MAX_RUNS
            assert full.overlapping_suppliers() == []
            # every step and check of a backfill run ran in that run's one process
            step_pids = full.step_processes(instance)
            assert all(len(pids) == 1 for pids in step_pids.values()), step_pids
            assert_catalog_equals_feed(catalog_url, feed.generator)
            assert full.files_downloaded(instance) == sum(
                len(feed.generator.family_skus(code)) for code in codes
            )

            downloads = feed.stats.product_downloads()
            no_op = run_backfill(
                setup, instance, codes, "no-op", timeout_s=900, until_marked_done=False
            )
            assert no_op.statuses() == {"SUCCESS": len(codes)}
            assert no_op.max_at_once() <= MAX_RUNS
            assert no_op.overlapping_suppliers() == []
            assert no_op.files_downloaded(instance) == 0
            assert feed.stats.product_downloads() == downloads
            assert_catalog_equals_feed(catalog_url, feed.generator)
            # marked done at the tick that took up the no-op, at the latest
            done = instance.get_backfill(full.backfill_id)
            assert done is not None and done.status.value == "COMPLETED_SUCCESS"
        finally:
            instance.dispose()
