"""Our own faults: the catalog database goes away in the middle of the write.

Two ways: a PostgreSQL server of the test's own (``support/private_postgres.py``) really restarted
while a batch of families is being written; and, on the shared server (never restarted), every
connection of the run terminated by the server (``pg_terminate_backend``), which is what
clients see when a proxy drops them. ``kill -9`` of the syncing process during the write is
``pipeline/test_kill.py::test_kill_during_catalog_write_leaves_whole_families_and_converges``.
"""

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from promosync_pipeline.catalog import schema as t
from promosync_pipeline.feedsim import FeedGenerator, FeedServer, FeedSpec
from promosync_pipeline_tests.support.catalog import rows
from promosync_pipeline_tests.support.catalog_vs_feed import (
    assert_nothing_lost,
    assert_whole_families,
)
from promosync_pipeline_tests.support.ci import missing
from promosync_pipeline_tests.support.private_postgres import PrivatePostgres, find_bindir
from promosync_pipeline_tests.support.syncs import TEST_CLIENT, point_resources_at, sync

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
    then kills every other connection to the database (once), or calls ``action`` instead."""

    def __init__(self, url: str, action: Callable[[], None] | None = None) -> None:
        super().__init__(daemon=True)
        self.url = url
        self.action = action
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
                        if self.action is not None:
                            self.action()
                            self.terminated = 1
                            return
                        killed = conn.execute(sa.text(TERMINATE), {"db": self.database}).all()
                        self.terminated = sum(1 for (ok,) in killed if ok)
                        return
                    time.sleep(0.005)
        except sa.exc.OperationalError:
            pass  # the restart cut this connection too
        finally:
            engine.dispose()


def _cut_the_database_during_the_write(
    instance, monkeypatch, url: str, tmp_path: Path, seed: int, fault: _Terminator
) -> None:
    """Sync a 300-family supplier while ``fault`` cuts the database in the middle of the
    write; then check: the step was retried or the run failed naming the lost connection; only
    whole families are stored; the next sync loses nothing."""
    spec = FeedSpec(seed=seed, suppliers=1, families=300, exact=True)
    with FeedServer(FeedGenerator(spec)) as feed:
        point_resources_at(monkeypatch, feed, url, tmp_path / "images")
        generator = feed.generator
        (code,) = generator.supplier_codes()
        fault.start()
        runs = sync(instance, promidata=TEST_CLIENT, images=False)
        fault.stop.set()
        fault.join(60)
        assert fault.terminated, "the write ended before the database could be cut"
        assert 0 < fault.written_before < len(generator.all_skus())

        run = runs[code]
        events = [e.event_type_value for e in run.result.all_events]
        if run.success:
            assert "STEP_UP_FOR_RETRY" in events or "STEP_RESTARTED" in events, events
        else:
            message = run.error().lower()
            assert "connection" in message or "shutting down" in message, message
        stored = [generator.family(p["sku"]) for p in rows(url, t.products)]
        assert_whole_families(url, stored)

        again = sync(instance, promidata=TEST_CLIENT, images=False)
        assert all(r.success for r in again.values()), again[code].error()
        assert_nothing_lost(url, generator)


@pytest.mark.postgres
def test_connections_lost_during_the_catalog_write(instance, monkeypatch, pg_url, tmp_path: Path):
    """Every connection of the run is terminated by the server right after the first batch of
    families commits: the write step fails with the database's reason and is retried by its
    retry policy (or the run fails clearly, naming the lost connection); no family is
    half-written meanwhile; and after the next sync the catalog equals the feed: nothing is
    lost (``assert_nothing_lost`` is ``assert_catalog_equals_feed`` plus the error rows)."""
    _cut_the_database_during_the_write(
        instance, monkeypatch, pg_url, tmp_path, seed=43, fault=_Terminator(pg_url)
    )


@pytest.fixture
def restartable_pg() -> Iterator[PrivatePostgres]:
    """A PostgreSQL server of this test's own (the shared one is never restarted)."""
    bindir = find_bindir()
    if bindir is None:
        missing("the server-restart test", "no initdb/pg_ctl on this machine")
    server = PrivatePostgres(bindir)
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.mark.postgres
def test_server_restarted_during_the_catalog_write(
    instance, monkeypatch, restartable_pg: PrivatePostgres, tmp_path: Path
):
    """The catalog's PostgreSQL server is restarted (fast shutdown, then up again) while a
    batch of families is being written: the open transaction is rolled back by the server, the
    write step fails with the database's reason and its retry policy runs it again (or the run
    fails naming the lost connection); only whole families are ever in the catalog; and after
    the next sync nothing is lost."""
    url = restartable_pg.url
    restarter = _Terminator(url, action=restartable_pg.restart)
    _cut_the_database_during_the_write(
        instance, monkeypatch, url, tmp_path, seed=47, fault=restarter
    )
    assert "database system is shut down" in restartable_pg.log.read_text()
