"""Download, verify, render and upload source images: network, both cores and the store
working at once.

Each source URL is downloaded through the feed's client (its retries, allowed hosts and size
cap), processed in a pool of worker processes, and its renditions are uploaded under their
content address unless that content is stored already (the same bytes under two URLs are
stored once). Results go to ``sink`` in batches, after their objects are in the store.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass

from promosync_pipeline.http import FetchClient, FetchError
from promosync_pipeline.images.keys import storage_key
from promosync_pipeline.images.process import (
    CONTENT_TYPE,
    DEFAULT_MAX_PIXELS,
    ImageRejected,
    ProcessedImage,
    process_image,
)
from promosync_pipeline.images.results import ImageResult, StoredObject
from promosync_pipeline.images.stores import ImageStore

ResultSink = Callable[[Sequence[ImageResult]], Awaitable[None]]
ContentLookup = Callable[[Sequence[str]], set[str]]
"""Content hashes -> those whose every rendition is stored already (a blocking call)."""


class ImageStoreUnavailable(Exception):
    """Uploading failed: the store, not the image, is at fault; nothing more is tried."""


@dataclass
class ImageStats:
    downloaded: int = 0
    uploaded: int = 0
    """Source images whose renditions this run put in the store."""
    reused_content: int = 0
    """Downloaded, but the same bytes were stored already (under another URL)."""
    failed: int = 0
    bytes_in: int = 0
    bytes_out: int = 0
    objects_written: int = 0


async def process_sources(
    client: FetchClient,
    urls: Sequence[str],
    store: ImageStore,
    pool: Executor,
    *,
    stored_contents: ContentLookup,
    sink: ResultSink,
    workers: int,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    batch_size: int = 50,
    on_done: Callable[[int], None] = lambda n: None,
) -> ImageStats:
    """Process every URL once; raise :class:`ImageStoreUnavailable` if uploads fail.

    A download or image failure is a result with its reason, never an exception.
    """
    run = _Processing(client, store, pool, stored_contents, sink, max_pixels, batch_size)
    for url in urls:
        run.queue.put_nowait(url)
    count = max(1, min(workers, len(urls)))
    tasks = [asyncio.create_task(run.worker(on_done)) for _ in range(count)]
    try:
        await asyncio.gather(*tasks)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await run.flush(force=True)
    return run.stats


class _Processing:
    """The shared state of one :func:`process_sources`: its queue, results and uploads."""

    def __init__(
        self,
        client: FetchClient,
        store: ImageStore,
        pool: Executor,
        stored_contents: ContentLookup,
        sink: ResultSink,
        max_pixels: int,
        batch_size: int,
    ) -> None:
        self.client = client
        self.store = store
        self.pool = pool
        self.stored_contents = stored_contents
        self.sink = sink
        self.batch_size = batch_size
        self.render = functools.partial(process_image, max_pixels=max_pixels)
        self.stats = ImageStats()
        self.queue: asyncio.Queue[str] = asyncio.Queue()
        self.contents: dict[str, asyncio.Future[tuple[StoredObject, ...]]] = {}
        """Content hash -> its upload, done or under way (the same bytes are stored once)."""
        self.pending: list[ImageResult] = []
        self.flush_lock = asyncio.Lock()

    async def worker(self, on_done: Callable[[int], None]) -> None:
        while not self.queue.empty():
            result = await self.one(self.queue.get_nowait())
            if result.error:
                self.stats.failed += 1
            self.pending.append(result)
            on_done(1)
            await self.flush()

    async def flush(self, force: bool = False) -> None:
        async with self.flush_lock:
            if self.pending and (force or len(self.pending) >= self.batch_size):
                batch = self.pending[:]
                self.pending.clear()
                await self.sink(batch)

    async def one(self, url: str) -> ImageResult:
        try:
            response = await self.client.get(url)
        except FetchError as exc:
            return ImageResult(url, error=f"download: {exc.reason_with_attempts()}")
        self.stats.downloaded += 1
        self.stats.bytes_in += len(response.content)
        loop = asyncio.get_running_loop()
        try:
            image = await loop.run_in_executor(self.pool, self.render, response.content)
        except ImageRejected as exc:
            return ImageResult(url, error=f"image: {exc.reason}")
        objects = await self.store_content(image)
        return ImageResult(url, image.sha256, None, objects)

    async def store_content(self, image: ProcessedImage) -> tuple[StoredObject, ...]:
        """Upload unless these bytes are stored already or being stored by another task."""
        stats = self.stats
        if image.sha256 in self.contents:
            await self.contents[image.sha256]
            stats.reused_content += 1
            return ()
        future: asyncio.Future[tuple[StoredObject, ...]] = (
            asyncio.get_running_loop().create_future()
        )
        self.contents[image.sha256] = future
        try:
            known = await asyncio.to_thread(self.stored_contents, [image.sha256])
            if image.sha256 in known:
                stats.reused_content += 1
                future.set_result(())
                return ()
            objects = await self.upload(image)
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved here: waiters re-raise it themselves
            raise
        stats.uploaded += 1
        stats.objects_written += len(objects)
        stats.bytes_out += sum(o.bytes for o in objects)
        future.set_result(objects)
        return objects

    async def upload(self, image: ProcessedImage) -> tuple[StoredObject, ...]:
        store = self.store
        objects = []
        for rendition in image.renditions:
            key = storage_key(image.sha256, rendition.name)
            try:
                await asyncio.to_thread(store.put, key, rendition.data, CONTENT_TYPE)
            except Exception as exc:
                raise ImageStoreUnavailable(
                    f"{store.description}: upload of {key} failed: {type(exc).__name__}: {exc}"
                ) from exc
            objects.append(
                StoredObject(
                    rendition.name, key, rendition.width, rendition.height, len(rendition.data)
                )
            )
        return tuple(objects)
