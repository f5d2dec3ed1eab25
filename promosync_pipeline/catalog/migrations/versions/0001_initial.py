"""Initial catalog schema: the contract tables plus promosync's working tables.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
MONEY = sa.Numeric(precision=12, scale=4)
STAMP = sa.DateTime(timezone=True)
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
NOW = sa.text("CURRENT_TIMESTAMP")
RUN_COUNTS = (
    "families_new",
    "families_changed",
    "families_unchanged",
    "families_removed",
    "families_failed",
    "variants_written",
    "price_tiers_written",
    "images_uploaded",
    "images_failed",
    "files_downloaded",
    "requests",
    "retries",
)


def upgrade() -> None:
    op.create_table(
        "suppliers",
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("is_active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("last_synced_at", STAMP, nullable=True),
        sa.Column("last_sync_status", sa.String(32), nullable=True),
        sa.Column("products_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("first_seen_at", STAMP, server_default=NOW, nullable=False),
        sa.PrimaryKeyConstraint("code", name="pk_suppliers"),
    )
    op.create_table(
        "categories",
        sa.Column("code", sa.String(128), nullable=False),
        sa.Column("parent_code", sa.String(128), nullable=True),
        sa.Column("name", JSON, nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=True),
        sa.Column("updated_at", STAMP, server_default=NOW, nullable=False),
        sa.PrimaryKeyConstraint("code", name="pk_categories"),
    )
    op.create_table(
        "products",
        sa.Column("sku", sa.String(255), nullable=False),
        sa.Column("supplier_code", sa.String(64), nullable=False),
        sa.Column("supplier_sku", sa.String(255), nullable=True),
        sa.Column("ean", sa.Text(), nullable=True),
        sa.Column("category_code", sa.String(128), nullable=True),
        sa.Column("category_path", sa.Text(), nullable=True),
        sa.Column("brand", sa.Text(), nullable=True),
        sa.Column("name", JSON, nullable=False),
        sa.Column("description", JSON, nullable=False),
        sa.Column("short_description", JSON, nullable=False),
        sa.Column("material", JSON, nullable=False),
        sa.Column("source_url", sa.Text(), nullable=True),
        sa.Column("source_hash", sa.String(128), nullable=True),
        sa.Column("content_hash", sa.String(128), nullable=True),
        sa.Column("variant_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("price_min", MONEY, nullable=True),
        sa.Column("price_max", MONEY, nullable=True),
        sa.Column("currency", sa.String(8), nullable=True),
        sa.Column("is_active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("first_seen_at", STAMP, nullable=False),
        sa.Column("last_synced_at", STAMP, nullable=False),
        sa.Column("removed_at", STAMP, nullable=True),
        sa.PrimaryKeyConstraint("sku", name="pk_products"),
    )
    op.create_index(
        "ix_products_supplier_code_is_active", "products", ["supplier_code", "is_active"]
    )
    op.create_table(
        "product_variants",
        sa.Column("sku", sa.String(255), nullable=False),
        sa.Column("product_sku", sa.String(255), nullable=False),
        sa.Column("supplier_sku", sa.String(255), nullable=True),
        sa.Column("ean", sa.Text(), nullable=True),
        sa.Column("color", sa.Text(), nullable=True),
        sa.Column("color_label", JSON, nullable=False),
        sa.Column("hex_color", sa.Text(), nullable=True),
        sa.Column("size", sa.Text(), nullable=True),
        sa.Column("weight_g", sa.Float(), nullable=True),
        sa.Column("length_mm", sa.Float(), nullable=True),
        sa.Column("width_mm", sa.Float(), nullable=True),
        sa.Column("height_mm", sa.Float(), nullable=True),
        sa.Column("diameter_mm", sa.Float(), nullable=True),
        sa.Column("is_active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_sku"],
            ["products.sku"],
            name="fk_product_variants_product_sku_products",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("sku", name="pk_product_variants"),
    )
    op.create_index("ix_product_variants_product_sku", "product_variants", ["product_sku"])
    op.create_table(
        "price_tiers",
        sa.Column("variant_sku", sa.String(255), nullable=False),
        sa.Column("region", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("min_quantity", sa.Integer(), nullable=False),
        sa.Column("price", MONEY, nullable=True),
        sa.Column("currency", sa.String(8), nullable=True),
        sa.Column("on_request", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("product_sku", sa.String(255), nullable=False),
        sa.CheckConstraint("kind IN ('selling', 'buying')", name="ck_price_tiers_kind"),
        sa.PrimaryKeyConstraint(
            "variant_sku", "region", "kind", "min_quantity", name="pk_price_tiers"
        ),
    )
    op.create_index("ix_price_tiers_product_sku", "price_tiers", ["product_sku"])
    op.create_table(
        "product_images",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("product_sku", sa.String(255), nullable=False),
        sa.Column("variant_sku", sa.String(255), nullable=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("position", sa.Integer(), server_default="0", nullable=False),
        sa.Column("rendition", sa.String(32), server_default="original", nullable=False),
        sa.Column("source_url", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=True),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.Column("bytes", sa.BigInteger(), nullable=True),
        sa.Column("storage_key", sa.Text(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", STAMP, server_default=NOW, nullable=False),
        sa.Column("updated_at", STAMP, server_default=NOW, nullable=False),
        sa.CheckConstraint("role IN ('main', 'gallery')", name="ck_product_images_role"),
        sa.PrimaryKeyConstraint("id", name="pk_product_images"),
    )
    op.create_index("ix_product_images_product_sku", "product_images", ["product_sku"])
    op.create_index("ix_product_images_source_url", "product_images", ["source_url"])
    op.create_index("ix_product_images_sha256", "product_images", ["sha256"])
    op.create_table(
        "sync_runs",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("supplier_code", sa.String(64), nullable=False),
        sa.Column("run_id", sa.String(64), nullable=True),
        sa.Column("started_at", STAMP, nullable=False),
        sa.Column("finished_at", STAMP, nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        *(sa.Column(name, sa.Integer(), server_default="0", nullable=False) for name in RUN_COUNTS),
        sa.Column("bytes_downloaded", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("duration_s", sa.Float(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_sync_runs"),
    )
    op.create_index(
        "ix_sync_runs_supplier_code_started_at", "sync_runs", ["supplier_code", "started_at"]
    )
    op.create_table(
        "sync_errors",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("supplier_code", sa.String(64), nullable=False),
        sa.Column("sync_run_id", BIG_ID, nullable=True),
        sa.Column("sku", sa.String(255), nullable=True),
        sa.Column("source_url", sa.Text(), nullable=True),
        sa.Column("stage", sa.String(32), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("created_at", STAMP, nullable=False),
        sa.Column("last_seen_at", STAMP, nullable=False),
        sa.Column("occurrences", sa.Integer(), server_default="1", nullable=False),
        sa.Column("resolved_at", STAMP, nullable=True),
        sa.ForeignKeyConstraint(
            ["sync_run_id"],
            ["sync_runs.id"],
            name="fk_sync_errors_sync_run_id_sync_runs",
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_sync_errors"),
    )
    op.create_index(
        "ix_sync_errors_supplier_code_resolved_at", "sync_errors", ["supplier_code", "resolved_at"]
    )
    op.create_table(
        "staged_families",
        sa.Column("sync_run_id", BIG_ID, nullable=False),
        sa.Column("sku", sa.String(255), nullable=False),
        sa.Column("supplier_code", sa.String(64), nullable=False),
        sa.Column("source_url", sa.Text(), nullable=False),
        sa.Column("source_hash", sa.String(128), nullable=False),
        sa.Column("content_hash", sa.String(128), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("sync_run_id", "sku", name="pk_staged_families"),
    )
    op.create_index("ix_staged_families_supplier_code", "staged_families", ["supplier_code"])
    op.create_table(
        "feed_cache",
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("etag", sa.Text(), nullable=True),
        sa.Column("last_modified", sa.Text(), nullable=True),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("fetched_at", STAMP, nullable=False),
        sa.PrimaryKeyConstraint("url", name="pk_feed_cache"),
    )


def downgrade() -> None:
    for table in (
        "feed_cache",
        "staged_families",
        "sync_errors",
        "sync_runs",
        "product_images",
        "price_tiers",
        "product_variants",
        "products",
        "categories",
        "suppliers",
    ):
        op.drop_table(table)
