"""One supplier's images: every image its committed families list, stored with renditions.

Runs after the catalog write, so an image never holds up product data. It works from the
catalog's ``product_images`` rows, not from this run's changes: whatever is ``pending`` (new
or changed families, a run killed halfway) or ``failed`` (tried again every sync) is picked up.
"""

import asyncio
import time
from collections.abc import Sequence
from datetime import UTC, datetime

import dagster as dg

from promosync_pipeline.assets.reporting import (
    FEED_POOL,
    MAX_FAILURES_SHOWN,
    failure_table,
    retry_transient,
)
from promosync_pipeline.http import ClientStats
from promosync_pipeline.images.pipeline import ImageStats, ImageStoreUnavailable, process_sources
from promosync_pipeline.images.results import ImageResult
from promosync_pipeline.partitions import suppliers
from promosync_pipeline.processes import process_pool
from promosync_pipeline.resources import (
    CatalogDatabaseResource,
    ImageStoreResource,
    PromidataResource,
)
from promosync_pipeline.sync.progress import Progress
from promosync_pipeline.sync.stages import ErrorStage


class ImageConfig(dg.Config):
    max_megapixels: float = 40.0
    """Larger sources are refused as decompression bombs."""
    processes: int = 0
    """Worker processes for Pillow; 0 means one per core."""


@dg.asset(
    partitions_def=suppliers,
    group_name="images",
    deps=["catalog_products"],
    pool=FEED_POOL,
    description=(
        "Every main and gallery image of this supplier's active variants: downloaded once per "
        "URL, verified, optimized and rendered (original capped at 2000 px, large 1600, "
        "medium 800, small 400, thumbnail 200x200) under content-addressed keys; "
        "`product_images` rows per image and rendition."
    ),
)
@retry_transient
def uploaded_images(
    context: dg.AssetExecutionContext,
    config: ImageConfig,
    promidata: PromidataResource,
    catalog_db: CatalogDatabaseResource,
    image_store: ImageStoreResource,
) -> dg.MaterializeResult:
    code = context.partition_key
    store = catalog_db.store()
    urls = store.unsettled_image_urls(code)
    known = store.stored_sources(urls)
    to_fetch = [url for url in urls if url not in known]
    context.log.info(
        f"{code}: {len(urls)} image URLs to settle, {len(known)} stored before (not "
        f"downloaded again), {len(to_fetch)} to download"
    )
    started = time.monotonic()
    stats, client_stats, outage = ImageStats(), ClientStats(), None
    if to_fetch:
        target = image_store.store()
        context.log.info(f"storing images in {target.description}")
        progress = Progress(f"{code} uploaded_images", len(to_fetch), context.log.info)

        async def sink(batch: Sequence[ImageResult]) -> None:
            await asyncio.to_thread(store.record_image_results, batch, _now())

        async def run() -> ImageStats:
            with process_pool(config.processes or None) as pool:
                async with promidata.client(client_stats) as client:
                    return await process_sources(
                        client,
                        to_fetch,
                        target,
                        pool,
                        stored_contents=store.stored_contents,
                        sink=sink,
                        workers=promidata.max_in_flight,
                        max_pixels=int(config.max_megapixels * 1_000_000),
                        on_done=progress.advance,
                    )

        try:
            stats = asyncio.run(run())
        except ImageStoreUnavailable as exc:
            outage = exc
        progress.finish()
    settled = store.settle_images(code, _now())
    # The counts go to this Dagster run's own sync run; an images-only run has none.
    sync_run = store.sync_run_of(code, context.run.run_id)
    store.record_image_failures(code, sync_run.id if sync_run else None, settled, _now())
    if sync_run is not None:
        store.record_image_counts(sync_run.id, uploaded=stats.uploaded, failed=settled.failed)
    for sku, failures in list(settled.failures.items())[:MAX_FAILURES_SHOWN]:
        context.log.warning(f"{sku}: image {failures[0][0]} failed: {failures[0][1]}")
    duration = time.monotonic() - started
    counts = store.image_counts(code)
    metadata = {
        "images_listed": len(urls),
        "images_new": stats.uploaded,
        "images_reused": len(known) + stats.reused_content,
        "images_reused_by_url": len(known),
        "images_reused_by_content": stats.reused_content,
        "images_failed": settled.failed,
        "images_pending": settled.pending,
        "images_uploaded": stats.uploaded,
        "images_downloaded": stats.downloaded,
        "objects_written": stats.objects_written,
        "bytes_in": stats.bytes_in,
        "bytes_out": stats.bytes_out,
        "duration_s": round(duration, 3),
        "images_per_s": round(stats.downloaded / duration, 1) if duration > 0 else 0.0,
        "images_stored_total": counts["stored"],
        "failures": failure_table(
            [
                (sku, ErrorStage.IMAGE, f"{url}: {reason}")
                for sku, failures in settled.failures.items()
                for url, reason in failures
            ]
        ),
        "dagster/row_count": counts["stored"],
        **{f"image_{k}": v for k, v in client_stats.as_metadata().items()},
    }
    if outage is not None:
        raise dg.Failure(
            f"{code}: the image store failed, {settled.pending} images left pending for the "
            f"next sync (products are committed): {outage}",
            metadata=metadata,
            allow_retries=False,  # boto3 has retried already; the next sync picks them up
        )
    return dg.MaterializeResult(metadata=metadata)


def _now() -> datetime:
    return datetime.now(UTC)
