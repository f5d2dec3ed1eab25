"""Dagster instances: the production one on PostgreSQL + S3 (deploy/dagster.yaml), the embedded
one (dagster.yaml), and the S3 IO manager for values passed between steps."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import dagster as dg
import pytest
import sqlalchemy as sa
import yaml

from promosync_pipeline.catalog import Catalog, make_engine
from promosync_pipeline.feedsim import FeedServer
from promosync_pipeline.io_managers import IO_BUCKET, IO_PREFIX
from promosync_pipeline_tests.support.databases import dagster_url
from promosync_pipeline_tests.support.deployment import s3_buckets
from promosync_pipeline_tests.support.paths import DAGSTER, DEPLOY_YAML, EMBEDDED_YAML
from promosync_pipeline_tests.support.syncs import sync


def dagster_runs(url: str) -> list[tuple[str, str, str]]:
    """(run_id, pipeline_name, status) of the runs table, read with plain SQL."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            query = sa.text("SELECT run_id, pipeline_name, status FROM runs ORDER BY id")
            return [tuple(r) for r in conn.execute(query)]
    finally:
        engine.dispose()


def active_products(url: str, code: str) -> int:
    engine = make_engine(url)
    try:
        return Catalog(engine).reads.active_count(code)
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_supplier_sync_on_an_instance_stored_in_postgres(
    pg_env: str, pg_database: Callable[[], str], feed: FeedServer
) -> None:
    deploy = yaml.safe_load(DEPLOY_YAML.read_text())
    assert deploy["storage"] == {"postgres": {"postgres_url": {"env": "DAGSTER_PG_URL"}}}
    runs_url = dagster_url(pg_database())
    storage = {"postgres": {"postgres_url": runs_url}}  # the deploy section, env resolved
    code = feed.generator.supplier_codes()[0]
    with dg.instance_for_test(overrides={"storage": storage}) as instance:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        assert type(instance.event_log_storage).__name__ == "PostgresEventLogStorage"
        assert type(instance.schedule_storage).__name__ == "PostgresScheduleStorage"
        (run,) = sync(instance, [code]).values()
        assert run.success
        assert code in instance.get_dynamic_partitions("suppliers")
        run_id = run.result.run_id
    stored = {run_id: (job, status) for run_id, job, status in dagster_runs(runs_url)}
    assert stored[run_id] == ("supplier_sync_job", "SUCCESS")
    assert ("feed_refresh_job", "SUCCESS") in stored.values()
    assert active_products(pg_env, code) == len(feed.generator.family_skus(code))


@pytest.fixture
def deploy_home(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    pg_database: Callable[[], str],
    s3_endpoint: str,
) -> Iterator[dict[str, Any]]:
    """A DAGSTER_HOME holding deploy/dagster.yaml as shipped, its environment set: a fresh
    PostgreSQL database, a compute-log bucket and an IO bucket on the test S3 server."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(DEPLOY_YAML, home / "dagster.yaml")
    runs_url = dagster_url(pg_database())
    s3, buckets = s3_buckets(s3_endpoint)
    env = {
        "DAGSTER_HOME": str(home),
        "DAGSTER_PG_URL": runs_url,
        "DAGSTER_COMPUTE_LOG_BUCKET": buckets["logs"],
        "AWS_ENDPOINT_URL_S3": s3_endpoint,
        "AWS_ACCESS_KEY_ID": "test-key-id",
        "AWS_SECRET_ACCESS_KEY": "test-secret-key",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    yield {"home": home, "runs_url": runs_url, "s3": s3, "buckets": buckets, "env": env}


@pytest.mark.postgres
def test_deploy_yaml_loads_with_postgres_and_s3(deploy_home: dict[str, Any]) -> None:
    instance = dg.DagsterInstance.from_config(str(deploy_home["home"]))
    try:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        assert type(instance.event_log_storage).__name__ == "PostgresEventLogStorage"
        assert type(instance.schedule_storage).__name__ == "PostgresScheduleStorage"
        assert type(instance.compute_log_manager).__name__ == "S3ComputeLogManager"
        assert type(instance.run_coordinator).__name__ == "QueuedRunCoordinator"
        queue = instance.get_concurrency_config().run_queue_config
        assert queue.max_concurrent_runs == 4
        limits = {limit["key"]: limit for limit in queue.tag_concurrency_limits}
        assert limits["dagster/partition"]["limit"] == 1
        assert limits["dagster/partition"]["value"] == {"applyLimitPerUniqueValue": True}
        assert limits["dagster/backfill"]["limit"] == 3
        assert instance.run_retries_enabled and instance.run_retries_max_retries == 2
        assert not instance.run_retries_retry_on_asset_or_op_failure
        assert instance.run_monitoring_enabled
        # the compute-log manager reaches its bucket through AWS_ENDPOINT_URL_S3
        manager: Any = instance.compute_log_manager
        manager._s3_session.head_bucket(Bucket=deploy_home["buckets"]["logs"])
    finally:
        instance.dispose()
    # the CLI reads the same file
    out = subprocess.run(
        [str(DAGSTER), "instance", "info"],
        env={**os.environ, **deploy_home["env"]},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    # (`instance info` prints compute_logs as NoneType even when configured)
    assert "run_storage: PostgresRunStorage" in out
    assert "event_log_storage: PostgresEventLogStorage" in out


@pytest.mark.postgres
def test_sync_on_the_deploy_instance_keeps_step_values_in_s3(
    deploy_home: dict[str, Any],
    pg_env: str,
    feed: FeedServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(IO_BUCKET, deploy_home["buckets"]["io"])
    monkeypatch.setenv(IO_PREFIX, "promosync/io")
    code = feed.generator.supplier_codes()[0]
    instance = dg.DagsterInstance.from_config(str(deploy_home["home"]))
    try:
        (run,) = sync(instance, [code]).values()
        assert run.success
        run_id = run.result.run_id
    finally:
        instance.dispose()
    assert (run_id, "supplier_sync_job", "SUCCESS") in dagster_runs(deploy_home["runs_url"])
    listing = deploy_home["s3"].list_objects_v2(Bucket=deploy_home["buckets"]["io"])
    keys = {o["Key"] for o in listing.get("Contents", [])}
    # the supplier steps' values, each under its supplier; promidata_index keeps Import.txt in
    # the catalog's feed cache and has no value to store
    assert {k for k in keys if not k.endswith(f"/{code}")} == set()
    assert {f"promosync/io/{name}/{code}" for name in ("supplier_index", "parsed_variants")} <= keys
    assert active_products(pg_env, code) == len(feed.generator.family_skus(code))


def test_io_manager_defaults_to_the_instance_storage(
    env: str, feed: FeedServer, instance: dg.DagsterInstance, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(IO_BUCKET, raising=False)
    code = feed.generator.supplier_codes()[0]
    (run,) = sync(instance, [code]).values()
    assert run.success
    assert (Path(instance.storage_directory()) / "supplier_index" / code).is_file()


@pytest.mark.parametrize("source", [EMBEDDED_YAML, DEPLOY_YAML], ids=["embedded", "deploy"])
def test_run_queue_limits_match(source: Path) -> None:
    """deploy/dagster.yaml keeps the embedded instance's queue, retry and monitoring rules."""
    config = yaml.safe_load(source.read_text())
    embedded = yaml.safe_load(EMBEDDED_YAML.read_text())
    for section in ("concurrency", "run_retries", "run_monitoring"):
        assert config[section] == embedded[section], section


def test_embedded_yaml_loads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # its folders are relative to the working directory
    shutil.copy(EMBEDDED_YAML, tmp_path / "dagster.yaml")
    out = subprocess.run(
        [str(DAGSTER), "instance", "info"],
        env={**os.environ, "DAGSTER_HOME": str(tmp_path)},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    assert "max_concurrent_runs: 4" in out and "applyLimitPerUniqueValue: true" in out
    instance = dg.DagsterInstance.from_config(str(tmp_path))
    try:
        assert instance.get_concurrency_config().run_queue_config.max_concurrent_runs == 4
        assert instance.run_retries_enabled and instance.run_monitoring_enabled
    finally:
        instance.dispose()
