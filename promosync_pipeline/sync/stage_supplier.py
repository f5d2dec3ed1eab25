"""A supplier's parse step: plan the files to fetch, open the sync run, stage what parses.

No Dagster here: ``parsed_variants`` calls :func:`stage_supplier` and reports what it returns.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from promosync_pipeline import clock
from promosync_pipeline.archive import SupplierArchive
from promosync_pipeline.catalog import Catalog
from promosync_pipeline.http import ClientStats, FetchClient
from promosync_pipeline.promidata import IndexEntry
from promosync_pipeline.promidata.index import problem_family
from promosync_pipeline.sync.index_errors import record_index_problems
from promosync_pipeline.sync.plan import FetchPlan, plan_fetch, plan_targeted
from promosync_pipeline.sync.stage_files import FetchOptions, StageResult, StageTarget, stage_files
from promosync_pipeline.sync.values import StagedVariants, SupplierIndex


@dataclass(frozen=True)
class ParseRequest:
    """What a supplier's parse step was asked to do (the step's run config)."""

    full_refresh: bool = False
    from_archive: bool = False
    only_skus: Sequence[str] = ()
    max_failure_share: float = 0.10
    dry_run: bool = False
    """Fetch, parse and stage as a sync would, but open no sync run and record no error: the
    catalog step only previews what it would change."""


def dry_run_staging_id(root_run_id: str) -> int:
    """Where a dry run stages its families: a negative number (sync run ids are positive),
    the same for every step and re-execution of the run's lineage."""
    digest = hashlib.blake2b(root_run_id.encode(), digest_size=8).digest()
    return -(int.from_bytes(digest, "big") >> 2) - 1


@dataclass
class SupplierStaging:
    """What :func:`stage_supplier` did: the step's value and what to report of it."""

    staged: StagedVariants
    plan: FetchPlan
    result: StageResult
    downloaded: int
    """Product files downloaded (archive hits left out)."""
    unknown_skus: list[str] = field(default_factory=list)
    """Requested SKUs the supplier's index does not list."""
    counts: dict[str, Any] = field(default_factory=dict)
    """The HTTP client's and the archive's counters."""


def plan_request(
    catalog: Catalog, supplier_code: str, entries: list[IndexEntry], request: ParseRequest
) -> tuple[FetchPlan, list[str]]:
    """The files to fetch and the requested SKUs the index does not list."""
    if request.only_skus:
        # A targeted sync never deactivates: plan_targeted lists no removals.
        targeted = plan_targeted(entries, request.only_skus)
        return targeted.plan, targeted.unknown
    refresh = request.full_refresh or request.from_archive
    known = catalog.reads.known_hashes(supplier_code)
    return plan_fetch(entries, known, full_refresh=refresh), []


def stage_supplier(
    catalog: Catalog,
    client: FetchClient,
    stats: ClientStats,
    archive: SupplierArchive,
    index: SupplierIndex,
    request: ParseRequest,
    *,
    run_id: str,
    root_run_id: str,
    workers: int,
    on_planned: Callable[[FetchPlan], Callable[[int], None]],
) -> SupplierStaging:
    """Plan, open the supplier's sync run (record the supplier and its skipped index lines),
    fetch and stage the files. ``on_planned(plan)`` is called once the plan is known and
    returns the progress callback of the fetch."""
    code, entries = archive.supplier_code, list(index.entries)
    plan, unknown = plan_request(catalog, code, entries, request)
    if request.dry_run:
        sync_run_id = dry_run_staging_id(root_run_id)
    else:
        catalog.suppliers.add([code], clock.now())
        record_index_problems(catalog, code, index.problems, clock.now())
        sync_run_id = catalog.runs.start(code, run_id, clock.now(), len(entries), root_run_id)
    # the supplier's lease is held: whatever is staged for it was left by a killed sync
    catalog.staging.clear(code)
    options = FetchOptions(
        workers=workers,
        max_failure_share=request.max_failure_share,
        on_done=on_planned(plan),
        archive=archive,
        replay=request.from_archive,
    )
    if plan.to_fetch:
        archive.open()  # here, not on the event loop at the first file's lookup
    target = StageTarget(catalog, code, sync_run_id, record_errors=not request.dry_run)
    result = stage_files(client, target, plan.to_fetch, options)
    archive.prune({e.sku: e.hash for e in entries})
    downloaded = result.files_downloaded - archive.hits
    requested = {"skus_unknown": ", ".join(unknown) or "none"} if request.only_skus else {}
    counts = {**stats.as_metadata(), **archive.metadata(), **requested}
    staged = StagedVariants(
        supplier_code=code,
        sync_run_id=sync_run_id,
        # a targeted sync answers for the families it was asked for, not the whole index
        files_listed=len(plan.to_fetch) if request.only_skus else len(entries),
        staged_skus=tuple(result.staged_skus),
        failed=tuple(result.failed),
        removed=tuple(plan.removed),
        fetch_counts={**counts, "files_downloaded": downloaded},
        index_skipped=tuple(
            found[1] for p in index.problems if (found := problem_family(p)) is not None
        ),
        dry_run=request.dry_run,
    )
    return SupplierStaging(staged, plan, result, downloaded, unknown, counts)
