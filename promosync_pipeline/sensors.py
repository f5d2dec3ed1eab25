"""Sensors: index discovery, freshness and check alerts, run failure alerts.

Every sensor starts STOPPED: ``dagster dev`` polls nothing until an operator turns it on (UI, or
``dagster sensor start <name>``). Intervals are definition-time values (Dagster needs them when
the code location loads), so :func:`load_sensors` reads them from the environment once.
"""

import dataclasses
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import dagster as dg

# Dagster 1.13 has no public API for the latest evaluation of a check per partition: the
# event log storage's get_asset_check_partition_info / get_asset_check_execution_history take
# and return these types, which `dagster` does not export.
from dagster._core.event_api import PartitionKeyFilter
from dagster._core.storage.asset_check_execution_record import AssetCheckExecutionRecordStatus

from promosync_pipeline import settings
from promosync_pipeline.alerts import (
    AlertWebhookResource,
    check_failed_text,
    check_passed_text,
    fresh_text,
    index_accepted_text,
    index_refused_text,
    redact,
    run_failed_text,
    run_recovered_text,
    stale_text,
    supplier_vanished_text,
)
from promosync_pipeline.automation.incidents import Incident, IncidentBook, staleness
from promosync_pipeline.automation.index_watch import (
    IndexCursor,
    enabled_codes,
    feed_refresh_run_key,
    index_fingerprint,
    needs_feed_refresh,
    plan_tick,
    supplier_run_key,
)
from promosync_pipeline.freshness import freshness_window
from promosync_pipeline.http import FetchError
from promosync_pipeline.jobs import feed_refresh_job, supplier_sync_job
from promosync_pipeline.partitions import SUPPLIER_PARTITIONS, suppliers
from promosync_pipeline.promidata import parse_index
from promosync_pipeline.promidata.index import slice_hash
from promosync_pipeline.resources import CatalogDatabaseResource, PromidataResource
from promosync_pipeline.sync.kept_index import fetch_index, index_refusal

CATALOG_KEY = dg.AssetKey("catalog_products")
TRIGGER_TAG = "promosync/trigger"
INDEX_HASH_TAG = "promosync/index_hash"
SLICE_HASH_TAG = "promosync/slice_hash"
PARTITION_TAG = "dagster/partition"


# -- promidata_index_sensor -------------------------------------------------------------------


def build_promidata_index_sensor(poll_seconds: int) -> dg.SensorDefinition:
    @dg.sensor(
        name="promidata_index_sensor",
        minimum_interval_seconds=poll_seconds,
        jobs=[supplier_sync_job, feed_refresh_job],
        default_status=dg.DefaultSensorStatus.STOPPED,
        description=(
            "Polls Import.txt (conditional GET), keeps each new valid index in the catalog "
            "database's feed cache (what supplier_sync_job runs read), registers new supplier "
            "partitions and, on the same tick, requests a supplier_sync_job run for each "
            "supplier whose index slice changed, plus one feed_refresh_job run per new index "
            "version. An empty or cut index is refused and alerted once (and again when a "
            "whole index is back); a supplier gone from the index is alerted. Honours "
            "PROMOSYNC_SUPPLIERS."
        ),
    )
    def promidata_index_sensor(
        context: dg.SensorEvaluationContext,
        promidata: PromidataResource,
        catalog_db: CatalogDatabaseResource,
        alerts: AlertWebhookResource,
    ) -> dg.SensorResult:
        cursor = IndexCursor.decode(context.cursor)
        store = catalog_db.store()
        index_url = promidata.index_url
        cached = store.cached_feed_file(index_url)
        stored = (cached.etag, cached.last_modified) if cached is not None else None
        try:
            result = fetch_index(promidata, cursor.conditional_headers(stored))
        except FetchError as exc:
            raise dg.Failure(f"Import.txt could not be fetched: {exc}") from exc
        if result.not_modified:
            live, etag, last_modified = cursor.live, cursor.etag, cursor.last_modified
        else:
            report = parse_index(result.content)
            refusal = index_refusal(report)
            if refusal is not None:
                refused = cursor.refused
                if refused is None and alerts.send(
                    index_refused_text(redact(index_url), refusal), context.log
                ):
                    refused = refusal
                return dg.SensorResult(
                    skip_reason=(
                        f"Import.txt refused: {refusal}; ignored, nothing saved or requested "
                        "(the next tick fetches it again)"
                    ),
                    cursor=dataclasses.replace(cursor, refused=refused).encode(),
                )
            live = {code: slice_hash(e) for code, e in sorted(report.by_supplier().items())}
            etag, last_modified = result.etag, result.last_modified
            # saved before any run is requested: a run reads this index, or a newer one
            store.save_feed_file(index_url, etag, last_modified, result.content, datetime.now(UTC))

        only = settings.supplier_filter()
        plan = plan_tick(
            live,
            cursor.requested,
            context.instance.get_dynamic_partitions(SUPPLIER_PARTITIONS),
            only,
        )
        for code in plan.vanished:
            alerts.send(supplier_vanished_text(code), context.log)
        refused = cursor.refused
        if refused is not None and alerts.send(index_accepted_text(len(live)), context.log):
            refused = None
        run_requests = [
            dg.RunRequest(
                job_name=supplier_sync_job.name,
                partition_key=code,
                run_key=supplier_run_key(code, h),
                tags={TRIGGER_TAG: "promidata_index_sensor", SLICE_HASH_TAG: h},
            )
            for code, h in plan.to_sync.items()
        ]
        if not result.not_modified and needs_feed_refresh(live, cursor.live, only):
            # the stored promidata_index asset (and the categories) catch up in the UI; its
            # conditional GET answers 304 or fetches this same index again
            index_hash = index_fingerprint(live, only)
            run_requests.append(
                dg.RunRequest(
                    job_name=feed_refresh_job.name,
                    run_key=feed_refresh_run_key(index_hash),
                    tags={TRIGGER_TAG: "promidata_index_sensor", INDEX_HASH_TAG: index_hash},
                )
            )
        if plan.to_sync:
            context.log.info(
                f"index slice changed for {len(plan.to_sync)} supplier(s): "
                f"{', '.join(list(plan.to_sync)[:10])}" + (" …" if len(plan.to_sync) > 10 else "")
            )
        next_cursor = IndexCursor(etag, last_modified, dict(live), plan.requested, refused)
        partition_requests = (
            [suppliers.build_add_request(plan.new_partitions)] if plan.new_partitions else []
        )
        skip = None
        if not run_requests and not partition_requests:
            skip = "Import.txt unchanged" if result.not_modified else "no supplier slice changed"
        return dg.SensorResult(
            run_requests=run_requests,
            dynamic_partitions_requests=partition_requests,
            cursor=next_cursor.encode(),
            skip_reason=skip,
        )

    return promidata_index_sensor


# -- freshness_alert_sensor -------------------------------------------------------------------


def last_catalog_syncs(instance: dg.DagsterInstance, codes: list[str]) -> dict[str, float]:
    """Supplier code -> timestamp of its latest ``catalog_products`` materialization."""
    if not codes:
        return {}
    latest = instance.get_latest_storage_id_by_partition(
        CATALOG_KEY, dg.DagsterEventType.ASSET_MATERIALIZATION, set(codes)
    )
    if not latest:
        return {}
    records = instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=CATALOG_KEY, storage_ids=list(latest.values())),
        limit=len(latest),
    ).records
    return {r.partition_key: r.timestamp for r in records if r.partition_key is not None}


def failing_error_checks(
    instance: dg.DagsterInstance, check_keys: list[dg.AssetCheckKey], ui_url: str
) -> list[Incident]:
    """One incident per (check, partition) whose latest evaluation failed with severity ERROR.

    A partition whose check is only planned (running now) keeps no incident of its own here; the
    caller keeps an announced one open until an evaluation says otherwise.
    """
    if not check_keys:
        return []
    storage = instance.event_log_storage
    incidents = []
    for info in storage.get_asset_check_partition_info(check_keys):
        if info.latest_execution_status != AssetCheckExecutionRecordStatus.FAILED:
            continue
        key, partition = info.check_key, info.partition_key
        (record,) = storage.get_asset_check_execution_history(
            key, limit=1, partition_filter=PartitionKeyFilter(key=partition)
        ) or (None,)
        event = record.event.dagster_event if record and record.event else None
        evaluation = event.event_specific_data if event else None
        if record is None or not isinstance(evaluation, dg.AssetCheckEvaluation):
            continue
        if evaluation.severity != dg.AssetCheckSeverity.ERROR:
            continue
        asset = key.asset_key.to_user_string()
        incidents.append(
            Incident(
                key=check_incident_key(key, partition),
                text=check_failed_text(
                    asset,
                    key.name,
                    partition,
                    record.run_id,
                    ui_url,
                    evaluation.description or "",
                ),
                recovery_text=check_passed_text(asset, key.name, partition),
            )
        )
    return incidents


def check_incident_key(key: dg.AssetCheckKey, partition: str | None) -> str:
    return f"check:{key.asset_key.to_user_string()}/{key.name}:{partition or ''}"


def planned_check_incidents(
    instance: dg.DagsterInstance, check_keys: list[dg.AssetCheckKey]
) -> set[str]:
    """Incident keys of (check, partition) pairs being evaluated right now."""
    if not check_keys:
        return set()
    return {
        check_incident_key(info.check_key, info.partition_key)
        for info in instance.event_log_storage.get_asset_check_partition_info(check_keys)
        if info.latest_execution_status == AssetCheckExecutionRecordStatus.PLANNED
    }


def _check_keys(context: dg.SensorEvaluationContext) -> list[dg.AssetCheckKey]:
    repository = context.repository_def
    if repository is None:
        return []
    return sorted(repository.asset_graph.asset_check_keys, key=lambda k: k.to_user_string())


def build_freshness_alert_sensor(
    window: timedelta,
    poll_seconds: int = settings.DEFAULT_ALERT_POLL_SECONDS,
    clock: Callable[[], float] = time.time,
) -> dg.SensorDefinition:
    """``clock`` gives "now" (seconds since the epoch); tests pass one they control."""
    window_s = window.total_seconds()

    @dg.sensor(
        name="freshness_alert_sensor",
        minimum_interval_seconds=poll_seconds,
        default_status=dg.DefaultSensorStatus.STOPPED,
        description=(
            f"Alerts once when a supplier's catalog_products has not been materialized for "
            f"{window_s / 3600:g} h, or when an ERROR-severity asset check fails for a "
            "partition; sends a recovery message when it clears. Posts to "
            "PROMOSYNC_ALERT_WEBHOOK_URL, or logs without one."
        ),
    )
    def freshness_alert_sensor(
        context: dg.SensorEvaluationContext, alerts: AlertWebhookResource
    ) -> dg.SensorResult:
        now = clock()
        book = IncidentBook.decode(context.cursor)
        instance = context.instance
        codes = enabled_codes(
            instance.get_dynamic_partitions(SUPPLIER_PARTITIONS), settings.supplier_filter()
        )
        synced = last_catalog_syncs(instance, codes)
        book.first_seen = {c: book.first_seen.get(c, now) for c in codes if c not in synced}
        current: list[Incident] = []
        for code in codes:
            last = synced.get(code)
            if staleness(now, last, book.first_seen.get(code, now), window_s) is not None:
                current.append(
                    Incident(
                        f"stale:{code}", stale_text(code, last, now, window_s), fresh_text(code)
                    )
                )
        check_keys = _check_keys(context)
        current += failing_error_checks(instance, check_keys, alerts.resolved_ui_url())
        in_progress = planned_check_incidents(instance, check_keys)
        # a partition that left the enabled set is no longer watched: that is not a recovery
        watched = {f"stale:{c}" for c in codes}
        opened = recovered = 0
        for incident in book.to_open(current):
            if alerts.send(incident.text, context.log):
                book.opened(incident)
                opened += 1
        for key, text in book.to_recover(current):
            if key in in_progress:
                continue
            if key.startswith("stale:") and key not in watched:
                book.recovered(key)
                continue
            if alerts.send(text, context.log):
                book.recovered(key)
                recovered += 1
        return dg.SensorResult(
            cursor=book.encode(),
            skip_reason=(
                f"{opened} alert(s) and {recovered} recovery message(s) sent; "
                f"{len(book.announced)} incident(s) open"
            ),
        )

    return freshness_alert_sensor


# -- run_failure_alert_sensor / run_recovery_alert_sensor -------------------------------------


def _error_summary(error: Any) -> str:
    """First line of the error, plus the first line of its root cause when there is one."""
    text = error.message.strip().splitlines()[0] if error.message.strip() else ""
    cause = error.cause
    while cause is not None and cause.cause is not None:
        cause = cause.cause
    if cause is not None and cause.message.strip():
        text = f"{text.rstrip(':')} (caused by {cause.message.strip().splitlines()[0]})"
    return text


def _step_failures(context: dg.RunFailureSensorContext) -> list[tuple[str, str]]:
    failures = []
    for event in context.get_step_failure_events():
        error = event.step_failure_data.error if event.step_failure_data else None
        failures.append((event.step_key or "?", _error_summary(error) if error else ""))
    return failures


RUN_ALERT_ATTEMPTS = 4


def deliver_run_alert(alerts: AlertWebhookResource, text: str, log: Any) -> None:
    """A run status sensor moves its cursor past the run whatever happens, so a run alert
    gets no second tick: delivery is retried here (pauses of 2, 4 and 8 s), and a message that
    still cannot be delivered fails the tick, which the UI shows with the message."""
    if not alerts.send(text, log, attempts=RUN_ALERT_ATTEMPTS):
        raise RuntimeError(
            f"alert not delivered after {RUN_ALERT_ATTEMPTS} attempts (see the errors above): "
            f"{text}"
        )


@dg.run_failure_sensor(
    name="run_failure_alert_sensor",
    default_status=dg.DefaultSensorStatus.STOPPED,
    description=(
        "Posts every failed run of this code location (supplier, run id, failed steps, error, "
        "link into the UI) to PROMOSYNC_ALERT_WEBHOOK_URL, or logs it without one."
    ),
)
def run_failure_alert_sensor(
    context: dg.RunFailureSensorContext, alerts: AlertWebhookResource
) -> None:
    run = context.dagster_run
    text = run_failed_text(
        job=run.job_name,
        run_id=run.run_id,
        partition=run.tags.get(PARTITION_TAG),
        failed_steps=_step_failures(context),
        run_error=context.failure_event.message or "",
        ui_url=alerts.resolved_ui_url(),
    )
    deliver_run_alert(alerts, text, context.log)


def previous_finished_run(instance: dg.DagsterInstance, run: dg.DagsterRun) -> dg.DagsterRun | None:
    """The run of the same job and supplier partition that finished before ``run``."""
    tags = {PARTITION_TAG: run.tags[PARTITION_TAG]} if PARTITION_TAG in run.tags else None
    finished = [
        dg.DagsterRunStatus.SUCCESS,
        dg.DagsterRunStatus.FAILURE,
        dg.DagsterRunStatus.CANCELED,
    ]
    candidates = instance.get_run_records(
        dg.RunsFilter(job_name=run.job_name, tags=tags, statuses=finished), limit=20
    )
    this = next((r for r in candidates if r.dagster_run.run_id == run.run_id), None)
    for record in candidates:
        if record.dagster_run.run_id == run.run_id:
            continue
        if this is not None and (record.end_time or 0) > (this.end_time or 0):
            continue
        return record.dagster_run
    return None


@dg.run_status_sensor(
    name="run_recovery_alert_sensor",
    run_status=dg.DagsterRunStatus.SUCCESS,
    default_status=dg.DefaultSensorStatus.STOPPED,
    description=(
        "After a failure was alerted, posts a recovery message when the next run of the same "
        "job and supplier succeeds."
    ),
)
def run_recovery_alert_sensor(
    context: dg.RunStatusSensorContext, alerts: AlertWebhookResource
) -> None:
    run = context.dagster_run
    previous = previous_finished_run(context.instance, run)
    if previous is None or previous.status != dg.DagsterRunStatus.FAILURE:
        return
    text = run_recovered_text(
        run.job_name, run.run_id, run.tags.get(PARTITION_TAG), alerts.resolved_ui_url()
    )
    deliver_run_alert(alerts, text, context.log)


# -- assembly ---------------------------------------------------------------------------------


def load_sensors(environ: Mapping[str, str] | None = None) -> list[Any]:
    """The sensors, with intervals and the freshness window from the environment."""
    poll = settings.env_number(
        settings.INDEX_POLL_SECONDS, settings.DEFAULT_INDEX_POLL_SECONDS, 30, environ
    )
    alert_poll = settings.env_number(
        settings.ALERT_POLL_SECONDS, settings.DEFAULT_ALERT_POLL_SECONDS, 30, environ
    )
    return [
        build_promidata_index_sensor(int(poll)),
        build_freshness_alert_sensor(freshness_window(environ), int(alert_poll)),
        run_failure_alert_sensor,
        run_recovery_alert_sensor,
    ]
