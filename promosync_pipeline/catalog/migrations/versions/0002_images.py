"""Images: renditions linked to their original row; source URLs and stored objects.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

STAMP = sa.DateTime(timezone=True)
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("product_images") as batch:
        batch.add_column(sa.Column("parent_id", BIG_ID, nullable=True))
    op.create_index("ix_product_images_parent_id", "product_images", ["parent_id"])
    op.create_table(
        "image_sources",
        sa.Column("source_url", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default="1", nullable=False),
        sa.Column("updated_at", STAMP, nullable=False),
        sa.PrimaryKeyConstraint("source_url", name="pk_image_sources"),
    )
    op.create_index("ix_image_sources_sha256", "image_sources", ["sha256"])
    op.create_table(
        "image_objects",
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("rendition", sa.String(32), nullable=False),
        sa.Column("storage_key", sa.Text(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("bytes", sa.BigInteger(), nullable=False),
        sa.Column("created_at", STAMP, nullable=False),
        sa.PrimaryKeyConstraint("sha256", "rendition", name="pk_image_objects"),
    )


def downgrade() -> None:
    op.drop_table("image_objects")
    op.drop_index("ix_image_sources_sha256", table_name="image_sources")
    op.drop_table("image_sources")
    op.drop_index("ix_product_images_parent_id", table_name="product_images")
    with op.batch_alter_table("product_images") as batch:
        batch.drop_column("parent_id")
