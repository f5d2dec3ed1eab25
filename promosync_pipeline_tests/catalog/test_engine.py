"""Database URLs and engine settings."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from promosync_pipeline.catalog import make_engine, normalize_url
from promosync_pipeline.catalog.engine import writer


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql://u:p@h/db", "postgresql+psycopg://u:p@h/db"),
        ("postgres://u@h:5433/db", "postgresql+psycopg://u@h:5433/db"),
        ("postgresql+psycopg2://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("sqlite:///x/y.sqlite", "sqlite:///x/y.sqlite"),
    ],
)
def test_a_bare_postgresql_url_means_psycopg3(url, expected):
    assert normalize_url(url) == expected


def test_sqlite_engine_creates_the_folder_and_sets_pragmas(tmp_path):
    path = tmp_path / "deep" / "er" / "catalog.sqlite"
    engine = make_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 10_000
    assert path.exists()
    engine.dispose()


def test_sqlite_in_memory_keeps_one_database(tmp_path):
    engine = make_engine("sqlite://")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE x (a INTEGER)")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM x").scalar() == 0
    engine.dispose()


def test_sqlite_writers_queue_instead_of_failing(tmp_path):
    """Write transactions lock at BEGIN, so concurrent writers wait for each other."""
    engine = make_engine(f"sqlite:///{tmp_path / 'c.sqlite'}")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE counter (n INTEGER)")
        conn.exec_driver_sql("INSERT INTO counter VALUES (0)")
    errors: list[BaseException] = []

    def bump() -> None:
        try:
            for _ in range(20):
                with writer(engine).begin() as conn:
                    n = conn.exec_driver_sql("SELECT n FROM counter").scalar_one()
                    conn.execute(sa.text("UPDATE counter SET n = :n"), {"n": n + 1})
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=bump) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT n FROM counter").scalar_one() == 80
    engine.dispose()


@pytest.mark.postgres
def test_postgresql_engine_uses_psycopg3_with_pre_ping(pg_url):
    engine = make_engine(pg_url.replace("postgresql+psycopg://", "postgresql://"))
    assert engine.dialect.driver == "psycopg"
    assert engine.pool._pre_ping
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT 1")).scalar_one() == 1
    engine.dispose()
