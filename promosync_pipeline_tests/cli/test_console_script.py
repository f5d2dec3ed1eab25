"""The ``promosync`` console script: the modules a command loads are out of the garbage
collector's reach, what the command allocates is collected, and its exit code is the process's."""

from __future__ import annotations

import gc
import importlib
import sys
from collections.abc import Iterator

import pytest

# the module: ``promosync_pipeline.cli.main`` as an attribute is the function it exports
cli_main = importlib.import_module("promosync_pipeline.cli.main")


@pytest.fixture
def collector_restored() -> Iterator[None]:
    yield
    gc.unfreeze()
    gc.enable()


def test_the_command_runs_with_its_modules_frozen_and_the_collector_on(
    monkeypatch: pytest.MonkeyPatch, collector_restored: None
):
    seen: dict[str, object] = {}

    def prepare(argv: list[str]):
        seen["argv"] = list(argv)
        seen["collecting_while_loading"] = gc.isenabled()

        def command() -> int:
            seen["collecting_while_running"] = gc.isenabled()
            seen["frozen_while_running"] = gc.get_freeze_count()
            return 3

        return command

    monkeypatch.setattr(cli_main, "prepare", prepare)
    monkeypatch.setattr(sys, "argv", ["promosync", "status", "--json"])
    gc.unfreeze()

    with pytest.raises(SystemExit) as exited:
        cli_main.run()

    assert exited.value.code == 3
    assert seen["argv"] == ["status", "--json"]
    assert seen["collecting_while_loading"] is False
    assert seen["collecting_while_running"] is True
    assert isinstance(seen["frozen_while_running"], int) and seen["frozen_while_running"] > 10_000
