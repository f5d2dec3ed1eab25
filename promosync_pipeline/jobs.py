"""Jobs: the per-supplier sync and the feed refresh."""

import dagster as dg

SUPPLIER_ASSETS = [
    "supplier_index",
    "parsed_variants",
    "changed_product_families",
    "catalog_products",
    "catalog_variants",
    "uploaded_images",
]
IMAGE_ASSETS = ["uploaded_images"]
"""Left out by ``promosync sync --skip-images``."""
FEED_ASSETS = ["promidata_index", "promidata_categories"]

supplier_sync_job = dg.define_asset_job(
    "supplier_sync_job",
    selection=dg.AssetSelection.assets(*SUPPLIER_ASSETS),
    description="Sync one supplier partition from its index slice to the catalog tables.",
)

feed_refresh_job = dg.define_asset_job(
    "feed_refresh_job",
    selection=dg.AssetSelection.assets(*FEED_ASSETS),
    description="Download Import.txt (conditional GET) and CAT.csv.",
)

supplier_full_refresh_job = dg.define_asset_job(
    "supplier_full_refresh_job",
    selection=dg.AssetSelection.assets(*SUPPLIER_ASSETS),
    config={"ops": {"parsed_variants": {"config": {"full_refresh": True}}}},
    description=(
        "supplier_sync_job with full_refresh on: download and parse every product file of the "
        "supplier, whatever its index hash (launch from the UI with a partition)."
    ),
)
