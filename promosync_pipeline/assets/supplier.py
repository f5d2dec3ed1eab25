"""One supplier's sync, partitioned by supplier code.

supplier_index -> parsed_variants -> changed_product_families -> catalog_products/_variants.
Each step returns a typed record (``sync/values.py``); the work itself is done by plain
modules of ``sync/`` and the catalog, and these assets only wire and report it. Parsed families
wait in the catalog database between steps, so no step holds a whole supplier in memory and
any step can be retried on another machine.
"""

from collections.abc import Iterator
from typing import Any

import dagster as dg
import sqlalchemy as sa
from pydantic import Field

from promosync_pipeline import clock, names
from promosync_pipeline.alerts import DELIVERY_ATTEMPTS, AlertWebhookResource
from promosync_pipeline.assets.descriptions import table_schema
from promosync_pipeline.assets.reporting import (
    MAX_FAILURES_SHOWN,
    failure_table,
    hold_supplier,
    lineage,
    moves_table,
    per_second,
    retry_transient,
)
from promosync_pipeline.automation.alert_texts import ALERT
from promosync_pipeline.catalog import Catalog, RunStatus
from promosync_pipeline.catalog import schema as t
from promosync_pipeline.change_webhook import ChangeWebhookResource, change_body
from promosync_pipeline.http import ClientStats
from promosync_pipeline.partitions import suppliers
from promosync_pipeline.promidata import parse_index
from promosync_pipeline.promidata.hashing import PARSER_VERSION
from promosync_pipeline.promidata.index import slice_hash
from promosync_pipeline.resources import (
    ArchiveStoreResource,
    CatalogDatabaseResource,
    PromidataResource,
)
from promosync_pipeline.sync.apply_changes import WriteOutcome, WritePolicy, apply_changes
from promosync_pipeline.sync.classify import classify_staged
from promosync_pipeline.sync.dry_run import Preview, preview
from promosync_pipeline.sync.index_errors import supplier_problems
from promosync_pipeline.sync.lineage import StaleSyncRun, own_sync_run
from promosync_pipeline.sync.price_shift import PriceShiftPolicy, PriceShiftRefused
from promosync_pipeline.sync.progress import Progress
from promosync_pipeline.sync.removals import RemovalPolicy, RemovalRefused
from promosync_pipeline.sync.stage_supplier import ParseRequest, SupplierStaging, stage_supplier
from promosync_pipeline.sync.values import (
    FamilyChanges,
    FamilyFailure,
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
    dry_run: bool = False
    """Fetch, parse and compare as a sync would, write nothing: the catalog step reports what
    it would change (an observation of the catalog assets) and materializes nothing."""


class WriteConfig(dg.Config):
    max_removed_share: float = 0.5
    """Refuse to deactivate more than this share of a supplier's active families in one sync."""
    allow_supplier_removal: bool = False
    """Deactivate every family of a supplier that vanished from the index."""
    max_price_shift: float = 0.5
    """A selling price moved by more than this share (0.5: ±50 %) counts as shifted."""
    max_price_shift_share: float = 0.2
    """Refuse the write when more than this share of the supplier's active families (at least
    5) have a shifted selling price: a broken price feed."""
    allow_price_shift: bool = False
    """Write a price shift the guard refused."""

    def policy(self, retention_days: float) -> WritePolicy:
        return WritePolicy(
            RemovalPolicy(self.max_removed_share, self.allow_supplier_removal),
            PriceShiftPolicy(
                self.max_price_shift, self.max_price_shift_share, self.allow_price_shift
            ),
            retention_days,
        )


def _rows(failed: tuple[FamilyFailure, ...]) -> list[tuple[str, str, str]]:
    return [(f.sku, f.stage, f.reason) for f in failed]


@dg.asset(
    partitions_def=suppliers,
    group_name=names.CATALOG_GROUP,
    deps=[names.PROMIDATA_INDEX],
    description=(
        "This supplier's slice of Import.txt: one row per product file (supplier_code, sku, "
        "url, hash, line), and the lines about its families that were skipped. Read from the "
        "latest valid index in the catalog database's feed cache (saved by promidata_index "
        "and by promidata_index_sensor)."
    ),
)
@retry_transient
def supplier_index(
    context: dg.AssetExecutionContext,
    promidata: PromidataResource,
    catalog_db: CatalogDatabaseResource,
) -> dg.Output[SupplierIndex]:
    code = context.partition_key
    hold_supplier(context, catalog_db)
    cached = catalog_db.catalog().feed_cache.get(promidata.index_url)
    report = parse_index(cached.body) if cached is not None else None
    if report is None or not report.entries:
        raise dg.Failure(
            f"{code}: no Import.txt listing product files is stored in the catalog database "
            "yet: materialize promidata_index (feed_refresh_job, or `promosync sync`) or turn "
            "on promidata_index_sensor, then sync this supplier again",
            allow_retries=False,
        )
    entries = report.by_supplier().get(code, [])
    problems = supplier_problems(code, report.problems)
    version = slice_hash(entries)
    return dg.Output(
        SupplierIndex(code, tuple(entries), problems),
        data_version=dg.DataVersion(version),
        metadata={
            "dagster/row_count": len(entries),
            "slice_hash": version,
            "index_lines_skipped": len(problems),
        },
    )


@dg.asset(
    partitions_def=suppliers,
    group_name=names.CATALOG_GROUP,
    pool=names.FEED_POOL,
    code_version=PARSER_VERSION,
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
    hold_supplier(context, catalog_db)
    if config.dry_run:
        context.instance.add_run_tags(context.run.run_id, {names.DRY_RUN_TAG: "true"})
        context.log.info(f"{code}: dry run: nothing of this sync is written to the catalog")
    stats = ClientStats()
    progress: list[Progress] = []

    def on_planned(plan: Any) -> Any:
        context.log.info(
            f"{code}: {len(supplier_index.entries)} files in the index, {len(plan.to_fetch)} to "
            f"download, {plan.skipped} unchanged by hash, {len(plan.removed)} no longer listed"
        )
        progress.append(Progress(f"{code} parsed_variants", len(plan.to_fetch), context.log.info))
        return progress[0].advance

    done = stage_supplier(
        catalog_db.catalog(),
        promidata.client(stats),
        stats,
        archive_store.supplier(code, clock.now()),
        supplier_index,
        ParseRequest(
            config.full_refresh,
            config.from_archive,
            config.only_skus,
            config.max_failure_share,
            config.dry_run,
        ),
        run_id=context.run.run_id,
        root_run_id=lineage(context),
        workers=promidata.max_in_flight,
        on_planned=on_planned,
    )
    progress[0].finish()
    return _report_staging(context, catalog_db.catalog(), done, config)


def _report_staging(
    context: dg.AssetExecutionContext,
    catalog: Catalog,
    done: SupplierStaging,
    config: ParseConfig,
) -> dg.Output[StagedVariants]:
    code, staged, result = done.staged.supplier_code, done.staged, done.result
    if done.unknown_skus:
        context.log.error(f"{code}: not in this supplier's index: {', '.join(done.unknown_skus)}")
    if staged.fetch_counts.get("archive_errors"):
        context.log.warning(f"{code}: raw archive: {staged.fetch_counts['archive_status']}")
    metadata = {
        "files_listed": done.plan.skipped + len(done.plan.to_fetch),
        "files_downloaded": done.downloaded,
        "files_skipped_unchanged_hash": done.plan.skipped,
        "families_parsed": len(result.staged_skus),
        "families_failed": len(staged.failed),
        "variants_parsed": result.variants,
        "price_tiers_parsed": result.price_tiers,
        "duration_s": round(result.duration_s, 3),
        "families_per_s": per_second(len(result.staged_skus), result.duration_s),
        "parse_processes": result.parse_processes,
        "failures": failure_table(_rows(staged.failed)),
        "dagster/row_count": result.variants,
        **done.counts,
    }
    if result.over_budget(len(done.plan.to_fetch), config.max_failure_share):
        raise _over_budget(catalog, done, config, metadata)
    for failure in staged.failed[:MAX_FAILURES_SHOWN]:
        context.log.warning(f"{failure.sku} {failure.stage} failed: {failure.reason}")
    return dg.Output(staged, metadata=metadata)


def _over_budget(
    catalog: Catalog, done: SupplierStaging, config: ParseConfig, metadata: dict[str, Any]
) -> dg.Failure:
    """Close the sync run as failed; the failure that stops the step."""
    staged = done.staged
    failed = staged.failed
    if not staged.dry_run:
        error = f"{len(failed)} files failed"
        catalog.runs.finish(staged.sync_run_id, RunStatus.FAILED, clock.now(), error=error)
    return dg.Failure(
        f"{staged.supplier_code}: {len(failed)} of {len(done.plan.to_fetch)} product files "
        f"failed (more than {config.max_failure_share:.0%}); the source looks broken, stopping. "
        f"First: {failed[0].sku} ({failed[0].stage}): {failed[0].reason}",
        metadata=metadata,
        allow_retries=False,
    )


@dg.asset(
    partitions_def=suppliers,
    group_name=names.CATALOG_GROUP,
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
    hold_supplier(context, catalog_db)
    _own(context, catalog_db.catalog(), parsed_variants, names.CHANGED_PRODUCT_FAMILIES)
    changes = classify_staged(catalog_db.catalog(), parsed_variants)
    counts = {
        "families_new": len(changes.new),
        "families_changed": len(changes.changed),
        "families_unchanged": len(changes.unchanged),
    }
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


def _catalog_spec(key: str, table: sa.Table, description: str) -> dg.AssetSpec:
    return dg.AssetSpec(
        key,
        deps=[names.CHANGED_PRODUCT_FAMILIES],
        description=description,
        code_version=PARSER_VERSION,
        metadata={"dagster/column_schema": table_schema(table)},
        # a dry run materializes neither (and so skips the images and the checks)
        skippable=True,
    )


@dg.multi_asset(
    name=names.CATALOG_TABLES_STEP,
    partitions_def=suppliers,
    group_name=names.CATALOG_GROUP,
    pool=names.CATALOG_WRITE_POOL,
    specs=[
        _catalog_spec(
            names.CATALOG_PRODUCTS,
            t.products,
            "`products` rows of this supplier: one per family, inactive when removed; what "
            "each sync changed is in `catalog_changes`.",
        ),
        _catalog_spec(
            names.CATALOG_VARIANTS,
            t.product_variants,
            "`product_variants` and `price_tiers` rows of this supplier's families, with their "
            "price terms and decoration (imprint positions, options, charges, prices).",
        ),
    ],
    ins={"changes": dg.AssetIn(names.CHANGED_PRODUCT_FAMILIES)},
)
@retry_transient
def catalog_tables(
    context: dg.AssetExecutionContext,
    config: WriteConfig,
    changes: FamilyChanges,
    catalog_db: CatalogDatabaseResource,
    alerts: AlertWebhookResource,
    change_webhook: ChangeWebhookResource,
) -> Iterator[dg.MaterializeResult]:
    """Write new and changed families (a family with its variants, tiers, decoration and its
    change feed rows in one transaction), record bytes-only changes, deactivate removed
    families; a dry run only reports what it would change."""
    code = changes.staged.supplier_code
    hold_supplier(context, catalog_db)
    catalog = catalog_db.catalog()
    _own(context, catalog, changes.staged, names.CATALOG_TABLES_STEP)
    policy = config.policy(catalog_db.retention_days())
    if changes.staged.dry_run:
        _report_preview(context, preview(catalog, changes, policy, context.run.run_id), policy)
        return
    progress = Progress(f"{code} catalog write", len(changes.to_write), context.log.info)
    try:
        outcome = apply_changes(catalog, changes, policy, on_done=progress.advance)
    except RemovalRefused as exc:
        raise dg.Failure(str(exc), allow_retries=False) from None
    except PriceShiftRefused as exc:
        # alerted here: a CLI run has no sensor daemon behind it
        context.instance.add_run_tags(context.run.run_id, {names.ALERTED_TAG: "price_shift"})
        alerts.send(f"{ALERT}: {exc}", context.log, attempts=DELIVERY_ATTEMPTS)
        raise dg.Failure(str(exc), allow_retries=False) from None
    progress.finish()
    _log_write(context, outcome, code)
    if outcome.changes.any:
        body = change_body(code, changes.staged.sync_run_id, context.run.run_id, outcome.changes)
        change_webhook.announce(body, context.log)
    decoration = catalog.reads.decoration_counts(code)
    common = {
        **_write_metadata(changes, outcome),
        "imprint_positions": decoration.positions,
        "imprint_options": decoration.options,
        "imprint_charges": decoration.charges,
    }
    yield dg.MaterializeResult(
        asset_key=names.CATALOG_PRODUCTS,
        metadata={**common, "dagster/row_count": catalog.reads.active_count(code)},
    )
    yield dg.MaterializeResult(
        asset_key=names.CATALOG_VARIANTS,
        metadata={**common, "dagster/row_count": catalog.reads.active_variant_count(code)},
    )


def _log_write(context: dg.AssetExecutionContext, outcome: WriteOutcome, code: str) -> None:
    if outcome.kept_unreadable:
        context.log.warning(
            f"keeping {outcome.kept_unreadable} families whose index line is unusable "
            "(see sync_errors, stage index): missing from the index is not removed"
        )
    if outcome.counts["families_removed"]:
        context.log.info(f"deactivated {outcome.counts['families_removed']} families")
    if outcome.price_shift.trips:
        context.log.warning(f"written as allowed: {outcome.price_shift.describe(code)}")
    context.log.info(f"{code}: {outcome.changes.describe()}")


def _write_metadata(changes: FamilyChanges, outcome: WriteOutcome) -> dict[str, Any]:
    return {
        **outcome.counts,
        **changes.staged.fetch_counts,
        **outcome.changes.counts(),
        "sync_run_id": changes.staged.sync_run_id,
        "largest_price_moves": moves_table(outcome.changes.largest_moves),
        "rows_written": outcome.rows_written,
        "duration_s": round(outcome.duration_s, 3),
        "rows_per_s": per_second(outcome.rows_written, outcome.duration_s),
        "failures": failure_table(_rows(outcome.failed)),
    }


def _report_preview(context: dg.AssetExecutionContext, found: Preview, policy: WritePolicy) -> None:
    """A dry run's result: an observation of both catalog assets, and the log."""
    code = context.partition_key
    shift = found.price_shift
    guard = shift.describe(code) if shift.trips else f"would pass ({shift.share:.0%} shifted)"
    metadata = {
        names.DRY_RUN_METADATA: True,
        **found.changes.counts(),
        "largest_price_moves": moves_table(found.changes.largest_moves),
        "price_shift_guard": f"would refuse: {guard}" if shift.trips else guard,
        "removal_guard": f"would refuse: {found.removal_refused}"
        if found.removal_refused
        else "would pass",
    }
    for key in names.CATALOG_ASSETS:
        context.log_event(dg.AssetObservation(asset_key=key, partition=code, metadata=metadata))
    context.log.info(f"{code}: dry run, nothing written: {found.changes.describe()}")
    if shift.trips and not policy.price_shift.allow_price_shift:
        context.log.warning(f"the price-shift guard would refuse this sync: {guard}")


def _own(
    context: dg.AssetExecutionContext, catalog: Catalog, staged: StagedVariants, step: str
) -> None:
    """Refuse a step re-executed without a fresh upstream run (``sync/lineage.py``)."""
    try:
        own_sync_run(catalog, staged, lineage(context))
    except StaleSyncRun as exc:
        code = staged.supplier_code
        raise dg.Failure(
            f"{code}: {step} cannot run alone here: {exc}. Its input is the value an earlier "
            f"sync left; materialize the whole `{names.CATALOG_GROUP}` group for {code} "
            f"(supplier_sync_job), or run `promosync sync {code}`",
            allow_retries=False,
        ) from None
