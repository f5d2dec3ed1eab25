"""The catalog write of one supplier sync: the price-shift guard, changed families with their
change feed, new file hashes, guarded removals, errors and the ``sync_runs`` row closed with the
counts. No Dagster here."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from promosync_pipeline import clock
from promosync_pipeline.catalog import FAMILY_STAGES, Catalog, ErrorRecord, ErrorStage, RunStatus
from promosync_pipeline.catalog.changes import DEFAULT_RETENTION_DAYS, ChangeSummary
from promosync_pipeline.catalog.records import WriteStats
from promosync_pipeline.sync.index_errors import unreadable_families
from promosync_pipeline.sync.price_shift import (
    PriceShift,
    PriceShiftPolicy,
    PriceShiftRefused,
    assess,
)
from promosync_pipeline.sync.removals import (
    RemovalPolicy,
    RemovalRefused,
    Removals,
    decide_removals,
)
from promosync_pipeline.sync.values import FamilyChanges, FamilyFailure


@dataclass(frozen=True, slots=True)
class WritePolicy:
    """What the catalog write refuses, and how long the change feed keeps its rows."""

    removal: RemovalPolicy = field(default_factory=RemovalPolicy)
    price_shift: PriceShiftPolicy = field(default_factory=PriceShiftPolicy)
    retention_days: float = DEFAULT_RETENTION_DAYS


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
    changes: ChangeSummary
    price_shift: PriceShift

    @property
    def status(self) -> RunStatus:
        return RunStatus.FAILED if self.failed else RunStatus.SUCCESS


def guard_prices(catalog: Catalog, changes: FamilyChanges, policy: PriceShiftPolicy) -> PriceShift:
    """The guard's reading of the sync; :class:`PriceShiftRefused` (the sync run closed as
    failed first) when it trips and the policy does not allow it."""
    staged = changes.staged
    shift = assess(changes.price_moves, catalog.reads.active_count(staged.supplier_code), policy)
    if shift.trips and not policy.allow_price_shift:
        message = (
            f"{shift.describe(staged.supplier_code)}. Nothing of "
            f"{staged.supplier_code} was written; if the prices are right, sync again with "
            "allow_price_shift (promosync sync CODE --allow-price-shift)"
        )
        catalog.runs.finish(staged.sync_run_id, RunStatus.FAILED, clock.now(), error=message)
        raise PriceShiftRefused(message)
    return shift


def apply_changes(
    catalog: Catalog,
    changes: FamilyChanges,
    policy: WritePolicy,
    *,
    on_done: Callable[[int], None] = lambda n: None,
) -> WriteOutcome:
    """Write the new and changed families (each whole or not at all, with what it changes in
    the change feed), record the new hashes of files whose content did not change, deactivate
    removed families if the guard allows, and close the sync run. Raises
    :class:`PriceShiftRefused` before anything is written when too many prices moved, and
    :class:`RemovalRefused` (after closing the run as failed) when the index lost too much of
    the supplier; the families written before stay written."""
    staged = changes.staged
    code, run_id = staged.supplier_code, staged.sync_run_id
    shift = guard_prices(catalog, changes, policy.price_shift)
    now = clock.now()
    started = time.monotonic()
    families = catalog.staging.rows(run_id, list(changes.to_write))
    stats = catalog.families.write(code, families, now, on_batch=on_done, changes_of=run_id)
    sources = {s: (f.url, f.source_hash) for s, f in changes.new_sources.items()}
    catalog.families.touch_unchanged(code, sources)
    removals = _removals(catalog, changes, policy.removal)
    deactivated = catalog.families.deactivate(code, removals.deactivate, now, changes_of=run_id)
    write_failures = [FamilyFailure(s, ErrorStage.WRITE, e) for s, e in stats.failed.items()]
    catalog.errors.record(
        code, run_id, [ErrorRecord(f.sku, None, f.stage, f.reason) for f in write_failures]
    )
    # Committed families had their errors resolved in their own transaction.
    catalog.errors.resolve(code, changes.unchanged, now, FAMILY_STAGES)
    catalog.changes.prune(code, now, policy.retention_days)
    # The checks query these tables next. Before the run is closed, so that a database error
    # here is retried with the step like any other error of the write (which is idempotent).
    catalog.statistics.refresh()
    failed = (*staged.failed, *write_failures)
    outcome = WriteOutcome(
        _counts(changes, stats, deactivated, len(failed)),
        failed,
        removals.kept_unreadable,
        stats.rows_written,
        time.monotonic() - started,
        catalog.changes.summary_of_run(run_id),
        shift,
    )
    counts = {**outcome.counts, **staged.fetch_counts}
    catalog.runs.finish(run_id, outcome.status, clock.now(), counts=counts)
    catalog.suppliers.record_sync(code, outcome.status, now)
    catalog.staging.clear_run(run_id)
    return outcome


def _removals(catalog: Catalog, changes: FamilyChanges, policy: RemovalPolicy) -> Removals:
    """The families to deactivate; a refusal closes the sync run as failed first."""
    staged = changes.staged
    try:
        return removals_of(catalog, changes, policy)
    except RemovalRefused as exc:
        catalog.runs.finish(staged.sync_run_id, RunStatus.FAILED, clock.now(), error=str(exc))
        raise


def removals_of(catalog: Catalog, changes: FamilyChanges, policy: RemovalPolicy) -> Removals:
    """The families to deactivate, or :class:`RemovalRefused`."""
    staged = changes.staged
    code = staged.supplier_code
    return decide_removals(
        code,
        staged.removed,
        unreadable=unreadable_families(catalog, code) | set(staged.index_skipped),
        files_listed=staged.files_listed,
        active=catalog.reads.active_count(code),
        policy=policy,
    )


def _counts(
    changes: FamilyChanges, stats: WriteStats, deactivated: int, failed: int
) -> dict[str, int]:
    staged = changes.staged
    return {
        "families_new": sum(1 for s in changes.new if s not in stats.failed),
        "families_changed": sum(1 for s in changes.changed if s not in stats.failed),
        "families_unchanged": staged.files_listed - len(changes.to_write) - len(staged.failed),
        "families_removed": deactivated,
        "families_failed": failed,
        "variants_written": stats.variants_written,
        "price_tiers_written": stats.price_tiers_written,
        "decoration_rows_written": stats.decoration_written,
    }
