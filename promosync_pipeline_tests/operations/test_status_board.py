"""The status board's rules: outcome of the latest sync, freshness, what comes first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from promosync_pipeline.catalog import SyncRun
from promosync_pipeline.catalog.status import SupplierState
from promosync_pipeline.cli.status_board import (
    LatestRun,
    board_json,
    build_rows,
    needs_action,
    outcome,
    render_table,
)

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
WINDOW_S = 26 * 3600.0


def sync_run(status: str, started: datetime, run_id: str = "r1", **counts: int) -> SyncRun:
    finished = None if status == "running" else started + timedelta(minutes=5)
    return SyncRun(1, "X", run_id, started, finished, status, counts, 300.0, None)


def state(
    code: str,
    *,
    synced_h_ago: float | None = 1,
    run: SyncRun | None = None,
    errors: dict[str, int] | None = None,
    pending: int = 0,
    failed: int = 0,
    seen_h_ago: float = 100,
) -> SupplierState:
    last = None if synced_h_ago is None else NOW - timedelta(hours=synced_h_ago)
    if run is None and last is not None:
        run = sync_run("success", last - timedelta(minutes=5))
    return SupplierState(
        code=code,
        first_seen_at=NOW - timedelta(hours=seen_h_ago),
        last_synced_at=last,
        active_products=10,
        last_run=run,
        open_errors=errors or {},
        images_pending=pending,
        images_failed=failed,
    )


def test_rows_put_what_needs_attention_first_then_sort_by_code():
    states = [
        state("OK1"),
        state("PEND", pending=3),
        state("IMGF", failed=1, pending=5),
        state("ERR", errors={"parse": 1}),
        state("STALE2", synced_h_ago=30),
        state("STALE1", synced_h_ago=27, pending=1),
        state("FAIL", run=sync_run("failed", NOW, families_failed=2), errors={"parse": 2}),
        state("FAILSTALE", synced_h_ago=40, run=sync_run("failed", NOW)),
        state("NEW", synced_h_ago=None, seen_h_ago=1),
        state("NEVER", synced_h_ago=None, seen_h_ago=27),
        state("OK0"),
    ]
    rows = build_rows(states, {}, NOW, WINDOW_S)
    assert [(r.code, r.attention) for r in rows] == [
        ("FAIL", "failed"),
        ("FAILSTALE", "failed"),
        ("NEVER", "stale"),
        ("STALE1", "stale"),
        ("STALE2", "stale"),
        ("ERR", "errors"),
        ("IMGF", "images failed"),
        ("PEND", "images pending"),
        ("NEW", "ok"),
        ("OK0", "ok"),
        ("OK1", "ok"),
    ]
    assert needs_action(rows)
    assert not needs_action([r for r in rows if r.attention not in ("failed", "stale")])


def test_freshness_is_the_alert_sensor_s_window():
    (fresh, stale) = build_rows(
        [state("A", synced_h_ago=25.9), state("B", synced_h_ago=26.5)], {}, NOW, WINDOW_S
    )[::-1]
    assert (fresh.code, fresh.stale, fresh.overdue_s) == ("A", False, None)
    assert (stale.code, stale.stale, stale.overdue_s) == ("B", True, pytest.approx(1800))
    table = render_table([stale, fresh], NOW, WINDOW_S)
    assert "STALE, 26.5 h ago" in table and "fresh, 25.9 h ago" in table
    assert "freshness window 26.0 h" in table


@pytest.mark.parametrize(
    ("catalog", "dagster", "expected"),
    [
        # the catalog alone
        (sync_run("success", NOW), None, ("success", "")),
        (sync_run("failed", NOW, families_failed=3), None, ("failed", "3 families failed")),
        (sync_run("running", NOW), None, ("running", "")),
        (None, None, ("never", "never synced")),
        # the same run: the worse of both (the image step failed after the catalog write)
        (sync_run("success", NOW), LatestRun("r1", "FAILURE", NOW), ("failed", "run r1 failure")),
        (sync_run("failed", NOW), LatestRun("r1", "SUCCESS", NOW), ("failed", "0 families failed")),
        (sync_run("running", NOW), LatestRun("r1", "STARTED", NOW), ("running", "run r1 started")),
        # a newer run that failed before it reached the catalog
        (
            sync_run("success", NOW - timedelta(hours=2)),
            LatestRun("r2", "FAILURE", NOW),
            ("failed", "run r2 failure"),
        ),
        (None, LatestRun("r2", "CANCELED", NOW), ("failed", "run r2 canceled")),
        (None, LatestRun("r2", "QUEUED", NOW), ("running", "run r2 queued")),
        # a run of another instance, older than the catalog's row, does not count
        (
            sync_run("success", NOW, run_id="r9"),
            LatestRun("r2", "FAILURE", NOW - timedelta(days=1)),
            ("success", ""),
        ),
    ],
)
def test_outcome_of_the_latest_sync(catalog, dagster, expected):
    supplier = state("X", run=catalog) if catalog else state("X", synced_h_ago=None)
    result, _, detail = outcome(supplier, dagster)
    assert (result, detail) == expected


def test_a_partition_the_catalog_does_not_know_is_listed_and_not_judged():
    (row,) = build_rows([], {"N1": LatestRun("r3", "FAILURE", NOW)}, NOW, WINDOW_S, ["N1"])
    assert (row.code, row.outcome, row.stale, row.attention, row.active_products) == (
        "N1",
        "failed",
        False,
        "failed",
        0,
    )


def test_json_carries_every_column():
    rows = build_rows(
        [state("A", errors={"parse": 2, "image": 1}, pending=4, failed=1, synced_h_ago=30)],
        {},
        NOW,
        WINDOW_S,
    )
    board = board_json(rows, NOW, WINDOW_S)
    assert board["needs_action"] is True and board["freshness_hours"] == 26
    (row,) = board["suppliers"]
    assert row == {
        "code": "A",
        "attention": "stale",
        "last_sync_at": (NOW - timedelta(hours=30)).isoformat(),
        "outcome": "success",
        "outcome_detail": "",
        "run_id": "r1",
        "active_products": 10,
        "open_errors": {"parse": 2, "image": 1},
        "open_errors_total": 3,
        "images_pending": 4,
        "images_failed": 1,
        "last_catalog_write_at": (NOW - timedelta(hours=30)).isoformat(),
        "fresh": False,
        "overdue_hours": 4.0,
    }
