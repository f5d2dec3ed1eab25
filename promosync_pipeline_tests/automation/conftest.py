"""The automation tests run on both Dagster storages: each test that takes ``instance`` or
``queued_instance`` runs once on SQLite and once on PostgreSQL."""

from collections.abc import Iterator

import dagster as dg
import pytest

from promosync_pipeline_tests.conftest import BACKENDS, dagster_instance

QUEUED_RUNS = {
    "run_coordinator": {
        "module": "dagster._core.run_coordinator",
        "class": "QueuedRunCoordinator",
    }
}
"""Instance setting: submitted runs wait in the queue (no run queue daemon runs in tests)."""


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    for name in ("instance", "queued_instance"):
        if name in metafunc.fixturenames:
            metafunc.parametrize(name, BACKENDS, indirect=True)


@pytest.fixture
def queued_instance(request: pytest.FixtureRequest) -> Iterator[dg.DagsterInstance]:
    """An instance with a run queue: the runs a sensor submits stay QUEUED."""
    yield from dagster_instance(request, QUEUED_RUNS)
