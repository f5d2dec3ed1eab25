"""The sensors' decisions on plain values: index slices, cursors, incidents, message texts."""

import pytest

from promosync_pipeline.automation.alert_texts import duration, run_failed_text, stale_text
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


def test_first_tick_syncs_every_supplier():
    live = {"A1": "h1", "A2": "h2"}
    plan = plan_tick(live, requested={}, partitions=[], only=None)
    assert plan.new_partitions == ["A1", "A2"]
    assert plan.to_sync == {"A1": "h1", "A2": "h2"}
    assert plan.vanished == []
    assert plan.requested == live


def test_only_changed_slices_are_synced_on_the_tick_that_sees_them():
    plan = plan_tick(
        live={"A1": "h1", "A2": "new", "A3": "h3"},
        requested={"A1": "h1", "A2": "old", "A3": "h3"},
        partitions=["A1", "A2", "A3"],
        only=None,
    )
    assert (plan.new_partitions, plan.to_sync) == ([], {"A2": "new"})
    assert plan.requested == {"A1": "h1", "A2": "new", "A3": "h3"}
    unchanged = plan_tick(plan.requested, plan.requested, ["A1", "A2", "A3"], None)
    assert (unchanged.to_sync, unchanged.requested) == ({}, plan.requested)


def test_vanished_supplier_is_forgotten_without_a_run():
    plan = plan_tick(
        live={"A1": "h1"},
        requested={"A1": "h1", "A2": "h2"},
        partitions=["A1", "A2"],
        only=None,
    )
    assert (plan.to_sync, plan.vanished) == ({}, ["A2"])
    assert plan.requested == {"A1": "h1"}


def test_filter_restricts_partitions_and_runs():
    plan = plan_tick(
        live={"A1": "h1", "A2": "new"},
        requested={"A2": "old"},
        partitions=[],
        only={"A1", "ZZ"},
    )
    assert (plan.new_partitions, plan.to_sync) == (["A1"], {"A1": "h1"})
    assert plan.requested == {"A1": "h1", "A2": "old"}
    assert enabled_codes(["b", "a", "c"], {"c", "a"}) == ["a", "c"]


def test_fingerprint_follows_the_enabled_slices_only():
    live = {"A1": "h1", "A2": "h2"}
    assert index_fingerprint(live, None) != index_fingerprint(live, {"A1"})
    assert index_fingerprint(live, {"A1"}) == index_fingerprint({"A1": "h1", "A2": "x"}, {"A1"})


def test_feed_refresh_once_per_new_enabled_index_version():
    live = {"A1": "h1", "A2": "h2"}
    assert needs_feed_refresh(live, {}, None)
    assert not needs_feed_refresh(live, dict(live), None)
    assert needs_feed_refresh({"A1": "h1", "A2": "x"}, live, None)
    assert not needs_feed_refresh({"A1": "h1", "A2": "x"}, live, {"A1"})
    assert not needs_feed_refresh(live, {}, {"ZZ"})  # nothing enabled
    assert feed_refresh_run_key("f1") == "feed_refresh:f1"
    assert supplier_run_key("A1", "h1") == "A1:h1"


def test_cursor_round_trip_and_bad_cursors():
    cursor = IndexCursor('"e1"', "Mon, 23 Nov 2026 09:00:00 GMT", {"A1": "h"}, {"A1": "h"})
    assert IndexCursor.decode(cursor.encode()) == cursor
    refused = IndexCursor(None, None, {"A1": "h"}, {}, "it lists no product file")
    assert IndexCursor.decode(refused.encode()) == refused
    for text in (None, "", "not json", "[]", '{"v": 99}'):
        assert IndexCursor.decode(text) == IndexCursor()


def test_validators_only_while_the_cache_holds_the_index_they_describe():
    cursor = IndexCursor('"e1"', "Mon, 23 Nov 2026 09:00:00 GMT", {"A1": "h"}, {"A1": "h"})
    assert cursor.conditional_headers(stored=('"e1"', "Mon, 23 Nov 2026 09:00:00 GMT")) == {
        "If-None-Match": '"e1"',
        "If-Modified-Since": "Mon, 23 Nov 2026 09:00:00 GMT",
    }
    # no cached copy, or another one (a newer index saved by a feed refresh): full GET
    assert cursor.conditional_headers(stored=None) == {}
    assert cursor.conditional_headers(stored=('"e2"', "Mon, 23 Nov 2026 10:00:00 GMT")) == {}
    # validators without a remembered body would make a 304 useless: none are sent
    assert IndexCursor(etag='"e1"').conditional_headers(stored=('"e1"', None)) == {}
    assert IndexCursor(etag='"e1"', live={"A1": "h"}).conditional_headers(
        stored=('"e1"', None)
    ) == {"If-None-Match": '"e1"'}


def test_incident_book_opens_once_and_recovers_once():
    book = IncidentBook()
    stale = Incident("stale:A1", "alert", "recovered")
    assert book.to_open([stale]) == [stale]
    book.opened(stale)
    assert book.to_open([stale]) == [] and book.to_recover([stale]) == []
    assert book.to_recover([]) == [("stale:A1", "recovered")]
    book.recovered("stale:A1")
    assert book.to_recover([]) == []
    book.opened(stale)
    book.first_seen = {"A2": 12.5}
    assert IncidentBook.decode(book.encode()) == book
    assert IncidentBook.decode("garbage") == IncidentBook()


@pytest.mark.parametrize(
    ("now", "last", "first_seen", "expected"),
    [
        (1000, 990, 0, None),  # synced 10 s ago, window 100 s
        (1000, 800, 0, 100),  # synced 200 s ago
        (1000, None, 950, None),  # never synced, seen 50 s ago: grace
        (1000, None, 850, 50),  # never synced, seen 150 s ago
    ],
)
def test_staleness(now, last, first_seen, expected):
    assert staleness(now, last, first_seen, window_s=100) == expected


def test_texts():
    assert [duration(s) for s in (2, 600, 93600)] == ["2 s", "10 min", "26.0 h"]
    assert stale_text("A1", 0.0, 7200.0, 3600) == (
        "promosync ALERT: supplier A1 is stale: catalog_products last synced "
        "1970-01-01 00:00 UTC, 2.0 h ago (expected within 1.0 h)"
    )
    assert run_failed_text(
        "supplier_sync_job",
        "r1",
        "A1",
        [("parsed_variants", "Failure: 12 of 12 product files failed\ntraceback…"),
         ("parsed_variants", "again")],
        "run failed",
        "http://ui:3000/",
    ) == (
        "promosync ALERT: run of supplier_sync_job failed (supplier A1)\n"
        "run id: r1\n"
        "failed steps: parsed_variants\n"
        "error: Failure: 12 of 12 product files failed\n"
        "http://ui:3000/runs/r1"
    )  # fmt: skip
    assert run_failed_text("feed_refresh_job", "r2", None, [], "Run crashed", "http://ui") == (
        "promosync ALERT: run of feed_refresh_job failed (no supplier partition)\n"
        "run id: r2\n"
        "failed steps: none (run-level failure)\n"
        "error: Run crashed\n"
        "http://ui/runs/r2"
    )
