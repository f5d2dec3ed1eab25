"""Unsettled images: a partial index on the ``pending`` and ``failed`` image rows.

Only ``original`` rows are ever ``pending`` or ``failed``, and once a catalog's images are
stored there are few of them: the index stays small, and finding them (``uploaded_images``, the
status board) no longer reads every image row.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

UNSETTLED = sa.text("status IN ('pending', 'failed')")


def upgrade() -> None:
    op.create_index(
        "ix_product_images_unsettled",
        "product_images",
        ["product_sku", "status"],
        sqlite_where=UNSETTLED,
        postgresql_where=UNSETTLED,
    )


def downgrade() -> None:
    op.drop_index("ix_product_images_unsettled", table_name="product_images")
