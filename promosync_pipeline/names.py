"""Names other code refers to: asset keys, job names, run tags, pools, groups and checks.

Each is defined here once; every module takes it from here. Plain strings, so that every
layer may import them without importing Dagster.
"""

from __future__ import annotations

# -- asset keys ------------------------------------------------------------------------------
PROMIDATA_INDEX = "promidata_index"
PROMIDATA_CATEGORIES = "promidata_categories"
SUPPLIER_INDEX = "supplier_index"
PARSED_VARIANTS = "parsed_variants"
CHANGED_PRODUCT_FAMILIES = "changed_product_families"
CATALOG_PRODUCTS = "catalog_products"
CATALOG_VARIANTS = "catalog_variants"
UPLOADED_IMAGES = "uploaded_images"

FEED_ASSETS = (PROMIDATA_INDEX, PROMIDATA_CATEGORIES)
CATALOG_ASSETS = (CATALOG_PRODUCTS, CATALOG_VARIANTS)
SUPPLIER_ASSETS = (
    SUPPLIER_INDEX,
    PARSED_VARIANTS,
    CHANGED_PRODUCT_FAMILIES,
    *CATALOG_ASSETS,
    UPLOADED_IMAGES,
)
IMAGE_ASSETS = (UPLOADED_IMAGES,)
"""Left out by ``promosync sync --skip-images``."""
CATALOG_TABLES_STEP = "catalog_tables"
"""The step (op) that materializes both catalog assets; its run config lives under this name."""

# -- groups, pools, jobs ---------------------------------------------------------------------
PROMIDATA_GROUP = "promidata"
CATALOG_GROUP = "catalog"
IMAGES_GROUP = "images"
FEED_POOL = "promidata_feed"
"""Steps that download from the feed's hosts: a pool limit caps how many supplier runs fetch at
once, whatever the run queue allows (each run's own rate limit is per run)."""
CATALOG_WRITE_POOL = "catalog_write"
"""The catalog write: a pool limit caps concurrent bulk writes to the catalog database."""
SUPPLIER_SYNC_JOB = "supplier_sync_job"
SUPPLIER_FULL_REFRESH_JOB = "supplier_full_refresh_job"
WEEKLY_RECONCILIATION = "weekly_reconciliation"
FEED_REFRESH_JOB = "feed_refresh_job"
CATALOG_CHECKS_JOB = "catalog_checks_job"

# -- run tags --------------------------------------------------------------------------------
PARTITION_TAG = "dagster/partition"
"""Dagster's own tag of a partitioned run; the run queue allows one run per value."""
TRIGGER_TAG = "promosync/trigger"
"""What started a run: ``cli``, ``promidata_index_sensor``, ``nightly_supplier_sync`` …"""
DRY_RUN_TAG = "promosync/dry_run"
"""On a run that only previews what a sync would change (``true``)."""
ALERTED_TAG = "promosync/alerted"
"""On a run whose failure the run itself alerted (a refused price shift): the run failure
sensor does not alert it again."""
SLICE_HASH_TAG = "promosync/slice_hash"
INDEX_HASH_TAG = "promosync/index_hash"

# -- metadata keys ---------------------------------------------------------------------------
DRY_RUN_METADATA = "dry_run"
"""On the observation a dry run records of the catalog assets (what it would change)."""

# -- asset checks ----------------------------------------------------------------------------
CHECK_HAVE_ACTIVE_VARIANT = "catalog_products_have_active_variant"
CHECK_VARIANT_COUNT_CONSISTENT = "catalog_products_variant_count_consistent"
CHECK_COVER_INDEX = "catalog_products_cover_index"
CHECK_MAIN_IMAGE_SHARE = "catalog_products_main_image_share"
CHECK_LAST_SYNC_CLEAN = "catalog_products_last_sync_clean"
CHECK_TIER_PRICES_DESCENDING = "catalog_variants_tier_prices_descending"
CHECK_PRICES_NOT_NEGATIVE = "catalog_variants_prices_not_negative"
CHECK_TIER_QUANTITIES_VALID = "catalog_variants_tier_quantities_valid"
CHECK_OPTIONS_HAVE_PRICES = "catalog_variants_print_options_have_prices"
CHECK_CHARGES_HAVE_PRICES = "catalog_variants_print_charges_have_prices"
CHECK_PRINT_PRICES_NOT_NEGATIVE = "catalog_variants_print_prices_not_negative"
CHECK_ORDER_TERMS_VALID = "catalog_variants_order_terms_valid"
