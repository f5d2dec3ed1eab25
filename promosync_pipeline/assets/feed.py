"""The feed as a whole: Import.txt and CAT.csv, downloaded once per sync."""

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import dagster as dg

from promosync_pipeline.assets.frames import IndexFrame, entries_to_frame
from promosync_pipeline.http import FetchError, redact_url
from promosync_pipeline.partitions import register_suppliers
from promosync_pipeline.promidata import parse_categories, parse_index
from promosync_pipeline.promidata.index import slice_hash
from promosync_pipeline.resources import CatalogDatabaseResource, PromidataResource
from promosync_pipeline.sync.kept_index import conditional_headers, poll_index

MAX_PROBLEMS_SHOWN = 20
NETWORK_RETRY = dg.RetryPolicy(
    max_retries=2, delay=5, backoff=dg.Backoff.EXPONENTIAL, jitter=dg.Jitter.PLUS_MINUS
)


@dataclass(frozen=True)
class Download:
    """A feed file as one conditional GET left it: a fresh body, or the cached copy on 304."""

    url: str
    body: bytes
    not_modified: bool
    etag: str | None
    last_modified: str | None

    def keep(self, catalog_db: CatalogDatabaseResource) -> None:
        """Save a fresh body with its validators as the cached copy (a 304 has nothing new)."""
        if self.not_modified:
            return
        catalog_db.store().save_feed_file(
            self.url, self.etag, self.last_modified, self.body, datetime.now(UTC)
        )


async def _conditional_get(
    promidata: PromidataResource, catalog_db: CatalogDatabaseResource, url: str
) -> Download:
    """GET with If-None-Match / If-Modified-Since from the cached copy; 304 reuses the copy.

    Nothing is saved here: the caller keeps a fresh body (:meth:`Download.keep`) once it has
    checked it, so the cache never holds a file that was refused.
    """
    cached = catalog_db.store().cached_feed_file(url)
    async with promidata.client() as client:
        result = await client.get(url, headers=conditional_headers(cached))
    if result.not_modified and cached is not None:
        return Download(url, cached.body, True, cached.etag, cached.last_modified)
    return Download(url, result.content, False, result.etag, result.last_modified)


def _download(
    promidata: PromidataResource, catalog_db: CatalogDatabaseResource, url: str, name: str
) -> Download:
    try:
        return asyncio.run(_conditional_get(promidata, catalog_db, url))
    except FetchError as exc:
        raise dg.Failure(f"{name} could not be downloaded: {exc}") from exc


@dg.asset(
    group_name="promidata",
    retry_policy=NETWORK_RETRY,
    dagster_type=IndexFrame,
    description=(
        "Import.txt parsed: one row per product file (supplier_code, sku, url, hash). An index "
        "that lists product files is kept in the catalog database's feed cache, which "
        "supplier_index reads."
    ),
)
def promidata_index(
    context: dg.AssetExecutionContext,
    promidata: PromidataResource,
    catalog_db: CatalogDatabaseResource,
) -> dg.Output[Any]:  # an IndexFrame: pandas is imported when the frame is built
    store = catalog_db.store()
    kept = store.cached_feed_file(promidata.index_url)
    try:
        poll = poll_index(promidata, store, conditional_headers(kept))
    except FetchError as exc:
        raise dg.Failure(f"Import.txt could not be downloaded: {exc}") from exc
    if poll.report is None:  # 304: the kept copy is the index
        if kept is None:
            raise dg.Failure("Import.txt answered 304 Not Modified, but no copy is kept")
        body, report = kept.body, parse_index(kept.body)
        etag = kept.etag
    else:
        body, report, etag = poll.body, poll.report, poll.etag
    for problem in report.problems[:MAX_PROBLEMS_SHOWN]:
        context.log.warning(str(problem))
    if poll.refusal is not None:
        consequence = (
            "refusing a truncated index (the families after the cut are missing, not "
            "removed); it is fetched again on retry"
            if report.entries
            else "refusing to treat an empty index as the truth"
        )
        raise dg.Failure(
            f"Import.txt at {redact_url(promidata.index_url)}: {poll.refusal}: {consequence}",
            # a cut index may be whole on the next try; an empty one is the feed's own state
            allow_retries=bool(report.entries),
        )
    by_supplier = report.by_supplier()
    slices = {code: slice_hash(entries) for code, entries in sorted(by_supplier.items())}
    new_codes = register_suppliers(context.instance, slices)
    if new_codes:
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
            "not_modified": poll.not_modified,
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
    download = _download(promidata, catalog_db, promidata.categories_url, "CAT.csv")
    download.keep(catalog_db)
    body, not_modified = download.body, download.not_modified
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
