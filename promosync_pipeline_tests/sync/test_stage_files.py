"""Staging a supplier's files in worker processes (each downloading and parsing its chunks) gives
exactly what the event loop alone gives: the same staged families, byte for byte, the same
failures, every file archived, the same client counters; the processes share the request cap."""

import asyncio
import gc
import gzip
import os
import signal
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from promosync_pipeline.archive import SupplierArchive, open_archive_store
from promosync_pipeline.catalog import Catalog, make_engine, upgrade
from promosync_pipeline.catalog import schema as t
from promosync_pipeline.feedsim import FeedGenerator, FeedSpec
from promosync_pipeline.feedsim.faults import parse_fault
from promosync_pipeline.feedsim.server import FeedServer
from promosync_pipeline.http import ClientStats, FetchClient
from promosync_pipeline.http.hosts import HostPolicy
from promosync_pipeline.http.settings import ClientSettings
from promosync_pipeline.processes import process_pool
from promosync_pipeline.promidata import parse_index
from promosync_pipeline.sync.fetch_processes import (
    CHUNK_FILES,
    fetch_in_processes,
    process_settings,
)
from promosync_pipeline.sync.stage_files import (
    MIN_FILES_FOR_PROCESSES,
    FetchOptions,
    StageResult,
    StageTarget,
    stage_files,
)

FAMILIES = MIN_FILES_FOR_PROCESSES + 5


@pytest.fixture(scope="module")
def staging_feed():
    """The feed these tests share: one supplier of ``FAMILIES`` families whose eighth file is
    served cut short."""
    spec = FeedSpec(seed=23, suppliers=1, families=FAMILIES, exact=True)
    with FeedServer(FeedGenerator(spec)) as server:
        broken = server.generator.all_skus()[7]
        server.set_faults([parse_fault(f"truncate:sku={broken}")])
        yield server


@dataclass
class Run:
    """A fresh SQLite catalog with a sync run open for the feed's supplier."""

    engine: sa.Engine
    store: Catalog
    entries: list
    code: str
    run_id: int

    @classmethod
    def open(cls, tmp_path: Path, name: str, index_url: str) -> "Run":
        engine = make_engine(f"sqlite:///{tmp_path / name}.db")
        upgrade(engine)
        store = Catalog(engine)
        entries = parse_index(httpx.get(index_url).content).entries
        code = entries[0].supplier_code
        run_id = store.runs.start(code, None, datetime.now(UTC), len(entries))
        return cls(engine, store, entries, code, run_id)

    def stage(self, settings: ClientSettings, index_url: str, **options) -> StageResult:
        """:func:`stage_files` of every entry, with a client of ``settings``."""
        client = FetchClient(settings, HostPolicy.for_feed(index_url))
        try:
            target = StageTarget(self.store, self.code, self.run_id)
            return stage_files(client, target, self.entries, FetchOptions(**options))
        finally:
            self.engine.dispose()


def staged(
    feed,
    tmp_path: Path,
    name: str,
    processes: int | None,
    *,
    archive_name: str | None = None,
    replay: bool = False,
    stats: ClientStats | None = None,
    requests_per_second: float = 10_000,
    archive_location: str | None = None,
):
    """Stage every file of the feed into a fresh SQLite catalog; (result, staged rows, archive
    folder). ``archive_name`` names the raw archive's folder (default: after ``name``);
    ``archive_location`` puts the archive elsewhere (an ``s3://`` URL)."""
    run = Run.open(tmp_path, name, feed.index_url)
    engine, store, entries, code = run.engine, run.store, run.entries, run.code
    folder = tmp_path / f"{archive_name or name}-archive"
    archive = SupplierArchive(
        open_archive_store(archive_location or str(folder)),
        code,
        versions=2,
        now=datetime(2026, 1, 1, tzinfo=UTC),
    )
    archive.open()
    policy = HostPolicy.for_feed(feed.index_url)
    client = FetchClient(ClientSettings(requests_per_second=requests_per_second), policy, stats)
    result = stage_files(
        client,
        StageTarget(store, code, run.run_id),
        entries,
        FetchOptions(
            workers=8,
            max_failure_share=0.5,
            archive=archive,
            replay=replay,
            parse_processes=processes,
        ),
    )
    s = t.staged_families
    query = sa.select(s.c.sku, s.c.content_hash, s.c.source_hash, s.c.payload).order_by(s.c.sku)
    with engine.connect() as conn:
        rows = [tuple(row) for row in conn.execute(query)]
    engine.dispose()
    assert archive.kept + archive.hits == len(entries) and not archive.errors, archive.metadata()
    return result, rows, folder


def failures(result: StageResult) -> list[tuple[str, str, str]]:
    return sorted((f.sku, f.stage, f.reason) for f in result.failed)


def test_worker_processes_stage_what_the_event_loop_stages(staging_feed, tmp_path):
    in_processes, rows, _ = staged(staging_feed, tmp_path, "processes", None)
    on_loop, loop_rows, _ = staged(staging_feed, tmp_path, "loop", 0)

    assert in_processes.parse_processes >= 1
    assert on_loop.parse_processes == 0
    assert len(rows) == FAMILIES - 1
    assert rows == loop_rows
    broken = staging_feed.generator.all_skus()[7]
    assert failures(in_processes) == failures(on_loop)
    assert [(sku, stage) for sku, stage, _ in failures(in_processes)] == [(broken, "parse")]
    assert "invalid JSON" in in_processes.failed[0].reason
    assert (in_processes.variants, in_processes.price_tiers) == (
        on_loop.variants,
        on_loop.price_tiers,
    )


def test_the_archive_keeps_every_downloaded_file_as_served_even_one_that_does_not_parse(
    staging_feed, tmp_path
):
    _, _, folder = staged(staging_feed, tmp_path, "processes", 2)
    kept = {p.parent.name: gzip.decompress(p.read_bytes()) for p in folder.rglob("*.json.gz")}
    assert len(kept) == FAMILIES
    broken = staging_feed.generator.all_skus()[7]
    whole = staging_feed.generator.product_bytes(broken)
    assert 0 < len(kept[broken]) < len(whole)
    assert whole.startswith(kept[broken])
    intact = staging_feed.generator.all_skus()[0]
    assert kept[intact] == staging_feed.generator.product_bytes(intact)


def test_an_s3_archive_keeps_every_file_of_a_supplier_fetched_in_processes(
    staging_feed, tmp_path, s3_bucket
):
    import boto3

    result, rows, _ = staged(
        staging_feed, tmp_path, "s3", 2, archive_location=f"s3://{s3_bucket}/raw"
    )
    assert result.parse_processes == 2 and len(rows) == FAMILIES - 1
    s3 = boto3.client("s3")
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=s3_bucket, Prefix="raw/")["Contents"]]
    assert len(keys) == FAMILIES
    intact = staging_feed.generator.all_skus()[0]
    (key,) = [k for k in keys if f"/{intact}/" in k]
    body = s3.get_object(Bucket=s3_bucket, Key=key)["Body"].read()
    assert gzip.decompress(body) == staging_feed.generator.product_bytes(intact)


def test_a_replayed_supplier_is_parsed_in_processes_from_the_archive_without_downloads(
    staging_feed, tmp_path
):
    """``from_archive`` on a large supplier: the syncing process reads the archived files and
    hands them to the worker processes with their chunk; nothing is downloaded again."""
    _, downloaded, _ = staged(staging_feed, tmp_path, "first", None)
    before = staging_feed.stats.product_downloads()
    result, replayed, _ = staged(
        staging_feed, tmp_path, "replay", None, archive_name="first", replay=True
    )
    assert result.parse_processes >= 1
    assert staging_feed.stats.product_downloads() == before
    assert replayed == downloaded


def test_processes_report_the_counters_of_one_client(staging_feed, tmp_path):
    """Requests, bytes and statuses of every process add up to what one client counts."""
    in_processes, on_loop = ClientStats(), ClientStats()
    staged(staging_feed, tmp_path, "processes", 2, stats=in_processes)
    staged(staging_feed, tmp_path, "loop", 0, stats=on_loop)
    assert in_processes.requests == on_loop.requests == FAMILIES
    assert in_processes.bytes == on_loop.bytes > 0
    assert in_processes.statuses == on_loop.statuses == {200: FAMILIES}


def test_processes_split_the_request_cap_and_rate_between_them():
    settings = ClientSettings(max_in_flight=16, requests_per_second=1000.0)
    share = process_settings(settings, 2)
    assert (share.max_in_flight, share.requests_per_second) == (8, 500.0)
    share = process_settings(ClientSettings(max_in_flight=5), 2)
    assert share.max_in_flight == 2, "never more requests open in all than the cap"


def test_as_many_processes_as_requests_allowed_in_flight_at_most(staging_feed, tmp_path):
    run = Run.open(tmp_path, "one", staging_feed.index_url)
    result = run.stage(
        ClientSettings(max_in_flight=1),
        staging_feed.index_url,
        workers=1,
        max_failure_share=0.5,
        parse_processes=4,
    )
    assert result.parse_processes == 1
    assert len(result.staged_skus) == FAMILIES - 1


def test_a_killed_worker_process_fails_the_fetch_at_once_instead_of_hanging(staging_feed):
    """The kernel's OOM killer ending a worker, say: the pool breaks, and the error reaches the
    caller (the step fails and is retried) instead of the fetch waiting for it forever."""
    entries = parse_index(httpx.get(staging_feed.index_url).content).entries
    policy = HostPolicy.for_feed(staging_feed.index_url)
    pool = process_pool(1)
    os.kill(pool.submit(os.getpid).result(timeout=30), signal.SIGKILL)
    sunk: list[object] = []

    async def sink(batch) -> None:
        sunk.extend(batch)

    async def run() -> None:
        client = FetchClient(ClientSettings(), policy)
        await fetch_in_processes(client, entries, sink, pool=pool, processes=1)

    try:
        with pytest.raises(BrokenProcessPool):
            asyncio.run(asyncio.wait_for(run(), timeout=60))
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    assert sunk == []


def test_a_worker_process_never_collects_the_objects_it_inherited():
    """The parent's heap, forked into a worker, is frozen there: the worker's garbage collector
    walks only what the worker itself allocates."""
    inherited = len(gc.get_objects())
    frozen_before = gc.get_freeze_count()  # the suite freezes what it collected (conftest.py)
    pool = process_pool(1)
    try:
        frozen = pool.submit(gc.get_freeze_count).result(timeout=30)
    finally:
        pool.shutdown(wait=True)
    assert gc.get_freeze_count() == frozen_before  # the parent itself collects as before
    assert frozen - frozen_before >= inherited * 0.9


def test_a_retry_after_pauses_the_requests_of_every_process(tmp_path):
    """One file of the first chunk answers 429 with ``Retry-After: 2``: only one process gets
    it, yet the requests of both stop for the pause (at 40 requests/s the sync takes seconds,
    so the other process would have gone on), and every file is staged.

    The pause starts when the client has read the 429, not when the server sent it: on a
    loaded machine the server logged requests more than half a second after its 429, sent
    before the pause was known. So its log must show that the requests stopped for most of the
    2 s after the 429, not from which moment."""
    spec = FeedSpec(seed=29, suppliers=1, families=FAMILIES, exact=True)
    with FeedServer(FeedGenerator(spec)) as server:
        throttled = server.generator.all_skus()[3]
        server.set_faults([parse_fault(f"429:sku={throttled},times=1,retry_after=2")])
        stats = ClientStats()
        result, rows, _ = staged(
            server, tmp_path, "paused", 2, stats=stats, requests_per_second=40.0
        )
        log = [(at, status) for at, path, status in server.stats.log if "/Products/" in path]
    assert result.parse_processes == 2
    assert len(rows) == FAMILIES and not result.failed
    assert stats.throttled == 1 and stats.retries == 1
    (at_429,) = [at for at, status in log if status == 429]
    assert [at for at, _ in log if at > at_429 + 2.0], "the sync went on after the pause"
    after = sorted(at for at, _ in log if at >= at_429)
    longest = max(later - earlier for earlier, later in pairwise(after))
    assert longest >= 1.5, f"the requests never stopped for the pause: longest gap {longest:.2f} s"


def test_a_broken_source_stops_the_worker_processes_within_the_chunks_they_are_on(tmp_path):
    """Every product file times out (after 1 s, no retry): once the first chunks' failures
    exceed the budget, the workers drop the files they are on and the chunks still queued,
    instead of trying every file."""
    spec = FeedSpec(seed=31, suppliers=1, families=FAMILIES, exact=True)
    with FeedServer(FeedGenerator(spec)) as server:
        server.set_faults([parse_fault("slow:delay=5")])
        run = Run.open(tmp_path, "broken", server.index_url)
        result = run.stage(
            ClientSettings(read_timeout_s=1.0, max_attempts=1),
            server.index_url,
            workers=16,
            max_failure_share=0.1,
            parse_processes=2,
        )
        tried = [path for path in server.stats.paths if path.startswith("/Products/")]
    assert result.aborted and result.parse_processes == 2
    assert not result.staged_skus
    # the two chunks the workers were on, and the first requests of the next ones (8 each)
    assert len(tried) <= 2 * CHUNK_FILES + 16 < FAMILIES
