"""The catalog of the catalog tests: a :class:`~promosync_pipeline.catalog.Catalog` on a
migrated, empty database, once per backend (databases come from the top level)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from promosync_pipeline.catalog import Catalog, make_engine, upgrade
from promosync_pipeline_tests.support.catalog import empty
from promosync_pipeline_tests.support.databases import BACKENDS


@pytest.fixture(scope="session")
def migrated_pg_catalog(pg_database: Callable[[], str]) -> Iterator[sa.Engine]:
    """One migrated PostgreSQL catalog for the session, emptied by each test that takes it."""
    engine = make_engine(pg_database())
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def pg_catalog(migrated_pg_catalog: sa.Engine) -> sa.Engine:
    """A migrated, empty PostgreSQL catalog's engine."""
    empty(migrated_pg_catalog)
    return migrated_pg_catalog


@pytest.fixture(params=BACKENDS)
def catalog_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sa.Engine]:
    """A migrated, empty catalog's engine, once per backend."""
    if request.param == "postgresql":
        yield request.getfixturevalue("pg_catalog")
        return
    sqlite = make_engine(f"sqlite:///{tmp_path / 'catalog.sqlite'}")
    upgrade(sqlite)
    yield sqlite
    sqlite.dispose()


@pytest.fixture
def catalog(catalog_engine: sa.Engine) -> Catalog:
    """The catalog on :func:`catalog_engine`."""
    return Catalog(catalog_engine)
