"""Engines for the catalog: PostgreSQL through psycopg 3, or an SQLite file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import URL, make_url
from sqlalchemy.pool import StaticPool

SQLITE_BUSY_TIMEOUT_S = 30.0
"""How long an SQLite writer waits for another one before giving up."""
IMMEDIATE = "promosync_sqlite_immediate"
"""Execution option: an SQLite transaction that takes the write lock when it begins."""

_PG_PREFIXES = ("postgresql://", "postgres://", "postgresql+psycopg2://")


def normalize_url(url: str | URL) -> str:
    """The URL with a bare ``postgresql://`` / ``postgres://`` taken as psycopg 3.

    ``postgresql+psycopg2://`` (the Dagster storage scheme, easily copied over) is mapped to
    psycopg 3 as well: the bulk writes use psycopg 3's COPY.
    """
    text = url.render_as_string(hide_password=False) if isinstance(url, URL) else url
    for prefix in _PG_PREFIXES:
        if text.startswith(prefix):
            return "postgresql+psycopg://" + text[len(prefix) :]
    return text


def is_postgres(engine: sa.Engine | sa.Connection) -> bool:
    return engine.dialect.name == "postgresql"


def make_engine(url: str | URL, *, echo: bool = False) -> sa.Engine:
    """An engine for ``url`` with the settings the catalog relies on.

    PostgreSQL: psycopg 3 with ``pool_pre_ping`` (long-lived processes outlive connections).
    SQLite: the file's folder is created; WAL, foreign keys and a busy timeout are set on every
    connection; transactions are begun explicitly so that writers queue on the busy timeout
    instead of failing with "database is locked" when a read lock cannot be upgraded.
    Both read JSON columns with orjson (the change feed reads back every row of the families
    a sync rewrites).
    """
    parsed = make_url(normalize_url(url))
    if parsed.get_backend_name() != "sqlite":
        return sa.create_engine(
            parsed, pool_pre_ping=True, echo=echo, json_deserializer=orjson.loads
        )
    database = parsed.database or ""
    in_memory = database in ("", ":memory:") or database.startswith("file::memory:")
    options: dict[str, Any] = {
        "connect_args": {"timeout": SQLITE_BUSY_TIMEOUT_S, "check_same_thread": False},
        "json_deserializer": orjson.loads,
    }
    if in_memory:
        options["poolclass"] = StaticPool
    else:
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(parsed, echo=echo, **options)
    _configure_sqlite(engine, wal=not in_memory)
    return engine


def _configure_sqlite(engine: sa.Engine, *, wal: bool) -> None:
    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Leave BEGIN to us (see _on_begin): the driver's implicit BEGIN comes too late.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if wal:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(SQLITE_BUSY_TIMEOUT_S * 1000)}")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(connection: sa.Connection) -> None:
        immediate = connection.get_execution_options().get(IMMEDIATE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def writer(engine: sa.Engine) -> sa.Engine:
    """The engine to open write transactions with: on SQLite they lock at BEGIN."""
    if engine.dialect.name == "sqlite":
        return engine.execution_options(**{IMMEDIATE: True})
    return engine
