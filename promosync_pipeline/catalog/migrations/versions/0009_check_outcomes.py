"""``check_outcomes``: the last full evaluation of each scanning check of a supplier, carried
over by a sync that changed none of the supplier's rows.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "check_outcomes",
        sa.Column("supplier_code", sa.String(64), nullable=False),
        sa.Column("check_name", sa.String(128), nullable=False),
        sa.Column("catalog_stamp", sa.BigInteger(), nullable=False),
        sa.Column("code_digest", sa.String(32), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("severity", sa.String(8), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("check_metadata", sa.JSON().with_variant(JSONB(), "postgresql"), nullable=False),
        sa.Column("run_id", sa.String(64), nullable=False),
        sa.Column("evaluated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("supplier_code", "check_name", name="pk_check_outcomes"),
    )


def downgrade() -> None:
    op.drop_table("check_outcomes")
