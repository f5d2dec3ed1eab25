"""The catalog store: every read and write promosync makes to the catalog database.

SQLAlchemy Core only, no Dagster, no HTTP. The methods live in small modules, one per
responsibility, each a mixin that needs only ``engine``:

- :mod:`.reads`: ``known_hashes``, ``active_count``, ``active_variant_count``, ``open_errors``;
- :mod:`.writes`: ``write_families``/``write_family_rows``, ``touch_unchanged``, ``deactivate``;
- :mod:`.staging`: parsed families parked between pipeline steps;
- :mod:`.sync_runs`: the ``sync_runs`` rows;
- :mod:`.bookkeeping`: suppliers, categories and ``sync_errors``;
- :mod:`.feed_cache`: the last copy of Import.txt and CAT.csv;
- :mod:`.images`: image references, stored source URLs and objects;
- :mod:`.status`: every supplier's state at once, for the status board;
- :mod:`.statistics`: the planner's statistics, refreshed after a large write.

What combines two of them is written here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

import sqlalchemy as sa

from promosync_pipeline.catalog import schema as t
from promosync_pipeline.catalog.bookkeeping import Bookkeeping
from promosync_pipeline.catalog.feed_cache import FeedCache
from promosync_pipeline.catalog.images import ImageRecords, SettleStats
from promosync_pipeline.catalog.reads import Reads
from promosync_pipeline.catalog.records import WriteStats
from promosync_pipeline.catalog.staging import Staging
from promosync_pipeline.catalog.statistics import Statistics
from promosync_pipeline.catalog.status import StatusReads
from promosync_pipeline.catalog.sync_runs import SyncRuns
from promosync_pipeline.catalog.writes import BATCH_FAMILIES, BATCH_VARIANTS, FamilyWrites
from promosync_pipeline.sync.stages import ErrorStage


class CatalogStore(
    FamilyWrites,
    Reads,
    SyncRuns,
    Bookkeeping,
    Staging,
    FeedCache,
    ImageRecords,
    StatusReads,
    Statistics,
):
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

    def write_staged(
        self,
        sync_run_id: int,
        skus: Sequence[str],
        now: datetime,
        on_done: Callable[[int], None] | None = None,
        chunk: int = 200,
    ) -> WriteStats:
        """Write staged families of one sync run to the catalog, streaming them from the
        staging table."""
        s = t.staged_families
        with self.engine.connect() as conn:
            suppliers = (
                conn.execute(
                    sa.select(s.c.supplier_code).where(s.c.sync_run_id == sync_run_id).distinct()
                )
                .scalars()
                .all()
            )
        if not suppliers:
            return WriteStats()
        if len(suppliers) > 1:
            raise ValueError(f"sync run {sync_run_id} staged several suppliers: {suppliers}")
        items = self.staged_families(sync_run_id, skus, chunk)
        return self.write_family_rows(suppliers[0], items, now, on_batch=on_done)

    def record_image_failures(
        self,
        supplier_code: str,
        sync_run_id: int | None,
        settled: SettleStats,
        now: datetime,
    ) -> None:
        """One open ``image`` error per product with failed images; resolve the products whose
        images are all stored now."""
        rows = []
        for sku, failures in settled.failures.items():
            first_url, first_reason = failures[0]
            others = len({url for url, _ in failures}) - 1
            more = f" (and {others} more image{'s' if others > 1 else ''})" if others else ""
            message = f"{first_url}: {first_reason}{more}"
            rows.append((sku, first_url, ErrorStage.IMAGE, message))
        self.record_errors(supplier_code, sync_run_id, rows, now)
        self.resolve_image_errors(
            supplier_code, self.products_with_settled_images(supplier_code), now
        )
