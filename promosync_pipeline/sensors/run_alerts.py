"""run_failure_alert_sensor and run_recovery_alert_sensor: a failed run alerted with its failed
steps, and the next success of the same job and supplier announced."""

from typing import Any

import dagster as dg

from promosync_pipeline import names
from promosync_pipeline.alerts import DELIVERY_ATTEMPTS, AlertWebhookResource
from promosync_pipeline.automation.alert_texts import run_failed_text, run_recovered_text


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


def deliver_run_alert(alerts: AlertWebhookResource, text: str, log: Any) -> None:
    """A run status sensor moves its cursor past the run whatever happens, so a run alert
    gets no second tick: delivery is retried here (pauses of 2, 4 and 8 s), and a message that
    still cannot be delivered fails the tick, which the UI shows with the message."""
    if not alerts.send(text, log, attempts=DELIVERY_ATTEMPTS):
        raise RuntimeError(
            f"alert not delivered after {DELIVERY_ATTEMPTS} attempts (see the errors above): {text}"
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
    if names.ALERTED_TAG in run.tags:
        context.log.info(
            f"run {run.run_id} alerted its own failure ({run.tags[names.ALERTED_TAG]})"
        )
        return
    text = run_failed_text(
        job=run.job_name,
        run_id=run.run_id,
        partition=run.tags.get(names.PARTITION_TAG),
        failed_steps=_step_failures(context),
        run_error=context.failure_event.message or "",
        ui_url=alerts.resolved_ui_url(),
    )
    deliver_run_alert(alerts, text, context.log)


def previous_finished_run(instance: dg.DagsterInstance, run: dg.DagsterRun) -> dg.DagsterRun | None:
    """The run of the same job and supplier partition that finished before ``run``."""
    tags = (
        {names.PARTITION_TAG: run.tags[names.PARTITION_TAG]}
        if names.PARTITION_TAG in run.tags
        else None
    )
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
        run.job_name, run.run_id, run.tags.get(names.PARTITION_TAG), alerts.resolved_ui_url()
    )
    deliver_run_alert(alerts, text, context.log)
