"""``dg dev`` (webserver and daemon) on a temporary instance, as a process group that is
always killed at the end."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import httpx

from promosync_pipeline_tests.support.paths import DG, ROOT
from promosync_pipeline_tests.support.ports import free_port

INSTANCE_YAML = """\
telemetry:
  enabled: false
run_coordinator:
  module: dagster.core.run_coordinator
  class: QueuedRunCoordinator
  config:
    dequeue_interval_seconds: 1
"""
"""Dagster's default storage in the folder; the queue is polled every second so that runs
launched from the UI start without waiting."""


@dataclass(frozen=True)
class DagsterDev:
    url: str
    log: Path
    process: subprocess.Popen[bytes]


def _wait_until_serving(dev: DagsterDev, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if dev.process.poll() is not None:
            raise RuntimeError(f"dg dev exited with {dev.process.returncode}; see {dev.log}")
        try:
            if httpx.get(f"{dev.url}/server_info", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"dg dev did not serve {dev.url} within {timeout_s:.0f}s; see {dev.log}")


def _stop(process: subprocess.Popen[bytes], grace_s: float = 10) -> None:
    """SIGTERM to the whole process group (webserver, daemon, code server, run workers), then
    SIGKILL for whatever is left after the grace period."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    with suppress(subprocess.TimeoutExpired):
        process.wait(grace_s)
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(10)


def dg_project(folder: Path, instance_yaml: str) -> Path:
    """A dg project like the repository root in ``folder``: its ``pyproject.toml`` (dg builds
    the workspace from ``[tool.dg]``), the package and the venv linked, and ``instance_yaml`` as
    the ``dagster.yaml`` that the command ``promosync demo`` prints makes the instance."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "pyproject.toml", folder / "pyproject.toml")
    for name in (".venv", "promosync_pipeline"):
        (folder / name).symlink_to(ROOT / name)
    (folder / "dagster.yaml").write_text(instance_yaml, encoding="utf-8")
    return folder


@contextmanager
def dagster_dev(workdir: Path, env: dict[str, str], timeout_s: float = 180) -> Iterator[DagsterDev]:
    """``dg dev`` as ``promosync demo`` prints it (plain ``dg dev`` in the project, with
    ``DAGSTER_HOME`` on the project), in a copy of the project whose instance is fresh; its
    output goes to ``workdir / "dg-dev.log"``."""
    project = dg_project(workdir / "project", INSTANCE_YAML)
    env = {**os.environ, **env, "DAGSTER_HOME": str(project)}
    env.pop("VIRTUAL_ENV", None)
    port = free_port()
    log = workdir / "dg-dev.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(DG), "dev", "-h", "127.0.0.1", "-p", str(port)],
            cwd=project,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    dev = DagsterDev(f"http://127.0.0.1:{port}", log, process)
    try:
        _wait_until_serving(dev, timeout_s)
        yield dev
    finally:
        _stop(process)
