"""Staging a supplier's files in worker processes gives exactly what parsing them on the event
loop gives: the same staged families, byte for byte, the same failures, every file archived."""

import asyncio
import gzip
import os
import signal
from concurrent.futures.process import BrokenProcessPool
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from promosync_pipeline.archive import SupplierArchive, open_archive_store
from promosync_pipeline.catalog import CatalogStore, make_engine, upgrade
from promosync_pipeline.catalog import schema as t
from promosync_pipeline.feedsim import FeedGenerator, FeedSpec
from promosync_pipeline.feedsim.faults import parse_fault
from promosync_pipeline.feedsim.server import FeedServer
from promosync_pipeline.http import FetchClient
from promosync_pipeline.http.hosts import HostPolicy
from promosync_pipeline.http.settings import ClientSettings
from promosync_pipeline.processes import process_pool
from promosync_pipeline.promidata import parse_index
from promosync_pipeline.sync.fetch_parse import fetch_and_parse
from promosync_pipeline.sync.stage_files import MIN_FILES_FOR_PROCESSES, StageResult, stage_files

FAMILIES = MIN_FILES_FOR_PROCESSES + 5


@pytest.fixture(scope="module")
def feed():
    spec = FeedSpec(seed=23, suppliers=1, families=FAMILIES, exact=True)
    with FeedServer(FeedGenerator(spec)) as server:
        broken = server.generator.all_skus()[7]
        server.set_faults([parse_fault(f"truncate:sku={broken}")])
        yield server


def staged(feed, tmp_path: Path, name: str, processes: int | None):
    """Stage every file of the feed into a fresh SQLite catalog; (result, staged rows, archive
    folder)."""
    engine = make_engine(f"sqlite:///{tmp_path / name}.db")
    upgrade(engine)
    store = CatalogStore(engine)
    entries = parse_index(httpx.get(feed.index_url).content).entries
    code = entries[0].supplier_code
    folder = tmp_path / f"{name}-archive"
    archive = SupplierArchive(
        open_archive_store(str(folder)), code, versions=2, now=datetime(2026, 1, 1, tzinfo=UTC)
    )
    archive.open()
    run_id = store.start_sync_run(code, None, datetime.now(UTC), len(entries))
    policy = HostPolicy.for_feed(feed.index_url)
    client = FetchClient(ClientSettings(requests_per_second=10_000), policy)
    result = stage_files(
        client,
        store,
        code,
        run_id,
        entries,
        workers=8,
        max_failure_share=0.5,
        archive=archive,
        parse_processes=processes,
    )
    s = t.staged_families
    query = sa.select(s.c.sku, s.c.content_hash, s.c.source_hash, s.c.payload).order_by(s.c.sku)
    with engine.connect() as conn:
        rows = [tuple(row) for row in conn.execute(query)]
    engine.dispose()
    assert archive.kept == len(entries), archive.metadata()
    return result, rows, folder


def failures(result: StageResult) -> list[tuple[str, str, str]]:
    return sorted((f.sku, f.stage, f.reason) for f in result.failed)


def test_worker_processes_stage_what_the_event_loop_stages(feed, tmp_path):
    in_processes, rows, _ = staged(feed, tmp_path, "processes", None)
    on_loop, loop_rows, _ = staged(feed, tmp_path, "loop", 0)

    assert in_processes.parse_processes >= 1
    assert on_loop.parse_processes == 0
    assert len(rows) == FAMILIES - 1
    assert rows == loop_rows
    broken = feed.generator.all_skus()[7]
    assert failures(in_processes) == failures(on_loop)
    assert [(sku, stage) for sku, stage, _ in failures(in_processes)] == [(broken, "parse")]
    assert "invalid JSON" in in_processes.failed[0].reason
    assert (in_processes.variants, in_processes.price_tiers) == (
        on_loop.variants,
        on_loop.price_tiers,
    )


def test_the_archive_keeps_every_downloaded_file_as_served_even_one_that_does_not_parse(
    feed, tmp_path
):
    _, _, folder = staged(feed, tmp_path, "processes", 2)
    kept = {p.parent.name: gzip.decompress(p.read_bytes()) for p in folder.rglob("*.json.gz")}
    assert len(kept) == FAMILIES
    broken = feed.generator.all_skus()[7]
    whole = feed.generator.product_bytes(broken)
    assert 0 < len(kept[broken]) < len(whole)
    assert whole.startswith(kept[broken])
    intact = feed.generator.all_skus()[0]
    assert kept[intact] == feed.generator.product_bytes(intact)


def test_a_killed_parser_process_fails_the_fetch_at_once_instead_of_hanging(feed):
    """The kernel's OOM killer ending a parser, say: the pool breaks, and the error reaches the
    caller (the step fails and is retried) instead of the fetch waiting for it forever."""
    entries = parse_index(httpx.get(feed.index_url).content).entries
    policy = HostPolicy.for_feed(feed.index_url)
    parsers = process_pool(1)
    os.kill(parsers.submit(os.getpid).result(timeout=30), signal.SIGKILL)
    sunk: list[object] = []

    async def sink(batch) -> None:
        sunk.extend(batch)

    async def run() -> None:
        async with FetchClient(ClientSettings(), policy) as client:
            await fetch_and_parse(client, entries, sink, workers=4, parsers=parsers)

    try:
        with pytest.raises(BrokenProcessPool):
            asyncio.run(asyncio.wait_for(run(), timeout=60))
    finally:
        parsers.shutdown(wait=True, cancel_futures=True)
    assert sunk == []
