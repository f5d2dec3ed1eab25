"""promidata_index_sensor against the feed simulator over HTTP and a real Dagster instance.

The sensor keeps every valid index it fetches in the catalog database's feed cache, which is
what ``supplier_index`` reads: a tick requests the supplier runs for what it has just seen.
"""

import logging
from pathlib import Path

import dagster as dg
import httpx
import pytest

# The daemon's own sensor loop is what drops a run whose run key was requested before; Dagster
# 1.13 has no public entry point for one iteration of it (`evaluate_tick` skips that step), so
# this test drives it through these testing utilities.
from dagster._core.scheduler.instigation import SensorInstigatorData, TickStatus
from dagster._core.test_utils import create_test_daemon_workspace_context
from dagster._core.workspace.load_target import ModuleTarget
from dagster._daemon.sensor import execute_sensor_iteration

from promosync_pipeline import settings
from promosync_pipeline.alerts import AlertWebhookResource
from promosync_pipeline.automation.index_watch import IndexCursor, index_fingerprint
from promosync_pipeline.catalog import schema as t
from promosync_pipeline.feedsim import FeedServer, parse_fault
from promosync_pipeline.names import INDEX_HASH_TAG, SLICE_HASH_TAG
from promosync_pipeline.promidata import parse_index
from promosync_pipeline.promidata.index import slice_hash
from promosync_pipeline.resources import CatalogDatabaseResource, PromidataResource
from promosync_pipeline.sensors.index import build_promidata_index_sensor
from promosync_pipeline_tests.support.catalog import cached_index, rows
from promosync_pipeline_tests.support.catalog_vs_feed import (
    assert_family_stored,
    assert_supplier_equals_feed,
)
from promosync_pipeline_tests.support.paths import ROOT
from promosync_pipeline_tests.support.syncs import Run, refresh, supplier_run

pytestmark = pytest.mark.feed(seed=11, suppliers=3, families=6, image_size=(64, 48))

sensor = build_promidata_index_sensor(300)


class Ticker:
    """Evaluates the sensor the way the daemon does between ticks: keeps the cursor and applies
    the partition requests to the instance."""

    def __init__(
        self, instance: dg.DagsterInstance, alerts: AlertWebhookResource | None = None
    ) -> None:
        self.instance = instance
        self.alerts = alerts or AlertWebhookResource()
        self.cursor: str | None = None

    def tick(self) -> dg.SensorResult:
        with dg.build_sensor_context(
            instance=self.instance,
            cursor=self.cursor,
            resources={
                "promidata": PromidataResource(),
                "catalog_db": CatalogDatabaseResource(),
                "alerts": self.alerts,
            },
        ) as context:
            result = sensor(context)
        assert isinstance(result, dg.SensorResult)
        for request in result.dynamic_partitions_requests or []:
            self.instance.add_dynamic_partitions(
                request.partitions_def_name, request.partition_keys
            )
        if result.cursor is not None:
            self.cursor = result.cursor
        return result

    def launch(self, request: dg.RunRequest) -> Run:
        """What the daemon would do with a requested supplier_sync_job run (images left out:
        they are not what this checks)."""
        assert request.job_name == "supplier_sync_job"
        return supplier_run(self.instance, request.partition_key, tags=request.tags, images=False)


def live_body(feed: FeedServer) -> bytes:
    return httpx.get(feed.index_url).content


def live_slices(feed: FeedServer) -> dict[str, str]:
    report = parse_index(live_body(feed))
    return {code: slice_hash(entries) for code, entries in report.by_supplier().items()}


def supplier_requests(result: dg.SensorResult) -> dict[str, dg.RunRequest]:
    return {
        r.partition_key: r for r in result.run_requests or [] if r.job_name == "supplier_sync_job"
    }


def supplier_runs(result: dg.SensorResult) -> dict[str, str]:
    """partition key -> run key of the supplier_sync_job requests."""
    return {code: r.run_key for code, r in supplier_requests(result).items()}


def feed_refreshes(result: dg.SensorResult) -> list[str]:
    return [r.run_key for r in result.run_requests or [] if r.job_name == "feed_refresh_job"]


def added_partitions(result: dg.SensorResult) -> list[str]:
    return [k for r in result.dynamic_partitions_requests or [] for k in r.partition_keys]


def expected_runs(slices: dict[str, str], codes: list[str]) -> dict[str, str]:
    return {code: f"{code}:{slices[code]}" for code in codes}


def test_first_tick_requests_every_supplier_then_only_the_changed_ones(instance, feed, sqlite_env):
    """The acceptance criterion, literally: the first tick registers every supplier and
    requests a run for each; a tick with no change requests nothing; after mutating two
    suppliers the next tick requests exactly those two."""
    ticker = Ticker(instance)
    codes = sorted(feed.generator.supplier_codes())
    slices = live_slices(feed)

    first = ticker.tick()
    assert added_partitions(first) == codes
    assert supplier_runs(first) == expected_runs(slices, codes)
    for code, request in supplier_requests(first).items():
        assert request.tags[SLICE_HASH_TAG] == slices[code]
    fingerprint = index_fingerprint(slices, None)
    assert feed_refreshes(first) == [f"feed_refresh:{fingerprint}"]
    (refresh,) = [r for r in first.run_requests if r.job_name == "feed_refresh_job"]
    assert refresh.tags[INDEX_HASH_TAG] == fingerprint
    assert len(first.run_requests) == len(codes) + 1
    assert cached_index(sqlite_env, feed) == live_body(feed)  # what the requested runs will read

    feed.stats.reset()
    unchanged = ticker.tick()
    assert feed.stats.statuses == {304: 1}
    assert unchanged.run_requests == [] and added_partitions(unchanged) == []
    assert unchanged.skip_reason.skip_message == "Import.txt unchanged"

    a, b = codes[0], codes[1]
    feed.generator.change_families(1, code=a)
    feed.generator.change_families(2, code=b)
    changed = live_slices(feed)
    assert {c for c in codes if changed[c] != slices[c]} == {a, b}

    feed.stats.reset()
    third = ticker.tick()
    assert feed.stats.statuses == {200: 1}
    assert supplier_runs(third) == expected_runs(changed, [a, b])
    assert feed_refreshes(third) == [f"feed_refresh:{index_fingerprint(changed, None)}"]
    assert added_partitions(third) == []
    assert cached_index(sqlite_env, feed) == live_body(feed)

    feed.stats.reset()
    again = ticker.tick()
    assert feed.stats.statuses == {304: 1} and again.run_requests == []


def test_daemon_tick_registers_every_supplier_and_queues_a_run_for_each(
    queued_instance, feed, sqlite_env
):
    """One iteration of Dagster's sensor daemon over the code location (loaded in a code
    server, as in production): the partitions added and the runs requested by the same tick
    are accepted, and one supplier_sync_job run per supplier is queued at once."""
    instance = queued_instance
    codes = sorted(feed.generator.supplier_codes())
    slices = live_slices(feed)
    target = ModuleTarget(
        module_name="promosync_pipeline.definitions",
        attribute=None,
        working_directory=str(ROOT),
        location_name="promosync",
    )
    with create_test_daemon_workspace_context(target, instance) as workspace:
        (entry,) = workspace.create_request_context().get_code_location_entries().values()
        assert entry.code_location is not None, entry.load_error
        (repository,) = entry.code_location.get_repositories().values()
        remote = repository.get_sensor("promidata_index_sensor")
        instance.start_sensor(remote)
        list(execute_sensor_iteration(workspace, logging.getLogger("test"), None, None))
        (tick,) = instance.get_ticks(remote.get_remote_origin_id(), remote.selector_id)
        first_runs = len(instance.get_runs())
        # a repeated tick that remembers nothing (cursor deleted, as `dagster sensor cursor
        # --delete` does) requests the same run keys: the daemon starts no second run
        state = instance.get_instigator_state(remote.get_remote_origin_id(), remote.selector_id)
        instance.update_instigator_state(
            state.with_data(
                SensorInstigatorData(
                    min_interval=remote.min_interval_seconds,
                    cursor=None,
                    sensor_type=remote.sensor_type,
                )
            )
        )
        list(execute_sensor_iteration(workspace, logging.getLogger("test"), None, None))
        repeated = instance.get_ticks(remote.get_remote_origin_id(), remote.selector_id)
    assert len(repeated) == 2, "the second iteration ticked"
    assert repeated[0].status == TickStatus.SKIPPED, repeated[0].error
    assert len(instance.get_runs()) == first_runs, "a run key requested again started nothing"
    assert tick.status == TickStatus.SUCCESS, tick.error
    assert sorted(instance.get_dynamic_partitions("suppliers")) == codes
    runs = instance.get_runs()
    assert all(r.status == dg.DagsterRunStatus.QUEUED for r in runs)
    supplier = {
        r.tags["dagster/partition"]: r.tags["dagster/run_key"]
        for r in runs
        if r.job_name == "supplier_sync_job"
    }
    assert supplier == expected_runs(slices, codes)
    refreshes = [r.tags["dagster/run_key"] for r in runs if r.job_name == "feed_refresh_job"]
    assert refreshes == [f"feed_refresh:{index_fingerprint(slices, None)}"]
    assert len(runs) == len(codes) + 1
    assert cached_index(sqlite_env, feed) == live_body(feed)


def test_requested_run_syncs_the_index_the_sensor_saw(instance, feed, sqlite_env):
    """No feed_refresh_job ever runs: the supplier runs requested by a tick read the index that
    tick saved, on the first tick and after a change."""
    ticker = Ticker(instance)
    code = sorted(feed.generator.supplier_codes())[1]

    first = supplier_requests(ticker.tick())
    run = ticker.launch(first[code])
    assert run.success
    assert instance.get_latest_materialization_event(dg.AssetKey("promidata_index")) is None
    (mat,) = run.result.asset_materializations_for_node("supplier_index")
    assert mat.partition == code
    assert mat.metadata["slice_hash"].value == first[code].tags[SLICE_HASH_TAG]
    assert_supplier_equals_feed(sqlite_env, feed.generator, code)

    changed = feed.generator.change_families(2, code=code)
    added = feed.generator.add_families(code, 1)
    (request,) = supplier_requests(ticker.tick()).values()
    assert request.partition_key == code
    run = ticker.launch(request)
    assert run.success
    assert_supplier_equals_feed(sqlite_env, feed.generator, code)
    for sku in changed + added:
        assert_family_stored(sqlite_env, feed.generator.family(sku))
    others = {p["supplier_code"] for p in rows(sqlite_env, t.products)}
    assert others == {code}, "only the requested supplier was synced"


def test_supplier_run_without_a_stored_index_fails_clearly(instance, feed, sqlite_env):
    run = supplier_run(instance, feed.generator.supplier_codes()[0])
    assert not run.success
    failure = next(e for e in run.result.all_events if e.is_step_failure)
    assert failure.step_key == "supplier_index"
    message = failure.step_failure_data.error.message
    assert "materialize promidata_index" in message and "promidata_index_sensor" in message


def test_requested_feed_refresh_finds_the_index_unchanged(instance, feed, sqlite_env):
    """The feed refresh a tick requests catches the promidata_index asset up with a 304 (the
    sensor saved the index with its validators); the next tick is still a 304."""
    ticker = Ticker(instance)
    ticker.tick()
    feed.stats.reset()
    refreshed = refresh(instance)
    assert refreshed.success
    (mat,) = refreshed.result.asset_materializations_for_node("promidata_index")
    assert mat.metadata["not_modified"].value is True
    assert sorted(mat.metadata["supplier_slices"].value) == sorted(feed.generator.supplier_codes())
    assert feed.stats.requests["index"] == 1 and feed.stats.statuses[304] >= 1
    feed.stats.reset()
    assert ticker.tick().run_requests == [] and feed.stats.statuses == {304: 1}


def test_a_catalog_without_the_index_gets_it_again(
    instance, feed, sqlite_env, monkeypatch, tmp_path
):
    """The cursor's validators are used only while the cache holds the index they describe:
    pointed at a new catalog database, the next tick fetches the whole index and saves it
    (requesting nothing: no slice changed)."""
    ticker = Ticker(instance)
    ticker.tick()
    other = f"sqlite:///{Path(tmp_path) / 'other.sqlite'}"
    monkeypatch.setenv(settings.DATABASE_URL, other)
    feed.stats.reset()
    result = ticker.tick()
    assert feed.stats.statuses == {200: 1}
    assert result.run_requests == []
    assert cached_index(other, feed) == live_body(feed)
    feed.stats.reset()
    ticker.tick()
    assert feed.stats.statuses == {304: 1}


def test_supplier_filter_limits_partitions_and_runs(instance, feed, sqlite_env, monkeypatch):
    codes = sorted(feed.generator.supplier_codes())
    enabled, other = codes[0], codes[1]
    monkeypatch.setenv(settings.SUPPLIERS, f"{enabled}, A9999")
    ticker = Ticker(instance)

    first = ticker.tick()
    slices = live_slices(feed)
    assert added_partitions(first) == [enabled]
    assert supplier_runs(first) == expected_runs(slices, [enabled])
    assert len(feed_refreshes(first)) == 1

    feed.generator.change_families(1, code=other)
    ignored = ticker.tick()
    assert ignored.run_requests == [] and added_partitions(ignored) == []

    feed.generator.change_families(1, code=enabled)
    changed = ticker.tick()
    slices = live_slices(feed)
    assert supplier_runs(changed) == expected_runs(slices, [enabled])
    assert feed_refreshes(changed) == [f"feed_refresh:{index_fingerprint(slices, {enabled})}"]


def test_new_supplier_is_registered_and_synced_alone(instance, feed, sqlite_env):
    ticker = Ticker(instance)
    ticker.tick()
    code = feed.generator.add_supplier(3)
    discovered = ticker.tick()
    assert added_partitions(discovered) == [code]
    assert supplier_runs(discovered) == {code: f"{code}:{live_slices(feed)[code]}"}
    assert len(feed_refreshes(discovered)) == 1


def test_vanished_supplier_gets_no_run_and_keeps_its_partition(instance, feed, sqlite_env):
    ticker = Ticker(instance)
    ticker.tick()
    gone = sorted(feed.generator.supplier_codes())[0]
    feed.generator.remove_supplier(gone)
    result = ticker.tick()
    assert supplier_runs(result) == {} and added_partitions(result) == []
    assert gone not in IndexCursor.decode(ticker.cursor).requested
    assert gone in instance.get_dynamic_partitions("suppliers")


def test_vanished_supplier_is_alerted_once(instance, feed, sqlite_env, webhook):
    ticker = Ticker(instance, AlertWebhookResource(url=webhook.url))
    ticker.tick()
    gone = sorted(feed.generator.supplier_codes())[0]
    feed.generator.remove_supplier(gone)
    ticker.tick()
    ticker.tick()
    (text,) = webhook.take()
    assert text.startswith(f"promosync ALERT: supplier {gone} is no longer in Import.txt")
    assert "allow_supplier_removal" in text


def _same_but_refused(before: str | None, after: str | None) -> bool:
    """The cursor moved by nothing but the open refusal."""
    old, new = IndexCursor.decode(before), IndexCursor.decode(after)
    return new.refused is not None and old == IndexCursor(
        new.etag, new.last_modified, new.live, new.requested, old.refused
    )


def test_empty_index_requests_nothing_saves_nothing_and_keeps_the_cursor(
    instance, feed, sqlite_env
):
    ticker = Ticker(instance)
    ticker.tick()
    before, kept = ticker.cursor, cached_index(sqlite_env, feed)
    for code in feed.generator.supplier_codes():
        feed.generator.remove_supplier(code)
    result = ticker.tick()
    assert result.run_requests == []
    assert "lists no product file" in result.skip_reason.skip_message
    assert _same_but_refused(before, ticker.cursor)
    assert cached_index(sqlite_env, feed) == kept


def test_index_cut_in_transit_requests_nothing_and_saves_nothing(instance, feed, sqlite_env):
    ticker = Ticker(instance)
    ticker.tick()
    before, kept = ticker.cursor, cached_index(sqlite_env, feed)
    feed.generator.change_families(1)
    feed.set_faults([parse_fault("truncate:target=index,keep=0.96")])
    result = ticker.tick()
    assert result.run_requests == []
    assert "ends in the middle of line" in result.skip_reason.skip_message
    assert _same_but_refused(before, ticker.cursor)
    assert cached_index(sqlite_env, feed) == kept
    feed.set_faults([])
    assert len(ticker.tick().run_requests) == 2, "the whole index: one run, one feed refresh"


@pytest.mark.parametrize("damage", ["empty", "cut"])
def test_refused_index_is_alerted_once_then_recovers(instance, feed, sqlite_env, webhook, damage):
    """An empty or cut Import.txt is refused and alerted once, however many ticks see it; a
    whole index again sends one recovery message and syncs resume."""
    ticker = Ticker(instance, AlertWebhookResource(url=webhook.url))
    ticker.tick()
    if damage == "empty":
        feed.generator.replace_index(b"")
        reason = "it lists no product file"
    else:
        feed.generator.change_families(1)
        feed.set_faults([parse_fault("truncate:target=index,keep=0.96")])
        reason = "it ends in the middle of line"
    for _ in range(3):
        assert ticker.tick().run_requests == []
    (alert,) = webhook.take()
    assert alert.startswith(f"promosync ALERT: Import.txt at {feed.origin}/… refused: {reason}")
    assert "no catalog row deactivated" in alert

    feed.generator.replace_index(None)
    feed.set_faults([])
    resumed = ticker.tick()
    assert webhook.take() == [
        f"promosync RECOVERED: Import.txt is whole again "
        f"({len(feed.generator.supplier_codes())} suppliers listed)"
    ]
    if damage == "cut":
        assert len(supplier_runs(resumed)) == 1, "the changed supplier syncs"
    ticker.tick()
    assert webhook.take() == []


def test_unreachable_feed_fails_the_tick(instance, feed, sqlite_env, monkeypatch):
    monkeypatch.setenv(settings.PROMIDATA_BASE_URL, "http://127.0.0.1:9/Profiles/x")
    with pytest.raises(dg.Failure, match=r"Import\.txt could not be fetched"):
        Ticker(instance).tick()
