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
    stats = ImageStats()
    loop = asyncio.get_running_loop()
    render = functools.partial(process_image, max_pixels=max_pixels)
    queue: asyncio.Queue[str] = asyncio.Queue()
    for url in urls:
        queue.put_nowait(url)
    contents: dict[str, asyncio.Future[tuple[StoredObject, ...]]] = {}
    pending: list[ImageResult] = []
    flush_lock = asyncio.Lock()

    async def flush(force: bool = False) -> None:
        async with flush_lock:
            if pending and (force or len(pending) >= batch_size):
                batch = pending[:]
                pending.clear()
                await sink(batch)

    async def upload(image: ProcessedImage) -> tuple[StoredObject, ...]:
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

    async def store_content(image: ProcessedImage) -> tuple[StoredObject, ...]:
        """Upload unless these bytes are stored already or being stored by another task."""
        if image.sha256 in contents:
            await contents[image.sha256]
            stats.reused_content += 1
            return ()
        future: asyncio.Future[tuple[StoredObject, ...]] = loop.create_future()
        contents[image.sha256] = future
        try:
            known = await asyncio.to_thread(stored_contents, [image.sha256])
            if image.sha256 in known:
                stats.reused_content += 1
                future.set_result(())
                return ()
            objects = await upload(image)
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved here: waiters re-raise it themselves
            raise
        stats.uploaded += 1
        stats.objects_written += len(objects)
        stats.bytes_out += sum(o.bytes for o in objects)
        future.set_result(objects)
        return objects

    async def one(url: str) -> ImageResult:
        try:
            response = await client.get(url)
        except FetchError as exc:
            return ImageResult(url, error=f"download: {exc.reason_with_attempts()}")
        stats.downloaded += 1
        stats.bytes_in += len(response.content)
        try:
            image = await loop.run_in_executor(pool, render, response.content)
        except ImageRejected as exc:
            return ImageResult(url, error=f"image: {exc.reason}")
        objects = await store_content(image)
        return ImageResult(url, image.sha256, None, objects)

    async def worker() -> None:
        while not queue.empty():
            url = queue.get_nowait()
            result = await one(url)
            if result.error:
                stats.failed += 1
            pending.append(result)
            on_done(1)
            await flush()

    tasks = [asyncio.create_task(worker()) for _ in range(max(1, min(workers, len(urls))))]
    try:
        await asyncio.gather(*tasks)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await flush(force=True)
    return stats
