"""Which staged families are new, changed or only re-encoded, and how far the changed ones
moved their selling prices: the compare step of a sync."""

from __future__ import annotations

from promosync_pipeline.catalog import Catalog
from promosync_pipeline.sync.plan import classify
from promosync_pipeline.sync.price_shift import price_moves
from promosync_pipeline.sync.values import FamilyChanges, SourceFile, StagedVariants


def classify_staged(catalog: Catalog, staged: StagedVariants) -> FamilyChanges:
    """Each staged family's content hash against the catalog's; the price moves of those that
    changed (for the price-shift guard)."""
    known = catalog.reads.known_hashes(staged.supplier_code)
    kinds: dict[str, list[str]] = {"new": [], "changed": [], "unchanged": []}
    sources: dict[str, SourceFile] = {}
    for sku, hashes in catalog.staging.hashes(staged.sync_run_id).items():
        kind = classify(sku, hashes.content_hash, known)
        kinds[kind].append(sku)
        if kind == "unchanged":
            sources[sku] = SourceFile(hashes.source_url, hashes.source_hash)
    return FamilyChanges(
        staged=staged,
        new=tuple(kinds["new"]),
        changed=tuple(kinds["changed"]),
        unchanged=tuple(kinds["unchanged"]),
        new_sources=sources,
        price_moves=tuple(price_moves(catalog, staged.sync_run_id, kinds["changed"])),
    )
