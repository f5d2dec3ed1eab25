"""A run worker killed with ``kill -9`` on the production instance: the run is failed and
retried by the daemon, the retried steps read their inputs from S3 although every local file
of the instance was removed in between, and the supplier ends equal to the feed."""

from __future__ import annotations

import os
import shutil
import signal
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import dagster as dg
import pytest

from promosync_pipeline.catalog import schema as t
from promosync_pipeline.feedsim import FeedServer, FeedSpec, parse_fault
from promosync_pipeline_tests.support import processes
from promosync_pipeline_tests.support.catalog import rows
from promosync_pipeline_tests.support.catalog_vs_feed import assert_whole_families
from promosync_pipeline_tests.support.deployment import Deployment, rehearsal, worker_pid
from promosync_pipeline_tests.support.polling import wait_for
from promosync_pipeline_tests.support.syncs import TEST_CLIENT, refresh

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

JOB = "supplier_sync_job"
KEPT = {"dagster.yaml", "workspace.yaml"}
"""The instance's configuration: the only files of DAGSTER_HOME a machine is given."""


@pytest.fixture
def deployment(
    tmp_path: Path, pg_database: Callable[[], str], s3_endpoint: str
) -> Iterator[tuple[Deployment, FeedServer, str, Any, dict[str, str]]]:
    spec = FeedSpec(seed=53, suppliers=1, families=20, exact=True, image_size=(120, 90))
    with rehearsal(tmp_path, pg_database, s3_endpoint, spec, max_runs=2) as parts:
        yield parts


def _local_files(deployment: Deployment) -> list[Path]:
    """Every file the instance and its run workers keep on this machine."""
    worker_cwd, worker_tmp = deployment.folders("worker")
    found = [p for p in deployment.home.rglob("*") if p.is_file() and p.name not in KEPT]
    for folder in (worker_cwd, worker_tmp):
        found += [p for p in folder.rglob("*") if p.is_file()]
    return found


def _remove_local_files(deployment: Deployment) -> None:
    """Empty the run workers' folders (kept themselves: the code server works in them) and
    DAGSTER_HOME but for its configuration."""
    worker_cwd, worker_tmp = deployment.folders("worker")
    entries = [*worker_cwd.iterdir(), *worker_tmp.iterdir()]
    entries += [e for e in deployment.home.iterdir() if e.name not in KEPT]
    for entry in entries:
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()


def _events(instance: dg.DagsterInstance, run_id: str, kind: dg.DagsterEventType) -> list:
    return [
        record.event_log_entry.dagster_event
        for record in instance.get_records_for_run(run_id, of_type=kind).records
    ]


def _step_keys(instance: dg.DagsterInstance, run_id: str, kind: dg.DagsterEventType) -> set[str]:
    return {event.step_key for event in _events(instance, run_id, kind)}


def _errors(instance: dg.DagsterInstance, run_id: str) -> str:
    """The run's failure and engine messages, with their errors, for a failure message."""
    out = []
    for entry in instance.all_logs(run_id):
        event = entry.dagster_event
        if event and (event.is_failure or event.event_type == dg.DagsterEventType.ENGINE_EVENT):
            data = event.event_specific_data
            error = getattr(data, "error", None)
            out.append(
                f"{event.event_type_value}: {entry.message} {error.to_string() if error else ''}"
            )
    return "\n".join(out)[-4000:]


def _retries_of(instance: dg.DagsterInstance, run_id: str) -> list[dg.DagsterRun]:
    return list(instance.get_runs(dg.RunsFilter(tags={"dagster/parent_run_id": run_id})))


def _proc_cwd_and_tmp(pid: int) -> tuple[Path, str]:
    environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    tmp = next((e[7:].decode() for e in environ if e.startswith(b"TMPDIR=")), "")
    return Path(os.readlink(f"/proc/{pid}/cwd")), tmp


def test_killed_run_worker_is_retried_from_s3_with_no_local_file_left(deployment) -> None:
    setup, feed, catalog_url, s3, buckets = deployment
    (code,) = feed.generator.supplier_codes()
    instance = setup.instance()
    try:
        assert refresh(instance, TEST_CLIENT).success  # the kept index and the supplier partitions
        # one product file held back: the first run cannot get past parsed_variants before it
        # is killed, however quickly it downloads the rest
        held = feed.generator.family_skus(code)[0]
        feed.set_faults([parse_fault(f"hold:delay=240,sku={held}")])
        setup.launch_run(JOB, code)
        run = wait_for(
            "the supplier run to start",
            lambda: next(
                iter(instance.get_runs(dg.RunsFilter(job_name="supplier_sync_job"))), None
            ),
            timeout_s=120,
        )
        pid = wait_for("the run worker's pid", lambda: worker_pid(instance, run.run_id), 180)
        worker_cwd, worker_tmp = setup.folders("worker")
        daemon_cwd, daemon_tmp = setup.folders("daemon")
        assert _proc_cwd_and_tmp(pid) == (worker_cwd, str(worker_tmp))
        assert (worker_cwd, worker_tmp) != (daemon_cwd, daemon_tmp)
        # killed while it downloads: supplier_index is done, its value in S3
        wait_for(
            "parsed_variants to start in the first run",
            lambda: (
                "parsed_variants"
                in _step_keys(instance, run.run_id, dg.DagsterEventType.STEP_START)
            ),
            timeout_s=240,
            poll_s=0.05,
        )
        tree = [processes.Proc(pid, 0, "run worker"), *processes.descendants(pid)]
        os.kill(pid, signal.SIGKILL)
        feed.set_faults([])
        feed.release()

        _remove_local_files(setup)
        assert _local_files(setup) == []
        assert _retries_of(instance, run.run_id) == [], "retried before the files were removed"
        assert processes.still_running(tree[1:], within_s=5) == []

        done_in_first = _step_keys(instance, run.run_id, dg.DagsterEventType.STEP_SUCCESS)
        assert done_in_first == {"supplier_index"}, done_in_first
        failed = wait_for(
            "the killed run to be marked failed",
            lambda: (r := instance.get_run_by_id(run.run_id)).is_finished and r,
            timeout_s=60,
        )
        assert failed.status == dg.DagsterRunStatus.FAILURE
        retry = wait_for(
            "the daemon to retry the run",
            lambda: next(iter(_retries_of(instance, run.run_id)), None),
            timeout_s=120,
        )
        retry = wait_for(
            "the retry to finish",
            lambda: (r := instance.get_run_by_id(retry.run_id)).is_finished and r,
            timeout_s=300,
            poll_s=1,
        )
        assert retry.status == dg.DagsterRunStatus.SUCCESS, _errors(instance, retry.run_id)
        assert retry.tags["dagster/partition"] == code

        # the retry ran only what the crash left undone, reading the rest from S3
        ran = _step_keys(instance, retry.run_id, dg.DagsterEventType.STEP_START)
        assert ran and not ran & done_in_first, (ran, done_in_first)
        loaded = _events(instance, retry.run_id, dg.DagsterEventType.LOADED_INPUT)
        from_first = {
            e.event_specific_data.upstream_step_key
            for e in loaded
            if e.event_specific_data.upstream_step_key in done_in_first
        }
        assert from_first, f"no input of the first run was loaded: {loaded}"
        listing = s3.list_objects_v2(Bucket=buckets["io"], Prefix="promosync/io/")
        keys = {o["Key"] for o in listing.get("Contents", [])}
        for step in from_first:
            assert f"promosync/io/{step}/{code}" in keys
        assert not (setup.home / "storage").exists(), "a step value was written locally"
        assert not [p for p in _local_files(setup) if p.name == code], _local_files(setup)

        families = [feed.generator.family(sku) for sku in feed.generator.family_skus(code)]
        assert_whole_families(catalog_url, families)
        active = {r["sku"] for r in rows(catalog_url, t.products, t.products.c.is_active)}
        assert active == set(feed.generator.family_skus(code))
        assert {r["status"] for r in rows(catalog_url, t.product_images)} == {"stored"}
    finally:
        instance.dispose()
