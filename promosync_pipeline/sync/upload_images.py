"""A supplier's image step: every unsettled image its committed families list, stored.

No Dagster here: ``uploaded_images`` calls :func:`upload_images` and reports what it returns.
It works from the catalog's ``product_images`` rows, not from a run's changes: whatever is
``pending`` (new or changed families, a run killed halfway) or ``failed`` (tried again every
sync) is picked up.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from promosync_pipeline import clock
from promosync_pipeline.catalog import Catalog, ErrorStage
from promosync_pipeline.catalog.images import SettleStats
from promosync_pipeline.http import ClientStats, FetchClient
from promosync_pipeline.images.pipeline import ImageStats, ImageStoreUnavailable, process_sources
from promosync_pipeline.images.results import ImageResult
from promosync_pipeline.images.stores import ImageStore
from promosync_pipeline.processes import process_pool


@dataclass(frozen=True)
class ImageOptions:
    workers: int
    """Downloads in flight at most."""
    max_pixels: int
    processes: int | None = None
    """Pillow worker processes (one per core when None)."""


@dataclass
class ImageUpload:
    """What :func:`upload_images` did."""

    urls: list[str]
    """Distinct source URLs that were unsettled."""
    known: int
    """Of them, already stored (not downloaded again)."""
    stats: ImageStats = field(default_factory=ImageStats)
    settled: SettleStats = field(default_factory=SettleStats)
    client: ClientStats = field(default_factory=ClientStats)
    outage: ImageStoreUnavailable | None = None
    duration_s: float = 0.0


def upload_images(
    catalog: Catalog,
    supplier_code: str,
    client: Callable[[ClientStats], FetchClient],
    store: Callable[[], ImageStore],
    options: ImageOptions,
    *,
    run_id: str,
    on_start: Callable[[ImageUpload, ImageStore | None], Callable[[int], None]],
) -> ImageUpload:
    """Download, render and store what is unsettled, then settle the supplier's image rows,
    record its image errors and put the counts on this run's sync run (an images-only run has
    none). ``on_start`` is called before the downloads (with the store, None when nothing is
    to download) and returns the progress callback."""
    urls = catalog.images.unsettled_urls(supplier_code)
    known = catalog.images.stored_sources(urls)
    upload = ImageUpload(urls, len(known))
    to_fetch = [url for url in urls if url not in known]
    started = time.monotonic()
    target = store() if to_fetch else None
    on_done = on_start(upload, target)
    if target is not None:
        try:
            upload.stats = asyncio.run(
                _process(catalog, client(upload.client), target, to_fetch, options, on_done)
            )
        except ImageStoreUnavailable as exc:
            upload.outage = exc
    upload.settled = _settle(catalog, supplier_code, run_id, upload.stats)
    upload.duration_s = time.monotonic() - started
    return upload


async def _process(
    catalog: Catalog,
    client: FetchClient,
    target: ImageStore,
    urls: Sequence[str],
    options: ImageOptions,
    on_done: Callable[[int], None],
) -> ImageStats:
    async def sink(batch: Sequence[ImageResult]) -> None:
        await asyncio.to_thread(catalog.images.record_results, batch, clock.now())

    with process_pool(options.processes) as pool:
        async with client:
            return await process_sources(
                client,
                urls,
                target,
                pool,
                stored_contents=catalog.images.stored_contents,
                sink=sink,
                workers=options.workers,
                max_pixels=options.max_pixels,
                on_done=on_done,
            )


def _settle(catalog: Catalog, supplier_code: str, run_id: str, stats: ImageStats) -> SettleStats:
    settled = catalog.images.settle(supplier_code, clock.now())
    sync_run = catalog.runs.of_run(supplier_code, run_id)
    sync_run_id = sync_run.id if sync_run is not None else None
    catalog.errors.record(supplier_code, sync_run_id, settled.error_records(), clock.now())
    done = catalog.images.products_settled(supplier_code)
    catalog.errors.resolve(supplier_code, done, clock.now(), (ErrorStage.IMAGE,))
    if sync_run_id is not None:
        catalog.runs.record_image_counts(
            sync_run_id, uploaded=stats.uploaded, failed=settled.failed
        )
    return settled
