"""promidata_index_sensor against the feed simulator over HTTP and a real Dagster instance."""

import dagster as dg
import httpx
import pytest

from promosync_pipeline import settings
from promosync_pipeline.automation.index_watch import IndexCursor, index_fingerprint
from promosync_pipeline.definitions import defs
from promosync_pipeline.feedsim import FeedServer, FeedSpec
from promosync_pipeline.promidata import parse_index
from promosync_pipeline.promidata.index import slice_hash
from promosync_pipeline.resources import PromidataResource
from promosync_pipeline.sensors import INDEX_HASH_TAG, build_promidata_index_sensor

QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
sensor = build_promidata_index_sensor(300)


class Ticker:
    """Evaluates the sensor the way the daemon does between ticks: keeps the cursor and applies
    the partition requests to the instance."""

    def __init__(self, instance: dg.DagsterInstance) -> None:
        self.instance = instance
        self.cursor: str | None = None

    def tick(self) -> dg.SensorResult:
        context = dg.build_sensor_context(
            instance=self.instance,
            cursor=self.cursor,
            resources={"promidata": PromidataResource()},
        )
        result = sensor(context)
        assert isinstance(result, dg.SensorResult)
        for request in result.dynamic_partitions_requests or []:
            self.instance.add_dynamic_partitions(
                request.partitions_def_name, request.partition_keys
            )
        if result.cursor is not None:
            self.cursor = result.cursor
        return result

    def refresh_feed(self) -> None:
        """What the daemon would do with the requested feed_refresh_job run."""
        job = defs.resolve_job_def("feed_refresh_job")
        assert job.execute_in_process(instance=self.instance, run_config=QUIET).success


@pytest.fixture
def feed_spec() -> FeedSpec:
    return FeedSpec(seed=11, suppliers=3, families=6, exact=True)


def live_slices(feed: FeedServer) -> dict[str, str]:
    report = parse_index(httpx.get(feed.index_url).content)
    return {code: slice_hash(entries) for code, entries in report.by_supplier().items()}


def supplier_runs(result: dg.SensorResult) -> dict[str, str]:
    """partition key -> run key of the supplier_sync_job requests."""
    return {
        r.partition_key: r.run_key
        for r in result.run_requests or []
        if r.job_name == "supplier_sync_job"
    }


def feed_refreshes(result: dg.SensorResult) -> list[str]:
    return [r.run_key for r in result.run_requests or [] if r.job_name == "feed_refresh_job"]


def added_partitions(result: dg.SensorResult) -> list[str]:
    return [k for r in result.dynamic_partitions_requests or [] for k in r.partition_keys]


def test_discovers_every_supplier_then_requests_only_changed_ones(instance, feed, env):
    ticker = Ticker(instance)
    codes = sorted(feed.generator.supplier_codes())
    slices = live_slices(feed)

    first = ticker.tick()
    assert added_partitions(first) == codes
    assert supplier_runs(first) == {}
    assert feed_refreshes(first) == [f"feed_refresh:{index_fingerprint(slices, None)}:0"]
    (refresh,) = first.run_requests
    assert refresh.tags[INDEX_HASH_TAG] == index_fingerprint(slices, None)

    ticker.refresh_feed()
    feed.stats.reset()
    second = ticker.tick()
    assert feed.stats.statuses == {304: 1}
    assert supplier_runs(second) == {code: f"{code}:{slices[code]}" for code in codes}
    assert added_partitions(second) == feed_refreshes(second) == []

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

    behind = ticker.tick()
    assert supplier_runs(behind) == {}
    assert feed_refreshes(behind) == [f"feed_refresh:{index_fingerprint(changed, None)}:0"]
    repeated = ticker.tick()
    assert supplier_runs(repeated) == {} and feed_refreshes(repeated) == feed_refreshes(behind)

    ticker.refresh_feed()
    caught_up = ticker.tick()
    assert supplier_runs(caught_up) == {a: f"{a}:{changed[a]}", b: f"{b}:{changed[b]}"}
    assert feed_refreshes(caught_up) == []
    assert ticker.tick().run_requests == []


def test_supplier_filter_limits_partitions_and_runs(instance, feed, env, monkeypatch):
    codes = sorted(feed.generator.supplier_codes())
    enabled, other = codes[0], codes[1]
    monkeypatch.setenv(settings.SUPPLIERS, f"{enabled}, A9999")
    ticker = Ticker(instance)

    first = ticker.tick()
    assert added_partitions(first) == [enabled]
    ticker.refresh_feed()  # the index asset itself registers every code it lists
    slices = live_slices(feed)
    assert supplier_runs(ticker.tick()) == {enabled: f"{enabled}:{slices[enabled]}"}

    feed.generator.change_families(1, code=other)
    ignored = ticker.tick()
    assert ignored.run_requests == [] and added_partitions(ignored) == []

    feed.generator.change_families(1, code=enabled)
    assert len(feed_refreshes(ticker.tick())) == 1
    ticker.refresh_feed()
    slices = live_slices(feed)
    assert supplier_runs(ticker.tick()) == {enabled: f"{enabled}:{slices[enabled]}"}


def test_new_supplier_is_registered_and_synced_alone(instance, feed, env):
    ticker = Ticker(instance)
    ticker.tick()
    ticker.refresh_feed()
    ticker.tick()
    code = feed.generator.add_supplier(3)
    discovered = ticker.tick()
    assert added_partitions(discovered) == [code]
    assert supplier_runs(discovered) == {} and len(feed_refreshes(discovered)) == 1
    ticker.refresh_feed()
    assert supplier_runs(ticker.tick()) == {code: f"{code}:{live_slices(feed)[code]}"}


def test_vanished_supplier_gets_no_run_and_keeps_its_partition(instance, feed, env):
    ticker = Ticker(instance)
    ticker.tick()
    ticker.refresh_feed()
    ticker.tick()
    gone = sorted(feed.generator.supplier_codes())[0]
    feed.generator.remove_supplier(gone)
    result = ticker.tick()
    assert result.run_requests == [] and added_partitions(result) == []
    assert gone not in IndexCursor.decode(ticker.cursor).requested
    assert gone in instance.get_dynamic_partitions("suppliers")


def test_feed_refresh_waits_for_one_in_flight_and_retries_a_failed_one(instance, feed, env):
    ticker = Ticker(instance)
    job = defs.resolve_job_def("feed_refresh_job")
    fingerprint = index_fingerprint(live_slices(feed), None)
    tags = {INDEX_HASH_TAG: fingerprint}
    pending = instance.create_run_for_job(job, tags=tags, status=dg.DagsterRunStatus.NOT_STARTED)
    assert feed_refreshes(ticker.tick()) == []

    instance.report_run_failed(pending)
    assert feed_refreshes(ticker.tick()) == [f"feed_refresh:{fingerprint}:1"]


def test_empty_index_requests_nothing_and_keeps_the_cursor(instance, feed, env):
    ticker = Ticker(instance)
    ticker.tick()
    ticker.refresh_feed()
    ticker.tick()
    before = ticker.cursor
    for code in feed.generator.supplier_codes():
        feed.generator.remove_supplier(code)
    result = ticker.tick()
    assert result.run_requests == []
    assert "lists no product file" in result.skip_reason.skip_message
    assert ticker.cursor == before


def test_unreachable_feed_fails_the_tick(instance, feed, env, monkeypatch):
    monkeypatch.setenv(settings.PROMIDATA_BASE_URL, "http://127.0.0.1:9/Profiles/x")
    with pytest.raises(dg.Failure, match=r"Import\.txt could not be fetched"):
        Ticker(instance).tick()
