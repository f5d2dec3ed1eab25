"""The feed as a whole: Import.txt and CAT.csv, downloaded once per sync."""

import asyncio
from dataclasses import dataclass
from typing import Any

import dagster as dg

from promosync_pipeline import clock, names
from promosync_pipeline.catalog import Catalog
from promosync_pipeline.http import FetchError
from promosync_pipeline.partitions import register_suppliers
from promosync_pipeline.promidata import parse_categories, parse_index
from promosync_pipeline.promidata.index import IndexReport, slice_hash
from promosync_pipeline.redaction import redact_url
from promosync_pipeline.resources import CatalogDatabaseResource, PromidataResource
from promosync_pipeline.sync.kept_index import IndexPoll, conditional_headers, poll_index

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

    def keep(self, catalog: Catalog) -> None:
        """Save a fresh body with its validators as the cached copy (a 304 has nothing new)."""
        if not self.not_modified:
            catalog.feed_cache.save(self.url, self.etag, self.last_modified, self.body, clock.now())


def download(promidata: PromidataResource, catalog: Catalog, url: str, name: str) -> Download:
    """GET with If-None-Match / If-Modified-Since from the cached copy; 304 reuses the copy.

    Nothing is saved here: the caller keeps a fresh body (:meth:`Download.keep`) once it has
    checked it, so the cache never holds a file that was refused.
    """
    cached = catalog.feed_cache.get(url)

    async def get() -> Download:
        async with promidata.client() as client:
            result = await client.get(url, headers=conditional_headers(cached))
        if result.not_modified and cached is not None:
            return Download(url, cached.body, True, cached.etag, cached.last_modified)
        return Download(url, result.content, False, result.etag, result.last_modified)

    try:
        return asyncio.run(get())
    except FetchError as exc:
        raise dg.Failure(f"{name} could not be downloaded: {exc}") from exc


@dg.asset(
    group_name=names.PROMIDATA_GROUP,
    retry_policy=NETWORK_RETRY,
    description=(
        "Import.txt: one line per product file (supplier code, SKU, URL, hash). Each whole "
        "new index is kept in the catalog database's feed cache, where supplier_index reads its "
        "supplier's slice; the metadata lists every supplier's slice hash."
    ),
)
def promidata_index(
    context: dg.AssetExecutionContext,
    promidata: PromidataResource,
    catalog_db: CatalogDatabaseResource,
) -> dg.MaterializeResult:
    catalog = catalog_db.catalog()
    kept = catalog.feed_cache.get(promidata.index_url)
    try:
        poll = poll_index(promidata, catalog, conditional_headers(kept))
    except FetchError as exc:
        raise dg.Failure(f"Import.txt could not be downloaded: {exc}") from exc
    if poll.report is not None:
        report, body, etag = poll.report, poll.body, poll.etag
    elif kept is not None:  # 304: the kept copy is the index
        report, body, etag = parse_index(kept.body), kept.body, kept.etag
    else:
        raise dg.Failure("Import.txt answered 304 Not Modified, but no copy is kept")
    for problem in report.problems[:MAX_PROBLEMS_SHOWN]:
        context.log.warning(str(problem))
    if poll.refusal is not None:
        raise _refused(promidata, poll, report)
    slices = {code: slice_hash(e) for code, e in sorted(report.by_supplier().items())}
    new_codes = register_suppliers(context.instance, slices)
    if new_codes:
        context.log.info(f"registered supplier partitions: {', '.join(new_codes)}")
    return dg.MaterializeResult(
        data_version=dg.DataVersion(slice_hash(report.entries)),
        metadata={
            **_index_metadata(report, slices, len(new_codes)),
            "not_modified": poll.not_modified,
            "bytes": len(body),
            "etag": etag or "",
        },
    )


def _refused(promidata: PromidataResource, poll: IndexPoll, report: IndexReport) -> dg.Failure:
    consequence = (
        "refusing a truncated index (the families after the cut are missing, not removed); it "
        "is fetched again on retry"
        if report.entries
        else "refusing to treat an empty index as the truth"
    )
    return dg.Failure(
        f"Import.txt at {redact_url(promidata.index_url)}: {poll.refusal}: {consequence}",
        # a cut index may be whole on the next try; an empty one is the feed's own state
        allow_retries=bool(report.entries),
    )


def _index_metadata(report: IndexReport, slices: dict[str, str], registered: int) -> dict[str, Any]:
    problems = "\n".join(str(p) for p in report.problems[:MAX_PROBLEMS_SHOWN])
    return {
        "dagster/row_count": len(report.entries),
        "suppliers": len(slices),
        "index_problems": len(report.problems),
        "problems_sample": dg.MetadataValue.md(f"```\n{problems}\n```") if problems else "none",
        "supplier_slices": dg.MetadataValue.json(slices),
        "suppliers_registered": registered,
    }


@dg.asset(
    group_name=names.PROMIDATA_GROUP,
    retry_policy=NETWORK_RETRY,
    description="CAT.csv upserted into the `categories` table: one row per category code.",
)
def promidata_categories(
    context: dg.AssetExecutionContext,
    promidata: PromidataResource,
    catalog_db: CatalogDatabaseResource,
) -> dg.MaterializeResult:
    catalog = catalog_db.catalog()
    fetched = download(promidata, catalog, promidata.categories_url, "CAT.csv")
    fetched.keep(catalog)
    categories, problems = parse_categories(fetched.body)
    for problem in problems[:MAX_PROBLEMS_SHOWN]:
        context.log.warning(problem)
    written = catalog.categories.upsert(categories, clock.now())
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": len(categories),
            "written": written,
            "problems": len(problems),
            "not_modified": fetched.not_modified,
        }
    )
