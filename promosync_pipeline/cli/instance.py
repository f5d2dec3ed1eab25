"""The Dagster instance the CLI records its runs in: the one ``dagster dev`` shows.

With ``DAGSTER_HOME`` set, that instance. Without it, the embedded default: ``dagster.yaml`` of
the working directory (as ``dagster dev`` run from the repository root reads it), with
``.promosync/dagster`` as the instance folder.
"""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg
from dagster._core.instance.ref import InstanceRef

from promosync_pipeline import settings


def embedded_home() -> Path:
    home = Path(settings.STATE_DIR, "dagster").resolve()
    home.mkdir(parents=True, exist_ok=True)
    return home


def get_instance() -> dg.DagsterInstance:
    if home := os.environ.get("DAGSTER_HOME"):
        Path(home).mkdir(parents=True, exist_ok=True)
        return dg.DagsterInstance.get()
    embedded = embedded_home()
    config_dir = Path.cwd() if Path("dagster.yaml").exists() else embedded
    return dg.DagsterInstance.from_ref(
        InstanceRef.from_dir(str(embedded), config_dir=str(config_dir))
    )


def describe_instance() -> str:
    if os.environ.get("DAGSTER_HOME"):
        return f"DAGSTER_HOME={os.environ['DAGSTER_HOME']}"
    config = "./dagster.yaml" if Path("dagster.yaml").exists() else "Dagster defaults"
    return f"{embedded_home()} ({config})"
