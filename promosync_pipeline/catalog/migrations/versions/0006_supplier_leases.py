"""The supplier lease (``supplier_leases``) and the lineage of a sync run
(``sync_runs.root_run_id``).

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

STAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "supplier_leases",
        sa.Column("supplier_code", sa.String(64), nullable=False),
        sa.Column("holder", sa.String(255), nullable=False),
        sa.Column("run_id", sa.String(64), nullable=True),
        sa.Column("acquired_at", STAMP, nullable=False),
        sa.Column("heartbeat_at", STAMP, nullable=False),
        sa.Column("expires_at", STAMP, nullable=False),
        sa.PrimaryKeyConstraint("supplier_code", name="pk_supplier_leases"),
    )
    with op.batch_alter_table("sync_runs") as batch:
        batch.add_column(sa.Column("root_run_id", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sync_runs") as batch:
        batch.drop_column("root_run_id")
    op.drop_table("supplier_leases")
