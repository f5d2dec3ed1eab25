"""Download, verify, render and upload source images: network, both cores and the store
working at once.

Each source URL is downloaded through the feed's client (its retries, allowed hosts and size
cap), processed in a pool of worker processes, and its renditions are uploaded under their
content address unless that content is stored already (the same bytes under two URLs are
stored once). Results go to ``sink`` in batches, after their objects are in the store.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import functools
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
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


PR_SET_PDEATHSIG = 1
"""prctl(2) option: the signal the kernel sends a process when its parent thread exits."""
PARENT_POLL_S = 1.0


def _set_parent_death_signal() -> bool:
    """Ask Linux to SIGKILL this process when its parent dies; False where that is unknown."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        return libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _watch_parent(parent_pid: int) -> None:
    while os.getppid() == parent_pid:
        time.sleep(PARENT_POLL_S)
    os.kill(os.getpid(), signal.SIGKILL)


def die_with_parent(parent_pid: int) -> None:
    """Pool initializer: a worker never outlives the process that started it.

    A sync killed with ``kill -9`` cannot shut its pool down, and a worker left alone blocks
    forever writing its result to a pipe nobody reads (and signal handlers inherited through
    fork can keep a polite ``kill`` from ending it). The kernel's parent-death signal
    kills the worker at once; it fires when the *thread* that forked the worker ends, which is
    the thread that submits the pool's first task (:func:`process_pool`, the caller of the
    pool's ``with`` block) and outlives the pool. A thread polling the parent's pid covers
    platforms without ``prctl`` and a parent that died before the signal was armed.
    """
    _set_parent_death_signal()
    if os.getppid() != parent_pid:
        os.kill(os.getpid(), signal.SIGKILL)
    threading.Thread(target=_watch_parent, args=(parent_pid,), daemon=True).start()


def process_pool(processes: int | None = None) -> Executor:
    """Worker processes for Pillow, started now; they die with the process that called this.

    Forked where the platform can (the workers only run :func:`process_image`, so they never
    touch a lock or connection inherited from the parent), spawned elsewhere. Spawning re-runs
    the main module, so where that fails (a script without a ``__main__`` guard, an interpreter
    fed from stdin) a thread pool takes over: Pillow releases the GIL while it decodes and
    resamples. Create and use the pool in one thread: the workers are forked by it.
    """
    count = processes or os.cpu_count() or 1
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    pool = ProcessPoolExecutor(
        count, mp_context=context, initializer=die_with_parent, initargs=(os.getpid(),)
    )
    try:
        for future in [pool.submit(os.getpid) for _ in range(count)]:
            future.result(timeout=60)
    except Exception:
        pool.shutdown(wait=False, cancel_futures=True)
        return ThreadPoolExecutor(count, thread_name_prefix="pillow")
    return pool


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
