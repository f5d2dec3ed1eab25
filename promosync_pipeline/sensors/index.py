"""promidata_index_sensor: watches Import.txt, registers new suppliers and requests a run for
each supplier whose slice of the index changed."""

import dataclasses

import dagster as dg

from promosync_pipeline import names, settings
from promosync_pipeline.alerts import AlertWebhookResource
from promosync_pipeline.automation.alert_texts import (
    index_accepted_text,
    index_refused_text,
    supplier_vanished_text,
)
from promosync_pipeline.automation.index_watch import (
    IndexCursor,
    TickPlan,
    feed_refresh_run_key,
    index_fingerprint,
    needs_feed_refresh,
    plan_tick,
    supplier_run_key,
)
from promosync_pipeline.http import FetchError
from promosync_pipeline.jobs import feed_refresh_job, supplier_sync_job
from promosync_pipeline.partitions import SUPPLIER_PARTITIONS, suppliers
from promosync_pipeline.promidata.index import slice_hash
from promosync_pipeline.redaction import redact_url
from promosync_pipeline.resources import CatalogDatabaseResource, PromidataResource
from promosync_pipeline.sync.kept_index import IndexPoll, poll_index

SENSOR = "promidata_index_sensor"


def build_promidata_index_sensor(poll_seconds: int) -> dg.SensorDefinition:
    @dg.sensor(
        name=SENSOR,
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
        poll = _poll(promidata, catalog_db, cursor)
        if poll.refusal is not None:
            return _refused(context, alerts, cursor, poll, promidata.index_url)
        return _tick(context, alerts, cursor, poll)

    return promidata_index_sensor


def _poll(
    promidata: PromidataResource, catalog_db: CatalogDatabaseResource, cursor: IndexCursor
) -> IndexPoll:
    """Fetch Import.txt; a whole new index is kept before any run is requested, so a run reads
    it, or a newer one."""
    catalog = catalog_db.catalog()
    cached = catalog.feed_cache.get(promidata.index_url)
    stored = (cached.etag, cached.last_modified) if cached is not None else None
    try:
        return poll_index(promidata, catalog, cursor.conditional_headers(stored))
    except FetchError as exc:
        raise dg.Failure(f"Import.txt could not be fetched: {exc}") from exc


def _refused(
    context: dg.SensorEvaluationContext,
    alerts: AlertWebhookResource,
    cursor: IndexCursor,
    poll: IndexPoll,
    index_url: str,
) -> dg.SensorResult:
    """An empty or cut index: nothing saved or requested, alerted once per incident."""
    refused = cursor.refused
    if refused is None and alerts.send(
        index_refused_text(redact_url(index_url, secret_path=True), poll.refusal or ""),
        context.log,
    ):
        refused = poll.refusal
    return dg.SensorResult(
        skip_reason=(
            f"Import.txt refused: {poll.refusal}; ignored, nothing saved or requested "
            "(the next tick fetches it again)"
        ),
        cursor=dataclasses.replace(cursor, refused=refused).encode(),
    )


def _tick(
    context: dg.SensorEvaluationContext,
    alerts: AlertWebhookResource,
    cursor: IndexCursor,
    poll: IndexPoll,
) -> dg.SensorResult:
    if poll.report is None:
        live, etag, last_modified = cursor.live, cursor.etag, cursor.last_modified
    else:
        live = {code: slice_hash(e) for code, e in sorted(poll.report.by_supplier().items())}
        etag, last_modified = poll.etag, poll.last_modified
    only = settings.supplier_filter()
    partitions = context.instance.get_dynamic_partitions(SUPPLIER_PARTITIONS)
    plan = plan_tick(live, cursor.requested, partitions, only)
    for code in plan.vanished:
        alerts.send(supplier_vanished_text(code), context.log)
    refused = cursor.refused
    if refused is not None and alerts.send(index_accepted_text(len(live)), context.log):
        refused = None
    run_requests = _supplier_runs(plan)
    if not poll.not_modified and needs_feed_refresh(live, cursor.live, only):
        run_requests.append(_feed_refresh_run(index_fingerprint(live, only)))
    if plan.to_sync:
        shown = list(plan.to_sync)
        context.log.info(
            f"index slice changed for {len(shown)} supplier(s): {', '.join(shown[:10])}"
            + (" …" if len(shown) > 10 else "")
        )
    partition_requests = (
        [suppliers.build_add_request(plan.new_partitions)] if plan.new_partitions else []
    )
    skip = None
    if not run_requests and not partition_requests:
        skip = "Import.txt unchanged" if poll.not_modified else "no supplier slice changed"
    return dg.SensorResult(
        run_requests=run_requests,
        dynamic_partitions_requests=partition_requests,
        cursor=IndexCursor(etag, last_modified, dict(live), plan.requested, refused).encode(),
        skip_reason=skip,
    )


def _supplier_runs(plan: TickPlan) -> list[dg.RunRequest]:
    return [
        dg.RunRequest(
            job_name=supplier_sync_job.name,
            partition_key=code,
            run_key=supplier_run_key(code, h),
            tags={names.TRIGGER_TAG: SENSOR, names.SLICE_HASH_TAG: h},
        )
        for code, h in plan.to_sync.items()
    ]


def _feed_refresh_run(index_hash: str) -> dg.RunRequest:
    """The stored promidata_index asset (and the categories) catch up in the UI; its
    conditional GET answers 304 or fetches this same index again."""
    return dg.RunRequest(
        job_name=feed_refresh_job.name,
        run_key=feed_refresh_run_key(index_hash),
        tags={names.TRIGGER_TAG: SENSOR, names.INDEX_HASH_TAG: index_hash},
    )
