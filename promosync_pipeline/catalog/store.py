"""The catalog store: every read and write promosync makes to the catalog database.

SQLAlchemy Core only, no Dagster, no HTTP. The methods live in small modules by concern:

- :mod:`.reads`: ``known_hashes``, ``active_count``, ``active_variant_count``,
  ``open_errors``, ``sync_run``, ``latest_sync_run``;
- :mod:`.writes`: ``write_families``, ``touch_unchanged``, ``deactivate``;
- :mod:`.bookkeeping`: suppliers, categories, ``sync_runs`` and ``sync_errors``;
- :mod:`.staging`: families parked between pipeline steps, cached feed files;
- :mod:`.images`: image references, stored source URLs and objects;
- :mod:`.status`: every supplier's state at once, for the status board.
"""

from __future__ import annotations

import sqlalchemy as sa

from promosync_pipeline.catalog.bookkeeping import Bookkeeping
from promosync_pipeline.catalog.images import ImageRecords
from promosync_pipeline.catalog.reads import Reads
from promosync_pipeline.catalog.staging import Staging
from promosync_pipeline.catalog.status import StatusReads
from promosync_pipeline.catalog.writes import BATCH_FAMILIES, BATCH_VARIANTS, FamilyWrites


class CatalogStore(FamilyWrites, Reads, Bookkeeping, Staging, ImageRecords, StatusReads):
    """The catalog database behind one engine (thread-safe as the engine's pool is)."""

    def __init__(
        self,
        engine: sa.Engine,
        *,
        batch_families: int = BATCH_FAMILIES,
        batch_variants: int = BATCH_VARIANTS,
    ) -> None:
        self.engine = engine
        self.batch_families = batch_families
        self.batch_variants = batch_variants
