"""Migrated catalog engines and stores, once per backend (databases come from the top level)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from promosync_pipeline.catalog import Catalog, make_engine, upgrade
from promosync_pipeline_tests.support.catalog import empty
from promosync_pipeline_tests.support.databases import BACKENDS


@pytest.fixture(scope="session")
def pg_catalog(pg_database: Callable[[], str]) -> Iterator[sa.Engine]:
    """One migrated PostgreSQL catalog for the session (emptied before each test)."""
    engine = make_engine(pg_database())
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sa.Engine]:
    """A migrated, empty catalog, once per backend."""
    if request.param == "postgresql":
        pg = request.getfixturevalue("pg_catalog")
        empty(pg)
        yield pg
        return
    sqlite = make_engine(f"sqlite:///{tmp_path / 'catalog.sqlite'}")
    upgrade(sqlite)
    yield sqlite
    sqlite.dispose()


@pytest.fixture
def store(engine: sa.Engine) -> Catalog:
    return Catalog(engine)
