"""Suppliers, categories and sync errors."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from promosync_pipeline.catalog import schema as t
from promosync_pipeline.catalog.bulk import chunks, upsert
from promosync_pipeline.catalog.engine import writer
from promosync_pipeline.catalog.records import ErrorRecord
from promosync_pipeline.catalog.writes import resolve_open_errors
from promosync_pipeline.promidata import Category
from promosync_pipeline.sync.stages import MAX_ERROR_CHARS


def _now(now: datetime | None) -> datetime:
    return now if now is not None else datetime.now(UTC)


class Bookkeeping:
    """Mixin of :class:`~promosync_pipeline.catalog.store.CatalogStore`."""

    engine: sa.Engine

    # -- suppliers and categories --------------------------------------------------------------
    def upsert_suppliers(self, codes: Iterable[str], now: datetime | None = None) -> None:
        """Add suppliers not seen before (named by their code); known ones become active."""
        rows = [
            {"code": code, "name": code, "is_active": True, "first_seen_at": _now(now)}
            for code in dict.fromkeys(codes)
        ]
        with writer(self.engine).begin() as conn:
            upsert(conn, t.suppliers, rows, ["code"], keep=["name", "first_seen_at"])

    def update_supplier_status(
        self,
        supplier_code: str,
        status: str,
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
                .values(last_synced_at=now, last_sync_status=status, products_count=count)
            )

    def upsert_categories(self, categories: Sequence[Category], now: datetime | None = None) -> int:
        """Insert or update categories (CAT.csv is the whole truth for the codes it lists)."""
        rows = [
            {
                "code": c.code,
                "parent_code": c.parent_code,
                "name": c.name,
                "sort_order": c.sort_order,
                "updated_at": _now(now),
            }
            for c in {c.code: c for c in categories}.values()
        ]
        with writer(self.engine).begin() as conn:
            for part in chunks(rows, 5000):
                upsert(conn, t.categories, part, ["code"])
        return len(rows)

    # -- errors ------------------------------------------------------------------------------
    def record_errors(
        self,
        supplier_code: str,
        sync_run_id: int | None,
        errors: Iterable[ErrorRecord | tuple[str | None, str | None, str, str]],
        now: datetime | None = None,
    ) -> int:
        """Record failed families or images: ``(sku, source_url, stage, message)`` each.

        A family that already has an open error of the same stage keeps one row: its message,
        URL and run are updated, ``occurrences`` counts up and ``created_at`` stays the first
        failure, so a family failing every night is one row, not a growing pile. Returns the
        number of rows inserted or updated.
        """
        at = _now(now)
        latest: dict[tuple[str, str], ErrorRecord] = {}
        anonymous: list[ErrorRecord] = []
        for raw in errors:
            error = ErrorRecord(*raw)
            if error.sku:
                latest[(error.sku, error.stage)] = error
            else:
                anonymous.append(error)
        if not latest and not anonymous:
            return 0
        e = t.sync_errors
        with writer(self.engine).begin() as conn:
            open_ids: dict[tuple[str, str], int] = {}
            for part in chunks(sorted({sku for sku, _ in latest})):
                query = sa.select(e.c.id, e.c.sku, e.c.stage).where(
                    e.c.supplier_code == supplier_code,
                    e.c.resolved_at.is_(None),
                    e.c.sku.in_(part),
                )
                for row_id, sku, stage in conn.execute(query):
                    open_ids.setdefault((sku, stage), row_id)
            updates = [
                {
                    "b_id": open_ids[key],
                    "b_url": err.source_url,
                    "b_error": err.message[:MAX_ERROR_CHARS],
                }
                for key, err in latest.items()
                if key in open_ids
            ]
            if updates:
                conn.execute(
                    sa.update(e)
                    .where(e.c.id == sa.bindparam("b_id"))
                    .values(
                        source_url=sa.bindparam("b_url"),
                        error=sa.bindparam("b_error"),
                        sync_run_id=sync_run_id,
                        last_seen_at=at,
                        occurrences=e.c.occurrences + 1,
                    ),
                    updates,
                )
            inserts = [
                {
                    "supplier_code": supplier_code,
                    "sync_run_id": sync_run_id,
                    "sku": err.sku,
                    "source_url": err.source_url,
                    "stage": err.stage[:32],
                    "error": err.message[:MAX_ERROR_CHARS],
                    "created_at": at,
                    "last_seen_at": at,
                    "occurrences": 1,
                }
                for err in [*(v for k, v in latest.items() if k not in open_ids), *anonymous]
            ]
            if inserts:
                conn.execute(sa.insert(e), inserts)
        return len(updates) + len(inserts)

    def resolve_errors(
        self,
        supplier_code: str,
        skus: Iterable[str],
        now: datetime,
        stages: Sequence[str] = (),
    ) -> int:
        """Set ``resolved_at`` on the open errors of these families (of these stages only, if
        given). Returns the number of errors resolved."""
        with writer(self.engine).begin() as conn:
            return resolve_open_errors(conn, supplier_code, list(dict.fromkeys(skus)), now, stages)
