"""The Dagster instance the CLI records its runs in (the one ``dagster dev`` shows)."""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg

from promosync_pipeline import settings


def dagster_home() -> Path:
    """``DAGSTER_HOME``, or ``.promosync/dagster`` under the working directory when unset."""
    home = os.environ.get("DAGSTER_HOME")
    if not home:
        home = str(Path(settings.STATE_DIR, "dagster").resolve())
        os.environ["DAGSTER_HOME"] = home
    path = Path(home)
    path.mkdir(parents=True, exist_ok=True)
    return path


def get_instance() -> dg.DagsterInstance:
    dagster_home()
    return dg.DagsterInstance.get()
