"""One supplier's sync, partitioned by supplier code.

supplier_index -> parsed_variants -> changed_product_families -> catalog_products/_variants.
Parsed families are staged in the catalog database between steps, so no step holds a whole
supplier in memory and any step can be retried on another machine.
"""

import asyncio
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import dagster as dg
import pandas as pd
from pydantic import Field

from promosync_pipeline.assets.frames import entries_to_frame, frame_to_entries
from promosync_pipeline.catalog import CatalogStore, FamilyWrite
from promosync_pipeline.http import ClientStats
from promosync_pipeline.partitions import suppliers
from promosync_pipeline.promidata import parse_index
from promosync_pipeline.promidata.index import problem_family, slice_hash
from promosync_pipeline.resources import (
    ArchiveStoreResource,
    CatalogDatabaseResource,
    PromidataResource,
)
from promosync_pipeline.sync.fetch_parse import Failed, Outcome, Parsed, fetch_and_parse
from promosync_pipeline.sync.plan import classify, plan_fetch, plan_targeted
from promosync_pipeline.sync.progress import Progress

MAX_FAILURES_SHOWN = 50
CATALOG_STAGES = ("download", "parse", "write")
INDEX_STAGE = "index"
STEP_RETRY = dg.RetryPolicy(
    max_retries=2, delay=10, backoff=dg.Backoff.EXPONENTIAL, jitter=dg.Jitter.PLUS_MINUS
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


@dg.asset(
    partitions_def=suppliers,
    retry_policy=STEP_RETRY,
    group_name="catalog",
    deps=["promidata_index"],
    description=(
        "This supplier's slice of Import.txt: one row per product file. Read from the latest "
        "valid index in the catalog database's feed cache (saved by promidata_index and by "
        "promidata_index_sensor)."
    ),
)
def supplier_index(
    context: dg.AssetExecutionContext,
    promidata: PromidataResource,
    catalog_db: CatalogDatabaseResource,
) -> dg.Output[pd.DataFrame]:
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
    rows = entries_to_frame(report.by_supplier().get(code, []))
    store.upsert_suppliers([code], _now())
    skipped = _record_index_problems(store, code, report.problems)
    version = slice_hash(frame_to_entries(rows))
    return dg.Output(
        rows,
        data_version=dg.DataVersion(version),
        metadata={
            "dagster/row_count": len(rows),
            "slice_hash": version,
            "index_lines_skipped": skipped,
        },
    )


def _record_index_problems(store: CatalogStore, code: str, problems: Sequence[Any]) -> int:
    """Index lines of this supplier that were skipped go to ``sync_errors`` (stage ``index``)
    with the reason, so a family the index lists unusably is not silently missing; errors of
    lines that are fine again are resolved."""
    rows = []
    for problem in problems:
        found = problem_family(problem)
        if found is not None and found[0] == code:
            rows.append((found[1], found[2], INDEX_STAGE, str(problem)))
    now = _now()
    store.record_errors(code, None, rows, now)
    still = {sku for sku, *_ in rows}
    open_index = [e.sku for e in store.open_errors(code) if e.stage == INDEX_STAGE]
    store.resolve_errors(code, [s for s in open_index if s and s not in still], now, (INDEX_STAGE,))
    return len(rows)


def failure_table(failed: Sequence[tuple[str, str, str]]) -> dg.MetadataValue | str:
    """(sku, stage, reason) rows as a markdown table for the UI."""
    if not failed:
        return "none"
    lines = ["| sku | stage | reason |", "| --- | --- | --- |"]
    for sku, stage, reason in failed[:MAX_FAILURES_SHOWN]:
        text = reason.replace("|", "\\|").replace("\n", " ")[:300]
        lines.append(f"| {sku} | {stage} | {text} |")
    if len(failed) > MAX_FAILURES_SHOWN:
        lines.append(f"| … | | {len(failed) - MAX_FAILURES_SHOWN} more in sync_errors |")
    return dg.MetadataValue.md("\n".join(lines))


@dg.asset(
    partitions_def=suppliers,
    group_name="catalog",
    retry_policy=STEP_RETRY,
    description=(
        "Product files of this supplier whose index hash differs from the catalog's (all with "
        "full_refresh or from_archive, the named ones with only_skus), downloaded (or read "
        "from the raw archive) and parsed into families; staged in the catalog database."
    ),
)
def parsed_variants(
    context: dg.AssetExecutionContext,
    config: ParseConfig,
    supplier_index: pd.DataFrame,
    promidata: PromidataResource,
    catalog_db: CatalogDatabaseResource,
    archive_store: ArchiveStoreResource,
) -> dg.Output[dict[str, Any]]:
    code = context.partition_key
    store = catalog_db.store()
    entries = frame_to_entries(supplier_index)
    known = store.known_hashes(code)
    refresh = config.full_refresh or config.from_archive
    plan = plan_fetch(entries, known, full_refresh=refresh)
    unknown: list[str] = []
    if config.only_skus:
        # A targeted sync never deactivates: plan_targeted lists no removals.
        targeted = plan_targeted(entries, config.only_skus)
        plan, unknown = targeted.plan, targeted.unknown
        if unknown:
            context.log.error(f"{code}: not in this supplier's index: {', '.join(unknown)}")
    archive = archive_store.supplier(code, _now())
    sync_run_id = store.start_sync_run(code, context.run.run_id, _now())
    store.clear_staging(code)
    context.log.info(
        f"{code}: {len(entries)} files in the index, {len(plan.to_fetch)} to download, "
        f"{plan.skipped} unchanged by hash, {len(plan.removed)} no longer listed"
    )
    stats = ClientStats()
    failures: list[Failed] = []
    parsed_count = variants = tiers = 0
    progress = Progress(f"{code} parsed_variants", len(plan.to_fetch), context.log.info)
    budget = max(1, int(config.max_failure_share * len(plan.to_fetch)))

    async def sink(batch: Sequence[Outcome]) -> None:
        nonlocal parsed_count, variants, tiers
        parsed = [o for o in batch if isinstance(o, Parsed)]
        failed = [o for o in batch if isinstance(o, Failed)]
        staged = [FamilyWrite(p.family, p.entry.url, p.entry.hash, p.content_hash) for p in parsed]
        await asyncio.to_thread(store.stage_families, code, sync_run_id, staged)
        if failed:
            failures.extend(failed)
            rows = [(f.entry.sku, f.entry.url, f.stage, f.reason) for f in failed]
            await asyncio.to_thread(store.record_errors, code, sync_run_id, rows, _now())
            if len(failures) > budget and len(plan.to_fetch) >= 10:
                raise _TooManyFailures()
        parsed_count += len(parsed)
        variants += sum(len(p.family.variants) for p in parsed)
        tiers += sum(p.family.price_tier_count for p in parsed)

    async def run() -> None:
        async with promidata.client(stats) as client:
            await fetch_and_parse(
                client,
                plan.to_fetch,
                sink,
                workers=promidata.max_in_flight,
                batch_size=100,
                on_done=progress.advance,
                archive=archive,
                replay=config.from_archive,
            )

    started = time.monotonic()
    aborted = False
    try:
        asyncio.run(run())
    except _TooManyFailures:
        aborted = True
    progress.finish()
    duration = time.monotonic() - started
    archive.prune({e.sku: e.hash for e in entries})
    if archive.errors:
        context.log.warning(f"{code}: raw archive: {archive.metadata()['archive_status']}")
    share = len(failures) / len(plan.to_fetch) if plan.to_fetch else 0.0
    downloaded = parsed_count + sum(1 for f in failures if f.stage != "download") - archive.hits
    requested = {"skus_unknown": ", ".join(unknown) or "none"} if config.only_skus else {}
    metadata = {
        "files_listed": len(entries),
        "files_downloaded": downloaded,
        "files_skipped_unchanged_hash": plan.skipped,
        "families_parsed": parsed_count,
        "families_failed": len(failures),
        "variants_parsed": variants,
        "price_tiers_parsed": tiers,
        "duration_s": round(duration, 3),
        "families_per_s": round(parsed_count / duration, 1) if duration > 0 else 0.0,
        "failures": failure_table([(f.entry.sku, f.stage, f.reason) for f in failures]),
        "dagster/row_count": variants,
        **stats.as_metadata(),
        **archive.metadata(),
        **requested,
    }
    if aborted or (share > config.max_failure_share and len(plan.to_fetch) >= 10):
        store.finish_sync_run(sync_run_id, "failed", _now(), error=f"{len(failures)} files failed")
        raise dg.Failure(
            f"{code}: {len(failures)} of {len(plan.to_fetch)} product files failed "
            f"(more than {config.max_failure_share:.0%}); the source looks broken, stopping. "
            f"First: {failures[0].entry.sku} ({failures[0].stage}): {failures[0].reason}",
            metadata=metadata,
            allow_retries=False,
        )
    for failure in failures[:MAX_FAILURES_SHOWN]:
        context.log.warning(f"{failure.entry.sku} {failure.stage} failed: {failure.reason}")
    manifest = {
        "supplier_code": code,
        "sync_run_id": sync_run_id,
        # A targeted sync answers for the families it was asked for, not the whole index.
        "files_listed": len(plan.to_fetch) if config.only_skus else len(entries),
        "removed": plan.removed,
        "failed": [(f.entry.sku, f.stage, f.reason) for f in failures],
        "stats": {
            **stats.as_metadata(),
            **archive.metadata(),
            **requested,
            "files_downloaded": downloaded,
        },
        "started_at": time.time() - duration,
    }
    return dg.Output(manifest, metadata=metadata)


class _TooManyFailures(Exception):
    pass


@dg.asset(
    partitions_def=suppliers,
    retry_policy=STEP_RETRY,
    group_name="catalog",
    description=(
        "Families of this supplier that are new, changed (by content hash) or removed; files "
        "whose bytes changed but whose stored content did not are listed as unchanged."
    ),
)
def changed_product_families(
    context: dg.AssetExecutionContext,
    parsed_variants: dict[str, Any],
    catalog_db: CatalogDatabaseResource,
) -> dg.Output[dict[str, Any]]:
    code = context.partition_key
    store = catalog_db.store()
    known = store.known_hashes(code)
    buckets: dict[str, list[str]] = {"new": [], "changed": [], "unchanged": []}
    touched: dict[str, tuple[str, str]] = {}
    for sku, staged in store.staged_hashes(parsed_variants["sync_run_id"]).items():
        kind = classify(sku, staged.content_hash, known)
        buckets[kind].append(sku)
        if kind == "unchanged":
            touched[sku] = (staged.source_url, staged.source_hash)
    removed = parsed_variants["removed"]
    counts = {f"families_{k}": len(v) for k, v in buckets.items()}
    context.log.info(f"{code}: {counts}, removed {len(removed)}")
    return dg.Output(
        {**parsed_variants, **buckets, "touched": touched},
        metadata={
            **counts,
            "families_removed": len(removed),
            "families_failed": len(parsed_variants["failed"]),
            "dagster/row_count": len(buckets["new"]) + len(buckets["changed"]) + len(removed),
        },
    )


@dg.multi_asset(
    partitions_def=suppliers,
    group_name="catalog",
    retry_policy=STEP_RETRY,
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
def catalog_tables(
    context: dg.AssetExecutionContext,
    config: WriteConfig,
    changes: dict[str, Any],
    catalog_db: CatalogDatabaseResource,
):
    """Write new and changed families (a family with its variants and tiers in one
    transaction), record bytes-only changes, deactivate removed families."""
    code = context.partition_key
    store = catalog_db.store()
    sync_run_id = changes["sync_run_id"]
    now = _now()
    to_write = changes["new"] + changes["changed"]
    progress = Progress(f"{code} catalog write", len(to_write), context.log.info)
    started = time.monotonic()
    result = store.write_staged(sync_run_id, to_write, now, on_done=progress.advance)
    progress.finish()
    store.touch_unchanged(code, changes["touched"], now)
    removed = _guarded_removals(context, config, changes, store.active_count(code), store)
    deactivated = store.deactivate(code, removed, now)
    failed = [*changes["failed"], *((sku, "write", err) for sku, err in result.failed.items())]
    if result.failed:
        store.record_errors(
            code,
            sync_run_id,
            [(sku, None, "write", err) for sku, err in result.failed.items()],
            now,
        )
    committed = [sku for sku in to_write if sku not in result.failed]
    store.resolve_errors(
        code,
        [*committed, *changes["touched"], *changes["unchanged"]],
        now,
        stages=CATALOG_STAGES,
    )
    duration = time.monotonic() - started
    status = "failed" if failed else "success"
    counts = {
        "families_new": len([s for s in changes["new"] if s not in result.failed]),
        "families_changed": len([s for s in changes["changed"] if s not in result.failed]),
        "families_unchanged": changes["files_listed"] - len(to_write) - len(changes["failed"]),
        "families_removed": deactivated,
        "families_failed": len(failed),
        "variants_written": result.variants_written,
        "price_tiers_written": result.price_tiers_written,
    }
    store.finish_sync_run(sync_run_id, status, _now(), counts=counts | changes["stats"])
    store.update_supplier_status(code, status, now)
    store.clear_staging(code)
    common = {
        **counts,
        **changes["stats"],
        "duration_s": round(duration, 3),
        "rows_per_s": round(
            (result.products_written + result.variants_written + result.price_tiers_written)
            / duration,
            1,
        )
        if duration > 0
        else 0.0,
        "failures": failure_table(failed),
    }
    yield dg.MaterializeResult(
        asset_key="catalog_products",
        metadata={**common, "dagster/row_count": store.active_count(code)},
    )
    yield dg.MaterializeResult(
        asset_key="catalog_variants",
        metadata={**common, "dagster/row_count": store.active_variant_count(code)},
    )


def _guarded_removals(
    context: dg.AssetExecutionContext,
    config: WriteConfig,
    changes: dict[str, Any],
    active: int,
    store: CatalogStore,
) -> list[str]:
    removed: list[str] = changes["removed"]
    if not removed:
        return []
    unreadable = {
        e.sku for e in store.open_errors(changes["supplier_code"]) if e.stage == INDEX_STAGE
    }
    if unreadable & set(removed):
        context.log.warning(
            f"keeping {len(unreadable & set(removed))} families whose index line is unusable "
            "(see sync_errors, stage index): missing from the index is not removed"
        )
        removed = [sku for sku in removed if sku not in unreadable]
        if not removed:
            return []
    if changes["files_listed"] == 0 and not config.allow_supplier_removal:
        raise dg.Failure(
            f"{changes['supplier_code']} is no longer in the index: refusing to deactivate its "
            f"{len(removed)} families (set allow_supplier_removal to confirm)",
            allow_retries=False,
        )
    share = len(removed) / active if active else 0.0
    if share > config.max_removed_share and not config.allow_supplier_removal:
        raise dg.Failure(
            f"{changes['supplier_code']}: the index no longer lists {len(removed)} of {active} "
            f"active families ({share:.0%} > {config.max_removed_share:.0%}); refusing to "
            "deactivate them (a truncated index?). Raise max_removed_share to confirm.",
            allow_retries=False,
        )
    context.log.info(f"deactivating {len(removed)} families no longer in the index")
    return removed
