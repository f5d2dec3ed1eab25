"""The ``sync_errors`` table: one open row per failed family (or image) and stage.

Every write to the table and every read of its rows is here. A family that fails again keeps
its one open row (``occurrences`` counts up); a family that commits resolves its open rows in
its own transaction (:func:`resolve_in`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from promosync_pipeline import clock
from promosync_pipeline.catalog import schema as t
from promosync_pipeline.catalog.engine import writer
from promosync_pipeline.catalog.records import ErrorRecord, OpenError
from promosync_pipeline.catalog.schema import MAX_ERROR_CHARS, ErrorStage
from promosync_pipeline.catalog.sql import among, chunks

e = t.sync_errors


class SyncErrors:
    """Failed families and images of every supplier, behind one engine."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def record(
        self,
        supplier_code: str,
        sync_run_id: int | None,
        errors: Iterable[ErrorRecord | tuple[str | None, str | None, str, str]],
        now: datetime | None = None,
    ) -> int:
        """Record failed families or images.

        A family that already has an open error of the same stage keeps one row: its message,
        URL and run are updated, ``occurrences`` counts up and ``created_at`` stays the first
        failure, so a family failing every night is one row, not a growing pile. Returns the
        number of rows inserted or updated.
        """
        at = now or clock.now()
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
        with writer(self.engine).begin() as conn:
            open_ids = _open_ids(conn, supplier_code, {sku for sku, _ in latest})
            again = {key: err for key, err in latest.items() if key in open_ids}
            fresh = [err for key, err in latest.items() if key not in open_ids] + anonymous
            _count_again(conn, sync_run_id, {open_ids[k]: err for k, err in again.items()}, at)
            _insert(conn, supplier_code, sync_run_id, fresh, at)
        return len(again) + len(fresh)

    def resolve(
        self,
        supplier_code: str,
        skus: Iterable[str],
        now: datetime,
        stages: Sequence[ErrorStage] = (),
    ) -> int:
        """Resolve the open errors of these families (of these stages only, if given); the
        number resolved."""
        with writer(self.engine).begin() as conn:
            return resolve_in(conn, supplier_code, list(dict.fromkeys(skus)), now, stages)

    def open(self, supplier_code: str) -> list[OpenError]:
        """Unresolved errors of a supplier, oldest first."""
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


def resolve_in(
    conn: sa.Connection,
    supplier_code: str,
    skus: Sequence[str],
    now: datetime,
    stages: Sequence[ErrorStage] = (),
) -> int:
    """:meth:`SyncErrors.resolve` inside the caller's transaction (a family's write)."""
    count = 0
    for part in chunks(list(skus)):
        where = [
            e.c.supplier_code == supplier_code,
            e.c.resolved_at.is_(None),
            among(conn, e.c.sku, part),
        ]
        if stages:
            where.append(e.c.stage.in_(list(stages)))
        count += conn.execute(sa.update(e).where(*where).values(resolved_at=now)).rowcount
    return count


def open_counts(
    conn: sa.Connection, supplier_code: str | None = None
) -> list[tuple[str, str, int]]:
    """``(supplier, stage, open errors)`` of one supplier, or of every supplier."""
    query = sa.select(e.c.supplier_code, e.c.stage, sa.func.count()).where(
        e.c.resolved_at.is_(None)
    )
    if supplier_code is not None:
        query = query.where(e.c.supplier_code == supplier_code)
    query = query.group_by(e.c.supplier_code, e.c.stage)
    return [(code, stage, int(n)) for code, stage, n in conn.execute(query)]


def failed_families(supplier_code: str, stages: Sequence[ErrorStage]) -> Any:
    """A select of the SKUs of the supplier's families with an open error of these stages."""
    return sa.select(e.c.sku).where(
        e.c.supplier_code == supplier_code,
        e.c.resolved_at.is_(None),
        e.c.stage.in_(list(stages)),
        e.c.sku.is_not(None),
    )


def _open_ids(
    conn: sa.Connection, supplier_code: str, skus: set[str]
) -> dict[tuple[str, str], int]:
    """(sku, stage) -> id of the open row, for these families."""
    found: dict[tuple[str, str], int] = {}
    for part in chunks(sorted(skus)):
        query = sa.select(e.c.id, e.c.sku, e.c.stage).where(
            e.c.supplier_code == supplier_code,
            e.c.resolved_at.is_(None),
            e.c.sku.in_(part),
        )
        for row_id, sku, stage in conn.execute(query):
            found.setdefault((sku, stage), row_id)
    return found


def _count_again(
    conn: sa.Connection, sync_run_id: int | None, errors: dict[int, ErrorRecord], now: datetime
) -> None:
    """Open rows failing again: the latest message, URL and run; one more occurrence."""
    if not errors:
        return
    conn.execute(
        sa.update(e)
        .where(e.c.id == sa.bindparam("b_id"))
        .values(
            source_url=sa.bindparam("b_url"),
            error=sa.bindparam("b_error"),
            sync_run_id=sync_run_id,
            last_seen_at=now,
            occurrences=e.c.occurrences + 1,
        ),
        [
            {"b_id": row_id, "b_url": err.source_url, "b_error": err.message[:MAX_ERROR_CHARS]}
            for row_id, err in errors.items()
        ],
    )


def _insert(
    conn: sa.Connection,
    supplier_code: str,
    sync_run_id: int | None,
    errors: list[ErrorRecord],
    now: datetime,
) -> None:
    if not errors:
        return
    rows = [
        {
            "supplier_code": supplier_code,
            "sync_run_id": sync_run_id,
            "sku": err.sku,
            "source_url": err.source_url,
            "stage": str(err.stage)[:32],
            "error": err.message[:MAX_ERROR_CHARS],
            "created_at": now,
            "last_seen_at": now,
            "occurrences": 1,
        }
        for err in errors
    ]
    conn.execute(sa.insert(e), rows)
