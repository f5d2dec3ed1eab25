"""The catalog database behind one engine: one small object per concern, found by its name.

SQLAlchemy Core only, no Dagster, no HTTP. Each concern owns its tables; what spans two of
them (a family write resolving the family's errors) is done in the owner's transaction:

=========================  ================================================================
``catalog.families``       writes of families (products, variants, tiers, image references)
``catalog.reads``          what the catalog holds of a supplier: hashes, active counts
``catalog.runs``           ``sync_runs``: one row per supplier sync
``catalog.errors``         ``sync_errors``: failed families and images
``catalog.suppliers``      ``suppliers``
``catalog.categories``     ``categories``
``catalog.images``         image references, stored source URLs and objects
``catalog.feed_cache``     the last copy of Import.txt and CAT.csv
``catalog.staging``        parsed families parked between pipeline steps
``catalog.statistics``     the planner's statistics, refreshed after a large write
``catalog.status``         every supplier's state at once, for the status board
``catalog.leases``         ``supplier_leases``: one sync writes a supplier at a time
``catalog.changes``        ``catalog_changes``: what each sync changed, and dry-run previews
``catalog.check_outcomes`` ``check_outcomes``: the last scan of each check, while it holds
=========================  ================================================================
"""

from __future__ import annotations

import sqlalchemy as sa

from promosync_pipeline.catalog.categories import Categories
from promosync_pipeline.catalog.changes import ChangeFeed
from promosync_pipeline.catalog.check_outcomes import CheckOutcomes
from promosync_pipeline.catalog.errors import SyncErrors
from promosync_pipeline.catalog.families import FamilyWriter
from promosync_pipeline.catalog.feed_cache import FeedCache
from promosync_pipeline.catalog.images import ImageRecords
from promosync_pipeline.catalog.leases import DEFAULT_TTL_S, SupplierLeases
from promosync_pipeline.catalog.reads import CatalogReads
from promosync_pipeline.catalog.staging import Staging
from promosync_pipeline.catalog.statistics import Statistics
from promosync_pipeline.catalog.status import StatusReads
from promosync_pipeline.catalog.suppliers import Suppliers
from promosync_pipeline.catalog.sync_runs import SyncRuns


class Catalog:
    """The catalog database behind ``engine`` (thread-safe as the engine's pool is)."""

    def __init__(self, engine: sa.Engine, *, lease_ttl_s: float = DEFAULT_TTL_S) -> None:
        self.engine = engine
        self.families = FamilyWriter(engine)
        self.reads = CatalogReads(engine)
        self.runs = SyncRuns(engine)
        self.errors = SyncErrors(engine)
        self.suppliers = Suppliers(engine)
        self.categories = Categories(engine)
        self.images = ImageRecords(engine)
        self.feed_cache = FeedCache(engine)
        self.staging = Staging(engine)
        self.statistics = Statistics(engine)
        self.status = StatusReads(engine)
        self.leases = SupplierLeases(engine, ttl_s=lease_ttl_s)
        self.changes = ChangeFeed(engine)
        self.check_outcomes = CheckOutcomes(engine)

    def dispose(self) -> None:
        """Close the engine's pooled connections."""
        self.engine.dispose()
