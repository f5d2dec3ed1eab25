"""freshness_alert_sensor: stale or never-synced suppliers and failing ERROR checks, alerted once
and announced again when they recover."""

import time
from collections.abc import Callable
from datetime import timedelta

import dagster as dg

# Dagster 1.13 has no public API for the latest evaluation of a check per partition: the
# event log storage's get_asset_check_partition_info / get_asset_check_execution_history take
# and return these types, which `dagster` does not export.
from dagster._core.event_api import PartitionKeyFilter
from dagster._core.storage.asset_check_execution_record import AssetCheckExecutionRecordStatus

from promosync_pipeline import names, settings
from promosync_pipeline.alerts import AlertWebhookResource
from promosync_pipeline.automation.alert_texts import (
    check_failed_text,
    check_passed_text,
    fresh_text,
    stale_text,
)
from promosync_pipeline.automation.incidents import Incident, IncidentBook, staleness
from promosync_pipeline.automation.index_watch import (
    enabled_codes,
)
from promosync_pipeline.partitions import SUPPLIER_PARTITIONS

CATALOG_KEY = dg.AssetKey(names.CATALOG_PRODUCTS)


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


def _stale_suppliers(
    instance: dg.DagsterInstance, book: IncidentBook, codes: list[str], now: float, window_s: float
) -> list[Incident]:
    """An incident per enabled supplier not synced within the window (a supplier never synced
    gets the window from when the sensor first saw it)."""
    synced = last_catalog_syncs(instance, codes)
    book.first_seen = {c: book.first_seen.get(c, now) for c in codes if c not in synced}
    current = []
    for code in codes:
        last = synced.get(code)
        if staleness(now, last, book.first_seen.get(code, now), window_s) is not None:
            current.append(
                Incident(f"stale:{code}", stale_text(code, last, now, window_s), fresh_text(code))
            )
    return current


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
        current = _stale_suppliers(instance, book, codes, now, window_s)
        check_keys = _check_keys(context)
        current += failing_error_checks(instance, check_keys, alerts.resolved_ui_url())
        in_progress = planned_check_incidents(instance, check_keys)
        opened = recovered = 0
        for incident in book.to_open(current):
            if alerts.send(incident.text, context.log):
                book.opened(incident)
                opened += 1
        # a partition that left the enabled set is no longer watched: that is not a recovery
        watched = {f"stale:{c}" for c in codes}
        for key, text in book.to_recover(current):
            if key in in_progress:
                continue
            if key.startswith("stale:") and key not in watched:
                book.recovered(key)
            elif alerts.send(text, context.log):
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
