"""The databases the tests use: the PostgreSQL server (``PROMOSYNC_TEST_PG_URL``, default trust
auth as ``postgres`` on 127.0.0.1:5432, database ``test``), databases created on it under
random names, and the backends a catalog test runs on."""

from __future__ import annotations

import os
import uuid

import pytest
import sqlalchemy as sa

PG_ADMIN_URL = os.environ.get(
    "PROMOSYNC_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
"""The parameters of a test that runs on each catalog (or Dagster storage) backend."""


def admin_engine(url: str = PG_ADMIN_URL) -> sa.Engine:
    """An AUTOCOMMIT engine on the server's maintenance database (CREATE/DROP DATABASE)."""
    return sa.create_engine(url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5})


class Databases:
    """Databases created under random names on the server of ``admin``; :meth:`drop_all`
    drops every one of them."""

    def __init__(self, admin: sa.Engine, prefix: str = "promosync_test") -> None:
        self.admin = admin
        self.prefix = prefix
        self.names: list[str] = []

    def create(self, driver: str | None = None) -> str:
        """A new, empty database; its URL (with ``driver``, else the admin URL's)."""
        name = f"{self.prefix}_{uuid.uuid4().hex[:12]}"
        with self.admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        self.names.append(name)
        url = self.admin.url.set(database=name)
        if driver is not None:
            url = url.set(drivername=driver)
        return url.render_as_string(hide_password=False)

    def drop_all(self) -> None:
        with self.admin.connect() as conn:
            for name in self.names:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self.names.clear()


def dagster_url(url: str) -> str:
    """A PostgreSQL URL in the scheme dagster-postgres needs (psycopg2)."""
    return sa.make_url(url).set(drivername="postgresql+psycopg2").render_as_string(False)
