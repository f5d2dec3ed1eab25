"""The run launcher files in deploy/ load with their launcher's own config schema, and each
gives a valid instance when merged into deploy/dagster.yaml. No cluster is reached: nothing
here instantiates a launcher."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import pytest
import yaml

# Validating a launcher's config block and an instance folder against Dagster's own schemas has
# no public API in 1.13; these are the functions `dagster instance info` and the launchers use.
from dagster._config import process_config
from dagster._core.instance.config import dagster_instance_config

from promosync_pipeline_tests.support.paths import ROOT

DEPLOY = ROOT / "deploy"
LAUNCHERS = {
    "run_launcher.ecs.yaml": ("dagster_aws.ecs", "EcsRunLauncher"),
    "run_launcher.k8s.yaml": ("dagster_k8s", "K8sRunLauncher"),
}


def _launcher_errors(block: dict[str, Any]) -> list[str]:
    """The messages of the launcher's own config validation of ``block['config']``."""
    launcher = getattr(importlib.import_module(block["module"]), block["class"])
    result = process_config(launcher.config_type(), block.get("config") or {})
    return [error.message for error in result.errors or []]


@pytest.mark.parametrize("name", sorted(LAUNCHERS))
def test_run_launcher_file_matches_its_launcher_schema(name: str) -> None:
    section = yaml.safe_load((DEPLOY / name).read_text())["run_launcher"]
    assert (section["module"], section["class"]) == LAUNCHERS[name]
    assert _launcher_errors(section) == []


@pytest.mark.parametrize("name", sorted(LAUNCHERS))
def test_a_misspelt_launcher_field_is_refused(name: str) -> None:
    section = yaml.safe_load((DEPLOY / name).read_text())["run_launcher"]
    section["config"]["not_a_launcher_field"] = True
    errors = _launcher_errors(section)
    assert any("not_a_launcher_field" in message for message in errors), errors


@pytest.mark.parametrize("name", sorted(LAUNCHERS))
def test_deploy_instance_with_the_launcher_is_valid(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DAGSTER_PG_URL", "postgresql+psycopg2://dagster@db:5432/dagster")
    monkeypatch.setenv("DAGSTER_COMPUTE_LOG_BUCKET", "promosync-logs")
    merged = {
        **yaml.safe_load((DEPLOY / "dagster.yaml").read_text()),
        **yaml.safe_load((DEPLOY / name).read_text()),
    }
    (tmp_path / "dagster.yaml").write_text(yaml.safe_dump(merged))
    config, _ = dagster_instance_config(str(tmp_path))
    assert config["run_launcher"]["class"] == LAUNCHERS[name][1]
    # the run rules that make one run per supplier hold with every launcher
    queue = config["concurrency"]["runs"]
    limits = {limit["key"]: limit for limit in queue["tag_concurrency_limits"]}
    assert limits["dagster/partition"]["limit"] == 1
    assert config["run_retries"]["enabled"] and config["run_monitoring"]["enabled"]


def test_readme_points_at_the_files_instead_of_copying_them() -> None:
    readme = (ROOT / "README.md").read_text()
    for name in LAUNCHERS:
        assert f"deploy/{name}" in readme
    assert "class: EcsRunLauncher" not in readme and "class: K8sRunLauncher" not in readme
