"""Data-quality checks of each supplier's part of the catalog, recorded per supplier partition.

They are partitioned by ``suppliers`` (Dagster 1.13), so each evaluation is stored for its
supplier instead of overwriting one asset-level result. ``supplier_sync_job`` selects the
catalog assets, and an asset selection brings the checks of its assets along: every supplier
sync ends with its checks. ``catalog_checks_job`` runs only the checks against the catalog as
it is (after a manual fix, say): launch it with the tag ``dagster/partition=<code>`` (the UI's
partition picker sets it); dagster 1.13's ``execute_in_process(partition_key=…)`` refuses a job
that selects checks only, the tag works.

None of them is blocking: the catalog is already committed when they run, and a blocking
failure would only skip the image step. ERROR failures mean the catalog contradicts itself or
the feed and are alerted by ``freshness_alert_sensor``; WARN failures are data to look at.
The queries live in :mod:`promosync_pipeline.catalog.quality`.
"""

import warnings
from typing import Any

import dagster as dg

from promosync_pipeline.catalog import quality
from promosync_pipeline.partitions import suppliers
from promosync_pipeline.resources import CatalogDatabaseResource

# Per-partition check results (partitions_def on a check) are what these checks exist for;
# Dagster 1.13 marks the parameter "preview" and would say so once per check at every load.
warnings.filterwarnings(
    "ignore",
    message="Specifying a partitions_def on an AssetCheckSpec is currently in preview",
    category=dg.PreviewWarning,
)

MIN_MAIN_IMAGE_SHARE = 0.9
"""Below this share of active products with a stored main image the image check warns."""
ERROR, WARN = dg.AssetCheckSeverity.ERROR, dg.AssetCheckSeverity.WARN
CHECK_RETRY = dg.RetryPolicy(
    max_retries=2, delay=5, backoff=dg.Backoff.EXPONENTIAL, jitter=dg.Jitter.PLUS_MINUS
)
"""Checks only read, so a database hiccup (failover, dropped connection) is worth a retry."""


def _examples(offenders: quality.Offenders) -> dict[str, Any]:
    return {
        "offending": offenders.count,
        "checked": offenders.checked,
        "examples": ", ".join(offenders.examples) or "none",
    }


def _offenders_result(
    offenders: quality.Offenders,
    severity: dg.AssetCheckSeverity,
    what: str,
    **extra: Any,
) -> dg.AssetCheckResult:
    description = "ok" if offenders.ok else f"{offenders.count} {what}"
    return dg.AssetCheckResult(
        passed=offenders.ok,
        severity=severity,
        description=description,
        metadata={**_examples(offenders), **extra},
    )


def _bind(catalog_db: CatalogDatabaseResource) -> Any:
    return catalog_db.store().engine


@dg.asset_check(
    asset="catalog_products",
    partitions_def=suppliers,
    retry_policy=CHECK_RETRY,
    description="Every active product has at least one active variant (ERROR).",
)
def catalog_products_have_active_variant(
    context: dg.AssetCheckExecutionContext, catalog_db: CatalogDatabaseResource
) -> dg.AssetCheckResult:
    found = quality.products_without_active_variant(_bind(catalog_db), context.partition_key)
    return _offenders_result(found, ERROR, "active products without an active variant")


@dg.asset_check(
    asset="catalog_products",
    partitions_def=suppliers,
    retry_policy=CHECK_RETRY,
    description=(
        "products.variant_count (the variants of the product file, inactive ones included) "
        "lies between the product's active and all product_variants rows (ERROR). Rows of "
        "variants dropped from a file stay, inactive, so equality with all rows is reported "
        "as `not_exact` only."
    ),
)
def catalog_products_variant_count_consistent(
    context: dg.AssetCheckExecutionContext, catalog_db: CatalogDatabaseResource
) -> dg.AssetCheckResult:
    found = quality.variant_count_mismatches(_bind(catalog_db), context.partition_key)
    return _offenders_result(
        found.out_of_bounds,
        ERROR,
        "active products whose variant_count contradicts their rows",
        not_exact=found.not_exact,
    )


@dg.asset_check(
    asset="catalog_variants",
    partitions_def=suppliers,
    retry_policy=CHECK_RETRY,
    description="No price tier of an active product has a negative price (ERROR).",
)
def catalog_variants_prices_not_negative(
    context: dg.AssetCheckExecutionContext, catalog_db: CatalogDatabaseResource
) -> dg.AssetCheckResult:
    found = quality.negative_prices(_bind(catalog_db), context.partition_key)
    return _offenders_result(found, ERROR, "variants with a negative price")


@dg.asset_check(
    asset="catalog_variants",
    partitions_def=suppliers,
    retry_policy=CHECK_RETRY,
    description=(
        "Tier quantities per variant, region and kind are non-negative; the key makes them "
        "distinct, so in quantity order they strictly increase (ERROR)."
    ),
)
def catalog_variants_tier_quantities_valid(
    context: dg.AssetCheckExecutionContext, catalog_db: CatalogDatabaseResource
) -> dg.AssetCheckResult:
    found = quality.negative_quantities(_bind(catalog_db), context.partition_key)
    return _offenders_result(found, ERROR, "variants with a negative tier quantity")


@dg.asset_check(
    asset="catalog_variants",
    partitions_def=suppliers,
    retry_policy=CHECK_RETRY,
    description=(
        "A tier's price is not above the price of the tier below it (same variant, region "
        "and kind; on-request tiers skipped) (WARN: suppliers do publish such ladders)."
    ),
)
def catalog_variants_tier_prices_descending(
    context: dg.AssetCheckExecutionContext, catalog_db: CatalogDatabaseResource
) -> dg.AssetCheckResult:
    found = quality.rising_tier_prices(_bind(catalog_db), context.partition_key)
    return _offenders_result(found, WARN, "variants whose price rises with the quantity")


def _index_entries(context: dg.AssetCheckExecutionContext) -> int | None:
    """``dagster/row_count`` of this partition's latest ``supplier_index`` materialization."""
    records = context.instance.fetch_materializations(
        dg.AssetRecordsFilter(
            asset_key=dg.AssetKey("supplier_index"), asset_partitions=[context.partition_key]
        ),
        limit=1,
    ).records
    if not records or records[0].asset_materialization is None:
        return None
    value = records[0].asset_materialization.metadata.get("dagster/row_count")
    return None if value is None else int(value.value)


@dg.asset_check(
    asset="catalog_products",
    partitions_def=suppliers,
    retry_policy=CHECK_RETRY,
    description=(
        "Active products = entries of the supplier's index slice (latest supplier_index "
        "materialization) minus families with an open download/parse/write error that were "
        "never written (ERROR)."
    ),
)
def catalog_products_cover_index(
    context: dg.AssetCheckExecutionContext, catalog_db: CatalogDatabaseResource
) -> dg.AssetCheckResult:
    entries = _index_entries(context)
    if entries is None:
        return dg.AssetCheckResult(
            passed=False,
            severity=ERROR,
            description="no supplier_index materialization of this supplier to compare with",
        )
    found = quality.index_coverage(_bind(catalog_db), context.partition_key, entries)
    description = (
        "ok"
        if found.ok
        else (
            f"{found.active} active products, expected {found.expected} "
            f"({found.index_entries} index entries - {found.failed_missing} failed families)"
        )
    )
    return dg.AssetCheckResult(
        passed=found.ok,
        severity=ERROR,
        description=description,
        metadata={
            "index_entries": found.index_entries,
            "active_products": found.active,
            "failed_not_written": found.failed_missing,
            "expected_active": found.expected,
        },
    )


@dg.asset_check(
    asset="catalog_products",
    partitions_def=suppliers,
    retry_policy=CHECK_RETRY,
    additional_deps=["uploaded_images"],
    description=(
        f"At least {MIN_MAIN_IMAGE_SHARE:.0%} of the active products have a stored main image "
        "(product_images: role main, rendition original, status stored) (WARN)."
    ),
)
def catalog_products_main_image_share(
    context: dg.AssetCheckExecutionContext, catalog_db: CatalogDatabaseResource
) -> dg.AssetCheckResult:
    found = quality.main_image_coverage(_bind(catalog_db), context.partition_key)
    share = found.share
    metadata: dict[str, Any] = {
        "active_products": found.active,
        "with_main_image": found.with_main_image,
        "image_rows": found.image_rows,
        "share": share if share is not None else 0.0,
        "threshold": MIN_MAIN_IMAGE_SHARE,
    }
    if share is None:
        return dg.AssetCheckResult(
            passed=True, severity=WARN, description="no active products", metadata=metadata
        )
    passed = share >= MIN_MAIN_IMAGE_SHARE
    description = f"{found.with_main_image} of {found.active} active products ({share:.1%})"
    if not found.image_rows:
        description += "; no image rows recorded (images not synced yet or skipped)"
    return dg.AssetCheckResult(
        passed=passed, severity=WARN, description=description, metadata=metadata
    )


@dg.asset_check(
    asset="catalog_products",
    partitions_def=suppliers,
    retry_policy=CHECK_RETRY,
    additional_deps=["uploaded_images"],
    description=(
        "The supplier's last finished sync failed nothing: status not failed, no failed "
        "families or images, no open sync_errors (WARN)."
    ),
)
def catalog_products_last_sync_clean(
    context: dg.AssetCheckExecutionContext, catalog_db: CatalogDatabaseResource
) -> dg.AssetCheckResult:
    found = quality.last_sync(_bind(catalog_db), context.partition_key)
    open_errors = sum(found.open_errors.values())
    if found.sync_run_id is None:
        description = "no finished sync run recorded"
    elif found.ok:
        description = "ok"
    else:
        description = (
            f"sync run {found.sync_run_id} {found.status}: {found.families_failed} families and "
            f"{found.images_failed} images failed; {open_errors} open errors"
        )
    return dg.AssetCheckResult(
        passed=found.sync_run_id is not None and found.ok,
        severity=WARN,
        description=description,
        metadata={
            "sync_run_id": found.sync_run_id if found.sync_run_id is not None else -1,
            "status": found.status or "none",
            "families_failed": found.families_failed,
            "images_failed": found.images_failed,
            "open_errors": open_errors,
            **{f"open_errors_{stage}": n for stage, n in sorted(found.open_errors.items())},
        },
    )


CATALOG_CHECKS: list[dg.AssetChecksDefinition] = [
    catalog_products_have_active_variant,
    catalog_products_variant_count_consistent,
    catalog_variants_prices_not_negative,
    catalog_variants_tier_quantities_valid,
    catalog_variants_tier_prices_descending,
    catalog_products_cover_index,
    catalog_products_main_image_share,
    catalog_products_last_sync_clean,
]

catalog_checks_job = dg.define_asset_job(
    "catalog_checks_job",
    selection=dg.AssetSelection.checks(*CATALOG_CHECKS),
    description="Run the catalog data-quality checks of one supplier partition.",
)
