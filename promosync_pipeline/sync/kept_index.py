"""The one way Import.txt is fetched, judged and kept: by the ``promidata_index`` asset, the
index sensor, the nightly schedule, the CLI and the doctor.

Supplier runs read the copy of Import.txt kept in the catalog database's feed cache, so
whatever requests them first polls the index (:func:`poll_index`) and keeps it, unless it has
to be refused: an index that lists no product file, or one cut inside a line, is never kept,
so it cannot deactivate anything.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from promosync_pipeline import clock
from promosync_pipeline.catalog import CachedFile, Catalog
from promosync_pipeline.http import ClientSettings, FetchClient, FetchError, FetchResult, HostPolicy
from promosync_pipeline.promidata import parse_index
from promosync_pipeline.promidata.index import IndexReport


class FeedSource(Protocol):
    """Where Import.txt is and how to fetch it (the ``promidata`` resource is one)."""

    @property
    def index_url(self) -> str: ...

    def client_settings(self) -> ClientSettings: ...

    def host_policy(self) -> HostPolicy: ...


def fetch_index(source: FeedSource, headers: Mapping[str, str]) -> FetchResult:
    """One conditional GET of Import.txt through the project's client (host policy, size cap);
    two attempts with short timeouts: a tick must not hang on a slow feed."""
    settings = source.client_settings()
    client_settings = dataclasses.replace(
        settings,
        max_in_flight=1,
        max_attempts=2,
        connect_timeout_s=min(settings.connect_timeout_s, 10.0),
        read_timeout_s=min(settings.read_timeout_s, 30.0),
    )

    async def get() -> FetchResult:
        async with FetchClient(client_settings, source.host_policy()) as client:
            return await client.get(source.index_url, headers=headers)

    return asyncio.run(get())


def conditional_headers(cached: CachedFile | None) -> dict[str, str]:
    """If-None-Match / If-Modified-Since from the kept copy's validators."""
    headers: dict[str, str] = {}
    if cached is not None and cached.etag:
        headers["If-None-Match"] = cached.etag
    if cached is not None and cached.last_modified:
        headers["If-Modified-Since"] = cached.last_modified
    return headers


def index_refusal(report: IndexReport) -> str | None:
    """Why this index must not be taken for the truth, or None when it is whole."""
    if not report.entries:
        return (
            f"it lists no product file ({report.lines_read} lines, {len(report.problems)} unusable)"
        )
    if report.truncated:
        return f"it ends in the middle of line {report.lines_read} (cut in transit)"
    return None


@dataclass(frozen=True)
class IndexPoll:
    """One conditional GET of Import.txt, judged: unchanged (304), whole and kept, or refused."""

    not_modified: bool
    body: bytes
    """The new index as sent; empty on 304 (the kept copy is unchanged)."""
    report: IndexReport | None
    """The new index parsed; None on 304."""
    refusal: str | None
    """Why the new index was refused (and not kept), or None."""
    etag: str | None
    last_modified: str | None


def poll_index(source: FeedSource, catalog: Catalog, headers: Mapping[str, str]) -> IndexPoll:
    """GET Import.txt conditional on ``headers`` (usually :func:`conditional_headers` of the
    kept copy, which the caller reads once and uses on 304), parse it and judge it; a whole new
    index is kept before this returns, a refused one never. Raises :class:`FetchError` when
    the feed cannot be reached."""
    url = source.index_url
    result = fetch_index(source, headers)
    if result.not_modified:
        return IndexPoll(True, b"", None, None, result.etag, result.last_modified)
    report = parse_index(result.content)
    refusal = index_refusal(report)
    if refusal is None:
        catalog.feed_cache.save(url, result.etag, result.last_modified, result.content, clock.now())
    return IndexPoll(False, result.content, report, refusal, result.etag, result.last_modified)


def refresh_kept_index(source: FeedSource, catalog: Catalog, log: Any) -> IndexReport | None:
    """Fetch Import.txt (conditional on the kept copy's validators), keep it when whole, and
    return the index supplier runs will read, parsed: the new copy, or the kept one when the
    feed answers 304, cannot be reached, or sends an index that has to be refused (both logged
    as warnings). None when there is no usable index at all."""
    cached = catalog.feed_cache.get(source.index_url)

    def kept() -> IndexReport | None:
        return parse_index(cached.body) if cached is not None else None

    try:
        poll = poll_index(source, catalog, conditional_headers(cached))
    except FetchError as exc:
        log.warning(f"Import.txt could not be fetched ({exc}): using the kept copy")
        return kept()
    if poll.not_modified:
        return kept()
    if poll.refusal is not None:
        log.warning(f"Import.txt refused: {poll.refusal}; using the kept copy")
        return kept()
    return poll.report
