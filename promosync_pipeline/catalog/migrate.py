"""Schema migrations, driven from code: no alembic.ini is needed at run time.

Several processes may start at once (the run workers of concurrent supplier runs) and all
call :func:`upgrade`: on PostgreSQL an advisory lock makes them take turns, on SQLite the
write lock taken at BEGIN does; whoever comes second finds the schema at head.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from promosync_pipeline.catalog.engine import make_engine, writer

MIGRATIONS = Path(__file__).with_name("migrations")
ADVISORY_LOCK_ID = 0x70726F6D6F
"""Arbitrary constant ("promo"): the PostgreSQL advisory lock held while migrating."""


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise RuntimeError(f"no migrations found in {MIGRATIONS}")
    return head


def current_revision(engine: sa.Engine) -> str | None:
    """The revision the database is at; None for a database without the catalog schema."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine_or_url: sa.Engine | str, revision: str = "head") -> str | None:
    """Bring the schema to ``revision`` (a no-op when it is there already).

    Returns the revision the database is at afterwards.
    """
    engine = make_engine(engine_or_url) if isinstance(engine_or_url, str) else engine_or_url
    try:
        target = head_revision() if revision == "head" else revision
        if current_revision(engine) == target:
            return target
        config = alembic_config()
        with writer(engine).begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(
                    sa.text("SELECT pg_advisory_xact_lock(:id)"), {"id": ADVISORY_LOCK_ID}
                )
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
        return current_revision(engine)
    finally:
        if engine is not engine_or_url:
            engine.dispose()
