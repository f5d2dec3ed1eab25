"""The ``feed_cache`` working table: the last copy of each feed file, for conditional GETs."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

import sqlalchemy as sa

from promosync_pipeline.catalog import schema as t
from promosync_pipeline.catalog.engine import writer
from promosync_pipeline.catalog.records import CachedFile
from promosync_pipeline.catalog.sql import upsert


class FeedCache:
    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def get(self, url: str) -> CachedFile | None:
        c = t.feed_cache
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(c.c.etag, c.c.last_modified, c.c.body).where(c.c.url == url)
            ).first()
        return CachedFile(*row) if row else None

    def save(
        self, url: str, etag: str | None, last_modified: str | None, body: bytes, now: datetime
    ) -> None:
        row = {
            "url": url,
            "etag": etag,
            "last_modified": last_modified,
            "body": body,
            "fetched_at": now,
        }
        with writer(self.engine).begin() as conn:
            upsert(conn, t.feed_cache, [row], ["url"])

    @contextmanager
    def kept_as_it_was(self, url: str) -> Iterator[None]:
        """Whatever the block keeps of ``url``, its kept copy is as before afterwards (none,
        if there was none): a dry run reads the current index without keeping it."""
        c = t.feed_cache
        with self.engine.connect() as conn:
            before = conn.execute(sa.select(c).where(c.c.url == url)).mappings().first()
        try:
            yield
        finally:
            with writer(self.engine).begin() as conn:
                conn.execute(sa.delete(c).where(c.c.url == url))
                if before is not None:
                    conn.execute(sa.insert(c), [dict(before)])
