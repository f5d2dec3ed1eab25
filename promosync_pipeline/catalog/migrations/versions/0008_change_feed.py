"""The change feed: ``catalog_changes`` (what each committed sync changed, fact by fact),
``change_previews`` (what a dry run would change) and ``products.parser_version`` (which parser
wrote a family: facts a newer parser adds are not changes of the supplier's).

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

STAMP = sa.DateTime(timezone=True)
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _fact_columns() -> list[sa.Column]:
    return [
        sa.Column("supplier_code", sa.String(64), nullable=False),
        sa.Column("product_sku", sa.String(255), nullable=False),
        sa.Column("variant_sku", sa.String(255), nullable=True),
        sa.Column("change", sa.String(16), nullable=False),
        sa.Column("field", sa.Text(), nullable=True),
        sa.Column("old_value", sa.Text(), nullable=True),
        sa.Column("new_value", sa.Text(), nullable=True),
        sa.Column("price_move", sa.Float(), nullable=True),
        sa.Column("created_at", STAMP, nullable=False),
    ]


def upgrade() -> None:
    with op.batch_alter_table("products") as batch:
        batch.add_column(sa.Column("parser_version", sa.String(16), nullable=True))
    op.create_table(
        "catalog_changes",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("sync_run_id", ID, nullable=True),
        *_fact_columns(),
        sa.CheckConstraint(
            "change IN ('added', 'removed', 'reactivated', 'changed')",
            name="ck_catalog_changes_change",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_catalog_changes"),
    )
    op.create_index("ix_catalog_changes_sync_run_id", "catalog_changes", ["sync_run_id"])
    op.create_index(
        "ix_catalog_changes_supplier_code_created_at",
        "catalog_changes",
        ["supplier_code", "created_at"],
    )
    op.create_index("ix_catalog_changes_created_at", "catalog_changes", ["created_at"])
    op.create_table(
        "change_previews",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("run_id", sa.String(64), nullable=False),
        *_fact_columns(),
        sa.PrimaryKeyConstraint("id", name="pk_change_previews"),
    )
    op.create_index("ix_change_previews_run_id", "change_previews", ["run_id"])
    op.create_index("ix_change_previews_supplier_code", "change_previews", ["supplier_code"])


def downgrade() -> None:
    op.drop_table("change_previews")
    op.drop_table("catalog_changes")
    with op.batch_alter_table("products") as batch:
        batch.drop_column("parser_version")
