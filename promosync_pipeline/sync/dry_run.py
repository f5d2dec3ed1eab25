"""A dry run's catalog step: everything a sync would change, computed exactly as the write
computes it, and written nowhere but ``change_previews``. No Dagster here."""

from __future__ import annotations

from dataclasses import dataclass

from promosync_pipeline import clock
from promosync_pipeline.catalog import Catalog
from promosync_pipeline.catalog.changes import (
    Change,
    ChangeSummary,
    family_changes,
    removal_changes,
    stored_families,
)
from promosync_pipeline.sync.apply_changes import WritePolicy, removals_of
from promosync_pipeline.sync.price_shift import PriceShift, assess
from promosync_pipeline.sync.removals import RemovalRefused
from promosync_pipeline.sync.values import FamilyChanges

CHUNK = 200


@dataclass(frozen=True, slots=True)
class Preview:
    changes: ChangeSummary
    price_shift: PriceShift
    """Whether the price-shift guard would refuse the write."""
    removal_refused: str | None
    """Why the removal guard would refuse the sync, or None."""


def preview(catalog: Catalog, changes: FamilyChanges, policy: WritePolicy, run_id: str) -> Preview:
    """What the catalog write of ``changes`` would change, kept as ``run_id``'s preview; the
    staged families are cleared afterwards."""
    staged = changes.staged
    code, now = staged.supplier_code, clock.now()
    found: list[Change] = []
    to_write = list(changes.to_write)
    with catalog.engine.connect() as conn:
        for start in range(0, len(to_write), CHUNK):
            rows = list(catalog.staging.rows(staged.sync_run_id, to_write[start : start + CHUNK]))
            stored = stored_families(conn, [r.sku for r in rows])
            for family in rows:
                found += family_changes(code, family, stored.get(family.sku), now)
        refused = None
        try:
            removals = removals_of(catalog, changes, policy.removal)
            found += removal_changes(conn, code, list(removals.deactivate), now)
        except RemovalRefused as exc:
            refused = str(exc)
    catalog.changes.save_preview(run_id, code, found)
    catalog.staging.clear_run(staged.sync_run_id)
    shift = assess(changes.price_moves, catalog.reads.active_count(code), policy.price_shift)
    return Preview(catalog.changes.summary_of_preview(run_id), shift, refused)
