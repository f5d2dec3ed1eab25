"""The catalog write of one supplier sync: changed families, new file hashes, guarded removals,
errors and the ``sync_runs`` row closed with the counts. No Dagster here."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from promosync_pipeline.catalog import CatalogStore
from promosync_pipeline.sync.index_errors import unreadable_families
from promosync_pipeline.sync.removals import RemovalPolicy, RemovalRefused, decide_removals
from promosync_pipeline.sync.stages import FAMILY_STAGES, ErrorStage
from promosync_pipeline.sync.values import FamilyChanges, FamilyFailure


@dataclass(frozen=True, slots=True)
class WriteOutcome:
    counts: dict[str, int]
    """``families_new/_changed/_unchanged/_removed/_failed``, ``variants_written``,
    ``price_tiers_written``: the ``sync_runs`` counters of the write."""
    failed: tuple[FamilyFailure, ...]
    """Every family of this sync that is not in the catalog as the feed has it, and why."""
    kept_unreadable: int
    rows_written: int
    duration_s: float

    @property
    def status(self) -> str:
        return "failed" if self.failed else "success"


def apply_changes(
    store: CatalogStore,
    changes: FamilyChanges,
    policy: RemovalPolicy,
    *,
    on_done: Callable[[int], None] = lambda n: None,
) -> WriteOutcome:
    """Write the new and changed families (each whole or not at all), record the new hashes of
    files whose content did not change, deactivate removed families if the guard allows, and
    close the sync run. Raises :class:`RemovalRefused` (after closing the run as failed) when
    the index lost too much of the supplier; the families written before stay written."""
    staged = changes.staged
    code, run_id = staged.supplier_code, staged.sync_run_id
    now = _now()
    started = time.monotonic()
    stats = store.write_staged(run_id, list(changes.to_write), now, on_done=on_done)
    store.touch_unchanged(code, {s: (f.url, f.source_hash) for s, f in changes.new_sources.items()})
    try:
        removals = decide_removals(
            code,
            staged.removed,
            unreadable=unreadable_families(store, code),
            files_listed=staged.files_listed,
            active=store.active_count(code),
            policy=policy,
        )
    except RemovalRefused as exc:
        store.finish_sync_run(run_id, "failed", _now(), error=str(exc))
        raise
    deactivated = store.deactivate(code, removals.deactivate, now)
    write_failures = [FamilyFailure(s, ErrorStage.WRITE, e) for s, e in stats.failed.items()]
    store.record_errors(code, run_id, [(f.sku, None, f.stage, f.reason) for f in write_failures])
    # Committed families had their errors resolved in their own transaction.
    store.resolve_errors(code, changes.unchanged, now, FAMILY_STAGES)
    # The checks query these tables next. Before the run is closed, so that a database error
    # here is retried with the step like any other error of the write (which is idempotent).
    store.refresh_statistics()
    failed = (*staged.failed, *write_failures)
    counts = {
        "families_new": sum(1 for s in changes.new if s not in stats.failed),
        "families_changed": sum(1 for s in changes.changed if s not in stats.failed),
        "families_unchanged": staged.files_listed - len(changes.to_write) - len(staged.failed),
        "families_removed": deactivated,
        "families_failed": len(failed),
        "variants_written": stats.variants_written,
        "price_tiers_written": stats.price_tiers_written,
    }
    outcome = WriteOutcome(
        counts, failed, removals.kept_unreadable, stats.rows_written, time.monotonic() - started
    )
    store.finish_sync_run(run_id, outcome.status, _now(), counts={**counts, **staged.fetch_counts})
    store.update_supplier_status(code, outcome.status, now)
    store.clear_staging(code)
    return outcome


def _now() -> datetime:
    return datetime.now(UTC)
