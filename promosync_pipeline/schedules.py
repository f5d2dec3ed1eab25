"""The nightly incremental sync of every enabled supplier, and the weekly reconciliation.

Each schedule fetches Import.txt itself and keeps it (``automation/kept_index.py``) before it
requests the runs, so it reads the current index even with the index sensor off; suppliers new
in the index are registered as partitions and synced too.

The weekly reconciliation (stopped by default) runs a full refresh of every supplier: every
file downloaded and compared by content, whatever its index hash. It catches a file whose
content changed while its index line did not; the change feed shows what it found.

Cron and timezone are definition-time values (Dagster needs them when the code location loads),
so :func:`load_schedules` reads ``PROMOSYNC_NIGHTLY_CRON``, ``PROMOSYNC_RECONCILE_CRON`` and
``PROMOSYNC_TIMEZONE`` once; a change needs a reload of the code location.
"""

from collections.abc import Mapping

import dagster as dg

from promosync_pipeline import names, settings
from promosync_pipeline.automation.index_watch import enabled_codes
from promosync_pipeline.jobs import supplier_full_refresh_job, supplier_sync_job
from promosync_pipeline.partitions import SUPPLIER_PARTITIONS, register_suppliers
from promosync_pipeline.resources import CatalogDatabaseResource, PromidataResource
from promosync_pipeline.sync.kept_index import refresh_kept_index


def supplier_runs(
    context: dg.ScheduleEvaluationContext,
    promidata: PromidataResource,
    catalog_db: CatalogDatabaseResource,
    *,
    key_prefix: str,
    trigger: str,
) -> list[dg.RunRequest] | dg.SkipReason:
    """One run request per enabled supplier of the freshly kept index (of the partitions
    known, when the feed is unreachable); new suppliers are registered first."""
    only = settings.supplier_filter()
    instance = context.instance
    partitions = instance.get_dynamic_partitions(SUPPLIER_PARTITIONS)
    index = refresh_kept_index(promidata, catalog_db.catalog(), context.log)
    if index is None:
        codes = enabled_codes(partitions, only)
    else:
        codes = enabled_codes(index.by_supplier(), only)
        new = register_suppliers(instance, codes)
        if new:
            context.log.info(f"new supplier partitions: {', '.join(new)}")
        gone = sorted(set(enabled_codes(partitions, only)) - set(codes))
        if gone:
            context.log.warning(
                f"not in Import.txt, not scheduled (their catalog is kept): {', '.join(gone)}"
            )
    if not codes:
        return dg.SkipReason("no supplier is enabled yet")
    scheduled = context.scheduled_execution_time.strftime("%Y-%m-%dT%H:%M%z")
    return [
        dg.RunRequest(
            partition_key=code,
            run_key=f"{key_prefix}:{code}:{scheduled}",
            tags={names.TRIGGER_TAG: trigger},
        )
        for code in codes
    ]


def build_nightly_supplier_sync(cron: str, timezone: str) -> dg.ScheduleDefinition:
    @dg.schedule(
        name="nightly_supplier_sync",
        cron_schedule=cron,
        execution_timezone=timezone,
        target=supplier_sync_job,
        default_status=dg.DefaultScheduleStatus.STOPPED,
        description=(
            f"At {cron} ({timezone}): fetches and keeps Import.txt, registers new suppliers, "
            "then one incremental supplier_sync_job run per supplier the index lists (only "
            "PROMOSYNC_SUPPLIERS when set). With the feed unreachable or its index refused, "
            "the runs read the index kept from before."
        ),
    )
    def nightly_supplier_sync(
        context: dg.ScheduleEvaluationContext,
        promidata: PromidataResource,
        catalog_db: CatalogDatabaseResource,
    ):
        return supplier_runs(
            context, promidata, catalog_db, key_prefix="nightly", trigger="nightly_supplier_sync"
        )

    return nightly_supplier_sync


def build_weekly_reconciliation(cron: str, timezone: str) -> dg.ScheduleDefinition:
    @dg.schedule(
        name=names.WEEKLY_RECONCILIATION,
        cron_schedule=cron,
        execution_timezone=timezone,
        target=supplier_full_refresh_job,
        default_status=dg.DefaultScheduleStatus.STOPPED,
        description=(
            f"At {cron} ({timezone}, PROMOSYNC_RECONCILE_CRON): one supplier_full_refresh_job "
            "run per supplier the index lists (only PROMOSYNC_SUPPLIERS when set): every "
            "product file downloaded and compared by content, whatever its index hash. Catches "
            "a file whose content changed while its index line did not; what it found is in "
            "the change feed (promosync changes)."
        ),
    )
    def weekly_reconciliation(
        context: dg.ScheduleEvaluationContext,
        promidata: PromidataResource,
        catalog_db: CatalogDatabaseResource,
    ):
        return supplier_runs(
            context,
            promidata,
            catalog_db,
            key_prefix="reconcile",
            trigger=names.WEEKLY_RECONCILIATION,
        )

    return weekly_reconciliation


def load_schedules(environ: Mapping[str, str] | None = None) -> list[dg.ScheduleDefinition]:
    cron = settings.env(settings.NIGHTLY_CRON, settings.DEFAULT_NIGHTLY_CRON, environ)
    timezone = settings.env(settings.TIMEZONE, settings.DEFAULT_TIMEZONE, environ)
    weekly = settings.env(settings.RECONCILE_CRON, settings.DEFAULT_RECONCILE_CRON, environ)
    return [
        build_nightly_supplier_sync(cron, timezone),
        build_weekly_reconciliation(weekly, timezone),
    ]
