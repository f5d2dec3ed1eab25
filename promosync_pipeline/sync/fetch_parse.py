"""Fetch product files concurrently and parse each as it arrives.

Results stream out in batches so that a supplier's raw JSON is never held at once: each file's
bytes live only until it is parsed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from promosync_pipeline.http import FetchClient, FetchError
from promosync_pipeline.promidata import (
    Family,
    IndexEntry,
    ProductParseError,
    content_hash,
    parse_product,
)
from promosync_pipeline.sync.stages import ErrorStage


@dataclass(frozen=True, slots=True)
class Parsed:
    entry: IndexEntry
    family: Family
    content_hash: str


@dataclass(frozen=True, slots=True)
class Failed:
    entry: IndexEntry
    stage: ErrorStage
    """``download`` or ``parse``."""
    reason: str


Outcome = Parsed | Failed
BatchSink = Callable[[Sequence[Outcome]], Awaitable[None]]


class RawArchive(Protocol):
    """Where downloaded bytes are kept and replayed from (``archive.SupplierArchive``); both
    calls block and never raise."""

    def keep(self, entry: IndexEntry, data: bytes) -> None: ...

    def read(self, entry: IndexEntry) -> bytes | None: ...


def source_name(entry: IndexEntry) -> str:
    return f"{entry.supplier_code}/{entry.sku}.json"


def parse_entry(entry: IndexEntry, data: bytes) -> Outcome:
    try:
        family = parse_product(
            data, source_name(entry), expected_sku=entry.sku, supplier_code=entry.supplier_code
        )
    except ProductParseError as exc:
        return Failed(entry, ErrorStage.PARSE, str(exc))
    return Parsed(entry, family, content_hash(family))


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

    With an ``archive``, every downloaded file is kept there before it is parsed (even one that
    fails to parse: a later parser may read it); with ``replay`` too, an entry's archived
    version of its index hash is parsed instead of downloading it, and only the rest are
    downloaded.

    ``sink`` is awaited before more outcomes pile up, so a slow sink slows the fetch instead of
    growing memory; a failure is handed over at once, so the caller can stop a broken source
    early by raising from ``sink``.
    """
    queue: asyncio.Queue[IndexEntry | None] = asyncio.Queue()
    for entry in entries:
        queue.put_nowait(entry)
    for _ in range(workers):
        queue.put_nowait(None)
    results: asyncio.Queue[Outcome | None] = asyncio.Queue(maxsize=batch_size * 2)

    async def worker() -> None:
        while (entry := await queue.get()) is not None:
            data = None
            if replay and archive is not None:
                data = await asyncio.to_thread(archive.read, entry)
            if data is None:
                try:
                    response = await client.get(entry.url)
                except FetchError as exc:
                    await results.put(
                        Failed(entry, ErrorStage.DOWNLOAD, exc.reason_with_attempts())
                    )
                    continue
                data = response.content
                if archive is not None:
                    await asyncio.to_thread(archive.keep, entry, data)
            await results.put(parse_entry(entry, data))
        await results.put(None)

    async def drain() -> None:
        finished = 0
        batch: list[Outcome] = []
        while finished < workers:
            outcome = await results.get()
            if outcome is None:
                finished += 1
                continue
            batch.append(outcome)
            on_done(1)
            if len(batch) >= batch_size or isinstance(outcome, Failed):
                await sink(batch)
                batch = []
        if batch:
            await sink(batch)

    tasks = [asyncio.create_task(worker()) for _ in range(workers)]
    try:
        await drain()
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
