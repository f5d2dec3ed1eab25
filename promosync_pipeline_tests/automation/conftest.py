"""The automation tests run on both Dagster storages: each test that takes ``instance`` or
``queued_instance`` runs once on SQLite and once on PostgreSQL."""

import pytest

from promosync_pipeline_tests.support.databases import BACKENDS


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    for name in ("instance", "queued_instance"):
        if name in metafunc.fixturenames:
            metafunc.parametrize(name, BACKENDS, indirect=True)
