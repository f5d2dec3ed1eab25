"""The nightly incremental sync of every enabled supplier.

The schedule fetches Import.txt itself and keeps it (``automation/kept_index.py``) before it
requests the runs, so the nightly sync reads the night's index even with the index sensor off;
suppliers new in the index are registered as partitions and synced too.

Cron and timezone are definition-time values (Dagster needs them when the code location loads),
so :func:`load_schedules` reads ``PROMOSYNC_NIGHTLY_CRON`` and ``PROMOSYNC_TIMEZONE`` once; a
change needs a reload of the code location.
"""

from collections.abc import Mapping

import dagster as dg

from promosync_pipeline import names, settings
from promosync_pipeline.automation.index_watch import enabled_codes
from promosync_pipeline.jobs import supplier_sync_job
from promosync_pipeline.partitions import SUPPLIER_PARTITIONS, register_suppliers
from promosync_pipeline.resources import CatalogDatabaseResource, PromidataResource
from promosync_pipeline.sync.kept_index import refresh_kept_index


def nightly_run_key(code: str, scheduled: str) -> str:
    return f"nightly:{code}:{scheduled}"


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
                run_key=nightly_run_key(code, scheduled),
                tags={names.TRIGGER_TAG: "nightly_supplier_sync"},
            )
            for code in codes
        ]

    return nightly_supplier_sync


def load_schedules(environ: Mapping[str, str] | None = None) -> list[dg.ScheduleDefinition]:
    cron = settings.env(settings.NIGHTLY_CRON, settings.DEFAULT_NIGHTLY_CRON, environ)
    timezone = settings.env(settings.TIMEZONE, settings.DEFAULT_TIMEZONE, environ)
    return [build_nightly_supplier_sync(cron, timezone)]
