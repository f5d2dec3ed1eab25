"""One supplier's sync, partitioned by supplier code.

supplier_index -> parsed_variants -> changed_product_families -> catalog_products/_variants.
Each step returns a typed record (``sync/values.py``); the work itself is done by plain
modules of ``sync/`` and the catalog store, and these assets only wire and report it. Parsed
families wait in the catalog database between steps, so no step holds a whole supplier in
memory and any step can be retried on another machine.
"""

from collections.abc import Iterator
from datetime import UTC, datetime

import dagster as dg
from pydantic import Field

from promosync_pipeline.assets.reporting import (
    CATALOG_WRITE_POOL,
    FEED_POOL,
    MAX_FAILURES_SHOWN,
    failure_table,
    retry_transient,
)
from promosync_pipeline.http import ClientStats
from promosync_pipeline.partitions import suppliers
from promosync_pipeline.promidata import parse_index
from promosync_pipeline.promidata.index import slice_hash
from promosync_pipeline.resources import (
    ArchiveStoreResource,
    CatalogDatabaseResource,
    PromidataResource,
)
from promosync_pipeline.sync.apply_changes import apply_changes
from promosync_pipeline.sync.index_errors import record_index_problems
from promosync_pipeline.sync.plan import classify, plan_fetch, plan_targeted
from promosync_pipeline.sync.progress import Progress
from promosync_pipeline.sync.removals import RemovalPolicy, RemovalRefused
from promosync_pipeline.sync.stage_files import stage_files
from promosync_pipeline.sync.values import (
    FamilyChanges,
    FamilyFailure,
    SourceFile,
    StagedVariants,
    SupplierIndex,
)


class ParseConfig(dg.Config):
    full_refresh: bool = False
    """Download and parse every file, not only those whose index hash changed."""
    max_failure_share: float = 0.10
    """Above this share of failed files the step fails: the source is broken."""
    from_archive: bool = False
    """Re-parse every file from the raw archive (the version of its current index hash);
    download only those the archive lacks."""
    only_skus: list[str] = Field(default_factory=list)
    """Sync only these families, whatever their index hash; deactivate nothing."""


class WriteConfig(dg.Config):
    max_removed_share: float = 0.5
    """Refuse to deactivate more than this share of a supplier's active families in one sync."""
    allow_supplier_removal: bool = False
    """Deactivate every family of a supplier that vanished from the index."""


def _now() -> datetime:
    return datetime.now(UTC)


def _rows(failed: tuple[FamilyFailure, ...]) -> list[tuple[str, str, str]]:
    return [(f.sku, f.stage, f.reason) for f in failed]


@dg.asset(
    partitions_def=suppliers,
    group_name="catalog",
    deps=["promidata_index"],
    description=(
        "This supplier's slice of Import.txt: one row per product file (supplier_code, sku, "
        "url, hash, line). Read from the latest valid index in the catalog database's feed "
        "cache (saved by promidata_index and by promidata_index_sensor)."
    ),
)
@retry_transient
def supplier_index(
    context: dg.AssetExecutionContext,
    promidata: PromidataResource,
    catalog_db: CatalogDatabaseResource,
) -> dg.Output[SupplierIndex]:
    code = context.partition_key
    store = catalog_db.store()
    cached = store.cached_feed_file(promidata.index_url)
    report = parse_index(cached.body) if cached is not None else None
    if report is None or not report.entries:
        raise dg.Failure(
            f"{code}: no Import.txt listing product files is stored in the catalog database "
            "yet: materialize promidata_index (feed_refresh_job, or `promosync sync`) or turn "
            "on promidata_index_sensor, then sync this supplier again",
            allow_retries=False,
        )
    entries = report.by_supplier().get(code, [])
    store.upsert_suppliers([code], _now())
    skipped = record_index_problems(store, code, report.problems, _now())
    version = slice_hash(entries)
    return dg.Output(
        SupplierIndex(code, tuple(entries)),
        data_version=dg.DataVersion(version),
        metadata={
            "dagster/row_count": len(entries),
            "slice_hash": version,
            "index_lines_skipped": skipped,
        },
    )


@dg.asset(
    partitions_def=suppliers,
    group_name="catalog",
    pool=FEED_POOL,
    description=(
        "This sync's parsed families of the supplier, with their variants, price tiers and "
        "images, staged in the catalog database under the run's sync_runs id: the product "
        "files whose index hash differs from the catalog's (all with full_refresh or "
        "from_archive, the named ones with only_skus), downloaded (or read from the raw "
        "archive) and parsed."
    ),
)
@retry_transient
def parsed_variants(
    context: dg.AssetExecutionContext,
    config: ParseConfig,
    supplier_index: SupplierIndex,
    promidata: PromidataResource,
    catalog_db: CatalogDatabaseResource,
    archive_store: ArchiveStoreResource,
) -> dg.Output[StagedVariants]:
    code = context.partition_key
    store = catalog_db.store()
    entries = list(supplier_index.entries)
    refresh = config.full_refresh or config.from_archive
    plan = plan_fetch(entries, store.known_hashes(code), full_refresh=refresh)
    unknown: list[str] = []
    if config.only_skus:
        # A targeted sync never deactivates: plan_targeted lists no removals.
        targeted = plan_targeted(entries, config.only_skus)
        plan, unknown = targeted.plan, targeted.unknown
        if unknown:
            context.log.error(f"{code}: not in this supplier's index: {', '.join(unknown)}")
    archive = archive_store.supplier(code, _now())
    sync_run_id = store.start_sync_run(code, context.run.run_id, _now(), len(entries))
    store.clear_staging(code)
    context.log.info(
        f"{code}: {len(entries)} files in the index, {len(plan.to_fetch)} to download, "
        f"{plan.skipped} unchanged by hash, {len(plan.removed)} no longer listed"
    )
    stats = ClientStats()
    progress = Progress(f"{code} parsed_variants", len(plan.to_fetch), context.log.info)
    result = stage_files(
        promidata.client(stats),
        store,
        code,
        sync_run_id,
        plan.to_fetch,
        workers=promidata.max_in_flight,
        max_failure_share=config.max_failure_share,
        on_done=progress.advance,
        archive=archive,
        replay=config.from_archive,
    )
    progress.finish()
    archive.prune({e.sku: e.hash for e in entries})
    if archive.errors:
        context.log.warning(f"{code}: raw archive: {archive.metadata()['archive_status']}")
    downloaded = result.files_downloaded - archive.hits
    requested = {"skus_unknown": ", ".join(unknown) or "none"} if config.only_skus else {}
    failed = tuple(result.failed)
    staged = StagedVariants(
        supplier_code=code,
        sync_run_id=sync_run_id,
        # a targeted sync answers for the families it was asked for, not the whole index
        files_listed=len(plan.to_fetch) if config.only_skus else len(entries),
        staged_skus=tuple(result.staged_skus),
        failed=failed,
        removed=tuple(plan.removed),
        fetch_counts={
            **stats.as_metadata(),
            **archive.metadata(),
            **requested,
            "files_downloaded": downloaded,
        },
    )
    parsed = len(result.staged_skus)
    metadata = {
        "files_listed": len(entries),
        "files_downloaded": downloaded,
        "files_skipped_unchanged_hash": plan.skipped,
        "families_parsed": parsed,
        "families_failed": len(failed),
        "variants_parsed": result.variants,
        "price_tiers_parsed": result.price_tiers,
        "duration_s": round(result.duration_s, 3),
        "families_per_s": round(parsed / result.duration_s, 1) if result.duration_s else 0.0,
        "parse_processes": result.parse_processes,
        "failures": failure_table(_rows(failed)),
        "dagster/row_count": result.variants,
        **stats.as_metadata(),
        **archive.metadata(),
        **requested,
    }
    if result.over_budget(len(plan.to_fetch), config.max_failure_share):
        store.finish_sync_run(sync_run_id, "failed", _now(), error=f"{len(failed)} files failed")
        first = failed[0]
        raise dg.Failure(
            f"{code}: {len(failed)} of {len(plan.to_fetch)} product files failed "
            f"(more than {config.max_failure_share:.0%}); the source looks broken, stopping. "
            f"First: {first.sku} ({first.stage}): {first.reason}",
            metadata=metadata,
            allow_retries=False,
        )
    for failure in failed[:MAX_FAILURES_SHOWN]:
        context.log.warning(f"{failure.sku} {failure.stage} failed: {failure.reason}")
    return dg.Output(staged, metadata=metadata)


@dg.asset(
    partitions_def=suppliers,
    group_name="catalog",
    description=(
        "Families of this supplier that are new, changed (by content hash) or removed; files "
        "whose bytes changed but whose stored content did not are listed as unchanged."
    ),
)
@retry_transient
def changed_product_families(
    context: dg.AssetExecutionContext,
    parsed_variants: StagedVariants,
    catalog_db: CatalogDatabaseResource,
) -> dg.Output[FamilyChanges]:
    store = catalog_db.store()
    known = store.known_hashes(parsed_variants.supplier_code)
    kinds: dict[str, list[str]] = {"new": [], "changed": [], "unchanged": []}
    sources: dict[str, SourceFile] = {}
    for sku, staged in store.staged_hashes(parsed_variants.sync_run_id).items():
        kind = classify(sku, staged.content_hash, known)
        kinds[kind].append(sku)
        if kind == "unchanged":
            sources[sku] = SourceFile(staged.source_url, staged.source_hash)
    changes = FamilyChanges(
        staged=parsed_variants,
        new=tuple(kinds["new"]),
        changed=tuple(kinds["changed"]),
        unchanged=tuple(kinds["unchanged"]),
        new_sources=sources,
    )
    counts = {f"families_{kind}": len(skus) for kind, skus in kinds.items()}
    removed = len(parsed_variants.removed)
    context.log.info(f"{parsed_variants.supplier_code}: {counts}, removed {removed}")
    return dg.Output(
        changes,
        metadata={
            **counts,
            "families_removed": removed,
            "families_failed": len(parsed_variants.failed),
            "dagster/row_count": len(changes.to_write) + removed,
        },
    )


@dg.multi_asset(
    partitions_def=suppliers,
    group_name="catalog",
    pool=CATALOG_WRITE_POOL,
    specs=[
        dg.AssetSpec(
            "catalog_products",
            deps=["changed_product_families"],
            description="`products` rows of this supplier: one per family, inactive when removed.",
        ),
        dg.AssetSpec(
            "catalog_variants",
            deps=["changed_product_families"],
            description="`product_variants` and `price_tiers` rows of this supplier's families.",
        ),
    ],
    ins={"changes": dg.AssetIn("changed_product_families")},
)
@retry_transient
def catalog_tables(
    context: dg.AssetExecutionContext,
    config: WriteConfig,
    changes: FamilyChanges,
    catalog_db: CatalogDatabaseResource,
) -> Iterator[dg.MaterializeResult]:
    """Write new and changed families (a family with its variants and tiers in one
    transaction), record bytes-only changes, deactivate removed families."""
    code = changes.staged.supplier_code
    store = catalog_db.store()
    progress = Progress(f"{code} catalog write", len(changes.to_write), context.log.info)
    policy = RemovalPolicy(config.max_removed_share, config.allow_supplier_removal)
    try:
        outcome = apply_changes(store, changes, policy, on_done=progress.advance)
    except RemovalRefused as exc:
        raise dg.Failure(str(exc), allow_retries=False) from None
    progress.finish()
    if outcome.kept_unreadable:
        context.log.warning(
            f"keeping {outcome.kept_unreadable} families whose index line is unusable "
            "(see sync_errors, stage index): missing from the index is not removed"
        )
    if outcome.counts["families_removed"]:
        context.log.info(f"deactivated {outcome.counts['families_removed']} families")
    common = {
        **outcome.counts,
        **changes.staged.fetch_counts,
        "rows_written": outcome.rows_written,
        "duration_s": round(outcome.duration_s, 3),
        "rows_per_s": round(outcome.rows_written / outcome.duration_s, 1)
        if outcome.duration_s > 0
        else 0.0,
        "failures": failure_table(_rows(outcome.failed)),
    }
    yield dg.MaterializeResult(
        asset_key="catalog_products",
        metadata={**common, "dagster/row_count": store.active_count(code)},
    )
    yield dg.MaterializeResult(
        asset_key="catalog_variants",
        metadata={**common, "dagster/row_count": store.active_variant_count(code)},
    )
