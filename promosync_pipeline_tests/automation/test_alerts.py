"""Alerts delivered to a real webhook receiver on loopback, from real Dagster instances:
stale suppliers, failing ERROR checks, failed runs; each once, then a recovery message."""

import time
from datetime import UTC, datetime, timedelta

import dagster as dg
import pytest

from promosync_pipeline import settings
from promosync_pipeline.alerts import AlertWebhookResource
from promosync_pipeline.automation.incidents import IncidentBook
from promosync_pipeline.definitions import defs
from promosync_pipeline.partitions import suppliers
from promosync_pipeline.sensors import (
    build_freshness_alert_sensor,
    run_failure_alert_sensor,
    run_recovery_alert_sensor,
)
from promosync_pipeline_tests.support.syncs import Run, refresh, supplier_run

UI = "http://dagster.test:3000"
QUIET = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}


class Clock:
    """Seconds since the epoch that move only when the test says: starts at the real time, so
    it agrees with the timestamps the instance gives materializations."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class Ticker:
    def __init__(self, sensor, instance, alerts, definitions=defs) -> None:
        self.sensor, self.instance, self.alerts, self.definitions = (
            sensor,
            instance,
            alerts,
            definitions,
        )
        self.cursor: str | None = None

    def tick(self):
        context = dg.build_sensor_context(
            instance=self.instance,
            cursor=self.cursor,
            definitions=self.definitions,
            resources={"alerts": self.alerts},
        )
        result = self.sensor(context)
        self.cursor = result.cursor
        return result


def synced(instance: dg.DagsterInstance, code: str) -> float:
    """Report a catalog_products materialization of ``code``; returns its timestamp."""
    instance.report_runless_asset_event(dg.AssetMaterialization("catalog_products", partition=code))
    (record,) = instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=dg.AssetKey("catalog_products"), asset_partitions=[code]),
        limit=1,
    ).records
    return record.timestamp


def utc(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M UTC")


@pytest.fixture
def alerts(webhook) -> AlertWebhookResource:
    return AlertWebhookResource(url=webhook.url, ui_url=UI, retry_pause_s=0.05)


def test_stale_and_never_synced_suppliers_alert_once_then_recover(instance, webhook, alerts):
    instance.add_dynamic_partitions(suppliers.name, ["A1", "A2"])
    first_sync = synced(instance, "A1")
    clock = Clock()
    clock.now = first_sync
    ticker = Ticker(
        build_freshness_alert_sensor(timedelta(seconds=2), clock=clock), instance, alerts
    )

    ticker.tick()
    assert webhook.take() == []  # A1 is fresh, A2 was only just seen

    clock.advance(2.5)
    result = ticker.tick()
    assert (
        result.skip_reason.skip_message
        == "2 alert(s) and 0 recovery message(s) sent; 2 incident(s) open"
    )
    assert sorted(webhook.take()) == [
        f"promosync ALERT: supplier A1 is stale: catalog_products last synced {utc(first_sync)}, "
        f"{clock.now - first_sync:.0f} s ago (expected within 2 s)",
        "promosync ALERT: supplier A2 has never been synced successfully "
        "(catalog_products expected within 2 s)",
    ]
    ticker.tick()
    ticker.tick()
    assert webhook.take() == []

    # A1 synced again: "now" is just after that sync and still past A2's window
    clock.now = max(synced(instance, "A1"), first_sync + 2.0) + 0.001
    ticker.tick()
    assert webhook.take() == [
        "promosync RECOVERED: supplier A1 is fresh again (catalog_products synced)"
    ]
    ticker.tick()
    assert webhook.take() == []
    assert sorted(IncidentBook.decode(ticker.cursor).announced) == ["stale:A2"]


def test_supplier_filter_limits_the_watched_suppliers(instance, webhook, alerts, monkeypatch):
    monkeypatch.setenv(settings.SUPPLIERS, "A2")
    instance.add_dynamic_partitions(suppliers.name, ["A1", "A2"])
    clock = Clock()
    ticker = Ticker(
        build_freshness_alert_sensor(timedelta(seconds=1), clock=clock), instance, alerts
    )
    ticker.tick()
    clock.advance(1.5)
    ticker.tick()
    assert webhook.take() == [
        "promosync ALERT: supplier A2 has never been synced successfully "
        "(catalog_products expected within 1 s)"
    ]


def test_alert_is_retried_while_the_webhook_fails_and_never_sent_twice(instance, webhook, alerts):
    instance.add_dynamic_partitions(suppliers.name, ["A1"])
    clock = Clock()
    ticker = Ticker(
        build_freshness_alert_sensor(timedelta(seconds=1), clock=clock), instance, alerts
    )
    ticker.tick()
    clock.advance(1.5)
    webhook.status = 500
    ticker.tick()
    ticker.tick()
    assert webhook.take() == []
    assert IncidentBook.decode(ticker.cursor).announced == {}
    webhook.status = 200
    ticker.tick()
    ticker.tick()
    assert webhook.take() == [
        "promosync ALERT: supplier A1 has never been synced successfully "
        "(catalog_products expected within 1 s)"
    ]


def test_without_a_webhook_alerts_go_to_the_log(instance, monkeypatch, capfd):
    monkeypatch.delenv(settings.ALERT_WEBHOOK_URL, raising=False)
    instance.add_dynamic_partitions(suppliers.name, ["A1"])
    clock = Clock()
    ticker = Ticker(
        build_freshness_alert_sensor(timedelta(seconds=1), clock=clock),
        instance,
        AlertWebhookResource(),
    )
    ticker.tick()
    clock.advance(1.5)
    capfd.readouterr()
    ticker.tick()
    assert (
        "WARNING - promosync ALERT: supplier A1 has never been synced successfully"
        in capfd.readouterr().err
    )
    assert IncidentBook.decode(ticker.cursor).announced.keys() == {"stale:A1"}


# -- asset checks ------------------------------------------------------------------------------

verdicts: dict[str, bool] = {}


@dg.asset(partitions_def=suppliers)
def probe() -> None:
    """A stand-in for any partitioned asset with checks."""


@dg.asset_check(asset=probe, partitions_def=suppliers)
def probe_rows_present(context: dg.AssetCheckExecutionContext) -> dg.AssetCheckResult:
    passed = verdicts[context.partition_key]
    return dg.AssetCheckResult(passed=passed, description=None if passed else "0 rows")


@dg.asset_check(asset=probe, partitions_def=suppliers)
def probe_prices_plausible(context: dg.AssetCheckExecutionContext) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=False, severity=dg.AssetCheckSeverity.WARN)


PROBE_DEFS = dg.Definitions.merge(
    defs, dg.Definitions(assets=[probe], asset_checks=[probe_rows_present, probe_prices_plausible])
)


def run_probe(instance: dg.DagsterInstance, code: str, passed: bool) -> str:
    verdicts[code] = passed
    result = dg.materialize(
        [probe, probe_rows_present, probe_prices_plausible],
        partition_key=code,
        instance=instance,
        run_config=QUIET,
    )
    return result.run_id


def test_failing_error_check_alerts_once_per_partition_then_recovers(instance, webhook, alerts):
    instance.add_dynamic_partitions(suppliers.name, ["A1", "A2"])
    synced(instance, "A1")
    synced(instance, "A2")
    ticker = Ticker(build_freshness_alert_sensor(timedelta(hours=1)), instance, alerts, PROBE_DEFS)
    run_probe(instance, "A2", passed=True)
    failed_run = run_probe(instance, "A1", passed=False)

    ticker.tick()
    assert webhook.take() == [
        "promosync ALERT: asset check probe_rows_present on probe failed for supplier A1 "
        f"(severity ERROR): 0 rows\nrun: {UI}/runs/{failed_run}"
    ]
    ticker.tick()
    assert webhook.take() == []

    run_probe(instance, "A1", passed=False)  # failing again: the same incident
    ticker.tick()
    assert webhook.take() == []

    run_probe(instance, "A1", passed=True)
    ticker.tick()
    ticker.tick()
    assert webhook.take() == [
        "promosync RECOVERED: asset check probe_rows_present on probe no longer fails "
        "for supplier A1"
    ]


@dg.asset_check(asset="catalog_products", partitions_def=suppliers)
def catalog_products_reviewed(context: dg.AssetCheckExecutionContext) -> dg.AssetCheckResult:
    """Only ever evaluated by a runless report in these tests."""
    return dg.AssetCheckResult(passed=True)


def test_runless_error_check_evaluation_on_a_catalog_asset_alerts(instance, webhook, alerts):
    """Any check of the code location counts, however its evaluation was recorded."""
    instance.add_dynamic_partitions(suppliers.name, ["A1"])
    synced(instance, "A1")
    definitions = dg.Definitions.merge(
        defs, dg.Definitions(asset_checks=[catalog_products_reviewed])
    )
    ticker = Ticker(build_freshness_alert_sensor(timedelta(hours=1)), instance, alerts, definitions)
    instance.report_runless_asset_event(
        dg.AssetCheckEvaluation(
            asset_key=dg.AssetKey("catalog_products"),
            check_name="catalog_products_reviewed",
            passed=False,
            severity=dg.AssetCheckSeverity.ERROR,
            description="reported by an operator",
            partition="A1",
        )
    )
    ticker.tick()
    ticker.tick()
    (text,) = webhook.take()
    assert text.startswith(
        "promosync ALERT: asset check catalog_products_reviewed on catalog_products failed for "
        "supplier A1 (severity ERROR): reported by an operator\nrun: "
    )


# -- failed runs -------------------------------------------------------------------------------


def status_tick(sensor, instance, cursor, alerts):
    context = dg.build_sensor_context(
        instance=instance, cursor=cursor, resources={"alerts": alerts}
    )
    result = sensor.evaluate_tick(context)
    return result.cursor


def test_failed_run_alerts_once_then_recovers(instance, feed, sqlite_env, webhook, alerts):
    code = feed.generator.supplier_codes()[0]
    instance.add_dynamic_partitions(suppliers.name, [code])
    failure_cursor = status_tick(run_failure_alert_sensor, instance, None, alerts)
    recovery_cursor = status_tick(run_recovery_alert_sensor, instance, None, alerts)

    # no feed refresh yet: supplier_index has no stored index to read
    failed = supplier_run(instance, code)
    assert not failed.success
    failure_cursor = status_tick(run_failure_alert_sensor, instance, failure_cursor, alerts)
    failure_cursor = status_tick(run_failure_alert_sensor, instance, failure_cursor, alerts)
    (text,) = webhook.take()
    lines = text.splitlines()
    assert lines[:3] == [
        f"promosync ALERT: run of supplier_sync_job failed (supplier {code})",
        f"run id: {failed.run_id}",
        "failed steps: supplier_index",
    ]
    assert lines[3].startswith(
        f"error: Failure: {code}: no Import.txt listing "
        "product files is stored in the catalog database yet: materialize promidata_index"
    ), lines[3]
    assert lines[4:] == [f"{UI}/runs/{failed.run_id}"]
    assert "s3cr3t" not in text

    refreshed = refresh(instance)
    recovered = supplier_run(instance, code)
    assert refreshed.success and recovered.success
    recovery_cursor = status_tick(run_recovery_alert_sensor, instance, recovery_cursor, alerts)
    recovery_cursor = status_tick(run_recovery_alert_sensor, instance, recovery_cursor, alerts)
    status_tick(run_failure_alert_sensor, instance, failure_cursor, alerts)
    assert webhook.take() == [
        f"promosync RECOVERED: supplier_sync_job succeeded again (supplier {code})\n"
        f"{UI}/runs/{recovered.run_id}"
    ]

    again = supplier_run(instance, code)
    assert again.success
    status_tick(run_recovery_alert_sensor, instance, recovery_cursor, alerts)
    assert webhook.take() == []


def _failed_supplier_run(instance, code: str) -> Run:
    """A supplier_sync_job run that fails: no feed refresh yet, so no stored index."""
    failed = supplier_run(instance, code)
    assert not failed.success
    return failed


def test_failed_run_alert_is_retried_while_the_webhook_fails(
    instance, feed, sqlite_env, webhook, alerts
):
    """The run failure sensor gets one evaluation per failed run, so it retries delivery
    itself: a webhook answering 503 three times still gets the alert, once."""
    code = feed.generator.supplier_codes()[0]
    cursor = status_tick(run_failure_alert_sensor, instance, None, alerts)
    failed = _failed_supplier_run(instance, code)
    webhook.fail_next = 3
    status_tick(run_failure_alert_sensor, instance, cursor, alerts)
    assert webhook.attempts == 4
    (text,) = webhook.take()
    assert text.startswith(f"promosync ALERT: run of supplier_sync_job failed (supplier {code})")
    assert f"run id: {failed.run_id}" in text


def test_undeliverable_run_alert_fails_the_tick_with_its_text(
    instance, feed, sqlite_env, webhook, alerts
):
    code = feed.generator.supplier_codes()[0]
    cursor = status_tick(run_failure_alert_sensor, instance, None, alerts)
    failed = _failed_supplier_run(instance, code)
    webhook.status = 500
    context = dg.build_sensor_context(
        instance=instance, cursor=cursor, resources={"alerts": alerts}
    )
    result = run_failure_alert_sensor.evaluate_tick(context)
    assert webhook.attempts == 4 and webhook.take() == []
    (reaction,) = result.dagster_run_reactions
    assert reaction.dagster_run.run_id == failed.run_id
    assert "alert not delivered after 4 attempts" in reaction.error.to_string()
    assert f"supplier {code}" in reaction.error.to_string()
    assert "s3cr3t" not in reaction.error.to_string()


def test_a_refused_price_shift_is_alerted_by_its_run_and_not_again_by_the_sensor(
    instance, feed, sqlite_env, webhook, alerts, monkeypatch
):
    """The guard alerts from the run (a CLI run has no sensor behind it); the run failure
    sensor sees the run's tag and stays quiet, so the alert arrives once."""
    monkeypatch.setenv(settings.ALERT_WEBHOOK_URL, webhook.url)
    code = feed.generator.supplier_codes()[0]
    cursor = status_tick(run_failure_alert_sensor, instance, None, alerts)
    assert refresh(instance).success and supplier_run(instance, code, images=False).success
    feed.generator.change_prices(share=0.5, factor=10, code=code)
    assert refresh(instance).success
    assert not supplier_run(instance, code, images=False).success
    (text,) = webhook.take()
    assert text.startswith(f"promosync ALERT: {code}: ") and "active families" in text
    cursor = status_tick(run_failure_alert_sensor, instance, cursor, alerts)
    status_tick(run_failure_alert_sensor, instance, cursor, alerts)
    assert webhook.take() == []
