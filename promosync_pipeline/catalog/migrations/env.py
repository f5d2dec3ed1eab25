"""Alembic environment: the connection comes from the caller (see catalog.migrate)."""

from alembic import context

from promosync_pipeline.catalog.schema import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
