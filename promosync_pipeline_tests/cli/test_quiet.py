"""``promosync`` prints its own output only: no Dagster telemetry notice, no warning about the
instance's configuration, whatever ``DAGSTER_HOME`` points at."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from promosync_pipeline_tests.support.cli import cli_env, run_cli

DAGSTER_NOISE = ("Telemetry", "Welcome to Dagster", "No dagster instance configuration file")


def _assert_quiet(output: str) -> None:
    found = [text for text in DAGSTER_NOISE if text in output]
    assert not found, f"Dagster noise {found} in:\n{output[-3000:]}"
    assert "Warning" not in output, output[-3000:]


@pytest.mark.parametrize("home_state", ["missing", "empty folder", "dagster.yaml with telemetry"])
def test_sync_on_any_dagster_home_prints_no_dagster_notice(feed, tmp_path, home_state):
    home = tmp_path / "dagster-home"
    if home_state != "missing":
        home.mkdir()
    if home_state == "dagster.yaml with telemetry":
        (home / "dagster.yaml").write_text("telemetry:\n  enabled: true\n")
    env = cli_env(feed.base_url, f"sqlite:///{tmp_path}/c.sqlite", home)
    code = feed.generator.supplier_codes()[0]
    result = run_cli("sync", code, "--skip-images", env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    _assert_quiet(result.stdout + result.stderr)
    assert not (home / ".telemetry" / "id.yaml").exists(), "telemetry was set up"
    config = yaml.safe_load((home / "dagster.yaml").read_text())
    if home_state == "dagster.yaml with telemetry":
        assert config == {"telemetry": {"enabled": True}}, "a user's dagster.yaml was changed"
    else:
        assert config == {"telemetry": {"enabled": False}}


def test_doctor_on_a_fresh_dagster_home_prints_no_dagster_notice(tmp_path: Path):
    env = cli_env("http://127.0.0.1:9/", f"sqlite:///{tmp_path}/c.sqlite", tmp_path / "home")
    result = run_cli("doctor", env=env, cwd=tmp_path)
    assert "dagster: DAGSTER_HOME=" in result.stdout, result.stdout + result.stderr
    _assert_quiet(result.stdout + result.stderr)
