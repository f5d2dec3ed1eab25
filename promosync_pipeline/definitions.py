"""The code location: assets, jobs and resources, assembled; nothing is decided here."""

import dagster as dg

from promosync_pipeline.assets import feed, images, supplier
from promosync_pipeline.jobs import feed_refresh_job, supplier_sync_job
from promosync_pipeline.resources import default_resources

defs = dg.Definitions(
    assets=dg.load_assets_from_modules([feed, supplier, images]),
    jobs=[supplier_sync_job, feed_refresh_job],
    resources=default_resources(),
)
