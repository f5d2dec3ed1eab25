"""Download and parse product files in worker processes, a chunk of files per task.

Each worker process downloads its chunk with an HTTP client of its own (kept for the whole
sync, so its connections stay open), parses and hashes every file and compresses the ones the
raw archive wants. Only the small results cross back to the syncing process: no file's bytes
cross a pipe, and the syncing process's GIL is left to staging. The request cap and rate are
split evenly between the processes.
"""

from __future__ import annotations

import asyncio
import dataclasses
import multiprocessing
import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field

from promosync_pipeline.http import ClientSettings, ClientStats, FetchClient, HostPolicy
from promosync_pipeline.http.ratelimit import SharedPause
from promosync_pipeline.promidata import IndexEntry
from promosync_pipeline.sync.fetch_parse import BatchSink, Outcome, RawArchive, fetch_and_parse

CHUNK_FILES = 32
"""Files per task: small enough to stream, large enough to keep a process's requests busy."""


@dataclass(frozen=True, slots=True)
class Chunk:
    """One task of a worker process."""

    entries: tuple[IndexEntry, ...]
    wanted: frozenset[str]
    """SKUs whose downloaded file the raw archive wants: compress those for it."""
    archived: dict[str, bytes] = field(default_factory=dict)
    """Replay: SKU -> the archived file to parse instead of downloading it."""


@dataclass(frozen=True, slots=True)
class ChunkResult:
    """What a worker hands back for a chunk: small, no file's bytes but the compressed ones."""

    outcomes: list[Outcome]
    kept: list[tuple[IndexEntry, bytes, int]]
    """``(entry, compressed file, raw size)`` for the raw archive."""
    stats: ClientStats


def process_settings(settings: ClientSettings, processes: int) -> ClientSettings:
    """One process's share of the request cap and rate."""
    return dataclasses.replace(
        settings,
        max_in_flight=max(1, settings.max_in_flight // processes),
        requests_per_second=settings.requests_per_second / processes,
    )


class WorkerSignals:
    """Shared memory between the syncing process and its workers; make it before the pool and
    hand it to :func:`start_worker`. ``pause``: a ``Retry-After`` holds back every worker's
    requests. ``stop()``: the workers drop the chunks they are on (the source is broken, or the
    step is ending), instead of retrying their files to the end."""

    def __init__(self) -> None:
        self.pause = SharedPause()
        self._stop = multiprocessing.RawValue("b", 0)

    def stop(self) -> None:
        self._stop.value = 1

    @property
    def stopped(self) -> bool:
        return bool(self._stop.value)


async def fetch_in_processes(
    client: FetchClient,
    entries: Iterable[IndexEntry],
    sink: BatchSink,
    *,
    pool: Executor,
    processes: int,
    signals: WorkerSignals | None = None,
    on_done: Callable[[int], None] = lambda n: None,
    archive: RawArchive | None = None,
    replay: bool = False,
) -> None:
    """:func:`~promosync_pipeline.sync.fetch_parse.fetch_and_parse` spread over ``pool``'s
    ``processes``, with ``client``'s settings, host policy and counters.

    At most two chunks per process are out at once, so a slow ``sink`` slows the fetch instead
    of growing memory. A dead worker process raises ``BrokenProcessPool`` here. However this
    ends (the ``sink`` may raise to stop a broken source), ``signals`` (those of ``pool``'s
    workers) tells the workers to stop.
    """
    loop = asyncio.get_running_loop()
    settings = process_settings(client.settings, processes)
    pending: set[asyncio.Future[ChunkResult]] = set()

    async def take(done: set[asyncio.Future[ChunkResult]]) -> None:
        for future in done:
            result = future.result()
            client.stats.merge(result.stats, clients=processes)
            if archive is not None and archive.writes_locally:
                for kept in result.kept:
                    archive.keep(*kept)
            elif archive is not None:  # an object store: the chunk's files at once
                await asyncio.gather(*(asyncio.to_thread(archive.keep, *k) for k in result.kept))
            on_done(len(result.outcomes))
            await sink(result.outcomes)

    try:
        for part in _chunks(entries):
            archived: dict[str, bytes] = {}
            if replay and archive is not None:
                reads = [asyncio.to_thread(archive.read, entry) for entry in part]
                found = zip(part, await asyncio.gather(*reads), strict=True)
                archived = {entry.sku: data for entry, data in found if data is not None}
            wanted = frozenset(e.sku for e in part if archive is not None and archive.wants(e))
            chunk = Chunk(tuple(part), wanted, archived)
            pending.add(loop.run_in_executor(pool, fetch_chunk, settings, client.policy, chunk))
            if len(pending) >= 2 * processes:
                done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                await take(done)
        while pending:
            done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            await take(done)
    finally:
        if signals is not None:
            signals.stop()
        for future in pending:
            future.cancel()


# In the worker processes

_signals: WorkerSignals | None = None
"""This worker's signals (set by :func:`start_worker`)."""
_local = threading.local()
STOP_POLL_S = 0.1


def start_worker(signals: WorkerSignals) -> None:
    """Pool set-up (``process_pool(setup=start_worker, setup_args=(signals,))``)."""
    global _signals
    _signals = signals


def fetch_chunk(settings: ClientSettings, policy: HostPolicy, chunk: Chunk) -> ChunkResult:
    """Runs in a worker: download (or take from the chunk) and parse every file of ``chunk``."""
    if _signals is not None and _signals.stopped:  # queued before the stop: drop it
        return ChunkResult([], [], ClientStats())
    session: _Session | None = getattr(_local, "session", None)
    if session is None:
        session = _local.session = _Session(settings, policy)
    client = session.client
    client.stats = stats = ClientStats()
    archive = _Collected(chunk)
    outcomes: list[Outcome] = []

    async def collect(batch: Sequence[Outcome]) -> None:
        outcomes.extend(batch)

    async def run() -> None:
        fetch = asyncio.ensure_future(
            fetch_and_parse(
                client,
                chunk.entries,
                collect,
                workers=settings.max_in_flight,
                batch_size=len(chunk.entries),
                archive=archive,
                replay=bool(chunk.archived),
            )
        )
        while not fetch.done():
            if _signals is not None and _signals.stopped:
                fetch.cancel()
            await asyncio.wait({fetch}, timeout=STOP_POLL_S)
        if not fetch.cancelled():
            fetch.result()

    session.loop.run_until_complete(run())
    if stats.rate_decreases:
        stats.final_rate = client.rate
    return ChunkResult(outcomes, archive.kept, stats)


class _Session:
    """One event loop and one entered client per worker, for the life of the pool (which is one
    sync's)."""

    def __init__(self, settings: ClientSettings, policy: HostPolicy) -> None:
        self.loop = asyncio.new_event_loop()
        pause = _signals.pause if _signals is not None else None
        self.client = FetchClient(settings, policy, pause=pause)
        self.loop.run_until_complete(self.client.__aenter__())


class _Collected:
    """The raw archive as a worker sees it: it compresses what the real one wants and hands the
    bytes back; replayed files come with the chunk."""

    writes_locally = True

    def __init__(self, chunk: Chunk) -> None:
        self.chunk = chunk
        self.kept: list[tuple[IndexEntry, bytes, int]] = []

    def wants(self, entry: IndexEntry) -> bool:
        return entry.sku in self.chunk.wanted

    def keep(self, entry: IndexEntry, packed: bytes, raw_size: int) -> None:
        self.kept.append((entry, packed, raw_size))

    def read(self, entry: IndexEntry) -> bytes | None:
        return self.chunk.archived.get(entry.sku)


def _chunks(entries: Iterable[IndexEntry]) -> Iterable[list[IndexEntry]]:
    part: list[IndexEntry] = []
    for entry in entries:
        part.append(entry)
        if len(part) == CHUNK_FILES:
            yield part
            part = []
    if part:
        yield part
