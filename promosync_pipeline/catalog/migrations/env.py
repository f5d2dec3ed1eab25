"""Alembic environment of the catalog.

promosync passes an open connection in ``config.attributes["connection"]`` (see
``catalog.migrate``). To write a new revision against a scratch database, set
``sqlalchemy.url`` instead::

    config = alembic_config()
    config.set_main_option("sqlalchemy.url", url)
    alembic.command.revision(config, "add x", autogenerate=True)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context

from promosync_pipeline.catalog.engine import make_engine
from promosync_pipeline.catalog.schema import metadata


def _run(connection: sa.Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    url = context.config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("set config.attributes['connection'] or sqlalchemy.url")
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            _run(conn)
    finally:
        engine.dispose()
