"""Asset backfills on a running deployment (``support/deployment.py``): launched as the UI
launches them, waited for, and read back from the instance once they and their runs ended."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import dagster as dg

from promosync_pipeline.names import SUPPLIER_ASSETS
from promosync_pipeline_tests.support.deployment import Deployment
from promosync_pipeline_tests.support.polling import wait_for

FINISHED_BACKFILL = {"COMPLETED", "COMPLETED_SUCCESS", "COMPLETED_FAILED", "FAILED", "CANCELED"}


@dataclass
class BackfillResult:
    """One asset backfill, read back from the instance once it and its runs ended."""

    backfill_id: str
    status: str
    wall_s: float
    """From the launch until the backfill is done and its last run has ended."""
    launched_at: float
    """Epoch seconds of the launch."""
    runs: list[Any]
    """Run records of the backfill (``start_time`` / ``end_time`` in epoch seconds)."""

    def statuses(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for record in self.runs:
            status = record.dagster_run.status.value
            counts[status] = counts.get(status, 0) + 1
        return counts

    def partitions(self) -> list[str]:
        return sorted(r.dagster_run.tags.get("dagster/partition", "?") for r in self.runs)

    def max_at_once(self) -> int:
        """The most runs running at the same moment, from their start and end times."""
        moments = []
        for record in self.runs:
            if record.start_time is not None:
                moments.append((record.start_time, 1))
                moments.append((record.end_time or float("inf"), -1))
        peak = current = 0
        for _, step in sorted(moments):  # at an equal time an end (-1) sorts first
            current += step
            peak = max(peak, current)
        return peak

    def overlapping_suppliers(self) -> list[str]:
        """Suppliers that had two runs running at once."""
        spans: dict[str, list[tuple[float, float]]] = {}
        for record in self.runs:
            if record.start_time is None:
                continue
            code = record.dagster_run.tags.get("dagster/partition", "?")
            spans.setdefault(code, []).append((record.start_time, record.end_time or float("inf")))
        return sorted(
            code
            for code, times in spans.items()
            if any(b[0] < a[1] for a, b in zip(sorted(times), sorted(times)[1:], strict=False))
        )

    def files_downloaded(self, instance: dg.DagsterInstance) -> int:
        """Product files the backfill's ``parsed_variants`` steps downloaded, from their
        materialization metadata."""
        total = 0
        for record in self.runs:
            for event in instance.get_records_for_run(
                record.dagster_run.run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION
            ).records:
                materialization = event.asset_materialization
                if materialization and materialization.asset_key.path == ["parsed_variants"]:
                    total += int(materialization.metadata["files_downloaded"].value)
        return total

    def step_processes(self, instance: dg.DagsterInstance) -> dict[str, set[int]]:
        """Run id -> the process ids its step events came from. The in-process executor runs
        every step and check of a run in the run worker; the multiprocess executor would
        start a process per step (and log ``STEP_WORKER_STARTING`` for each)."""
        pids: dict[str, set[int]] = {}
        for record in self.runs:
            run_id = record.dagster_run.run_id
            events = instance.all_logs(run_id)
            assert not any(
                e.dagster_event is not None
                and e.dagster_event.event_type == dg.DagsterEventType.STEP_WORKER_STARTING
                for e in events
            ), f"run {run_id} started a process per step"
            pids[run_id] = {
                e.dagster_event.pid
                for e in events
                if e.dagster_event is not None
                and e.dagster_event.is_step_event
                and e.dagster_event.pid is not None
            }
        return pids

    def until_last_run_end_s(self) -> float:
        """From the launch until its last run ended (the daemon notices the end later)."""
        return max(r.end_time or 0.0 for r in self.runs) - self.launched_at

    def run_seconds(self) -> list[float]:
        return sorted(r.end_time - r.start_time for r in self.runs if r.start_time and r.end_time)


def run_backfill(
    deployment: Deployment,
    instance: dg.DagsterInstance,
    partitions: list[str],
    title: str,
    timeout_s: float,
    assets: Sequence[str] = SUPPLIER_ASSETS,
    *,
    until_marked_done: bool = True,
) -> BackfillResult:
    """Launch an asset backfill of ``assets`` over ``partitions`` and wait for it.

    The daemon marks a backfill done at its first tick after the last run ended, up to 30 s
    later. Without ``until_marked_done`` the wait ends when a run per partition has ended, and
    :attr:`BackfillResult.status` is the status at that moment."""
    started, launched_at = time.monotonic(), time.time()
    backfill_id = deployment.launch_asset_backfill(partitions, title, assets)
    runs_filter = dg.RunsFilter(tags={"dagster/backfill": backfill_id})

    def finished() -> bool:
        records = instance.get_run_records(runs_filter)
        if not all(r.dagster_run.is_finished for r in records):
            return False
        if not until_marked_done:
            return len(records) >= len(partitions)
        backfill = instance.get_backfill(backfill_id)
        return backfill is not None and backfill.status.value in FINISHED_BACKFILL

    wait_for(f"backfill {title}", finished, timeout_s, poll_s=0.5)
    wall = time.monotonic() - started
    backfill = instance.get_backfill(backfill_id)
    assert backfill is not None
    records = list(instance.get_run_records(runs_filter))
    return BackfillResult(backfill_id, backfill.status.value, wall, launched_at, records)
