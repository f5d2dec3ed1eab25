"""nightly_supplier_sync: one incremental run per enabled supplier partition; the weekly
reconciliation: one full refresh run per supplier."""

import datetime as dt

import dagster as dg
import httpx
import pytest

from promosync_pipeline import names, settings
from promosync_pipeline.catalog import schema as t
from promosync_pipeline.definitions import defs
from promosync_pipeline.feedsim import parse_fault
from promosync_pipeline.partitions import suppliers
from promosync_pipeline.resources import CatalogDatabaseResource, PromidataResource
from promosync_pipeline.schedules import build_nightly_supplier_sync, load_schedules
from promosync_pipeline_tests.support.catalog import cached_index, rows
from promosync_pipeline_tests.support.catalog_vs_feed import assert_supplier_equals_feed
from promosync_pipeline_tests.support.syncs import CATALOG_ONLY, sync

pytestmark = pytest.mark.feed(seed=13, suppliers=3, families=4, image_size=(64, 48))


def evaluate(schedule: dg.ScheduleDefinition, instance, when: dt.datetime):
    with dg.build_schedule_context(
        instance=instance,
        scheduled_execution_time=when,
        repository_def=defs.get_repository_def(),
        resources={"promidata": PromidataResource(), "catalog_db": CatalogDatabaseResource()},
    ) as context:
        return schedule.evaluate_tick(context)


NIGHT = dt.datetime(2026, 3, 4, 2, 0, tzinfo=dt.UTC)


def test_one_run_per_listed_supplier_keyed_by_supplier_and_scheduled_time(
    instance, feed, sqlite_env
):
    """The schedule keeps the night's index (what the runs read), registers every supplier it
    lists and requests one incremental run each, keyed by supplier and scheduled time."""
    codes = sorted(feed.generator.supplier_codes())
    schedule = defs.resolve_schedule_def("nightly_supplier_sync")
    requests = evaluate(schedule, instance, NIGHT).run_requests
    assert [(r.partition_key, r.run_key) for r in requests] == [
        (code, f"nightly:{code}:2026-03-04T02:00+0000") for code in codes
    ]
    assert all(r.tags["promosync/trigger"] == "nightly_supplier_sync" for r in requests)
    assert all(r.run_config in (None, {}) for r in requests)  # incremental: no full_refresh
    assert sorted(instance.get_dynamic_partitions(suppliers.name)) == codes
    assert cached_index(sqlite_env, feed) == httpx.get(feed.index_url).content
    next_night = evaluate(schedule, instance, NIGHT + dt.timedelta(days=1)).run_requests
    assert [r.run_key for r in next_night] == [
        f"nightly:{code}:2026-03-05T02:00+0000" for code in codes
    ]


def test_the_night_s_index_is_kept_before_the_runs_and_a_vanished_supplier_is_not_run(
    instance, feed, sqlite_env
):
    schedule = build_nightly_supplier_sync("0 2 * * *", "UTC")
    evaluate(schedule, instance, NIGHT)
    gone, *rest = sorted(feed.generator.supplier_codes())
    feed.generator.change_families(1, code=rest[0])
    feed.generator.remove_supplier(gone)
    requests = evaluate(schedule, instance, NIGHT + dt.timedelta(days=1)).run_requests
    assert [r.partition_key for r in requests] == rest
    assert cached_index(sqlite_env, feed) == httpx.get(feed.index_url).content
    assert gone in instance.get_dynamic_partitions(suppliers.name), "its partition stays"


def test_a_refused_or_unreachable_index_leaves_the_kept_copy_in_use(
    instance, feed, sqlite_env, monkeypatch
):
    schedule = build_nightly_supplier_sync("0 2 * * *", "UTC")
    evaluate(schedule, instance, NIGHT)
    kept = cached_index(sqlite_env, feed)
    codes = sorted(feed.generator.supplier_codes())
    feed.generator.change_families(1)
    feed.set_faults([parse_fault("truncate:target=index,keep=0.96")])
    cut = evaluate(schedule, instance, NIGHT + dt.timedelta(days=1)).run_requests
    assert [r.partition_key for r in cut] == codes
    assert cached_index(sqlite_env, feed) == kept, "a cut index is never kept"
    feed.set_faults([])
    monkeypatch.setenv(settings.PROMIDATA_BASE_URL, "http://127.0.0.1:9/Profiles/x")
    down = evaluate(schedule, instance, NIGHT + dt.timedelta(days=2)).run_requests
    assert [r.partition_key for r in down] == codes


def test_only_suppliers_of_the_filter_are_scheduled(instance, feed, sqlite_env, monkeypatch):
    first, _, third = sorted(feed.generator.supplier_codes())
    monkeypatch.setenv(settings.SUPPLIERS, f"{third},{first},ZZ9")
    schedule = build_nightly_supplier_sync("0 2 * * *", "UTC")
    requests = evaluate(schedule, instance, NIGHT).run_requests
    assert [r.partition_key for r in requests] == [first, third]
    assert sorted(instance.get_dynamic_partitions(suppliers.name)) == [first, third]


def test_no_supplier_yet_skips(instance, feed, sqlite_env, monkeypatch):
    monkeypatch.setenv(settings.PROMIDATA_BASE_URL, "http://127.0.0.1:9/Profiles/x")
    schedule = build_nightly_supplier_sync("0 2 * * *", "UTC")
    result = evaluate(schedule, instance, NIGHT)
    assert result.run_requests == [] and result.skip_message == "no supplier is enabled yet"


def test_cron_and_timezone_come_from_the_environment():
    schedule, weekly = load_schedules(
        {
            settings.NIGHTLY_CRON: "30 3 * * 1-5",
            settings.RECONCILE_CRON: "0 5 * * 6",
            settings.TIMEZONE: "Europe/Berlin",
        }
    )
    assert (schedule.name, schedule.cron_schedule, schedule.execution_timezone) == (
        "nightly_supplier_sync",
        "30 3 * * 1-5",
        "Europe/Berlin",
    )
    assert (weekly.name, weekly.cron_schedule, weekly.execution_timezone) == (
        "weekly_reconciliation",
        "0 5 * * 6",
        "Europe/Berlin",
    )
    default, default_weekly = load_schedules({})
    assert (default.cron_schedule, default.execution_timezone) == ("0 2 * * *", "UTC")
    assert default.job_name == "supplier_sync_job"
    assert default.default_status == dg.DefaultScheduleStatus.STOPPED
    assert default_weekly.cron_schedule == "0 4 * * 0"
    assert default_weekly.job_name == "supplier_full_refresh_job"
    assert default_weekly.default_status == dg.DefaultScheduleStatus.STOPPED


def test_the_weekly_reconciliation_finds_a_file_changed_behind_the_index(
    instance, feed, sqlite_env
):
    """A file rewritten while Import.txt keeps its old hash: the incremental sync cannot see
    it; the reconciliation's full refresh run finds it, writes it and records what changed."""
    gen = feed.generator
    code = sorted(gen.supplier_codes())[0]
    assert sync(instance, [code], images=False)[code].success
    (hidden,) = gen.change_behind_the_index(gen.family_skus(code)[:1])
    assert (
        sync(instance, [code], images=False)[code].metadata[names.CATALOG_PRODUCTS][
            "families_changed"
        ]
        == 0
    ), "the index hash did not change: nothing downloaded"

    schedule = defs.resolve_schedule_def(names.WEEKLY_RECONCILIATION)
    sunday = dt.datetime(2026, 3, 8, 4, 0, tzinfo=dt.UTC)
    requests = evaluate(schedule, instance, sunday).run_requests
    assert [r.run_key for r in requests] == [
        f"reconcile:{c}:2026-03-08T04:00+0000" for c in sorted(gen.supplier_codes())
    ]
    request = next(r for r in requests if r.partition_key == code)
    job = defs.resolve_job_def(names.SUPPLIER_FULL_REFRESH_JOB)
    result = job.execute_in_process(
        instance=instance,
        partition_key=code,
        tags=request.tags,
        asset_selection=CATALOG_ONLY,
    )
    assert result.success
    found = rows(sqlite_env, t.catalog_changes, t.catalog_changes.c.change == "changed")
    assert found and {c["product_sku"] for c in found} == {hidden}
    assert_supplier_equals_feed(sqlite_env, gen, code)


def test_run_key_uses_the_schedule_timezone(instance, feed, sqlite_env, monkeypatch):
    code = sorted(feed.generator.supplier_codes())[0]
    monkeypatch.setenv(settings.SUPPLIERS, code)
    schedule = build_nightly_supplier_sync("0 2 * * *", "Europe/Berlin")
    when = dt.datetime(2026, 7, 1, 2, 0, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    (request,) = evaluate(schedule, instance, when).run_requests
    assert request.run_key == f"nightly:{code}:2026-07-01T02:00+0200"


@pytest.mark.parametrize("cron", ["not a cron", "61 2 * * *"])
def test_a_bad_cron_fails_loudly(cron):
    with pytest.raises(dg.DagsterInvalidDefinitionError):
        load_schedules({settings.NIGHTLY_CRON: cron})
