"""Run the installed ``promosync`` command as a separate process."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from promosync_pipeline import settings
from promosync_pipeline_tests.support.paths import PROMOSYNC


def cli_env(base_url: str, database_url: str, dagster_home: Path) -> dict[str, str]:
    """This process's environment with the feed, the catalog and ``DAGSTER_HOME`` set."""
    return {
        **os.environ,
        settings.PROMIDATA_BASE_URL: base_url,
        settings.DATABASE_URL: database_url,
        "DAGSTER_HOME": str(dagster_home),
    }


def run_cli(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """``promosync *args`` to its end (5 minutes at most), its output captured."""
    return subprocess.run(
        [PROMOSYNC, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=300
    )


def start_cli(
    *args: str, env: dict[str, str], cwd: Path, new_session: bool = False
) -> subprocess.Popen[str]:
    """``promosync *args`` started, not waited for (its output discarded). With
    ``new_session`` it leads a session and process group of its own, with every process it
    starts: ``os.killpg(process.pid, ...)`` ends them all at once, as a dying container
    would."""
    return subprocess.Popen(
        [PROMOSYNC, *args],
        env=env,
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=new_session,
    )
