"""Download, parse and stage a supplier's changed product files, stopping a broken source early.

No Dagster here: the ``parsed_variants`` asset calls :func:`stage_files` and reports what it
returns.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime

from promosync_pipeline.catalog import CatalogStore
from promosync_pipeline.http import FetchClient
from promosync_pipeline.processes import process_pool, worker_count
from promosync_pipeline.promidata import IndexEntry
from promosync_pipeline.sync.fetch_parse import Failed, Outcome, Parsed, RawArchive, fetch_and_parse
from promosync_pipeline.sync.fetch_processes import (
    WorkerSignals,
    fetch_in_processes,
    start_worker,
)
from promosync_pipeline.sync.values import FamilyFailure

MIN_FILES_FOR_BUDGET = 10
"""Below this many files one failure is no evidence of a broken source."""
MIN_FILES_FOR_PROCESSES = 100
"""From this many files on, starting worker processes to parse them pays for itself."""


@dataclass
class StageResult:
    staged_skus: list[str] = field(default_factory=list)
    failed: list[FamilyFailure] = field(default_factory=list)
    variants: int = 0
    price_tiers: int = 0
    files_downloaded: int = 0
    aborted: bool = False
    """The failure budget ran out before every file was tried."""
    duration_s: float = 0.0
    parse_processes: int = 0
    """Worker processes that downloaded and parsed the files (0: all on the event loop)."""

    def over_budget(self, files: int, max_failure_share: float) -> bool:
        if files < MIN_FILES_FOR_BUDGET:
            return False
        return self.aborted or len(self.failed) / files > max_failure_share


class _BudgetExhausted(Exception):
    pass


def stage_files(
    client: FetchClient,
    store: CatalogStore,
    supplier_code: str,
    sync_run_id: int,
    entries: Sequence[IndexEntry],
    *,
    workers: int,
    max_failure_share: float,
    on_done: Callable[[int], None] = lambda n: None,
    archive: RawArchive | None = None,
    replay: bool = False,
    parse_processes: int | None = None,
) -> StageResult:
    """Fetch and parse ``entries``; stage each parsed family and record each failure as it
    comes, so a run killed halfway has lost nothing it had done.

    Every downloaded file is kept in ``archive``; with ``replay``, a file's archived version of
    its index hash is parsed instead of downloading it (``files_downloaded`` counts both).

    Stops early once more than ``max_failure_share`` of the files have failed (when there are
    at least :data:`MIN_FILES_FOR_BUDGET`): the source is broken, trying on only hammers it.
    (Worker processes report a chunk at a time: they stop within the chunks they are on.)

    From :data:`MIN_FILES_FOR_PROCESSES` files on, files are downloaded and parsed in
    ``parse_processes`` worker processes (one per core by default, never more than ``workers``;
    0: all on this process's event loop), which share ``client``'s request cap and rate; this
    process only stages what they return and keeps their compressed files in the archive.
    """
    result = StageResult()
    if not entries:  # a no-op sync: no event loop, no HTTP client
        return result
    budget = max(1, int(max_failure_share * len(entries)))

    async def sink(batch: Sequence[Outcome]) -> None:
        parsed = [o for o in batch if isinstance(o, Parsed)]
        failed = [o for o in batch if isinstance(o, Failed)]
        staged = [p.family for p in parsed]
        await asyncio.to_thread(store.stage_families, supplier_code, sync_run_id, staged)
        result.staged_skus.extend(p.family.sku for p in parsed)
        result.variants += sum(p.variants for p in parsed)
        result.price_tiers += sum(p.price_tiers for p in parsed)
        result.files_downloaded += len(parsed) + sum(1 for f in failed if f.stage != "download")
        if failed:
            failures = [FamilyFailure(f.entry.sku, f.stage, f.reason, f.entry.url) for f in failed]
            result.failed.extend(failures)
            rows = [(f.sku, f.source_url, f.stage, f.reason) for f in failures]
            await asyncio.to_thread(store.record_errors, supplier_code, sync_run_id, rows, _now())
            if len(result.failed) > budget and len(entries) >= MIN_FILES_FOR_BUDGET:
                raise _BudgetExhausted

    async def run() -> None:
        if pool is not None:
            await fetch_in_processes(
                client,
                entries,
                sink,
                pool=pool,
                processes=processes,
                signals=signals,
                on_done=on_done,
                archive=archive,
                replay=replay,
            )
            return
        async with client:
            await fetch_and_parse(
                client,
                entries,
                sink,
                workers=workers,
                batch_size=100,
                on_done=on_done,
                archive=archive,
                replay=replay,
            )

    started = time.monotonic()
    pool: Executor | None = None
    signals: WorkerSignals | None = None
    processes = 0
    if parse_processes != 0 and len(entries) >= MIN_FILES_FOR_PROCESSES:
        # one request in flight per process at least: the processes share the cap
        processes = min(worker_count(parse_processes), workers)
        signals = WorkerSignals()
        pool = process_pool(processes, start_worker, (signals,))
        if isinstance(pool, ProcessPoolExecutor):  # not the fallback of threads
            result.parse_processes = processes
    try:
        asyncio.run(run())
    except _BudgetExhausted:
        result.aborted = True
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
    result.duration_s = time.monotonic() - started
    return result


def _now() -> datetime:
    return datetime.now(UTC)
