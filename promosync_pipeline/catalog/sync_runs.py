"""The ``sync_runs`` table: one row per supplier sync, owned by this module alone.

A sync run is opened by the first step that does work for it, carries its id through the
steps' values (``sync/values.py``), and is closed with its counts by the catalog write; the
image step adds its counts to the row of its own Dagster run.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from promosync_pipeline.catalog import schema as t
from promosync_pipeline.catalog.engine import writer
from promosync_pipeline.catalog.records import SyncRun
from promosync_pipeline.catalog.schema import MAX_ERROR_CHARS, RunStatus


class SyncRuns:
    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def start(
        self,
        supplier_code: str,
        run_id: str | None,
        now: datetime,
        index_entries: int | None = None,
        root_run_id: str | None = None,
    ) -> int:
        """A ``sync_runs`` row in status ``running``; returns its id. ``index_entries``: the
        product files the supplier's index slice lists; ``root_run_id``: the first run of the
        Dagster run's lineage (its own id when it is no re-execution).

        A retried step of the same Dagster run takes over its earlier attempt's row, so no
        row is left ``running`` for ever.
        """
        r = t.sync_runs
        with writer(self.engine).begin() as conn:
            if run_id is not None:
                earlier = conn.execute(
                    sa.select(r.c.id).where(
                        r.c.supplier_code == supplier_code,
                        r.c.run_id == run_id,
                        r.c.status == RunStatus.RUNNING,
                    )
                ).scalar()
                if earlier is not None:
                    conn.execute(
                        sa.update(r)
                        .where(r.c.id == earlier)
                        .values(started_at=now, index_entries=index_entries)
                    )
                    return int(earlier)
            result = conn.execute(
                sa.insert(t.sync_runs).values(
                    supplier_code=supplier_code,
                    run_id=run_id,
                    started_at=now,
                    status=RunStatus.RUNNING,
                    index_entries=index_entries,
                    root_run_id=root_run_id or run_id,
                )
            )
            key = result.inserted_primary_key
            assert key is not None
            return int(key[0])

    def finish(
        self,
        sync_run_id: int,
        status: RunStatus,
        now: datetime,
        counts: Mapping[str, Any] | None = None,
        error: str | None = None,
    ) -> None:
        """Close a sync run with its status and counters.

        ``counts`` may hold more than ``sync_runs`` has columns for (a step's metadata): keys
        outside ``schema.SYNC_RUN_COUNTS`` are ignored. ``duration_s`` is measured from
        ``started_at`` unless given.
        """
        r = t.sync_runs
        values: dict[str, Any] = {
            k: int(v) for k, v in (counts or {}).items() if k in t.SYNC_RUN_COUNTS and v is not None
        }
        with writer(self.engine).begin() as conn:
            started = conn.execute(
                sa.select(r.c.started_at).where(r.c.id == sync_run_id)
            ).scalar_one()
            duration = (counts or {}).get("duration_s")
            if duration is None:
                duration = (now - started).total_seconds()
            conn.execute(
                sa.update(r)
                .where(r.c.id == sync_run_id)
                .values(
                    status=str(status),
                    finished_at=now,
                    duration_s=float(duration),
                    error=None if error is None else error[:MAX_ERROR_CHARS],
                    **values,
                )
            )

    def record_image_counts(self, sync_run_id: int, uploaded: int, failed: int) -> None:
        """Put the image step's counts on its supplier's sync run."""
        r = t.sync_runs
        with writer(self.engine).begin() as conn:
            conn.execute(
                sa.update(r)
                .where(r.c.id == sync_run_id)
                .values(images_uploaded=uploaded, images_failed=failed)
            )

    def get(self, sync_run_id: int) -> SyncRun | None:
        r = t.sync_runs
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(r).where(r.c.id == sync_run_id)).mappings().first()
        return None if row is None else sync_run_from_row(row)

    def latest(self, supplier_code: str, status: RunStatus | None = None) -> SyncRun | None:
        """The supplier's most recent sync run (with this status, if given)."""
        r = t.sync_runs
        query = sa.select(r).where(r.c.supplier_code == supplier_code)
        if status is not None:
            query = query.where(r.c.status == str(status))
        query = query.order_by(r.c.started_at.desc(), r.c.id.desc()).limit(1)
        with self.engine.connect() as conn:
            row = conn.execute(query).mappings().first()
        return None if row is None else sync_run_from_row(row)

    def of_run(self, supplier_code: str, run_id: str) -> SyncRun | None:
        """The supplier's sync run opened by this Dagster run, if any (the latest attempt)."""
        r = t.sync_runs
        query = (
            sa.select(r)
            .where(r.c.supplier_code == supplier_code, r.c.run_id == run_id)
            .order_by(r.c.id.desc())
            .limit(1)
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).mappings().first()
        return None if row is None else sync_run_from_row(row)

    def first_of_run(self, run_id: str) -> int | None:
        """The first sync run (of any supplier) opened by this Dagster run or its lineage."""
        r = t.sync_runs
        query = sa.select(sa.func.min(r.c.id)).where(
            sa.or_(r.c.run_id == run_id, r.c.root_run_id == run_id)
        )
        with self.engine.connect() as conn:
            return conn.execute(query).scalar()


def sync_run_from_row(row: sa.RowMapping) -> SyncRun:
    return SyncRun(
        id=row["id"],
        supplier_code=row["supplier_code"],
        run_id=row["run_id"],
        started_at=row["started_at"],
        finished_at=row["finished_at"],
        status=RunStatus(row["status"]),
        counts={name: row[name] for name in t.SYNC_RUN_COUNTS},
        duration_s=row["duration_s"],
        error=row["error"],
        root_run_id=row["root_run_id"],
    )
