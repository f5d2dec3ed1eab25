"""The command ``promosync demo`` prints to open the web UI (the browser tests serve it)."""

from promosync_pipeline.cli.demo import ui_command
from promosync_pipeline_tests.support.paths import DG, ROOT
from promosync_pipeline_tests.support.ui.dagster_dev import dg_project


def test_in_a_dg_project_it_is_plain_dg_dev_with_the_project_as_dagster_home(tmp_path, monkeypatch):
    """The repository root is a dg project: ``dg dev`` needs no target there, and
    DAGSTER_HOME on the project makes its ``dagster.yaml`` the instance and dg's telemetry
    setting. ``ui/`` serves exactly this command for the browser flows."""
    project = dg_project(tmp_path / "project", (ROOT / "dagster.yaml").read_text())
    monkeypatch.chdir(project)
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    assert ui_command() == f"cd {project} && DAGSTER_HOME={project} {DG} dev"


def test_elsewhere_it_names_the_code_location_and_the_instance_in_use(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    home = tmp_path / "home"
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    expected = f"cd {tmp_path} && DAGSTER_HOME={home} {DG} dev -m promosync_pipeline.definitions"
    assert ui_command() == expected
