"""Reads: what the catalog knows about a supplier, its counts, open errors and runs."""

from __future__ import annotations

import sqlalchemy as sa

from promosync_pipeline.catalog import schema as t
from promosync_pipeline.catalog.records import KnownProduct, OpenError, SyncRun


class Reads:
    """Mixin of :class:`~promosync_pipeline.catalog.store.CatalogStore`."""

    engine: sa.Engine

    def known_hashes(self, supplier_code: str) -> dict[str, KnownProduct]:
        """Source hash, content hash and activity of every product of a supplier: one query."""
        p = t.products
        query = sa.select(p.c.sku, p.c.source_hash, p.c.content_hash, p.c.is_active).where(
            p.c.supplier_code == supplier_code
        )
        with self.engine.connect() as conn:
            return {
                sku: KnownProduct(source_hash, content_hash, bool(active))
                for sku, source_hash, content_hash, active in conn.execute(query)
            }

    def active_count(self, supplier_code: str) -> int:
        """Active products of a supplier."""
        p = t.products
        query = sa.select(sa.func.count()).where(p.c.supplier_code == supplier_code, p.c.is_active)
        with self.engine.connect() as conn:
            return int(conn.execute(query).scalar_one())

    def active_variant_count(self, supplier_code: str) -> int:
        """Active variants of a supplier's active products."""
        p, v = t.products, t.product_variants
        query = (
            sa.select(sa.func.count())
            .select_from(v.join(p, p.c.sku == v.c.product_sku))
            .where(p.c.supplier_code == supplier_code, p.c.is_active, v.c.is_active)
        )
        with self.engine.connect() as conn:
            return int(conn.execute(query).scalar_one())

    def open_errors(self, supplier_code: str) -> list[OpenError]:
        """Unresolved errors of a supplier, oldest first."""
        e = t.sync_errors
        query = (
            sa.select(
                e.c.sku,
                e.c.source_url,
                e.c.stage,
                e.c.error,
                e.c.created_at,
                e.c.last_seen_at,
                e.c.occurrences,
                e.c.sync_run_id,
                e.c.id,
            )
            .where(e.c.supplier_code == supplier_code, e.c.resolved_at.is_(None))
            .order_by(e.c.id)
        )
        with self.engine.connect() as conn:
            return [OpenError(*row) for row in conn.execute(query)]

    def sync_run(self, sync_run_id: int) -> SyncRun | None:
        r = t.sync_runs
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(r).where(r.c.id == sync_run_id)).mappings().first()
        return None if row is None else sync_run_from_row(row)

    def latest_sync_run(self, supplier_code: str, status: str | None = None) -> SyncRun | None:
        """The supplier's most recent sync run (with this status, if given)."""
        r = t.sync_runs
        query = sa.select(r).where(r.c.supplier_code == supplier_code)
        if status is not None:
            query = query.where(r.c.status == status)
        query = query.order_by(r.c.started_at.desc(), r.c.id.desc()).limit(1)
        with self.engine.connect() as conn:
            row = conn.execute(query).mappings().first()
        return None if row is None else sync_run_from_row(row)


def sync_run_from_row(row: sa.RowMapping) -> SyncRun:
    return SyncRun(
        id=row["id"],
        supplier_code=row["supplier_code"],
        run_id=row["run_id"],
        started_at=row["started_at"],
        finished_at=row["finished_at"],
        status=row["status"],
        counts={name: row[name] for name in t.SYNC_RUN_COUNTS},
        duration_s=row["duration_s"],
        error=row["error"],
    )
