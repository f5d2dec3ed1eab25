"""The scale rehearsal, reduced for CI: an asset backfill of every supplier partition on the
production instance (deploy/dagster.yaml on PostgreSQL and S3) with a real daemon and code
server, then a no-op backfill. benchmarks/scale_benchmark.py is the full-size version."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from promosync_pipeline.feedsim import FeedGenerator, FeedServer, FeedSpec
from promosync_pipeline_tests.deployment import (
    Deployment,
    deployment_env,
    instance_config,
    run_backfill,
    running,
    s3_buckets,
)
from promosync_pipeline_tests.operations.test_instance import dagster_url
from promosync_pipeline_tests.pipeline.harness import assert_catalog_equals_feed
from promosync_pipeline_tests.reliability.helpers import refresh

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

MAX_RUNS = 2


def test_backfill_of_every_supplier_then_a_no_op_backfill(
    tmp_path: Path, pg_database: Callable[[], str], s3_endpoint: str
) -> None:
    spec = FeedSpec(seed=59, suppliers=4, families=20, exact=True, image_size=(120, 90))
    _, buckets = s3_buckets(s3_endpoint)
    catalog_url = pg_database()
    with FeedServer(FeedGenerator(spec)) as feed:
        env = deployment_env(
            runs_url=dagster_url(pg_database()),
            catalog_url=catalog_url,
            feed_url=feed.base_url,
            s3_endpoint=s3_endpoint,
            buckets=buckets,
        )
        setup = Deployment(tmp_path / "deploy", env, instance_config(max_runs=MAX_RUNS))
        with running(setup):
            instance = setup.instance()
            try:
                assert refresh(instance).success
                codes = sorted(feed.generator.supplier_codes())

                full = run_backfill(setup, instance, codes, "all suppliers", timeout_s=900)
                assert full.status == "COMPLETED_SUCCESS"
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
                no_op = run_backfill(setup, instance, codes, "no-op", timeout_s=900)
                assert no_op.statuses() == {"SUCCESS": len(codes)}
                assert no_op.max_at_once() <= MAX_RUNS
                assert no_op.overlapping_suppliers() == []
                assert no_op.files_downloaded(instance) == 0
                assert feed.stats.product_downloads() == downloads
                assert_catalog_equals_feed(catalog_url, feed.generator)
            finally:
                instance.dispose()
