"""Our own faults: the catalog database drops every connection in the middle of the write.

The shared PostgreSQL server is never restarted: a server-side connection loss is simulated by
terminating the run's backends (``pg_terminate_backend``), which is what clients see when the
server restarts or a proxy drops them. ``kill -9`` of the syncing process during the write is
``pipeline/test_kill.py::test_kill_during_catalog_write_leaves_whole_families_and_converges``.
"""

import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from promosync_pipeline import settings
from promosync_pipeline.catalog import schema as t
from promosync_pipeline.feedsim import FeedGenerator, FeedServer, FeedSpec
from promosync_pipeline_tests.pipeline.harness import rows
from promosync_pipeline_tests.reliability.helpers import (
    assert_nothing_lost,
    assert_whole_families,
    sync,
)

TERMINATE = (
    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
    "WHERE datname = :db AND pid <> pg_backend_pid()"
)

IN_TRANSACTION = (
    "SELECT pid FROM pg_stat_activity WHERE datname = :db AND pid <> pg_backend_pid() "
    "AND xact_start IS NOT NULL AND query ILIKE '%product%'"
)


class _Terminator(threading.Thread):
    """Waits until the first batch of families is committed and another one is being written,
    then kills every other connection to the database (once)."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.url = url
        self.database = sa.make_url(url).database
        self.terminated: int | None = None
        self.written_before = 0
        self.stop = threading.Event()

    def run(self) -> None:
        engine = sa.create_engine(
            self.url.replace("postgresql://", "postgresql+psycopg://"),
            isolation_level="AUTOCOMMIT",
        )
        try:
            with engine.connect() as conn:
                while not self.stop.is_set():
                    try:
                        count = conn.execute(sa.text("SELECT count(*) FROM products")).scalar()
                    except sa.exc.ProgrammingError:
                        count = 0  # not migrated yet
                    if count and conn.execute(sa.text(IN_TRANSACTION), {"db": self.database}).all():
                        self.written_before = count
                        killed = conn.execute(sa.text(TERMINATE), {"db": self.database}).all()
                        self.terminated = sum(1 for (ok,) in killed if ok)
                        return
                    time.sleep(0.005)
        finally:
            engine.dispose()


@pytest.mark.postgres
def test_connections_lost_during_the_catalog_write(instance, monkeypatch, pg_url, tmp_path: Path):
    """Every connection of the run is terminated by the server right after the first batch of
    families commits: the write step fails with the database's reason and is retried by its
    retry policy (or the run fails clearly, naming the lost connection); no family is
    half-written meanwhile; and after the next sync the catalog equals the feed: nothing is
    lost (``assert_nothing_lost`` is ``assert_catalog_equals_feed`` plus the error rows)."""
    spec = FeedSpec(seed=43, suppliers=1, families=300, exact=True)
    with FeedServer(FeedGenerator(spec)) as feed:
        monkeypatch.setenv(settings.PROMIDATA_BASE_URL, feed.base_url)
        monkeypatch.setenv(settings.DATABASE_URL, pg_url)
        monkeypatch.setenv(settings.IMAGE_STORE, str(tmp_path / "images"))
        generator = feed.generator
        (code,) = generator.supplier_codes()
        terminator = _Terminator(pg_url)
        terminator.start()
        runs = sync(instance)
        terminator.stop.set()
        terminator.join(10)
        assert terminator.terminated, "the write ended before its connections could be cut"
        assert 0 < terminator.written_before < len(generator.all_skus())

        run = runs[code]
        events = [e.event_type_value for e in run.result.all_events]
        if run.success:
            assert "STEP_UP_FOR_RETRY" in events or "STEP_RESTARTED" in events, events
        else:
            message = run.error()
            assert "terminating connection" in message or "connection" in message.lower()
        stored = [generator.family(p["sku"]) for p in rows(pg_url, t.products)]
        assert_whole_families(pg_url, stored)

        again = sync(instance)
        assert all(r.success for r in again.values()), again[code].error()
        assert_nothing_lost(pg_url, generator)
