"""``sync_runs.index_entries``: how many product files the supplier's slice of the index listed
when the sync started.

The coverage check compares the active products with it, so the catalog answers for itself
without reading another asset's materialization metadata. NULL for runs recorded before.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sync_runs") as batch:
        batch.add_column(sa.Column("index_entries", sa.Integer, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sync_runs") as batch:
        batch.drop_column("index_entries")
