"""The catalog tables. Contract names (DESIGN.md) are fixed; extra columns are ours."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

metadata = sa.MetaData()
Json = sa.JSON().with_variant(JSONB(), "postgresql")
Money = sa.Numeric(12, 4)
Stamp = sa.DateTime(timezone=True)

suppliers = sa.Table(
    "suppliers",
    metadata,
    sa.Column("code", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(255)),
    sa.Column("is_active", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("last_synced_at", Stamp),
    sa.Column("last_sync_status", sa.String(32)),
    sa.Column("products_count", sa.Integer, nullable=False, server_default="0"),
    sa.Column("first_seen_at", Stamp),
)

categories = sa.Table(
    "categories",
    metadata,
    sa.Column("code", sa.String(128), primary_key=True),
    sa.Column("parent_code", sa.String(128)),
    sa.Column("name", Json, nullable=False),
    sa.Column("sort_order", sa.Integer),
    sa.Column("updated_at", Stamp),
)

products = sa.Table(
    "products",
    metadata,
    sa.Column("sku", sa.String(255), primary_key=True),
    sa.Column("supplier_code", sa.String(64), nullable=False),
    sa.Column("supplier_sku", sa.String(255)),
    sa.Column("ean", sa.String(64)),
    sa.Column("category_code", sa.String(128)),
    sa.Column("category_path", sa.Text),
    sa.Column("brand", sa.String(255)),
    sa.Column("name", Json, nullable=False),
    sa.Column("description", Json, nullable=False),
    sa.Column("short_description", Json, nullable=False),
    sa.Column("material", Json, nullable=False),
    sa.Column("source_url", sa.Text),
    sa.Column("source_hash", sa.String(128)),
    sa.Column("content_hash", sa.String(64)),
    sa.Column("variant_count", sa.Integer, nullable=False),
    sa.Column("price_min", Money),
    sa.Column("price_max", Money),
    sa.Column("currency", sa.String(8)),
    sa.Column("is_active", sa.Boolean, nullable=False),
    sa.Column("first_seen_at", Stamp, nullable=False),
    sa.Column("last_synced_at", Stamp, nullable=False),
    sa.Column("removed_at", Stamp),
    sa.Index("ix_products_supplier_active", "supplier_code", "is_active"),
)

product_variants = sa.Table(
    "product_variants",
    metadata,
    sa.Column("sku", sa.String(255), primary_key=True),
    sa.Column("product_sku", sa.String(255), nullable=False, index=True),
    sa.Column("supplier_sku", sa.String(255)),
    sa.Column("ean", sa.String(64)),
    sa.Column("color", sa.String(255)),
    sa.Column("color_label", Json, nullable=False),
    sa.Column("hex_color", sa.String(32)),
    sa.Column("size", sa.String(255)),
    sa.Column("weight_g", sa.Float),
    sa.Column("length_mm", sa.Float),
    sa.Column("width_mm", sa.Float),
    sa.Column("height_mm", sa.Float),
    sa.Column("diameter_mm", sa.Float),
    sa.Column("is_active", sa.Boolean, nullable=False),
)

price_tiers = sa.Table(
    "price_tiers",
    metadata,
    sa.Column("variant_sku", sa.String(255), primary_key=True),
    sa.Column("region", sa.String(64), primary_key=True),
    sa.Column("kind", sa.String(16), primary_key=True),
    sa.Column("min_quantity", sa.Integer, primary_key=True),
    sa.Column("price", Money),
    sa.Column("currency", sa.String(8)),
    sa.Column("on_request", sa.Boolean, nullable=False),
    sa.Column("product_sku", sa.String(255), nullable=False, index=True),
)

product_images = sa.Table(
    "product_images",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("product_sku", sa.String(255), nullable=False, index=True),
    sa.Column("variant_sku", sa.String(255)),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("rendition", sa.String(32), nullable=False, server_default="original"),
    sa.Column("source_url", sa.Text, nullable=False, index=True),
    sa.Column("sha256", sa.String(64), index=True),
    sa.Column("width", sa.Integer),
    sa.Column("height", sa.Integer),
    sa.Column("bytes", sa.Integer),
    sa.Column("storage_key", sa.Text),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("error", sa.Text),
    sa.Column("updated_at", Stamp),
)

sync_runs = sa.Table(
    "sync_runs",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("supplier_code", sa.String(64), nullable=False),
    sa.Column("run_id", sa.String(64)),
    sa.Column("started_at", Stamp, nullable=False),
    sa.Column("finished_at", Stamp),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("families_new", sa.Integer),
    sa.Column("families_changed", sa.Integer),
    sa.Column("families_unchanged", sa.Integer),
    sa.Column("families_removed", sa.Integer),
    sa.Column("families_failed", sa.Integer),
    sa.Column("variants_written", sa.Integer),
    sa.Column("price_tiers_written", sa.Integer),
    sa.Column("images_uploaded", sa.Integer),
    sa.Column("images_failed", sa.Integer),
    sa.Column("files_downloaded", sa.Integer),
    sa.Column("bytes_downloaded", sa.BigInteger),
    sa.Column("requests", sa.Integer),
    sa.Column("retries", sa.Integer),
    sa.Column("duration_s", sa.Float),
    sa.Column("error", sa.Text),
    sa.Index("ix_sync_runs_supplier_started", "supplier_code", "started_at"),
)

sync_errors = sa.Table(
    "sync_errors",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("supplier_code", sa.String(64), nullable=False),
    sa.Column("sync_run_id", sa.Integer),
    sa.Column("sku", sa.String(255)),
    sa.Column("source_url", sa.Text),
    sa.Column("stage", sa.String(32), nullable=False),
    sa.Column("error", sa.Text, nullable=False),
    sa.Column("created_at", Stamp, nullable=False),
    sa.Column("resolved_at", Stamp),
    sa.Index("ix_sync_errors_supplier_open", "supplier_code", "resolved_at"),
)

staged_families = sa.Table(
    "staged_families",
    metadata,
    sa.Column("sync_run_id", sa.Integer, primary_key=True),
    sa.Column("sku", sa.String(255), primary_key=True),
    sa.Column("supplier_code", sa.String(64), nullable=False, index=True),
    sa.Column("source_url", sa.Text, nullable=False),
    sa.Column("source_hash", sa.String(128), nullable=False),
    sa.Column("content_hash", sa.String(64), nullable=False),
    sa.Column("payload", sa.LargeBinary, nullable=False),
)

feed_cache = sa.Table(
    "feed_cache",
    metadata,
    sa.Column("url", sa.Text, primary_key=True),
    sa.Column("etag", sa.Text),
    sa.Column("last_modified", sa.Text),
    sa.Column("body", sa.LargeBinary, nullable=False),
    sa.Column("fetched_at", Stamp, nullable=False),
)
