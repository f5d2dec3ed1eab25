"""kill -9 in the middle of the catalog write: no half-written family, then convergence."""

import os
import signal
import time

import sqlalchemy as sa

from promosync_pipeline.catalog import make_engine
from promosync_pipeline.catalog import schema as t
from promosync_pipeline.feedsim import FeedGenerator, FeedServer, FeedSpec
from promosync_pipeline_tests.pipeline.cli_process import cli_env, run_cli, start_cli
from promosync_pipeline_tests.pipeline.harness import (
    assert_catalog_equals_feed,
    assert_family_stored,
    catalog_snapshot,
    rows,
)


def _count(engine: sa.Engine) -> int:
    try:
        with engine.connect() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(t.products)).scalar_one()
    except sa.exc.DBAPIError:
        return 0  # not migrated yet


def test_kill_during_catalog_write_leaves_whole_families_and_converges(pg_url, tmp_path):
    spec = FeedSpec(seed=41, suppliers=1, families=1200, exact=True)
    with FeedServer(FeedGenerator(spec)) as feed:
        total = len(feed.generator.all_skus())
        env = cli_env(feed.base_url, pg_url, tmp_path / "dagster")
        process = start_cli("sync", "--all", env=env, cwd=tmp_path)
        engine = make_engine(pg_url)
        deadline = time.monotonic() + 240
        written = 0
        while time.monotonic() < deadline and process.poll() is None:
            written = _count(engine)
            if written > 0:
                os.kill(process.pid, signal.SIGKILL)
                break
            time.sleep(0.01)
        process.wait(30)
        engine.dispose()
        assert process.returncode == -signal.SIGKILL, "the sync ended before it could be killed"
        assert 0 < written < total

        stored = rows(pg_url, t.products)
        assert 0 < len(stored) < total
        for product in stored:
            assert_family_stored(pg_url, feed.generator.family(product["sku"]))

        again = run_cli("sync", "--all", env=env, cwd=tmp_path)
        assert again.returncode == 0, again.stderr[-2000:]
        assert_catalog_equals_feed(pg_url, feed.generator)

        reference = f"sqlite:///{tmp_path / 'uninterrupted.sqlite'}"
        env_ref = cli_env(feed.base_url, reference, tmp_path / "dagster-ref")
        assert run_cli("sync", "--all", env=env_ref, cwd=tmp_path).returncode == 0
        assert catalog_snapshot(pg_url) == catalog_snapshot(reference)
