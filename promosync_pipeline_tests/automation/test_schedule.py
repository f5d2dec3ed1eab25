"""nightly_supplier_sync: one incremental run per enabled supplier partition."""

import datetime as dt

import dagster as dg
import pytest

from promosync_pipeline import settings
from promosync_pipeline.definitions import defs
from promosync_pipeline.partitions import suppliers
from promosync_pipeline.schedules import build_nightly_supplier_sync, load_schedules


def evaluate(schedule: dg.ScheduleDefinition, instance, when: dt.datetime):
    context = dg.build_schedule_context(
        instance=instance, scheduled_execution_time=when, repository_def=defs.get_repository_def()
    )
    return schedule.evaluate_tick(context)


def test_one_run_per_supplier_keyed_by_supplier_and_scheduled_time(instance, monkeypatch):
    monkeypatch.delenv(settings.SUPPLIERS, raising=False)
    instance.add_dynamic_partitions(suppliers.name, ["A7", "A23", "B1"])
    schedule = defs.get_schedule_def("nightly_supplier_sync")
    when = dt.datetime(2026, 3, 4, 2, 0, tzinfo=dt.UTC)
    requests = evaluate(schedule, instance, when).run_requests
    assert [(r.partition_key, r.run_key) for r in requests] == [
        ("A23", "nightly:A23:2026-03-04T02:00+0000"),
        ("A7", "nightly:A7:2026-03-04T02:00+0000"),
        ("B1", "nightly:B1:2026-03-04T02:00+0000"),
    ]
    assert all(r.tags["promosync/trigger"] == "nightly_supplier_sync" for r in requests)
    assert all(r.run_config in (None, {}) for r in requests)  # incremental: no full_refresh
    next_night = evaluate(schedule, instance, when + dt.timedelta(days=1)).run_requests
    assert [r.run_key for r in next_night] == [
        "nightly:A23:2026-03-05T02:00+0000",
        "nightly:A7:2026-03-05T02:00+0000",
        "nightly:B1:2026-03-05T02:00+0000",
    ]


def test_only_suppliers_of_the_filter_are_scheduled(instance, monkeypatch):
    monkeypatch.setenv(settings.SUPPLIERS, "B1,A7,ZZ9")
    instance.add_dynamic_partitions(suppliers.name, ["A7", "A23", "B1"])
    schedule = build_nightly_supplier_sync("0 2 * * *", "UTC")
    requests = evaluate(schedule, instance, dt.datetime(2026, 3, 4, 2, tzinfo=dt.UTC)).run_requests
    assert [r.partition_key for r in requests] == ["A7", "B1"]


def test_no_supplier_yet_skips(instance, monkeypatch):
    monkeypatch.delenv(settings.SUPPLIERS, raising=False)
    schedule = build_nightly_supplier_sync("0 2 * * *", "UTC")
    result = evaluate(schedule, instance, dt.datetime(2026, 3, 4, 2, tzinfo=dt.UTC))
    assert (
        result.run_requests == [] and result.skip_message == "no supplier partition is enabled yet"
    )


def test_cron_and_timezone_come_from_the_environment():
    (schedule,) = load_schedules(
        {settings.NIGHTLY_CRON: "30 3 * * 1-5", settings.TIMEZONE: "Europe/Berlin"}
    )
    assert (schedule.name, schedule.cron_schedule, schedule.execution_timezone) == (
        "nightly_supplier_sync",
        "30 3 * * 1-5",
        "Europe/Berlin",
    )
    (default,) = load_schedules({})
    assert (default.cron_schedule, default.execution_timezone) == ("0 2 * * *", "UTC")
    assert default.job_name == "supplier_sync_job"
    assert default.default_status == dg.DefaultScheduleStatus.STOPPED


def test_run_key_uses_the_schedule_timezone(instance, monkeypatch):
    monkeypatch.delenv(settings.SUPPLIERS, raising=False)
    instance.add_dynamic_partitions(suppliers.name, ["A7"])
    schedule = build_nightly_supplier_sync("0 2 * * *", "Europe/Berlin")
    when = dt.datetime(2026, 7, 1, 2, 0, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    (request,) = evaluate(schedule, instance, when).run_requests
    assert request.run_key == "nightly:A7:2026-07-01T02:00+0200"


@pytest.mark.parametrize("cron", ["not a cron", "61 2 * * *"])
def test_a_bad_cron_fails_loudly(cron):
    with pytest.raises(dg.DagsterInvalidDefinitionError):
        load_schedules({settings.NIGHTLY_CRON: cron})
