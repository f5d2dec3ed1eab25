"""Fixtures of the automation tests: Dagster instances on both storages, one with a run
queue."""

from collections.abc import Iterator

import dagster as dg
import pytest
import sqlalchemy as sa

INSTANCE_BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


QUEUED_RUNS = {
    "run_coordinator": {
        "module": "dagster._core.run_coordinator",
        "class": "QueuedRunCoordinator",
    }
}
"""Instance setting: submitted runs wait in the queue (no run queue daemon runs in tests)."""


def _instance(
    request: pytest.FixtureRequest, overrides: dict | None = None
) -> Iterator[dg.DagsterInstance]:
    overrides = dict(overrides or {})
    if request.param != "sqlite":
        url = sa.make_url(request.getfixturevalue("pg_url")).set(drivername="postgresql+psycopg2")
        overrides["storage"] = {"postgres": {"postgres_url": url.render_as_string(False)}}
    with dg.instance_for_test(overrides=overrides) as inst:
        yield inst


@pytest.fixture(params=INSTANCE_BACKENDS)
def instance(request: pytest.FixtureRequest) -> Iterator[dg.DagsterInstance]:
    """A Dagster instance on SQLite, and one whose run, event and schedule storage is a fresh
    PostgreSQL database (dagster-postgres, as in production)."""
    yield from _instance(request)


@pytest.fixture(params=INSTANCE_BACKENDS)
def queued_instance(request: pytest.FixtureRequest) -> Iterator[dg.DagsterInstance]:
    """The same two instances, with a run queue: the runs a sensor submits stay QUEUED."""
    yield from _instance(request, QUEUED_RUNS)
