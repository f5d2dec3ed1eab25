"""The ``suppliers`` table: every supplier seen in the index, with its last sync."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from promosync_pipeline import clock
from promosync_pipeline.catalog import schema as t
from promosync_pipeline.catalog.engine import writer
from promosync_pipeline.catalog.schema import RunStatus
from promosync_pipeline.catalog.sql import upsert


class Suppliers:
    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def add(self, codes: Iterable[str], now: datetime | None = None) -> None:
        """Add suppliers not seen before (named by their code); known ones become active."""
        rows = [
            {"code": code, "name": code, "is_active": True, "first_seen_at": now or clock.now()}
            for code in dict.fromkeys(codes)
        ]
        with writer(self.engine).begin() as conn:
            upsert(conn, t.suppliers, rows, ["code"], keep=["name", "first_seen_at"])

    def record_sync(
        self,
        supplier_code: str,
        status: RunStatus,
        now: datetime,
        products_count: int | None = None,
    ) -> None:
        """Record a finished sync; ``products_count`` defaults to the active products."""
        s, p = t.suppliers, t.products
        count: Any = products_count
        if count is None:
            count = (
                sa.select(sa.func.count())
                .where(p.c.supplier_code == supplier_code, p.c.is_active)
                .scalar_subquery()
            )
        with writer(self.engine).begin() as conn:
            upsert(
                conn,
                t.suppliers,
                [{"code": supplier_code, "name": supplier_code, "first_seen_at": now}],
                ["code"],
                keep=["name", "first_seen_at"],
            )
            conn.execute(
                sa.update(s)
                .where(s.c.code == supplier_code)
                .values(last_synced_at=now, last_sync_status=str(status), products_count=count)
            )

    def exists(self, code: str) -> bool:
        s = t.suppliers
        with self.engine.connect() as conn:
            return conn.execute(sa.select(s.c.code).where(s.c.code == code)).first() is not None
