"""Parsed families parked between pipeline steps, in the ``staged_families`` working table.

Parsed families are staged in the database so that no step holds a whole supplier in memory
and any step can be retried in another process.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import sqlalchemy as sa

from promosync_pipeline.catalog import schema as t
from promosync_pipeline.catalog.engine import writer
from promosync_pipeline.catalog.records import EncodedFamily, StagedFamily
from promosync_pipeline.catalog.rows import FamilyRows, decode_rows
from promosync_pipeline.catalog.sql import chunks, upsert


class Staging:
    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def stage(self, supplier_code: str, sync_run_id: int, items: Sequence[EncodedFamily]) -> None:
        rows = [
            {
                "sync_run_id": sync_run_id,
                "sku": item.sku,
                "supplier_code": supplier_code,
                "source_url": item.source_url,
                "source_hash": item.source_hash,
                "content_hash": item.content_hash,
                "payload": item.payload,
            }
            for item in items
        ]
        if rows:
            with writer(self.engine).begin() as conn:
                upsert(conn, t.staged_families, rows, ["sync_run_id", "sku"])

    def hashes(self, sync_run_id: int) -> dict[str, StagedFamily]:
        s = t.staged_families
        query = sa.select(s.c.sku, s.c.source_url, s.c.source_hash, s.c.content_hash).where(
            s.c.sync_run_id == sync_run_id
        )
        with self.engine.connect() as conn:
            return {sku: StagedFamily(url, sh, ch) for sku, url, sh, ch in conn.execute(query)}

    def rows(self, sync_run_id: int, skus: Sequence[str], chunk: int = 200) -> Iterator[FamilyRows]:
        """The catalog rows of the staged families among ``skus``, in that order, read ``chunk``
        at a time (bounded memory)."""
        s = t.staged_families
        for part in chunks(list(dict.fromkeys(skus)), chunk):
            query = sa.select(s.c.sku, s.c.payload).where(
                s.c.sync_run_id == sync_run_id, s.c.sku.in_(part)
            )
            with self.engine.connect() as conn:
                payloads = {sku: payload for sku, payload in conn.execute(query)}
            for sku in part:  # in the order asked for: the feed's order decides contested SKUs
                if sku in payloads:
                    yield decode_rows(payloads[sku])

    def has(self, sync_run_id: int) -> bool:
        """Whether this sync run has families staged still."""
        s = t.staged_families
        query = sa.select(s.c.sku).where(s.c.sync_run_id == sync_run_id).limit(1)
        with self.engine.connect() as conn:
            return conn.execute(query).first() is not None

    def clear_run(self, sync_run_id: int) -> None:
        """Delete what this sync run staged (and nothing of any other run)."""
        s = t.staged_families
        with writer(self.engine).begin() as conn:
            conn.execute(sa.delete(s).where(s.c.sync_run_id == sync_run_id))

    def clear(self, supplier_code: str) -> None:
        """Delete everything staged for a supplier: what killed syncs left behind, when the
        supplier's lease shows that no other sync of it is under way."""
        s = t.staged_families
        with writer(self.engine).begin() as conn:
            conn.execute(sa.delete(s).where(s.c.supplier_code == supplier_code))
