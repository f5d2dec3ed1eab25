"""Initial catalog schema.

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


def upgrade() -> None:
    op.create_table(
        "categories",
        sa.Column("code", sa.String(length=128), nullable=False),
        sa.Column("parent_code", sa.String(length=128), nullable=True),
        sa.Column(
            "name",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("sort_order", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("code"),
    )
    op.create_table(
        "feed_cache",
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("etag", sa.Text(), nullable=True),
        sa.Column("last_modified", sa.Text(), nullable=True),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("url"),
    )
    op.create_table(
        "price_tiers",
        sa.Column("variant_sku", sa.String(length=255), nullable=False),
        sa.Column("region", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("min_quantity", sa.Integer(), nullable=False),
        sa.Column("price", sa.Numeric(precision=12, scale=4), nullable=True),
        sa.Column("currency", sa.String(length=8), nullable=True),
        sa.Column("on_request", sa.Boolean(), nullable=False),
        sa.Column("product_sku", sa.String(length=255), nullable=False),
        sa.PrimaryKeyConstraint("variant_sku", "region", "kind", "min_quantity"),
    )
    op.create_index(
        op.f("ix_price_tiers_product_sku"), "price_tiers", ["product_sku"], unique=False
    )
    op.create_table(
        "product_images",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("product_sku", sa.String(length=255), nullable=False),
        sa.Column("variant_sku", sa.String(length=255), nullable=True),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("rendition", sa.String(length=32), server_default="original", nullable=False),
        sa.Column("source_url", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.Column("bytes", sa.Integer(), nullable=True),
        sa.Column("storage_key", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_product_images_product_sku"), "product_images", ["product_sku"], unique=False
    )
    op.create_index(op.f("ix_product_images_sha256"), "product_images", ["sha256"], unique=False)
    op.create_index(
        op.f("ix_product_images_source_url"), "product_images", ["source_url"], unique=False
    )
    op.create_table(
        "product_variants",
        sa.Column("sku", sa.String(length=255), nullable=False),
        sa.Column("product_sku", sa.String(length=255), nullable=False),
        sa.Column("supplier_sku", sa.String(length=255), nullable=True),
        sa.Column("ean", sa.String(length=64), nullable=True),
        sa.Column("color", sa.String(length=255), nullable=True),
        sa.Column(
            "color_label",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("hex_color", sa.String(length=32), nullable=True),
        sa.Column("size", sa.String(length=255), nullable=True),
        sa.Column("weight_g", sa.Float(), nullable=True),
        sa.Column("length_mm", sa.Float(), nullable=True),
        sa.Column("width_mm", sa.Float(), nullable=True),
        sa.Column("height_mm", sa.Float(), nullable=True),
        sa.Column("diameter_mm", sa.Float(), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("sku"),
    )
    op.create_index(
        op.f("ix_product_variants_product_sku"), "product_variants", ["product_sku"], unique=False
    )
    op.create_table(
        "products",
        sa.Column("sku", sa.String(length=255), nullable=False),
        sa.Column("supplier_code", sa.String(length=64), nullable=False),
        sa.Column("supplier_sku", sa.String(length=255), nullable=True),
        sa.Column("ean", sa.String(length=64), nullable=True),
        sa.Column("category_code", sa.String(length=128), nullable=True),
        sa.Column("category_path", sa.Text(), nullable=True),
        sa.Column("brand", sa.String(length=255), nullable=True),
        sa.Column(
            "name",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "description",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "short_description",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "material",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("source_url", sa.Text(), nullable=True),
        sa.Column("source_hash", sa.String(length=128), nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=True),
        sa.Column("variant_count", sa.Integer(), nullable=False),
        sa.Column("price_min", sa.Numeric(precision=12, scale=4), nullable=True),
        sa.Column("price_max", sa.Numeric(precision=12, scale=4), nullable=True),
        sa.Column("currency", sa.String(length=8), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_synced_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("sku"),
    )
    op.create_index(
        "ix_products_supplier_active", "products", ["supplier_code", "is_active"], unique=False
    )
    op.create_table(
        "staged_families",
        sa.Column("sync_run_id", sa.Integer(), nullable=False),
        sa.Column("sku", sa.String(length=255), nullable=False),
        sa.Column("supplier_code", sa.String(length=64), nullable=False),
        sa.Column("source_url", sa.Text(), nullable=False),
        sa.Column("source_hash", sa.String(length=128), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("sync_run_id", "sku"),
    )
    op.create_index(
        op.f("ix_staged_families_supplier_code"), "staged_families", ["supplier_code"], unique=False
    )
    op.create_table(
        "suppliers",
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=True),
        sa.Column("is_active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("last_synced_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_sync_status", sa.String(length=32), nullable=True),
        sa.Column("products_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("code"),
    )
    op.create_table(
        "sync_errors",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("supplier_code", sa.String(length=64), nullable=False),
        sa.Column("sync_run_id", sa.Integer(), nullable=True),
        sa.Column("sku", sa.String(length=255), nullable=True),
        sa.Column("source_url", sa.Text(), nullable=True),
        sa.Column("stage", sa.String(length=32), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_sync_errors_supplier_open",
        "sync_errors",
        ["supplier_code", "resolved_at"],
        unique=False,
    )
    op.create_table(
        "sync_runs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("supplier_code", sa.String(length=64), nullable=False),
        sa.Column("run_id", sa.String(length=64), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("families_new", sa.Integer(), nullable=True),
        sa.Column("families_changed", sa.Integer(), nullable=True),
        sa.Column("families_unchanged", sa.Integer(), nullable=True),
        sa.Column("families_removed", sa.Integer(), nullable=True),
        sa.Column("families_failed", sa.Integer(), nullable=True),
        sa.Column("variants_written", sa.Integer(), nullable=True),
        sa.Column("price_tiers_written", sa.Integer(), nullable=True),
        sa.Column("images_uploaded", sa.Integer(), nullable=True),
        sa.Column("images_failed", sa.Integer(), nullable=True),
        sa.Column("files_downloaded", sa.Integer(), nullable=True),
        sa.Column("bytes_downloaded", sa.BigInteger(), nullable=True),
        sa.Column("requests", sa.Integer(), nullable=True),
        sa.Column("retries", sa.Integer(), nullable=True),
        sa.Column("duration_s", sa.Float(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_sync_runs_supplier_started", "sync_runs", ["supplier_code", "started_at"], unique=False
    )


def downgrade() -> None:
    op.drop_table("sync_runs")
    op.drop_table("sync_errors")
    op.drop_table("suppliers")
    op.drop_table("staged_families")
    op.drop_table("products")
    op.drop_table("product_variants")
    op.drop_table("product_images")
    op.drop_table("price_tiers")
    op.drop_table("feed_cache")
    op.drop_table("categories")
