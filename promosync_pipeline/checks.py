"""Data-quality checks of each supplier's part of the catalog, recorded per supplier partition.

They are partitioned by ``suppliers`` (Dagster 1.13), so each evaluation is stored for its
supplier instead of overwriting one asset-level result. ``supplier_sync_job`` selects the
catalog assets, and an asset selection brings the checks of its assets along: every supplier
sync ends with its checks. ``catalog_checks_job`` runs only the checks against the catalog as
it is (after a manual fix, say): launch it with the tag ``dagster/partition=<code>`` (the UI's
partition picker sets it); dagster 1.13's ``execute_in_process(partition_key=…)`` refuses a job
that selects checks only, the tag works.

All of them run in one step (``catalog_quality_checks``, a multi-asset check): each reads one
or two aggregate queries, the three price-tier checks one shared scan of the tiers, and a step
of its own would cost more than the queries. The step can run a subset (the UI's "execute"
of one check).

In ``supplier_sync_job`` the checks that read nothing but the supplier's rows (:data:`ROWS_ONLY`:
those that scan every price tier and print price, seconds on a large supplier, and those that
read every product, variant and order term) carry their last evaluation over when none of the
supplier's rows changed since (``catalog/check_outcomes.py``): a sync that changed nothing costs
the index and little else. ``catalog_checks_job`` and every other job always evaluate them.

None of them is blocking: the catalog is already committed when they run, and a blocking
failure would only skip the image step. ERROR failures mean the catalog contradicts itself or
the feed and are alerted by ``freshness_alert_sensor``; WARN failures are data to look at.
The queries live in :mod:`promosync_pipeline.catalog.quality`.
"""

import hashlib
import warnings
from collections.abc import Callable, Iterator, Set
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import dagster as dg
import sqlalchemy as sa

from promosync_pipeline import clock, names
from promosync_pipeline.catalog import Catalog, is_postgres, quality
from promosync_pipeline.catalog.check_outcomes import StoredOutcome
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
QUERIES_AT_ONCE = 3
"""On PostgreSQL the checks' queries run side by side on as many connections: the tier audit
alone takes 0.5-0.6 s on a 5,000-family supplier (480,000 tiers), the other queries about
0.25 s together, so it starts first and they share the remaining connections. SQLite runs them
one after another."""


def _examples(offenders: quality.Offenders) -> dict[str, Any]:
    return {
        "offending": offenders.count,
        "checked": offenders.checked,
        "examples": ", ".join(offenders.examples) or "none",
    }


@dataclass(frozen=True, slots=True)
class Outcome:
    """One check's verdict, before it is tied to its check key."""

    passed: bool
    severity: dg.AssetCheckSeverity
    description: str
    metadata: dict[str, Any]


def _offenders(
    offenders: quality.Offenders, severity: dg.AssetCheckSeverity, what: str, **extra: Any
) -> Outcome:
    description = "ok" if offenders.ok else f"{offenders.count} {what}"
    return Outcome(offenders.ok, severity, description, {**_examples(offenders), **extra})


def have_active_variant(engine: sa.Engine, code: str) -> Outcome:
    found = quality.products_without_active_variant(engine, code)
    return _offenders(found, ERROR, "active products without an active variant")


def variant_count_consistent(engine: sa.Engine, code: str) -> Outcome:
    found = quality.variant_count_mismatches(engine, code)
    return _offenders(
        found.out_of_bounds,
        ERROR,
        "active products whose variant_count contradicts their rows",
        not_exact=found.not_exact,
    )


def prices_not_negative(audit: quality.TierAudit) -> Outcome:
    return _offenders(audit.negative_prices, ERROR, "variants with a negative price")


def tier_quantities_valid(audit: quality.TierAudit) -> Outcome:
    return _offenders(audit.negative_quantities, ERROR, "variants with a negative tier quantity")


def tier_prices_descending(audit: quality.TierAudit) -> Outcome:
    return _offenders(audit.rising_prices, WARN, "variants whose price rises with the quantity")


def cover_index(engine: sa.Engine, code: str) -> Outcome:
    found = quality.index_coverage(engine, code)
    if found is None:
        return Outcome(False, ERROR, "no finished sync of this supplier to compare with", {})
    description = (
        "ok"
        if found.ok
        else (
            f"{found.active} active products, expected {found.expected} "
            f"({found.index_entries} index entries - {found.failed_missing} failed families)"
        )
    )
    return Outcome(
        found.ok,
        ERROR,
        description,
        {
            "index_entries": found.index_entries,
            "active_products": found.active,
            "failed_not_written": found.failed_missing,
            "expected_active": found.expected,
        },
    )


def main_image_share(engine: sa.Engine, code: str) -> Outcome:
    found = quality.main_image_coverage(engine, code)
    share = found.share
    metadata: dict[str, Any] = {
        "active_products": found.active,
        "with_main_image": found.with_main_image,
        "image_rows": found.image_rows,
        "share": share if share is not None else 0.0,
        "threshold": MIN_MAIN_IMAGE_SHARE,
    }
    if share is None:
        return Outcome(True, WARN, "no active products", metadata)
    description = f"{found.with_main_image} of {found.active} active products ({share:.1%})"
    if not found.image_rows:
        description += "; no image rows recorded (images not synced yet or skipped)"
    return Outcome(share >= MIN_MAIN_IMAGE_SHARE, WARN, description, metadata)


def last_sync_clean(engine: sa.Engine, code: str) -> Outcome:
    found = quality.last_sync(engine, code)
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
    return Outcome(
        found.sync_run_id is not None and found.ok,
        WARN,
        description,
        {
            "sync_run_id": found.sync_run_id if found.sync_run_id is not None else -1,
            "status": found.status or "none",
            "families_failed": found.families_failed,
            "images_failed": found.images_failed,
            "open_errors": open_errors,
            **{f"open_errors_{stage}": n for stage, n in sorted(found.open_errors.items())},
        },
    )


def options_have_prices(engine: sa.Engine, code: str) -> Outcome:
    found = quality.options_without_prices(engine, code)
    return _offenders(found, WARN, "print options without a price tier")


def charges_have_prices(engine: sa.Engine, code: str) -> Outcome:
    found = quality.charges_without_prices(engine, code)
    return _offenders(found, WARN, "print charges without a price")


def print_prices_not_negative(engine: sa.Engine, code: str) -> Outcome:
    found = quality.negative_print_prices(engine, code)
    return _offenders(found, ERROR, "print prices below zero")


def order_terms_valid(engine: sa.Engine, code: str) -> Outcome:
    found = quality.order_terms_below_one(engine, code)
    return _offenders(found, WARN, "order terms with a minimum or an increment below 1")


def _spec(
    asset: str, name: str, description: str, *, after_images: bool = False
) -> dg.AssetCheckSpec:
    return dg.AssetCheckSpec(
        name,
        asset=asset,
        description=description,
        partitions_def=suppliers,
        additional_deps=[names.UPLOADED_IMAGES] if after_images else None,
    )


RowCheck = Callable[[sa.Engine, str], Outcome]
TierCheck = Callable[[quality.TierAudit], Outcome]
Evaluate = TypeVar("Evaluate", RowCheck, TierCheck)


def _by_key(
    checks: list[tuple[dg.AssetCheckSpec, Evaluate]],
) -> dict[dg.AssetCheckKey, tuple[dg.AssetCheckSpec, Evaluate]]:
    return {spec.key: (spec, evaluate) for spec, evaluate in checks}


ROW_CHECKS: dict[dg.AssetCheckKey, tuple[dg.AssetCheckSpec, RowCheck]] = _by_key(
    [
        (
            _spec(
                names.CATALOG_PRODUCTS,
                names.CHECK_HAVE_ACTIVE_VARIANT,
                "Every active product has at least one active variant (ERROR).",
            ),
            have_active_variant,
        ),
        (
            _spec(
                names.CATALOG_PRODUCTS,
                names.CHECK_VARIANT_COUNT_CONSISTENT,
                "products.variant_count (the variants of the product file, inactive ones "
                "included) lies between the product's active and all product_variants rows "
                "(ERROR). Rows of variants dropped from a file stay, inactive, so equality with "
                "all rows is reported as `not_exact` only.",
            ),
            variant_count_consistent,
        ),
        (
            _spec(
                names.CATALOG_PRODUCTS,
                names.CHECK_COVER_INDEX,
                "Active products = the product files the supplier's index slice listed at its "
                "last finished sync (sync_runs.index_entries) minus families with an open "
                "download/parse/write error that were never written (ERROR).",
            ),
            cover_index,
        ),
        (
            _spec(
                names.CATALOG_PRODUCTS,
                names.CHECK_MAIN_IMAGE_SHARE,
                f"At least {MIN_MAIN_IMAGE_SHARE:.0%} of the active products have a stored main "
                "image (product_images: role main, rendition original, status stored) (WARN).",
                after_images=True,
            ),
            main_image_share,
        ),
        (
            _spec(
                names.CATALOG_PRODUCTS,
                names.CHECK_LAST_SYNC_CLEAN,
                "The supplier's last finished sync failed nothing: status not failed, no failed "
                "families or images, no open sync_errors (WARN).",
                after_images=True,
            ),
            last_sync_clean,
        ),
        (
            _spec(
                names.CATALOG_VARIANTS,
                names.CHECK_OPTIONS_HAVE_PRICES,
                "Every print option of an active product has at least one per-piece price tier "
                "(WARN: without one a quote cannot price the print).",
            ),
            options_have_prices,
        ),
        (
            _spec(
                names.CATALOG_VARIANTS,
                names.CHECK_CHARGES_HAVE_PRICES,
                "Every charge of a print option (setup, film …) has a price or an on-request "
                "tier (WARN).",
            ),
            charges_have_prices,
        ),
        (
            _spec(
                names.CATALOG_VARIANTS,
                names.CHECK_PRINT_PRICES_NOT_NEGATIVE,
                "No print price (per piece or of a charge) of an active product is below zero "
                "(ERROR).",
            ),
            print_prices_not_negative,
        ),
        (
            _spec(
                names.CATALOG_VARIANTS,
                names.CHECK_ORDER_TERMS_VALID,
                "Every variant's minimum order quantity and order increment is at least 1 "
                "(price_terms; WARN: no order could satisfy a 0).",
            ),
            order_terms_valid,
        ),
    ]
)
"""The checks that run queries of their own: the spec, and the function that evaluates it for
one supplier."""
TIER_CHECKS: dict[dg.AssetCheckKey, tuple[dg.AssetCheckSpec, TierCheck]] = _by_key(
    [
        (
            _spec(
                names.CATALOG_VARIANTS,
                names.CHECK_TIER_PRICES_DESCENDING,
                "A tier's price is not above the price of the tier below it (same variant, "
                "region and kind; on-request tiers skipped) (WARN: suppliers do publish such "
                "ladders).",
            ),
            tier_prices_descending,
        ),
        (
            _spec(
                names.CATALOG_VARIANTS,
                names.CHECK_PRICES_NOT_NEGATIVE,
                "No price tier of an active product has a negative price (ERROR).",
            ),
            prices_not_negative,
        ),
        (
            _spec(
                names.CATALOG_VARIANTS,
                names.CHECK_TIER_QUANTITIES_VALID,
                "Tier quantities per variant, region and kind are non-negative; the key makes "
                "them distinct, so in quantity order they strictly increase (ERROR).",
            ),
            tier_quantities_valid,
        ),
    ]
)
"""The price-tier checks: they read one :func:`~promosync_pipeline.catalog.quality.tier_audit`
of the supplier, the longest query of the step (0.5-0.6 s for 480,000 tiers)."""
SPECS = {key: spec for key, (spec, _) in (ROW_CHECKS | TIER_CHECKS).items()}
ROWS_ONLY = frozenset(TIER_CHECKS) | frozenset(
    key
    for key in ROW_CHECKS
    if key.name
    in {
        names.CHECK_OPTIONS_HAVE_PRICES,
        names.CHECK_CHARGES_HAVE_PRICES,
        names.CHECK_PRINT_PRICES_NOT_NEGATIVE,
        names.CHECK_HAVE_ACTIVE_VARIANT,
        names.CHECK_VARIANT_COUNT_CONSISTENT,
        names.CHECK_ORDER_TERMS_VALID,
    }
)
"""The checks whose verdict depends on the supplier's catalog rows alone: the six that scan
every price tier or print price (seconds on a large supplier) and three that read every
product, variant and order term (0.4 s of a 20,000-family supplier). In ``supplier_sync_job``
they carry their last evaluation over while none of the supplier's rows changed since
(``catalog/check_outcomes.py``); every other job evaluates them. The index coverage, the image
share and the last sync's outcome read what each sync and image step records, and are always
evaluated."""
CODE_DIGEST = hashlib.sha256(
    Path(quality.__file__).read_bytes() + Path(__file__).read_bytes()
).hexdigest()[:32]
"""The checks' code: a scan made by other code is never carried over."""


def evaluate(engine: sa.Engine, code: str, keys: Set[dg.AssetCheckKey]) -> dict[Any, Outcome]:
    """Evaluate the checks ``keys`` of supplier ``code`` against the catalog as it is."""
    at_once = QUERIES_AT_ONCE if is_postgres(engine) else 1
    with ThreadPoolExecutor(max_workers=at_once, thread_name_prefix="check") as pool:
        # The tier audit is the longest query: it starts first, the others share the rest.
        tiers = keys & TIER_CHECKS.keys()
        audit = pool.submit(quality.tier_audit, engine, code) if tiers else None
        rows = {
            key: pool.submit(check, engine, code)
            for key, (_, check) in ROW_CHECKS.items()
            if key in keys
        }
        outcomes = {key: future.result() for key, future in rows.items()}
        if audit is not None:
            outcomes |= {key: TIER_CHECKS[key][1](audit.result()) for key in sorted(tiers)}
    return outcomes


def _carried(found: StoredOutcome, stamp: int) -> Outcome:
    return Outcome(
        found.passed,
        dg.AssetCheckSeverity(found.severity),
        found.description,
        {
            **found.metadata,
            "scanned_in_run": found.run_id,
            "scanned_at": found.evaluated_at.isoformat(timespec="seconds"),
            "unchanged_since_sync_run": stamp,
        },
    )


def outcomes_of(
    catalog: Catalog, code: str, keys: Set[dg.AssetCheckKey], run_id: str, *, carry_over: bool
) -> dict[Any, Outcome]:
    """The checks ``keys`` of supplier ``code``: those of :data:`ROWS_ONLY` carried over from
    their last evaluation when ``carry_over`` and the supplier's rows have not changed since
    (their metadata says from which run), the others evaluated; each evaluation of
    :data:`ROWS_ONLY` is recorded for the next time."""
    store = catalog.check_outcomes
    stamp = store.stamp(code)
    kept = store.current(code, stamp, CODE_DIGEST) if carry_over and stamp is not None else {}
    carried = {
        key: _carried(kept[key.name], stamp)
        for key in keys & ROWS_ONLY
        if key.name in kept and stamp is not None
    }
    outcomes = evaluate(catalog.engine, code, keys - carried.keys())
    recorded = {
        key.name: StoredOutcome(
            o.passed, o.severity.value, o.description, o.metadata, run_id, clock.now()
        )
        for key, o in outcomes.items()
        if key in ROWS_ONLY
    }
    if stamp is not None and store.stamp(code) == stamp:  # no sync began meanwhile
        store.save(code, stamp, CODE_DIGEST, recorded)
    return outcomes | carried


@dg.multi_asset_check(
    specs=list(SPECS.values()),
    can_subset=True,
    retry_policy=CHECK_RETRY,
    description=(
        "The catalog's data-quality checks of one supplier, in one step: read-only queries "
        "(catalog/quality.py), the three price-tier checks sharing one scan of the tiers. In a "
        "supplier sync that changed none of the supplier's rows, the nine checks that read "
        "only those rows (every tier, print price, product, variant and order term) carry "
        "their last evaluation over."
    ),
)
def catalog_quality_checks(
    context: dg.AssetCheckExecutionContext, catalog_db: CatalogDatabaseResource
) -> Iterator[dg.AssetCheckResult]:
    outcomes = outcomes_of(
        catalog_db.catalog(),
        context.partition_key,
        context.selected_asset_check_keys,
        context.run.run_id,
        carry_over=context.run.job_name == names.SUPPLIER_SYNC_JOB,
    )
    for key in sorted(outcomes, key=lambda k: k.name):
        spec, outcome = SPECS[key], outcomes[key]
        yield dg.AssetCheckResult(
            asset_key=spec.asset_key,
            check_name=spec.name,
            passed=outcome.passed,
            severity=outcome.severity,
            description=outcome.description,
            metadata=outcome.metadata,
        )


CATALOG_CHECKS: list[dg.AssetChecksDefinition] = [catalog_quality_checks]

catalog_checks_job = dg.define_asset_job(
    names.CATALOG_CHECKS_JOB,
    selection=dg.AssetSelection.checks(*CATALOG_CHECKS),
    description="Run the catalog data-quality checks of one supplier partition.",
)
