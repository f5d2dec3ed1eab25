"""Reads for the supplier status board: every supplier's state in a handful of queries.

The board must stay fast with many suppliers, so each read below is one set-based query over
all suppliers (grouped by supplier code), never one query per supplier.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from promosync_pipeline.catalog import schema as t
from promosync_pipeline.catalog.errors import open_counts
from promosync_pipeline.catalog.records import SyncRun
from promosync_pipeline.catalog.sync_runs import sync_run_from_row


@dataclass(frozen=True, slots=True)
class SupplierState:
    """What the catalog says about one supplier."""

    code: str
    first_seen_at: datetime
    last_synced_at: datetime | None
    """When a sync last wrote its catalog (``suppliers.last_synced_at``)."""
    active_products: int
    last_run: SyncRun | None
    """The supplier's most recent ``sync_runs`` row, whatever its status."""
    open_errors: dict[str, int] = field(default_factory=dict)
    """Stage -> unresolved ``sync_errors`` rows."""
    images_pending: int = 0
    images_failed: int = 0


class StatusReads:
    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def supplier_states(self) -> list[SupplierState]:
        """Every supplier of the ``suppliers`` table, by code: five queries in all."""
        s, p = t.suppliers, t.products
        with self.engine.connect() as conn:
            suppliers = conn.execute(
                sa.select(s.c.code, s.c.first_seen_at, s.c.last_synced_at).order_by(s.c.code)
            ).all()
            active: dict[str, int] = dict(
                conn.execute(
                    sa.select(p.c.supplier_code, sa.func.count())
                    .where(p.c.is_active)
                    .group_by(p.c.supplier_code)
                ).all()
            )
            runs = {run.supplier_code: run for run in _latest_runs(conn)}
            errors: dict[str, dict[str, int]] = defaultdict(dict)
            for code, stage, count in open_counts(conn):
                errors[code][stage] = count
            images = _unsettled_images(conn)
        return [
            SupplierState(
                code=code,
                first_seen_at=first_seen_at,
                last_synced_at=last_synced_at,
                active_products=int(active.get(code, 0)),
                last_run=runs.get(code),
                open_errors=dict(sorted(errors.get(code, {}).items())),
                images_pending=images.get((code, t.ImageStatus.PENDING), 0),
                images_failed=images.get((code, t.ImageStatus.FAILED), 0),
            )
            for code, first_seen_at, last_synced_at in suppliers
        ]


def _latest_runs(conn: sa.Connection) -> list[SyncRun]:
    """Each supplier's most recent ``sync_runs`` row (the order of ``latest_sync_run``)."""
    r = t.sync_runs
    rank = (
        sa.func.row_number()
        .over(partition_by=r.c.supplier_code, order_by=(r.c.started_at.desc(), r.c.id.desc()))
        .label("rank")
    )
    ranked = sa.select(r.c.id, rank).subquery()
    query = sa.select(r).join(ranked, ranked.c.id == r.c.id).where(ranked.c.rank == 1)
    return [sync_run_from_row(row) for row in conn.execute(query).mappings()]


def _unsettled_images(conn: sa.Connection) -> dict[tuple[str, str], int]:
    """(supplier, status) -> ``original`` image rows of active products still ``pending`` or
    ``failed`` (the rows ``uploaded_images`` works through).

    Renditions are only ever ``stored``, so the status alone picks ``original`` rows; with no
    ``parent_id`` term the partial index ``ix_product_images_unsettled`` answers it.
    """
    pi, p = t.product_images, t.products
    query = (
        sa.select(p.c.supplier_code, pi.c.status, sa.func.count())
        .join(p, p.c.sku == pi.c.product_sku)
        .where(p.c.is_active, pi.c.status.in_(t.UNSETTLED_IMAGE_STATUSES))
        .group_by(p.c.supplier_code, pi.c.status)
    )
    return {(code, status): int(n) for code, status, n in conn.execute(query)}
