"""Download, parse and stage a supplier's changed product files, stopping a broken source early.

No Dagster here: the ``parsed_variants`` asset calls :func:`stage_files` and reports what it
returns.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field

from promosync_pipeline import clock
from promosync_pipeline.catalog import Catalog, ErrorRecord, ErrorStage
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


@dataclass(frozen=True)
class StageTarget:
    """Where a sync's parsed families go: the catalog's staging table, under its sync run."""

    catalog: Catalog
    supplier_code: str
    sync_run_id: int
    record_errors: bool = True
    """Record each failure in ``sync_errors`` (not for a dry run, which writes nothing)."""


@dataclass(frozen=True)
class FetchOptions:
    workers: int
    """Requests in flight at most (shared by the worker processes)."""
    max_failure_share: float
    on_done: Callable[[int], None] = lambda n: None
    archive: RawArchive | None = None
    replay: bool = False
    """Parse a file's archived version of its index hash instead of downloading it."""
    parse_processes: int | None = None
    """Worker processes (one per core when None, never more than ``workers``; 0: none)."""


class _BudgetExhausted(Exception):
    pass


def stage_files(
    client: FetchClient,
    target: StageTarget,
    entries: Sequence[IndexEntry],
    options: FetchOptions,
) -> StageResult:
    """Fetch and parse ``entries``; stage each parsed family and record each failure as it
    comes, so a run killed halfway has lost nothing it had done.

    Every downloaded file is kept in ``options.archive``; with ``options.replay``, a file's
    archived version of its index hash is parsed instead of downloading it
    (``files_downloaded`` counts both).

    Stops early once more than ``max_failure_share`` of the files have failed (when there are
    at least :data:`MIN_FILES_FOR_BUDGET`): the source is broken, trying on only hammers it.
    (Worker processes report a chunk at a time: they stop within the chunks they are on.)

    From :data:`MIN_FILES_FOR_PROCESSES` files on, files are downloaded and parsed in worker
    processes, which share ``client``'s request cap and rate; this process only stages what
    they return and keeps their compressed files in the archive.
    """
    result = StageResult()
    if not entries:  # a no-op sync: no event loop, no HTTP client
        return result
    sink = _Sink(target, result, budget=max(1, int(options.max_failure_share * len(entries))))
    if len(entries) < MIN_FILES_FOR_BUDGET:
        sink.budget = len(entries) + 1
    started = time.monotonic()
    with _parse_pool(entries, options) as (pool, signals, processes):
        result.parse_processes = processes if isinstance(pool, ProcessPoolExecutor) else 0
        try:
            asyncio.run(_fetch(client, entries, sink, options, pool, signals, processes))
        except _BudgetExhausted:
            result.aborted = True
    result.duration_s = time.monotonic() - started
    return result


class _Sink:
    """Takes each batch of outcomes: stages the parsed families, records the failures."""

    def __init__(self, target: StageTarget, result: StageResult, budget: int) -> None:
        self.target = target
        self.result = result
        self.budget = budget

    async def __call__(self, batch: Sequence[Outcome]) -> None:
        target, result = self.target, self.result
        parsed = [o for o in batch if isinstance(o, Parsed)]
        failed = [o for o in batch if isinstance(o, Failed)]
        staging = target.catalog.staging
        staged = [p.family for p in parsed]
        await asyncio.to_thread(staging.stage, target.supplier_code, target.sync_run_id, staged)
        result.staged_skus.extend(p.family.sku for p in parsed)
        result.variants += sum(p.variants for p in parsed)
        result.price_tiers += sum(p.price_tiers for p in parsed)
        downloaded = sum(1 for f in failed if f.stage != ErrorStage.DOWNLOAD)
        result.files_downloaded += len(parsed) + downloaded
        if failed:
            await self._record(failed)

    async def _record(self, failed: list[Failed]) -> None:
        target, result = self.target, self.result
        failures = [FamilyFailure(f.entry.sku, f.stage, f.reason, f.entry.url) for f in failed]
        result.failed.extend(failures)
        if target.record_errors:
            records = [ErrorRecord(f.sku, f.source_url, f.stage, f.reason) for f in failures]
            errors = target.catalog.errors
            await asyncio.to_thread(
                errors.record, target.supplier_code, target.sync_run_id, records, clock.now()
            )
        if len(result.failed) > self.budget:
            raise _BudgetExhausted


@contextmanager
def _parse_pool(
    entries: Sequence[IndexEntry], options: FetchOptions
) -> Iterator[tuple[Executor | None, WorkerSignals | None, int]]:
    """Worker processes for a large supplier (none below :data:`MIN_FILES_FOR_PROCESSES`
    files): ``(pool, their signals, how many)``."""
    if options.parse_processes == 0 or len(entries) < MIN_FILES_FOR_PROCESSES:
        yield None, None, 0
        return
    # one request in flight per process at least: the processes share the cap
    processes = min(worker_count(options.parse_processes), options.workers)
    signals = WorkerSignals()
    pool = process_pool(processes, start_worker, (signals,))
    try:
        yield pool, signals, processes
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


async def _fetch(
    client: FetchClient,
    entries: Sequence[IndexEntry],
    sink: _Sink,
    options: FetchOptions,
    pool: Executor | None,
    signals: WorkerSignals | None,
    processes: int,
) -> None:
    if pool is not None:
        await fetch_in_processes(
            client,
            entries,
            sink,
            pool=pool,
            processes=processes,
            signals=signals,
            on_done=options.on_done,
            archive=options.archive,
            replay=options.replay,
        )
        return
    async with client:
        await fetch_and_parse(
            client,
            entries,
            sink,
            workers=options.workers,
            batch_size=100,
            on_done=options.on_done,
            archive=options.archive,
            replay=options.replay,
        )
