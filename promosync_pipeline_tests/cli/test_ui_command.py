"""The command ``promosync demo`` prints to open the web UI, run as a user pastes it."""

import os
import shlex
import shutil

import httpx

from promosync_pipeline.cli.demo import ui_command
from promosync_pipeline_tests.ui.dagster_dev import ROOT, serving


def test_the_printed_dg_dev_command_serves_the_embedded_instance_without_a_warning(
    tmp_path, monkeypatch
):
    """In a dg project like the repository root (its pyproject.toml, dagster.yaml and
    workspace.yaml; the package and the venv linked), without DAGSTER_HOME: the printed
    command is plain ``dg dev`` with DAGSTER_HOME on the project, and it serves the UI with no
    warning, no telemetry notice, on the storage of the embedded ``dagster.yaml``."""
    for name in ("pyproject.toml", "dagster.yaml", "workspace.yaml"):
        shutil.copy(ROOT / name, tmp_path / name)
    for name in (".venv", "promosync_pipeline"):
        (tmp_path / name).symlink_to(ROOT / name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    printed = ui_command()
    assert printed.startswith(f"cd {tmp_path} && DAGSTER_HOME={tmp_path} ")
    assert printed.endswith("/dg dev"), "the repository root is a dg project: no -m needed"

    command = shlex.split(printed.split("&&", 1)[1])
    assignment, command = command[0], command[1:]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DAGSTER_", "VIRTUAL_ENV"))}
    env["DAGSTER_HOME"] = assignment.split("=", 1)[1]
    env["HOME"] = str(tmp_path / "user")  # no dg user configuration, no earlier notice
    log = tmp_path / "dg-dev.log"
    with serving(command, tmp_path, env, tmp_path, log, timeout_s=180) as dev:
        locations = httpx.post(
            f"{dev.url}/graphql",
            json={
                "query": "{ workspaceOrError { ... on Workspace { locationEntries { name } } } }"
            },
            timeout=30,
        ).json()["data"]["workspaceOrError"]["locationEntries"]
    assert [entry["name"] for entry in locations] == ["promosync"]
    printed_output = log.read_text(encoding="utf-8", errors="replace")
    assert "Serving dagster-webserver" in printed_output
    for unwanted in ("Warning", "Telemetry", "does not match the virtual environment"):
        assert unwanted not in printed_output, printed_output[-3000:]
    assert (tmp_path / ".promosync" / "dagster" / "storage").is_dir()
