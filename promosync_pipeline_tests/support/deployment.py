"""The production deployment on one machine: deploy/dagster.yaml on PostgreSQL and S3, a code
server and a ``dagster-daemon run`` as separate processes, each in its own folders.

The code server stands for the machine (or container) that runs the runs: the
``DefaultRunLauncher`` asks it to start each run worker, which inherits its working directory
and ``TMPDIR`` (an empty folder of its own, not the daemon's). The daemon has folders of its
own, so a file one of them leaves behind is never read by the other. Backfills launched on it
are in ``backfills.py``.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dagster as dg
import yaml

from promosync_pipeline import settings
from promosync_pipeline.feedsim import FeedGenerator, FeedServer, FeedSpec
from promosync_pipeline.io_managers import IO_BUCKET, IO_PREFIX
from promosync_pipeline.names import CATALOG_WRITE_POOL, FEED_POOL, SUPPLIER_ASSETS
from promosync_pipeline_tests.support import processes
from promosync_pipeline_tests.support.databases import dagster_url
from promosync_pipeline_tests.support.paths import BIN, DEPLOY_YAML
from promosync_pipeline_tests.support.ports import free_port

LOCATION = "promosync"
PID_IN_LOG = re.compile(r"Started process for run \(pid: (\d+)\)")


def instance_config(
    *, max_runs: int, backfill_runs: int | None = None, monitoring_poll_s: int = 2
) -> dict[str, Any]:
    """deploy/dagster.yaml as shipped, with the run queue sized and run monitoring and the
    queue polled every few seconds."""
    config = yaml.safe_load(DEPLOY_YAML.read_text())
    runs = config["concurrency"]["runs"]
    runs["max_concurrent_runs"] = max_runs
    for limit in runs["tag_concurrency_limits"]:
        if limit["key"] == "dagster/backfill":
            limit["limit"] = backfill_runs or max_runs
    # the shipped start timeout stays: on a loaded machine a run worker may take a minute to
    # start, and a run failed for that would be retried, not measured
    config["run_monitoring"]["poll_interval_seconds"] = monitoring_poll_s
    # the queue and retries are checked every second instead of every few
    config["run_coordinator"] = {
        "module": "dagster._core.run_coordinator",
        "class": "QueuedRunCoordinator",
        "config": {"dequeue_interval_seconds": 1},
    }
    return config


@dataclass
class Deployment:
    """Folders, environment and processes of one production instance."""

    root: Path
    env: dict[str, str]
    config: dict[str, Any]
    port: int = field(default_factory=free_port)
    code_server: subprocess.Popen[bytes] | None = None
    daemon: subprocess.Popen[bytes] | None = None

    @property
    def home(self) -> Path:
        return self.root / "dagster_home"

    @property
    def workspace(self) -> Path:
        return self.home / "workspace.yaml"

    def folders(self, role: str) -> tuple[Path, Path]:
        """(working directory, temp directory) of ``role``: ``worker`` or ``daemon``."""
        return self.root / role / "cwd", self.root / role / "tmp"

    def write_config(self) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        (self.home / "dagster.yaml").write_text(yaml.safe_dump(self.config))
        grpc = {"host": "127.0.0.1", "port": self.port, "location_name": LOCATION}
        self.workspace.write_text(yaml.safe_dump({"load_from": [{"grpc_server": grpc}]}))
        for role in ("worker", "daemon"):
            for folder in self.folders(role):
                folder.mkdir(parents=True, exist_ok=True)

    def process_env(self, tmp: Path) -> dict[str, str]:
        return {**os.environ, **self.env, "DAGSTER_HOME": str(self.home), "TMPDIR": str(tmp)}

    def _start(self, role: str, args: list[str]) -> subprocess.Popen[bytes]:
        cwd, tmp = self.folders(role)
        log = (self.root / f"{role}.log").open("ab")
        return subprocess.Popen(
            args,
            cwd=cwd,
            env=self.process_env(tmp),
            stdout=log,
            stderr=subprocess.STDOUT,
        )

    def start(self, timeout_s: float = 180) -> None:
        """The code server; the daemon starts with the first run or backfill submitted
        (:meth:`launch_run`, :meth:`launch_asset_backfill`)."""
        self.write_config()
        self.code_server = self._start(
            "worker",
            [str(BIN / "dagster"), "api", "grpc", "-m", "promosync_pipeline.definitions",
             "-h", "127.0.0.1", "-p", str(self.port), "--location-name", LOCATION],
        )  # fmt: skip
        self._wait_for_port(timeout_s)

    def _start_daemon(self) -> None:
        """``dagster-daemon run``, once. Its backfill loop looks for work every 30 s (fixed in
        Dagster 1.13) from the moment it starts, so it is started right after the first work
        is submitted: it takes that up within seconds instead of at its next tick."""
        if self.daemon is None:
            self.daemon = self._start(
                "daemon", [str(BIN / "dagster-daemon"), "run", "-w", str(self.workspace)]
            )

    def _wait_for_port(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.code_server is not None and self.code_server.poll() is not None:
                raise RuntimeError(f"the code server exited: {self.log('worker')[-3000:]}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.2)
        raise TimeoutError(f"the code server did not listen on port {self.port}")

    def log(self, role: str) -> str:
        path = self.root / f"{role}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        """SIGTERM both processes (the daemon first), then kill whatever of them is left."""
        tree: list[processes.Proc] = []
        for process in (self.daemon, self.code_server):
            if process is not None and process.poll() is None:
                tree += processes.descendants(process.pid)
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(10)
        for proc in processes.still_running(tree, within_s=10):
            os.kill(proc.pid, signal.SIGKILL)

    def instance(self) -> dg.DagsterInstance:
        """The instance, as seen from this process (the environment must be set here too)."""
        return dg.DagsterInstance.from_config(str(self.home))

    def cli(self, *args: str, timeout_s: float = 300) -> str:
        """A ``dagster`` or ``dagster-graphql`` command against this deployment; its stdout."""
        cwd, tmp = self.folders("daemon")
        done = subprocess.run(
            [str(BIN / args[0]), *args[1:]],
            cwd=cwd,
            env=self.process_env(tmp),
            capture_output=True,
            text=True,
            timeout=timeout_s,
        )
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(args[:3])} failed: {done.stderr[-3000:]}")
        return done.stdout

    def launch_run(self, job: str, partition: str) -> None:
        """Submit one run of ``job`` for ``partition`` to the instance's queue."""
        tags = json.dumps({"dagster/partition": partition})
        self.cli("dagster", "job", "launch", "-w", str(self.workspace), "-j", job, "--tags", tags)
        self._start_daemon()

    def launch_asset_backfill(
        self, partitions: list[str], title: str, assets: Sequence[str] = SUPPLIER_ASSETS
    ) -> str:
        """An asset backfill of ``assets`` (the supplier assets) over ``partitions`` (the
        mutation the UI sends, executed by ``dagster-graphql`` against the workspace); its
        backfill id."""
        params = {
            "assetSelection": [{"path": [key]} for key in assets],
            "partitionNames": partitions,
            "title": title,
        }
        out = self.cli(
            "dagster-graphql", "-w", str(self.workspace), "-t", LAUNCH_BACKFILL,
            "-v", json.dumps({"params": params}),
        )  # fmt: skip
        answer = json.loads(out)["data"]["launchPartitionBackfill"]
        if answer.get("__typename") != "LaunchBackfillSuccess":
            raise RuntimeError(f"the backfill was not launched: {answer}")
        self._start_daemon()
        return answer["backfillId"]


LAUNCH_BACKFILL = """mutation Launch($params: LaunchBackfillParams!) {
  launchPartitionBackfill(backfillParams: $params) {
    __typename
    ... on LaunchBackfillSuccess { backfillId }
    ... on PythonError { message }
    ... on InvalidStepError { invalidStepKey }
    ... on UnauthorizedError { message }
  }
}"""


def deployment_env(
    *, runs_url: str, catalog_url: str, feed_url: str, s3_endpoint: str, buckets: Mapping[str, str]
) -> dict[str, str]:
    """Everything the daemon, the code server and the runs read from the environment."""
    return {
        "DAGSTER_PG_URL": runs_url,
        "DAGSTER_COMPUTE_LOG_BUCKET": buckets["logs"],
        IO_BUCKET: buckets["io"],
        IO_PREFIX: "promosync/io",
        settings.IMAGE_STORE: f"s3://{buckets['images']}/catalog",
        settings.DATABASE_URL: catalog_url,
        settings.PROMIDATA_BASE_URL: feed_url,
        "AWS_ENDPOINT_URL_S3": s3_endpoint,
        "AWS_ACCESS_KEY_ID": "test-key-id",
        "AWS_SECRET_ACCESS_KEY": "test-secret-key",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
    }


@contextmanager
def running(deployment: Deployment) -> Iterator[Deployment]:
    """The code server and the daemon (from the first work submitted) for the length of the
    block; the environment of this process set as theirs meanwhile (for
    :meth:`Deployment.instance`)."""
    saved = {name: os.environ.get(name) for name in deployment.env}
    os.environ.update(deployment.env)
    try:
        deployment.start()
        yield deployment
    finally:
        deployment.stop()
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextmanager
def rehearsal(
    tmp_path: Path,
    pg_database: Callable[[], str],
    s3_endpoint: str,
    spec: FeedSpec,
    *,
    max_runs: int,
) -> Iterator[tuple[Deployment, FeedServer, str, Any, dict[str, str]]]:
    """The production instance running against a simulated feed: (deployment, feed, catalog
    URL, S3 client, buckets). Dagster's storage and the catalog are fresh PostgreSQL databases;
    step values, compute logs and images go to moto's S3."""
    s3, buckets = s3_buckets(s3_endpoint)
    catalog_url = pg_database()
    with FeedServer(FeedGenerator(spec)) as feed:
        env = deployment_env(
            runs_url=dagster_url(pg_database()),
            catalog_url=catalog_url,
            feed_url=feed.base_url,
            s3_endpoint=s3_endpoint,
            buckets=buckets,
        )
        config = instance_config(max_runs=max_runs)
        setup = Deployment(tmp_path / "deploy", env, config)
        with running(setup):
            set_pool_limits(setup, config["concurrency"]["pools"]["default_limit"])
            yield setup, feed, catalog_url, s3, buckets


def set_pool_limits(deployment: Deployment, limit: int) -> None:
    """Each pool's limit set once, before any run, as the README's deployment steps do
    (`dagster instance concurrency set`). Left to ``pools.default_limit``, Dagster 1.13 creates a
    pool's row when a step first claims it, and on PostgreSQL two runs doing that at once fail
    one of them (dagster-io/dagster#33552)."""
    instance = deployment.instance()
    try:
        for pool in (FEED_POOL, CATALOG_WRITE_POOL):
            instance.event_log_storage.set_concurrency_slots(pool, limit)
    finally:
        instance.dispose()


def worker_pid(instance: dg.DagsterInstance, run_id: str) -> int | None:
    """The pid of the run's worker process, as its launch recorded it in the event log."""
    for record in instance.all_logs(run_id):
        match = PID_IN_LOG.search(record.message or "")
        if match:
            return int(match.group(1))
    return None


def s3_buckets(endpoint: str) -> tuple[Any, dict[str, str]]:
    """A client of the S3 server at ``endpoint`` and three new buckets on it: ``logs``
    (compute logs), ``io`` (step values) and ``images`` (the image store)."""
    import boto3

    s3 = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="test-key-id",
        aws_secret_access_key="test-secret-key",
    )
    buckets = {kind: f"{kind}-{uuid.uuid4().hex[:12]}" for kind in ("logs", "io", "images")}
    for bucket in buckets.values():
        s3.create_bucket(Bucket=bucket)
    return s3, buckets
