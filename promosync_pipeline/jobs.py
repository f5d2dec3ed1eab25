"""Jobs: the per-supplier sync and the feed refresh."""

import dagster as dg

from promosync_pipeline import names

supplier_sync_job = dg.define_asset_job(
    names.SUPPLIER_SYNC_JOB,
    selection=dg.AssetSelection.assets(*names.SUPPLIER_ASSETS),
    description="Sync one supplier partition from its index slice to the catalog tables.",
)

feed_refresh_job = dg.define_asset_job(
    names.FEED_REFRESH_JOB,
    selection=dg.AssetSelection.assets(*names.FEED_ASSETS),
    description="Download Import.txt (conditional GET) and CAT.csv.",
)

supplier_full_refresh_job = dg.define_asset_job(
    names.SUPPLIER_FULL_REFRESH_JOB,
    selection=dg.AssetSelection.assets(*names.SUPPLIER_ASSETS),
    config={"ops": {names.PARSED_VARIANTS: {"config": {"full_refresh": True}}}},
    description=(
        "supplier_sync_job with full_refresh on: download and parse every product file of the "
        "supplier, whatever its index hash (launch from the UI with a partition)."
    ),
)
