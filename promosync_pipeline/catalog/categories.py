"""The ``categories`` table: CAT.csv's category tree."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa

from promosync_pipeline import clock
from promosync_pipeline.catalog import schema as t
from promosync_pipeline.catalog.engine import writer
from promosync_pipeline.catalog.sql import chunks, upsert
from promosync_pipeline.promidata import Category


class Categories:
    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def upsert(self, categories: Sequence[Category], now: datetime | None = None) -> int:
        """Insert or update categories (CAT.csv is the whole truth for the codes it lists)."""
        rows = [
            {
                "code": c.code,
                "parent_code": c.parent_code,
                "name": c.name,
                "sort_order": c.sort_order,
                "updated_at": now or clock.now(),
            }
            for c in {c.code: c for c in categories}.values()
        ]
        with writer(self.engine).begin() as conn:
            for part in chunks(rows, 5000):
                upsert(conn, t.categories, part, ["code"])
        return len(rows)
