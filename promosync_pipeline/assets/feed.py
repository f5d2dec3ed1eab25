"""The feed as a whole: Import.txt and CAT.csv, downloaded once per sync."""

import asyncio
from datetime import UTC, datetime

import dagster as dg
import pandas as pd

from promosync_pipeline.assets.frames import entries_to_frame
from promosync_pipeline.http import FetchError
from promosync_pipeline.partitions import suppliers
from promosync_pipeline.promidata import parse_categories, parse_index
from promosync_pipeline.promidata.index import slice_hash
from promosync_pipeline.resources import CatalogDatabaseResource, PromidataResource

MAX_PROBLEMS_SHOWN = 20
NETWORK_RETRY = dg.RetryPolicy(
    max_retries=2, delay=5, backoff=dg.Backoff.EXPONENTIAL, jitter=dg.Jitter.PLUS_MINUS
)


async def _conditional_get(
    promidata: PromidataResource, catalog_db: CatalogDatabaseResource, url: str
) -> tuple[bytes, bool, str | None]:
    """GET with If-None-Match / If-Modified-Since from the cached copy; 304 reuses the copy."""
    store = catalog_db.store()
    cached = store.cached_feed_file(url)
    headers: dict[str, str] = {}
    if cached is not None:
        if cached.etag:
            headers["If-None-Match"] = cached.etag
        if cached.last_modified:
            headers["If-Modified-Since"] = cached.last_modified
    async with promidata.client() as client:
        result = await client.get(url, headers=headers)
    if result.not_modified and cached is not None:
        return cached.body, True, cached.etag
    store.save_feed_file(url, result.etag, result.last_modified, result.content, datetime.now(UTC))
    return result.content, False, result.etag


def _download(
    promidata: PromidataResource, catalog_db: CatalogDatabaseResource, url: str, name: str
) -> tuple[bytes, bool, str | None]:
    try:
        return asyncio.run(_conditional_get(promidata, catalog_db, url))
    except FetchError as exc:
        raise dg.Failure(f"{name} could not be downloaded: {exc}") from exc


@dg.asset(
    group_name="promidata",
    retry_policy=NETWORK_RETRY,
    description="Import.txt parsed: one row per product file (supplier_code, sku, url, hash).",
)
def promidata_index(
    context: dg.AssetExecutionContext,
    promidata: PromidataResource,
    catalog_db: CatalogDatabaseResource,
) -> dg.Output[pd.DataFrame]:
    body, not_modified, etag = _download(promidata, catalog_db, promidata.index_url, "Import.txt")
    report = parse_index(body)
    for problem in report.problems[:MAX_PROBLEMS_SHOWN]:
        context.log.warning(str(problem))
    if not report.entries:
        raise dg.Failure(
            f"Import.txt at {promidata.index_url} lists no product file "
            f"({report.lines_read} lines, {len(report.problems)} unusable): refusing to treat "
            "an empty index as the truth",
            allow_retries=False,
        )
    by_supplier = report.by_supplier()
    slices = {code: slice_hash(entries) for code, entries in sorted(by_supplier.items())}
    new_codes = sorted(set(slices) - set(context.instance.get_dynamic_partitions(suppliers.name)))
    if new_codes:
        context.instance.add_dynamic_partitions(suppliers.name, new_codes)
        context.log.info(f"registered supplier partitions: {', '.join(new_codes)}")
    problems_text = "\n".join(str(p) for p in report.problems[:MAX_PROBLEMS_SHOWN])
    return dg.Output(
        entries_to_frame(report.entries),
        data_version=dg.DataVersion(slice_hash(report.entries)),
        metadata={
            "dagster/row_count": len(report.entries),
            "suppliers": len(by_supplier),
            "index_problems": len(report.problems),
            "problems_sample": dg.MetadataValue.md(f"```\n{problems_text}\n```")
            if problems_text
            else "none",
            "not_modified": not_modified,
            "bytes": len(body),
            "etag": etag or "",
            "supplier_slices": dg.MetadataValue.json(slices),
            "suppliers_registered": len(new_codes),
        },
    )


@dg.asset(
    group_name="promidata",
    retry_policy=NETWORK_RETRY,
    description="CAT.csv upserted into the `categories` table: one row per category code.",
)
def promidata_categories(
    context: dg.AssetExecutionContext,
    promidata: PromidataResource,
    catalog_db: CatalogDatabaseResource,
) -> dg.MaterializeResult:
    body, not_modified, _ = _download(promidata, catalog_db, promidata.categories_url, "CAT.csv")
    categories, problems = parse_categories(body)
    for problem in problems[:MAX_PROBLEMS_SHOWN]:
        context.log.warning(problem)
    written = catalog_db.store().upsert_categories(categories, datetime.now(UTC))
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": len(categories),
            "written": written,
            "problems": len(problems),
            "not_modified": not_modified,
        }
    )
