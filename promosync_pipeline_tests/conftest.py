"""Shared fixtures: real PostgreSQL and SQLite catalogs, a feed simulator on loopback."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from promosync_pipeline.feedsim import FeedGenerator, FeedServer, FeedSpec

PG_ADMIN_URL = os.environ.get(
    "PROMOSYNC_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def _pg_admin() -> sa.Engine | None:
    engine = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("select 1"))
    except sa.exc.OperationalError as exc:
        engine.dispose()
        message = f"PostgreSQL is not reachable at {PG_ADMIN_URL}: {exc.orig}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true requires PostgreSQL. {message}")
        print(f"\n*** SKIPPING POSTGRESQL TESTS: {message} ***\n")
        return None
    return engine


@pytest.fixture(scope="session")
def pg_admin() -> Iterator[sa.Engine]:
    engine = _pg_admin()
    if engine is None:
        pytest.skip(f"PostgreSQL is not reachable at {PG_ADMIN_URL}")
    yield engine
    engine.dispose()


@pytest.fixture
def pg_url(pg_admin: sa.Engine) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    name = f"promosync_test_{uuid.uuid4().hex[:12]}"
    with pg_admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield sa.engine.make_url(PG_ADMIN_URL).set(database=name).render_as_string(False)
    with pg_admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=["sqlite", "postgresql"])
def catalog_url(request: pytest.FixtureRequest, tmp_path) -> str:
    """The catalog database URL, once per backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'catalog.sqlite'}"
    return request.getfixturevalue("pg_url")


@pytest.fixture
def feed_spec() -> FeedSpec:
    return FeedSpec(seed=11, suppliers=2, families=12, exact=True)


@pytest.fixture
def feed(feed_spec: FeedSpec) -> Iterator[FeedServer]:
    with FeedServer(FeedGenerator(feed_spec)) as server:
        yield server
