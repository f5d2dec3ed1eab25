"""The catalog tables.

Table and column names of the contract tables are fixed: other applications read them.
Columns beyond the contract are ours and may grow. Every change here
needs a migration in ``migrations/versions``; a test compares the two.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB


class UtcDateTime(sa.TypeDecorator[datetime]):
    """A timezone-aware timestamp, always handed back in UTC.

    PostgreSQL stores ``timestamptz``; SQLite has no time zones, so values are converted to UTC
    before they are stored and get their zone back when read. A naive value is taken as UTC.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


Json = sa.JSON().with_variant(JSONB(), "postgresql")
"""``{language: text}`` objects: JSONB on PostgreSQL, JSON text on SQLite."""
Money = sa.Numeric(12, 4)
MONEY_LIMIT = 10**8
"""Numeric(12, 4) holds absolute values below this."""
Stamp = UtcDateTime
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
"""SQLite only auto-increments an ``INTEGER PRIMARY KEY``."""

SKU = 255
CODE = 64
PRICE_KINDS = ("selling", "buying")
MAX_ERROR_CHARS = 4000
"""Longest error text stored in ``sync_errors``, ``sync_runs`` and ``product_images``."""

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


def _server_now() -> Any:
    return sa.func.current_timestamp()


def _describe(table: sa.Table, docs: dict[str, str]) -> None:
    """Column descriptions (``Column.doc``: the asset catalog's column schema shows them; they
    are not part of the database schema)."""
    for name, doc in docs.items():
        table.c[name].doc = doc


suppliers = sa.Table(
    "suppliers",
    metadata,
    sa.Column("code", sa.String(CODE), primary_key=True),
    sa.Column("name", sa.Text),
    sa.Column("is_active", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("last_synced_at", Stamp),
    sa.Column("last_sync_status", sa.String(32)),
    sa.Column("products_count", sa.Integer, nullable=False, server_default="0"),
    sa.Column("first_seen_at", Stamp, nullable=False, server_default=_server_now()),
)

categories = sa.Table(
    "categories",
    metadata,
    sa.Column("code", sa.String(128), primary_key=True),
    sa.Column("parent_code", sa.String(128)),
    sa.Column("name", Json, nullable=False),
    sa.Column("sort_order", sa.Integer),
    sa.Column("updated_at", Stamp, nullable=False, server_default=_server_now()),
)

products = sa.Table(
    "products",
    metadata,
    sa.Column("sku", sa.String(SKU), primary_key=True),
    sa.Column("supplier_code", sa.String(CODE), nullable=False),
    sa.Column("supplier_sku", sa.String(SKU)),
    sa.Column("ean", sa.Text),
    sa.Column("category_code", sa.String(128)),
    sa.Column("category_path", sa.Text),
    sa.Column("brand", sa.Text),
    sa.Column("name", Json, nullable=False),
    sa.Column("description", Json, nullable=False),
    sa.Column("short_description", Json, nullable=False),
    sa.Column("material", Json, nullable=False),
    sa.Column("source_url", sa.Text),
    sa.Column("source_hash", sa.String(128)),
    sa.Column("content_hash", sa.String(128)),
    sa.Column("variant_count", sa.Integer, nullable=False, server_default="0"),
    sa.Column("price_min", Money),
    sa.Column("price_max", Money),
    sa.Column("currency", sa.String(8)),
    sa.Column("is_active", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("first_seen_at", Stamp, nullable=False),
    sa.Column("last_synced_at", Stamp, nullable=False),
    sa.Column("removed_at", Stamp),
    # every value of the product file no typed column holds, as the feed gives it (revision 0007)
    sa.Column("attributes", Json, nullable=False, server_default=sa.text("'{}'")),
    # the parser that wrote the family's rows; NULL before revision 0008 recorded it
    sa.Column("parser_version", sa.String(16)),
    # Leading supplier_code also serves the per-supplier hash lookup (known_hashes); a
    # second index on supplier_code alone would only slow the writes down.
    sa.Index(None, "supplier_code", "is_active"),
)

_describe(
    products,
    {
        "sku": "the family SKU (the product file's parent Sku)",
        "supplier_code": "the supplier's code, e.g. A23 (the partition key)",
        "supplier_sku": "the supplier's own code of the family",
        "ean": "the family's barcode (often empty)",
        "category_code": "the family's own category: the last segment of category_path",
        "category_path": "the category path of codes as the feed gives it (BAGS/SHOPPING_BAGS)",
        "brand": "brand",
        "name": "{language: name}",
        "description": "{language: description}",
        "short_description": "{language: short description}",
        "material": "{language: material} (WebShopInformation Material)",
        "source_url": "the product file's URL as the index lists it",
        "source_hash": "the index's hash of the product file last synced",
        "content_hash": "promosync's hash of everything it stores of the family",
        "variant_count": "variants in the product file, inactive ones included",
        "price_min": "lowest selling price over all variants, tiers and regions",
        "price_max": "highest selling price over all variants, tiers and regions",
        "currency": "currency of the selling prices (the most frequent one)",
        "is_active": "false once the index no longer lists the family (rows are never deleted)",
        "attributes": "every value of the product file that no typed column holds, as given",
        "parser_version": "the version of promosync's parser that wrote the family",
        "first_seen_at": "when the family was first written",
        "last_synced_at": "when the family's content was last written",
        "removed_at": "when the family left the index",
    },
)

product_variants = sa.Table(
    "product_variants",
    metadata,
    sa.Column("sku", sa.String(SKU), primary_key=True),
    sa.Column(
        "product_sku",
        sa.String(SKU),
        sa.ForeignKey("products.sku", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("supplier_sku", sa.String(SKU)),
    sa.Column("ean", sa.Text),
    sa.Column("color", sa.Text),
    sa.Column("color_label", Json, nullable=False),
    sa.Column("hex_color", sa.Text),
    sa.Column("size", sa.Text),
    sa.Column("weight_g", sa.Float),
    sa.Column("length_mm", sa.Float),
    sa.Column("width_mm", sa.Float),
    sa.Column("height_mm", sa.Float),
    sa.Column("diameter_mm", sa.Float),
    sa.Column("is_active", sa.Boolean, nullable=False, server_default=sa.true()),
    # logistics and compliance (revision 0007)
    sa.Column("country_of_origin", sa.Text),
    sa.Column("customs_tariff_number", sa.Text),
    sa.Column("carton_length_cm", sa.Float),
    sa.Column("carton_width_cm", sa.Float),
    sa.Column("carton_height_cm", sa.Float),
    sa.Column("carton_weight_net_kg", sa.Float),
    sa.Column("carton_weight_gross_kg", sa.Float),
    sa.Column("carton_quantity", sa.Integer),
    sa.Column("attributes", Json, nullable=False, server_default=sa.text("'{}'")),
)

_describe(
    product_variants,
    {
        "sku": "the variant SKU (a child's Sku)",
        "product_sku": "the family it belongs to",
        "supplier_sku": "the supplier's own code of the variant",
        "ean": "barcode",
        "color": "the supplier's normalised colour (SearchColor); empty when Undefined",
        "color_label": "{language: colour label} (ConfigurationFields Color)",
        "hex_color": "HexColor",
        "size": "the Size configuration value",
        "weight_g": "weight in grams, as given",
        "length_mm": "length in millimetres, as given",
        "width_mm": "width in millimetres, as given",
        "height_mm": "height in millimetres, as given",
        "diameter_mm": "diameter in millimetres, as given",
        "is_active": "orderable: the file marks it active",
        "country_of_origin": "CountryOfOrigin as given (ISO 3166 alpha-2 or alpha-3)",
        "customs_tariff_number": "CustomsTariffNumber (HS code), as text",
        "carton_length_cm": "shipping carton length in cm (OuterCartonLengthCM; 0 = unknown)",
        "carton_width_cm": "shipping carton width in cm",
        "carton_height_cm": "shipping carton height in cm",
        "carton_weight_net_kg": "shipping carton net weight in kg",
        "carton_weight_gross_kg": "shipping carton gross weight in kg",
        "carton_quantity": "pieces per shipping carton",
        "attributes": "every value of the variant that no typed column holds, as given",
    },
)

price_tiers = sa.Table(
    "price_tiers",
    metadata,
    # The primary key leads with variant_sku, so it is also the per-variant index. No foreign
    # key to product_variants: its check on every row costs a third of the write time, and
    # tiers are only ever written in the transaction that writes their variants.
    sa.Column("variant_sku", sa.String(SKU), primary_key=True),
    sa.Column("region", sa.String(CODE), primary_key=True),
    sa.Column("kind", sa.String(16), primary_key=True),
    sa.Column("min_quantity", sa.Integer, primary_key=True),
    sa.Column("price", Money),
    sa.Column("currency", sa.String(8)),
    sa.Column("on_request", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("product_sku", sa.String(SKU), nullable=False, index=True),
    sa.CheckConstraint("kind IN ('selling', 'buying')", name="kind"),
)

price_terms = sa.Table(
    "price_terms",
    metadata,
    # The order terms of each variant's price block per region (revision 0007); a variant with
    # no block of its own has the family's, as its tiers do.
    sa.Column("variant_sku", sa.String(SKU), primary_key=True),
    sa.Column("region", sa.String(CODE), primary_key=True),
    sa.Column("min_order_quantity", sa.Integer),
    sa.Column("quantity_increment", sa.Integer),
    sa.Column("vat_percentage", sa.Numeric(7, 4)),
    sa.Column("vat_setting_id", sa.Text),
    sa.Column("product_sku", sa.String(SKU), nullable=False, index=True),
)

# -- decoration: print positions, their options (techniques), charges and prices (rev. 0007) -----
# Ids are derived from the family's SKU and the feed's codes (``catalog.rows.row_id``): a
# family rewritten with the same decoration keeps its ids, and its rows are written without a
# round trip for generated keys.
imprint_positions = sa.Table(
    "imprint_positions",
    metadata,
    sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("product_sku", sa.String(SKU), nullable=False, index=True),
    # NULL: every variant of the family offers this position with the same options and prices
    sa.Column("variant_sku", sa.String(SKU)),
    sa.Column("position_code", sa.Text),
    sa.Column("supplier_position_code", sa.Text),
    sa.Column("name", Json, nullable=False),
    sa.Column("description", Json, nullable=False),
    sa.Column("max_print_area", sa.Text),
    sa.Column("sort_order", sa.Integer, nullable=False),
    sa.Column("attributes", Json, nullable=False),
)

imprint_options = sa.Table(
    "imprint_options",
    metadata,
    sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("position_id", sa.BigInteger, nullable=False, index=True),
    sa.Column("option_sku", sa.Text),
    sa.Column("supplier_sku", sa.Text),
    sa.Column("supplier_print_code", sa.Text),
    sa.Column("name", Json, nullable=False),
    sa.Column("description", Json, nullable=False),
    sa.Column("colors", sa.Text),
    sa.Column("width_mm", sa.Float),
    sa.Column("height_mm", sa.Float),
    sa.Column("depth_mm", sa.Float),
    sa.Column("diameter_mm", sa.Float),
    # {region: {min_order_quantity, quantity_increment, vat_percentage, vat_setting_id}}
    sa.Column("order_terms", Json, nullable=False),
    sa.Column("sort_order", sa.Integer, nullable=False),
    sa.Column("attributes", Json, nullable=False),
    sa.Column("product_sku", sa.String(SKU), nullable=False, index=True),
)

imprint_charges = sa.Table(
    "imprint_charges",
    metadata,
    sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("option_id", sa.BigInteger, nullable=False, index=True),
    sa.Column("charge_sku", sa.Text),
    sa.Column("supplier_sku", sa.Text),
    sa.Column("name", Json, nullable=False),
    sa.Column("description", Json, nullable=False),
    sa.Column("calculation_type", sa.Text),
    sa.Column("calculation_amount", Money),
    sa.Column("requirement", Json),
    sa.Column("order_terms", Json, nullable=False),
    sa.Column("sort_order", sa.Integer, nullable=False),
    sa.Column("attributes", Json, nullable=False),
    sa.Column("product_sku", sa.String(SKU), nullable=False, index=True),
)

imprint_prices = sa.Table(
    "imprint_prices",
    metadata,
    # the charge's id for a charge's tiers, else the option's: the key without a NULL in it
    sa.Column("owner_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("region", sa.String(CODE), primary_key=True),
    sa.Column("kind", sa.String(16), primary_key=True),
    sa.Column("min_quantity", sa.Integer, primary_key=True),
    sa.Column("option_id", sa.BigInteger, nullable=False, index=True),
    sa.Column("charge_id", sa.BigInteger),
    sa.Column("price", Money),
    sa.Column("currency", sa.String(8)),
    sa.Column("on_request", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("product_sku", sa.String(SKU), nullable=False, index=True),
    sa.CheckConstraint("kind IN ('selling', 'buying')", name="kind"),
)

product_images = sa.Table(
    "product_images",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("product_sku", sa.String(SKU), nullable=False, index=True),
    sa.Column("variant_sku", sa.String(SKU)),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("position", sa.Integer, nullable=False, server_default="0"),
    sa.Column("rendition", sa.String(32), nullable=False, server_default="original"),
    sa.Column("source_url", sa.Text, nullable=False, index=True),
    sa.Column("sha256", sa.String(64), index=True),
    sa.Column("width", sa.Integer),
    sa.Column("height", sa.Integer),
    sa.Column("bytes", sa.BigInteger),
    sa.Column("storage_key", sa.Text),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("error", sa.Text),
    sa.Column("created_at", Stamp, nullable=False, server_default=_server_now()),
    sa.Column("updated_at", Stamp, nullable=False, server_default=_server_now()),
    # a rendition's ``original`` row; NULL on ``original`` rows
    sa.Column("parent_id", BigId, index=True),
    # the print position an ``imprint`` picture shows, and the file name the feed gives
    # (revision 0007)
    sa.Column("position_code", sa.Text),
    sa.Column("file_name", sa.Text),
    sa.CheckConstraint("role IN ('main', 'gallery', 'imprint')", name="role"),
    # few rows once images are stored: finds the unsettled ones without reading every image
    sa.Index(
        "ix_product_images_unsettled",
        "product_sku",
        "status",
        sqlite_where=sa.text("status IN ('pending', 'failed')"),
        postgresql_where=sa.text("status IN ('pending', 'failed')"),
    ),
)


class ImageRole(StrEnum):
    """``product_images.role``: where the feed lists the image."""

    MAIN = "main"
    """``Image`` of a variant's ``ProductDetails``."""
    GALLERY = "gallery"
    """``MediaGalleryImages``, in feed order."""
    IMPRINT = "imprint"
    """The picture of a print area (``ImprintLocationTexts.{lang}.Images``), per variant."""


class ImageStatus(StrEnum):
    """``product_images.status``: ``original`` rows start ``pending`` when their family is
    written; renditions are only ever ``stored``."""

    PENDING = "pending"
    STORED = "stored"
    FAILED = "failed"


IMAGE_STATUSES = tuple(ImageStatus)
UNSETTLED_IMAGE_STATUSES = (ImageStatus.PENDING, ImageStatus.FAILED)

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

sync_runs = sa.Table(
    "sync_runs",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("supplier_code", sa.String(CODE), nullable=False),
    sa.Column("run_id", sa.String(64)),
    sa.Column("started_at", Stamp, nullable=False),
    sa.Column("finished_at", Stamp),
    sa.Column("status", sa.String(16), nullable=False),
    *(sa.Column(name, sa.Integer, nullable=False, server_default="0") for name in RUN_COUNTS),
    sa.Column("bytes_downloaded", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("duration_s", sa.Float),
    sa.Column("error", sa.Text),
    # product files of the supplier's index slice when the sync started (revision 0004)
    sa.Column("index_entries", sa.Integer),
    # the first Dagster run of the lineage that opened it (a re-execution of that run shares
    # it): the steps of that lineage alone may write and close this sync (revision 0006)
    sa.Column("root_run_id", sa.String(64)),
    sa.Index(None, "supplier_code", "started_at"),
)

SYNC_RUN_COUNTS = (*RUN_COUNTS, "bytes_downloaded")
"""The counters a sync run is closed with."""


class RunStatus(StrEnum):
    """``sync_runs.status``."""

    RUNNING = "running"
    """Opened by a sync that has not closed it (yet: a killed sync leaves it so)."""
    SUCCESS = "success"
    FAILED = "failed"


sync_errors = sa.Table(
    "sync_errors",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("supplier_code", sa.String(CODE), nullable=False),
    sa.Column("sync_run_id", BigId, sa.ForeignKey("sync_runs.id", ondelete="SET NULL")),
    sa.Column("sku", sa.String(SKU)),
    sa.Column("source_url", sa.Text),
    sa.Column("stage", sa.String(32), nullable=False),
    sa.Column("error", sa.Text, nullable=False),
    sa.Column("created_at", Stamp, nullable=False),
    sa.Column("last_seen_at", Stamp, nullable=False),
    sa.Column("occurrences", sa.Integer, nullable=False, server_default="1"),
    sa.Column("resolved_at", Stamp),
    sa.Index(None, "supplier_code", "resolved_at"),
)


class ErrorStage(StrEnum):
    """``sync_errors.stage``: where a family or an image failed."""

    INDEX = "index"
    """Import.txt names the family unusably (the line is skipped, the family kept)."""
    DOWNLOAD = "download"
    PARSE = "parse"
    WRITE = "write"
    """The database refused the family (e.g. a variant SKU owned by another family)."""
    IMAGE = "image"


FAMILY_STAGES: tuple[ErrorStage, ...] = (ErrorStage.DOWNLOAD, ErrorStage.PARSE, ErrorStage.WRITE)
"""Stages whose open errors a committed family resolves."""


def _change_columns() -> list[sa.Column[Any]]:
    """What a change holds, in ``catalog_changes`` and in a dry run's ``change_previews``."""
    return [
        sa.Column("product_sku", sa.String(SKU), nullable=False),
        sa.Column("variant_sku", sa.String(SKU)),
        sa.Column("change", sa.String(16), nullable=False),
        sa.Column("field", sa.Text),
        sa.Column("old_value", sa.Text),
        sa.Column("new_value", sa.Text),
        # a price's relative move, (new - old) / old, when both are prices: "largest first"
        sa.Column("price_move", sa.Float),
        sa.Column("created_at", Stamp, nullable=False),
    ]


catalog_changes = sa.Table(
    "catalog_changes",
    metadata,
    # One row per changed fact per committed sync, written in the family's own transaction
    # (revision 0008): a change is recorded exactly when it is committed.
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("sync_run_id", BigId, index=True),
    sa.Column("supplier_code", sa.String(CODE), nullable=False),
    *_change_columns(),
    sa.CheckConstraint("change IN ('added', 'removed', 'reactivated', 'changed')", name="change"),
    sa.Index(None, "supplier_code", "created_at"),
    sa.Index(None, "created_at"),
)


class ChangeKind(StrEnum):
    """``catalog_changes.change``."""

    ADDED = "added"
    """A family new to the catalog (one row for the family)."""
    REMOVED = "removed"
    """A family the index no longer lists, deactivated."""
    REACTIVATED = "reactivated"
    """A removed family back in the index (with the facts that differ from its last content)."""
    CHANGED = "changed"
    """One fact of a family: ``field``, ``old_value`` → ``new_value``."""


# -- promosync's own working tables (not read by other applications) ---------------------------

change_previews = sa.Table(
    "change_previews",
    metadata,
    # What a dry run would have written to catalog_changes, for the Dagster run that computed
    # it (revision 0008); a supplier's next dry run replaces them.
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("run_id", sa.String(64), nullable=False, index=True),
    sa.Column("supplier_code", sa.String(CODE), nullable=False, index=True),
    *_change_columns(),
)

staged_families = sa.Table(
    "staged_families",
    metadata,
    sa.Column("sync_run_id", BigId, primary_key=True),
    sa.Column("sku", sa.String(SKU), primary_key=True),
    sa.Column("supplier_code", sa.String(CODE), nullable=False, index=True),
    sa.Column("source_url", sa.Text, nullable=False),
    sa.Column("source_hash", sa.String(128), nullable=False),
    sa.Column("content_hash", sa.String(128), nullable=False),
    # lz4 on PostgreSQL 14+ built with it (revision 0005): written once, read once
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

supplier_leases = sa.Table(
    "supplier_leases",
    metadata,
    # Who holds a supplier (revision 0006). On SQLite the row is the lease: it expires unless
    # its holder renews it; on PostgreSQL an advisory lock is, and the row only says who.
    sa.Column("supplier_code", sa.String(CODE), primary_key=True),
    sa.Column("holder", sa.String(255), nullable=False),
    sa.Column("run_id", sa.String(64)),
    sa.Column("acquired_at", Stamp, nullable=False),
    sa.Column("heartbeat_at", Stamp, nullable=False),
    sa.Column("expires_at", Stamp, nullable=False),
)

check_outcomes = sa.Table(
    "check_outcomes",
    metadata,
    # The last evaluation of each check of a supplier that reads only its catalog rows
    # (revision 0009): a sync that changed none of those rows since carries it over.
    sa.Column("supplier_code", sa.String(CODE), primary_key=True),
    sa.Column("check_name", sa.String(128), primary_key=True),
    # the supplier's latest sync run that may have changed its rows, when it was evaluated
    sa.Column("catalog_stamp", sa.BigInteger, nullable=False),
    # a digest of the checks' code: an outcome of other code is never carried over
    sa.Column("code_digest", sa.String(32), nullable=False),
    sa.Column("passed", sa.Boolean, nullable=False),
    sa.Column("severity", sa.String(8), nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("check_metadata", Json, nullable=False),
    sa.Column("run_id", sa.String(64), nullable=False),
    sa.Column("evaluated_at", Stamp, nullable=False),
)

image_sources = sa.Table(
    "image_sources",
    metadata,
    sa.Column("source_url", sa.Text, primary_key=True),
    # ``stored``: never downloaded again; ``failed``: tried again on the next sync
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("sha256", sa.String(64), index=True),
    sa.Column("error", sa.Text),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="1"),
    sa.Column("updated_at", Stamp, nullable=False),
)

image_objects = sa.Table(
    "image_objects",
    metadata,
    sa.Column("sha256", sa.String(64), primary_key=True),
    sa.Column("rendition", sa.String(32), primary_key=True),
    sa.Column("storage_key", sa.Text, nullable=False),
    sa.Column("width", sa.Integer, nullable=False),
    sa.Column("height", sa.Integer, nullable=False),
    sa.Column("bytes", sa.BigInteger, nullable=False),
    sa.Column("created_at", Stamp, nullable=False),
)

CONTRACT_TABLES = (
    "suppliers",
    "categories",
    "products",
    "product_variants",
    "price_tiers",
    "price_terms",
    "imprint_positions",
    "imprint_options",
    "imprint_charges",
    "imprint_prices",
    "product_images",
    "sync_runs",
    "sync_errors",
    "catalog_changes",
)
WORKING_TABLES = (
    "staged_families",
    "change_previews",
    "feed_cache",
    "supplier_leases",
    "check_outcomes",
    "image_sources",
    "image_objects",
)
