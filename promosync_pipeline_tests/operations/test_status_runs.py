"""The board's read of the Dagster instance: each supplier's latest ``supplier_sync_job`` run."""

from __future__ import annotations

import uuid

import dagster as dg

from promosync_pipeline.cli.status import RECENT_RUNS_PER_SUPPLIER, latest_supplier_runs


def _run(instance: dg.DagsterInstance, code: str, status: str, job: str = "supplier_sync_job"):
    run = dg.DagsterRun(
        job_name=job,
        run_id=str(uuid.uuid4()),
        tags={"dagster/partition": code},
        status=dg.DagsterRunStatus(status),
    )
    instance.add_run(run)
    return run.run_id


def test_latest_run_per_supplier_also_beyond_the_recent_runs(instance: dg.DagsterInstance):
    quiet = _run(instance, "Q1", "FAILURE")  # synced once, long ago
    _run(instance, "A1", "SUCCESS")
    a1 = _run(instance, "A1", "STARTED")
    busy = [_run(instance, "B2", "SUCCESS") for _ in range(RECENT_RUNS_PER_SUPPLIER * 3 + 1)]
    _run(instance, "A1", "FAILURE", job="feed_refresh_job")  # another job: not a sync
    _run(instance, "Z9", "SUCCESS")  # not asked for

    latest = latest_supplier_runs(instance, ["A1", "B2", "NONE", "Q1"])

    assert {code: (r.run_id, r.status) for code, r in latest.items()} == {
        "A1": (a1, "STARTED"),
        "B2": (busy[-1], "SUCCESS"),
        "Q1": (quiet, "FAILURE"),
    }
    assert latest_supplier_runs(instance, []) == {}
