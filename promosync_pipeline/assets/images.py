"""One supplier's images: every image its committed families list, stored with renditions.

Runs after the catalog write, so an image never holds up product data; the work is
``sync/upload_images.py``'s.
"""

from typing import Any

import dagster as dg

from promosync_pipeline import names
from promosync_pipeline.assets.reporting import (
    MAX_FAILURES_SHOWN,
    failure_table,
    hold_supplier,
    per_second,
    retry_transient,
)
from promosync_pipeline.catalog import Catalog, ErrorStage, ImageStatus
from promosync_pipeline.images.stores import ImageStore
from promosync_pipeline.partitions import suppliers
from promosync_pipeline.resources import (
    CatalogDatabaseResource,
    ImageStoreResource,
    PromidataResource,
)
from promosync_pipeline.sync.progress import Progress
from promosync_pipeline.sync.upload_images import ImageOptions, ImageUpload, upload_images


class ImageConfig(dg.Config):
    max_megapixels: float = 40.0
    """Larger sources are refused as decompression bombs."""
    processes: int = 0
    """Worker processes for Pillow; 0 means one per core."""


@dg.asset(
    partitions_def=suppliers,
    group_name=names.IMAGES_GROUP,
    deps=[names.CATALOG_PRODUCTS],
    pool=names.FEED_POOL,
    description=(
        "Every main, gallery and print-area image of this supplier's active variants: "
        "downloaded once per URL, verified, optimized and rendered (original capped at "
        "2000 px, large 1600, medium 800, small 400, thumbnail 200x200) under "
        "content-addressed keys; "
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
    hold_supplier(context, catalog_db)
    progress: list[Progress] = []

    def on_start(upload: ImageUpload, target: ImageStore | None) -> Any:
        to_fetch = len(upload.urls) - upload.known
        context.log.info(
            f"{code}: {len(upload.urls)} image URLs to settle, {upload.known} stored before "
            f"(not downloaded again), {to_fetch} to download"
        )
        if target is not None:
            context.log.info(f"storing images in {target.description}")
        progress.append(Progress(f"{code} uploaded_images", to_fetch, context.log.info))
        return progress[0].advance

    upload = upload_images(
        catalog_db.catalog(),
        code,
        promidata.client,
        image_store.store,
        ImageOptions(
            promidata.max_in_flight,
            int(config.max_megapixels * 1_000_000),
            config.processes or None,
        ),
        run_id=context.run.run_id,
        on_start=on_start,
    )
    progress[0].finish()
    for sku, failures in list(upload.settled.failures.items())[:MAX_FAILURES_SHOWN]:
        context.log.warning(f"{sku}: image {failures[0][0]} failed: {failures[0][1]}")
    metadata = _image_metadata(catalog_db.catalog(), code, upload)
    if upload.outage is not None:
        raise dg.Failure(
            f"{code}: the image store failed, {upload.settled.pending} images left pending for "
            f"the next sync (products are committed): {upload.outage}",
            metadata=metadata,
            allow_retries=False,  # boto3 has retried already; the next sync picks them up
        )
    return dg.MaterializeResult(metadata=metadata)


def _image_metadata(catalog: Catalog, code: str, upload: ImageUpload) -> dict[str, Any]:
    stats, settled = upload.stats, upload.settled
    counts = catalog.images.counts(code)
    failures = [
        (sku, ErrorStage.IMAGE, f"{url}: {reason}")
        for sku, failed in settled.failures.items()
        for url, reason in failed
    ]
    return {
        "images_listed": len(upload.urls),
        "images_new": stats.uploaded,
        "images_reused": upload.known + stats.reused_content,
        "images_reused_by_url": upload.known,
        "images_reused_by_content": stats.reused_content,
        "images_failed": settled.failed,
        "images_pending": settled.pending,
        "images_uploaded": stats.uploaded,
        "images_downloaded": stats.downloaded,
        "objects_written": stats.objects_written,
        "bytes_in": stats.bytes_in,
        "bytes_out": stats.bytes_out,
        "duration_s": round(upload.duration_s, 3),
        "images_per_s": per_second(stats.downloaded, upload.duration_s),
        "images_stored_total": counts[ImageStatus.STORED],
        "failures": failure_table(failures),
        "dagster/row_count": counts[ImageStatus.STORED],
        **{f"image_{k}": v for k, v in upload.client.as_metadata().items()},
    }
