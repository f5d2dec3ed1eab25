"""Faults of the source, over real HTTP: the sync either recovers or refuses, and loses nothing.

Also covered elsewhere: random 429/5xx bursts (``pipeline/test_sync.py::
test_429_and_5xx_bursts_are_retried_and_the_sync_succeeds``), the client's retry rules
(``http/test_client.py``), the empty / mostly-lost / vanished-supplier guards driven by feed
mutations (``pipeline/test_sync.py::test_empty_index_is_refused_and_deactivates_nothing``,
``…::test_index_that_lost_most_of_a_supplier_is_refused``,
``…::test_supplier_missing_from_the_index_keeps_its_catalog``).
"""

import itertools
import time

import pytest

from promosync_pipeline.feedsim import parse_fault
from promosync_pipeline_tests.support.catalog import active_skus, open_errors
from promosync_pipeline_tests.support.catalog_vs_feed import assert_nothing_lost
from promosync_pipeline_tests.support.syncs import TEST_CLIENT, sync

pytestmark = pytest.mark.feed(seed=17, suppliers=1, families=10)


def _product_log(feed):
    return [(at, path, status) for at, path, status in feed.stats.log if "/Products/" in path]


def test_429_storm_honours_retry_after_caps_it_and_pauses_every_request(instance, feed, sqlite_env):
    """Every product file answers 429 twice (``Retry-After: 0.4``) before it is served: the sync
    succeeds; each retry of a file waits at least the 0.4 s asked for; the pause holds back
    every request, not only the throttled one (no request starts while it runs); the client
    counts exactly the 429s the server sent; the request rate is halved once per burst and
    climbs back as files succeed (``rate_decreases``, ``lowest_requests_per_s``,
    ``final_requests_per_s`` in the metadata). A ``Retry-After: 3600`` is capped (here at 0.3 s):
    the sync is not held hostage."""
    feed.set_faults([parse_fault("429:times=2,retry_after=0.4")])
    runs = sync(
        instance,
        promidata=TEST_CLIENT
        | {"max_in_flight": 4, "requests_per_second": 200.0, "retry_after_cap_s": 5.0},
        images=False,
    )
    (run,) = runs.values()
    assert run.success, run.error()
    stats = run.metadata["parsed_variants"]
    files = len(feed.generator.all_skus())
    assert stats["throttled_429"] == feed.stats.statuses[429] == 2 * files
    assert stats["retries"] == 2 * files and stats["fetch_failures"] == 0
    # the limiter halves the rate once per burst, not once per 429, and wins it back
    assert 1 <= stats["rate_decreases"] < stats["throttled_429"]
    assert stats["lowest_requests_per_s"] <= 100.0, "halved at least once from 200/s"
    assert stats["final_requests_per_s"] > stats["lowest_requests_per_s"], "it recovers"

    log = _product_log(feed)
    by_path: dict[str, list[tuple[float, int]]] = {}
    for at, path, status in log:
        by_path.setdefault(path, []).append((at, status))
    for path, answers in by_path.items():
        assert [s for _, s in answers] == [429, 429, 200], path
        gaps = [b[0] - a[0] for a, b in itertools.pairwise(answers)]
        assert min(gaps) >= 0.4 - 0.05, (path, gaps)
    first_429 = min(at for at, _, status in log if status == 429)
    during_pause = [at for at, _, _ in log if first_429 + 0.1 < at < first_429 + 0.35]
    assert during_pause == [], "requests started while Retry-After paused the client"
    assert_nothing_lost(sqlite_env, feed.generator)

    feed.generator.change_families(3)
    feed.set_faults([parse_fault("429:times=1,retry_after=3600")])
    started = time.monotonic()
    runs = sync(instance, promidata=TEST_CLIENT | {"retry_after_cap_s": 0.3}, images=False)
    assert all(r.success for r in runs.values())
    assert time.monotonic() - started < 60
    assert_nothing_lost(sqlite_env, feed.generator)


def test_5xx_bursts_are_retried_and_a_file_that_never_recovers_is_recorded(
    instance, feed, sqlite_env
):
    """Every file answers 503 twice, then is served: retried until it is (and counted). One file
    that answers 500 every time fails alone after ``max_attempts``: it is recorded in
    ``sync_errors`` (stage ``download``, "HTTP 500 after 3 attempts"), every other family
    commits, and a later sync against a healthy source commits it too."""
    broken = feed.generator.all_skus()[4]
    feed.set_faults([parse_fault(f"5xx:status=500,sku={broken}"), parse_fault("5xx:times=2")])
    runs = sync(
        instance,
        promidata=TEST_CLIENT | {"max_attempts": 3},
        parse={"max_failure_share": 0.5},
        images=False,
    )
    (run,) = runs.values()
    assert run.success, run.error()
    files = len(feed.generator.all_skus())
    assert feed.stats.statuses[503] == 2 * (files - 1)
    assert run.metadata["parsed_variants"]["retries"] == 2 * (files - 1) + 2
    error = open_errors(sqlite_env)[broken]
    assert error["stage"] == "download" and "HTTP 500 after 3 attempts" in error["error"]
    assert_nothing_lost(sqlite_env, feed.generator)

    feed.set_faults([])
    sync(instance, promidata=TEST_CLIENT, images=False)
    assert open_errors(sqlite_env) == {}
    assert_nothing_lost(sqlite_env, feed.generator)


def test_hanging_responses_time_out_and_are_retried(instance, feed, sqlite_env):
    """Responses that hang: the read timeout (0.5 s here) fires instead of waiting. The index
    hanging once and files hanging once are retried and succeed; a file that hangs every time
    is recorded ("timed out") after its attempts, quickly, and every other family commits."""
    skus = feed.generator.all_skus()
    stuck = skus[2]
    feed.set_faults(
        [
            parse_fault("slow:target=index,times=1,delay=5"),
            parse_fault(f"slow:sku={stuck},delay=5"),
            parse_fault("slow:times=1,delay=5,rate=0.5"),
        ]
    )
    started = time.monotonic()
    runs = sync(
        instance,
        promidata=TEST_CLIENT | {"read_timeout_s": 0.5, "max_attempts": 2},
        parse={"max_failure_share": 0.5},
        images=False,
    )
    elapsed = time.monotonic() - started
    (run,) = runs.values()
    assert runs.refresh.success and run.success, run.error()
    assert feed.stats.requests["index"] >= 2
    error = open_errors(sqlite_env)[stuck]
    assert error["stage"] == "download" and "timed out" in error["error"]
    assert set(open_errors(sqlite_env)) == {stuck}
    assert elapsed < 45
    assert_nothing_lost(sqlite_env, feed.generator)


def test_connections_dropped_mid_body_are_retried(instance, feed, sqlite_env):
    """The connection drops a third of the way into the body (Content-Length promised more):
    never taken for a complete file. Index and files dropped once are retried and succeed; a
    file whose connection always drops is recorded ("connection failed") and the rest commit."""
    skus = feed.generator.all_skus()
    cut = skus[5]
    feed.set_faults(
        [
            parse_fault("drop:target=index,times=1"),
            parse_fault(f"drop:sku={cut}"),
            parse_fault("drop:times=1"),
        ]
    )
    runs = sync(
        instance,
        promidata=TEST_CLIENT | {"max_attempts": 3},
        parse={"max_failure_share": 0.5},
        images=False,
    )
    (run,) = runs.values()
    assert runs.refresh.success and run.success, run.error()
    assert run.metadata["parsed_variants"]["retries"] >= len(skus) - 1
    error = open_errors(sqlite_env)[cut]
    assert error["stage"] == "download" and "connection failed" in error["error"]
    assert active_skus(sqlite_env) == set(skus) - {cut}
    assert_nothing_lost(sqlite_env, feed.generator)
