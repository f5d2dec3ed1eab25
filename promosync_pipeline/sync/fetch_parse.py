"""Fetch product files concurrently and parse each as it arrives.

Results stream out in batches so that a supplier's raw JSON is never held at once: each file's
bytes live only until it is parsed. This runs on one event loop: the syncing process's for a
few files, each worker process's for its chunks of a large supplier (``fetch_processes.py``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from promosync_pipeline.archive.session import pack
from promosync_pipeline.catalog.records import EncodedFamily, FamilyWrite
from promosync_pipeline.catalog.rows import encode_family
from promosync_pipeline.catalog.schema import ErrorStage
from promosync_pipeline.http import FetchClient, FetchError
from promosync_pipeline.promidata import IndexEntry, ProductParseError, content_hash, parse_product


@dataclass(frozen=True, slots=True)
class Parsed:
    entry: IndexEntry
    family: EncodedFamily
    variants: int
    price_tiers: int


@dataclass(frozen=True, slots=True)
class Failed:
    entry: IndexEntry
    stage: ErrorStage
    """``download`` or ``parse``."""
    reason: str


Outcome = Parsed | Failed


@dataclass(frozen=True, slots=True)
class _Crashed:
    """A fetch worker ended on an unexpected exception (``error``)."""

    error: Exception


BatchSink = Callable[[Sequence[Outcome]], Awaitable[None]]


class RawArchive(Protocol):
    """Where downloaded bytes are kept and replayed from (``archive.SupplierArchive``); the
    calls block and never raise."""

    writes_locally: bool
    """Keeping a file is a local file write: a tenth of a millisecond, cheaper done on the
    event loop than handed to a thread (each of its system calls would wait for the GIL)."""

    def wants(self, entry: IndexEntry) -> bool: ...

    def keep(self, entry: IndexEntry, packed: bytes, raw_size: int) -> None: ...

    def read(self, entry: IndexEntry) -> bytes | None: ...


def source_name(entry: IndexEntry) -> str:
    return f"{entry.supplier_code}/{entry.sku}.json"


def parse_entry(entry: IndexEntry, data: bytes) -> Outcome:
    """Parse one product file and encode the family for staging (no I/O)."""
    try:
        family = parse_product(
            data, source_name(entry), expected_sku=entry.sku, supplier_code=entry.supplier_code
        )
    except ProductParseError as exc:
        return Failed(entry, ErrorStage.PARSE, str(exc))
    encoded = encode_family(FamilyWrite(family, entry.url, entry.hash, content_hash(family)))
    return Parsed(entry, encoded, len(family.variants), family.price_tier_count)


def read_file(entry: IndexEntry, data: bytes, archive: bool) -> tuple[Outcome, bytes | None]:
    """:func:`parse_entry`, and with ``archive`` the file compressed for the raw archive
    (whether it parses or not: a later parser may read it)."""
    return parse_entry(entry, data), pack(data) if archive else None


async def fetch_and_parse(
    client: FetchClient,
    entries: Iterable[IndexEntry],
    sink: BatchSink,
    *,
    workers: int,
    batch_size: int = 200,
    on_done: Callable[[int], None] = lambda n: None,
    archive: RawArchive | None = None,
    replay: bool = False,
) -> None:
    """Download and parse every entry; hand outcomes to ``sink`` in batches, in arrival order.

    With an ``archive``, every downloaded file is kept there (even one that fails to parse: a
    later parser may read it); with ``replay`` too, an entry's archived version of its index
    hash is parsed instead of downloading it, and only the rest are downloaded.

    ``sink`` is awaited before more outcomes pile up, so a slow sink slows the fetch instead of
    growing memory; a failure is handed over at once, so the caller can stop a broken source
    early by raising from ``sink``.
    """
    fetch = _Fetch(client, archive, replay, workers, batch_size)
    for entry in entries:
        fetch.queue.put_nowait(entry)
    for _ in range(workers):
        fetch.queue.put_nowait(None)
    tasks = [asyncio.create_task(fetch.worker()) for _ in range(workers)]
    try:
        await fetch.drain(sink, on_done)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


class _Fetch:
    """The queues of one :func:`fetch_and_parse`: entries in, outcomes out."""

    def __init__(
        self,
        client: FetchClient,
        archive: RawArchive | None,
        replay: bool,
        workers: int,
        batch_size: int,
    ) -> None:
        self.client = client
        self.archive = archive
        self.replay = replay
        self.workers = workers
        self.batch_size = batch_size
        self.queue: asyncio.Queue[IndexEntry | None] = asyncio.Queue()
        self.results: asyncio.Queue[Outcome | _Crashed | None] = asyncio.Queue(
            maxsize=batch_size * 2
        )

    async def worker(self) -> None:
        try:
            while (entry := await self.queue.get()) is not None:
                await self.results.put(await self.outcome_of(entry))
        except Exception as exc:  # a bug: end the fetch, do not hang
            await self.results.put(_Crashed(exc))
            return
        await self.results.put(None)

    async def outcome_of(self, entry: IndexEntry) -> Outcome:
        archive = self.archive
        data = None
        if self.replay and archive is not None:
            data = await asyncio.to_thread(archive.read, entry)
        keep = False
        if data is None:
            try:
                response = await self.client.get(entry.url)
            except FetchError as exc:
                return Failed(entry, ErrorStage.DOWNLOAD, exc.reason_with_attempts())
            data = response.content
            keep = archive is not None and archive.wants(entry)
        outcome, packed = read_file(entry, data, keep)
        if archive is not None and packed is not None:
            if archive.writes_locally:  # a file write: cheaper here than in a thread
                archive.keep(entry, packed, len(data))
            else:
                await asyncio.to_thread(archive.keep, entry, packed, len(data))
        return outcome

    async def drain(self, sink: BatchSink, on_done: Callable[[int], None]) -> None:
        finished = 0
        batch: list[Outcome] = []
        while finished < self.workers:
            outcome = await self.results.get()
            if isinstance(outcome, _Crashed):
                raise outcome.error
            if outcome is None:
                finished += 1
                continue
            batch.append(outcome)
            on_done(1)
            if len(batch) >= self.batch_size or isinstance(outcome, Failed):
                await sink(batch)
                batch = []
        if batch:
            await sink(batch)
