"""The nightly incremental sync of every enabled supplier.

Cron and timezone are definition-time values (Dagster needs them when the code location loads),
so :func:`load_schedules` reads ``PROMOSYNC_NIGHTLY_CRON`` and ``PROMOSYNC_TIMEZONE`` once; a
change needs a reload of the code location.
"""

from collections.abc import Mapping

import dagster as dg

from promosync_pipeline import settings
from promosync_pipeline.automation.index_watch import enabled_codes
from promosync_pipeline.jobs import supplier_sync_job
from promosync_pipeline.partitions import suppliers

TRIGGER_TAG = "promosync/trigger"


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
            f"At {cron} ({timezone}): one incremental supplier_sync_job run per supplier "
            "partition (only PROMOSYNC_SUPPLIERS when set), against the latest stored index."
        ),
    )
    def nightly_supplier_sync(context: dg.ScheduleEvaluationContext):
        codes = enabled_codes(
            context.instance.get_dynamic_partitions(suppliers.name), settings.supplier_filter()
        )
        if not codes:
            return dg.SkipReason("no supplier partition is enabled yet")
        scheduled = context.scheduled_execution_time.strftime("%Y-%m-%dT%H:%M%z")
        return [
            dg.RunRequest(
                partition_key=code,
                run_key=nightly_run_key(code, scheduled),
                tags={TRIGGER_TAG: "nightly_supplier_sync"},
            )
            for code in codes
        ]

    return nightly_supplier_sync


def load_schedules(environ: Mapping[str, str] | None = None) -> list[dg.ScheduleDefinition]:
    cron = settings.env(settings.NIGHTLY_CRON, settings.DEFAULT_NIGHTLY_CRON, environ)
    timezone = settings.env(settings.TIMEZONE, settings.DEFAULT_TIMEZONE, environ)
    return [build_nightly_supplier_sync(cron, timezone)]
