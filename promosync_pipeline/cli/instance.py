"""The Dagster instance the CLI records its runs in: the one ``dg dev`` shows.

With ``DAGSTER_HOME`` set, that instance. Without it, the embedded default: ``dagster.yaml`` of
the working directory (as ``dg dev`` run from the repository root reads it), with
``.promosync/dagster`` as the instance folder.

``promosync`` never sends Dagster usage telemetry, so it never prints Dagster's telemetry
notice either, whatever the instance's ``dagster.yaml`` says. A fresh ``DAGSTER_HOME`` (no
``dagster.yaml``) gets a minimal one that turns telemetry off, so ``dg dev`` started on
the same folder afterwards is as quiet and does not warn about the missing file.
"""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg

# The public DagsterInstance.get() / from_config() take no config overrides and no config
# folder apart from the instance folder; InstanceRef.from_dir does both.
from dagster._core.instance.ref import InstanceRef

from promosync_pipeline import settings

NO_TELEMETRY = {"telemetry": {"enabled": False}}
FRESH_INSTANCE_YAML = """\
# Dagster instance created by promosync: Dagster's default storage in this folder.
telemetry:
  enabled: false
"""


def embedded_home() -> Path:
    home = Path(settings.STATE_DIR, "dagster").resolve()
    home.mkdir(parents=True, exist_ok=True)
    return home


def prepare_home(home: Path) -> Path:
    """Create ``home`` if needed and give it a ``dagster.yaml`` when it has none."""
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        config.write_text(FRESH_INSTANCE_YAML, encoding="utf-8")
    return home


def get_instance() -> dg.DagsterInstance:
    if home := os.environ.get("DAGSTER_HOME"):
        path = str(prepare_home(Path(home).resolve()))
        return dg.DagsterInstance.from_ref(InstanceRef.from_dir(path, overrides=NO_TELEMETRY))
    embedded = embedded_home()
    config_dir = Path.cwd() if Path("dagster.yaml").exists() else embedded
    return dg.DagsterInstance.from_ref(
        InstanceRef.from_dir(str(embedded), config_dir=str(config_dir), overrides=NO_TELEMETRY)
    )


def describe_instance() -> str:
    if os.environ.get("DAGSTER_HOME"):
        return f"DAGSTER_HOME={os.environ['DAGSTER_HOME']}"
    config = "./dagster.yaml" if Path("dagster.yaml").exists() else "Dagster defaults"
    return f"{embedded_home()} ({config})"
