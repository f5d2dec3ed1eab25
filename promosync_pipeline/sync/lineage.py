"""Whose sync run a step may continue: only the Dagster run that opened it, or a re-execution
of that run, and only while the sync is still open.

A step re-executed alone (``dagster asset materialize`` of the catalog step after a finished
sync, say) reads its upstream value from storage: a handle to a sync run that may be closed,
its staged families gone. Writing from it would rewrite an earlier ``sync_runs`` row and report
counts the step did not write, so it is refused instead.
"""

from __future__ import annotations

from promosync_pipeline.catalog import Catalog, RunStatus
from promosync_pipeline.sync.stage_supplier import dry_run_staging_id
from promosync_pipeline.sync.values import StagedVariants


class StaleSyncRun(Exception):
    """The step's upstream value belongs to a sync this run may not continue."""


def own_sync_run(catalog: Catalog, staged: StagedVariants, root_run_id: str) -> None:
    """Raise :class:`StaleSyncRun` unless the sync run of ``staged`` was opened by this run's
    lineage (``root_run_id``) and is still open: running, or failed with its families still
    staged (a write that failed, run again from that failure). A dry run opens no sync run:
    its staged families must be this lineage's, and still staged."""
    if staged.dry_run:
        if staged.sync_run_id != dry_run_staging_id(root_run_id):
            raise StaleSyncRun("it reads the dry run of another run")
        if staged.staged_skus and not catalog.staging.has(staged.sync_run_id):
            raise StaleSyncRun("it reads a dry run that has finished")
        return
    run = catalog.runs.get(staged.sync_run_id)
    if run is None:
        raise StaleSyncRun(f"its sync run {staged.sync_run_id} no longer exists")
    opened = f"sync run {run.id} (opened {run.started_at:%Y-%m-%d %H:%M} UTC by run {run.run_id})"
    if run.lineage != root_run_id:
        raise StaleSyncRun(f"it reads {opened}, which belongs to another run")
    if run.status != RunStatus.RUNNING and not catalog.staging.has(run.id):
        raise StaleSyncRun(f"it reads {opened}, which has finished ({run.status})")
