"""The code location: assets, jobs and resources, assembled; nothing is decided here."""

import dagster as dg

from promosync_pipeline.assets.descriptions import with_kinds
from promosync_pipeline.assets.feed import promidata_categories, promidata_index
from promosync_pipeline.assets.images import uploaded_images
from promosync_pipeline.assets.supplier import (
    catalog_tables,
    changed_product_families,
    parsed_variants,
    supplier_index,
)
from promosync_pipeline.checks import CATALOG_CHECKS, catalog_checks_job
from promosync_pipeline.freshness import with_catalog_freshness
from promosync_pipeline.jobs import feed_refresh_job, supplier_full_refresh_job, supplier_sync_job
from promosync_pipeline.resources import default_resources
from promosync_pipeline.schedules import load_schedules
from promosync_pipeline.sensors import load_sensors

defs = dg.Definitions(
    assets=with_kinds(
        with_catalog_freshness(
            [
                promidata_index,
                promidata_categories,
                supplier_index,
                parsed_variants,
                changed_product_families,
                catalog_tables,
                uploaded_images,
            ]
        )
    ),
    asset_checks=CATALOG_CHECKS,
    jobs=[supplier_sync_job, feed_refresh_job, supplier_full_refresh_job, catalog_checks_job],
    schedules=load_schedules(),
    sensors=load_sensors(),
    resources=default_resources(),
    # Every run, including those launched from the asset graph and by asset backfills (the
    # implicit __ASSET_JOB), executes its steps in the run worker's own process: a supplier
    # run is a handful of short steps, and a process per step costs seconds each.
    executor=dg.in_process_executor,
)
