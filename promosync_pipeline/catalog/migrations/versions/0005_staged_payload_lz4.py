"""``staged_families.payload`` compressed with lz4 on PostgreSQL, where the server has it.

A full sync stages every family once and reads it back once, within minutes. PostgreSQL's
default compression (pglz) took 0.74 s of server CPU to store the 65 MB of a 5,000-family
supplier, lz4 0.25 s (24 MB on disk with lz4, 20 MB with pglz), while every core is busy
parsing. PostgreSQL before 14, or built without lz4, keeps its default. The choice is made
here, once: a server upgraded to lz4 later keeps the column as it is. SQLite: nothing to do.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _compression_methods(conn: sa.Connection) -> list[str]:
    """The server's TOAST compression methods; none before PostgreSQL 14 (or on SQLite)."""
    if conn.dialect.name != "postgresql":
        return []
    methods: list[str] | None = conn.execute(
        sa.text("SELECT enumvals FROM pg_settings WHERE name = 'default_toast_compression'")
    ).scalar()
    return methods or []


def upgrade() -> None:
    if "lz4" in _compression_methods(op.get_bind()):
        op.execute("ALTER TABLE staged_families ALTER COLUMN payload SET COMPRESSION lz4")


def downgrade() -> None:
    if _compression_methods(op.get_bind()):
        op.execute("ALTER TABLE staged_families ALTER COLUMN payload SET COMPRESSION DEFAULT")
