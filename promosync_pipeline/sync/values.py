"""What the supplier steps hand each other: one frozen record per step, named for what it holds.

The IO manager pickles them like any value (to S3 in production), so a step retried in another
process reads exactly what its upstream step produced.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from promosync_pipeline.catalog.schema import ErrorStage
from promosync_pipeline.promidata import IndexEntry


@dataclass(frozen=True, slots=True)
class SupplierIndex:
    """The value of ``supplier_index``: this supplier's product files as the index lists them,
    in index order (each with its URL, hash and line in Import.txt)."""

    supplier_code: str
    entries: tuple[IndexEntry, ...]


@dataclass(frozen=True, slots=True)
class FamilyFailure:
    """A family that could not be synced: recorded in ``sync_errors`` with this stage."""

    sku: str
    stage: ErrorStage
    reason: str
    source_url: str | None = None


@dataclass(frozen=True, slots=True)
class SourceFile:
    """Where a family's product file is and the index's hash of it."""

    url: str
    source_hash: str


@dataclass(frozen=True, slots=True)
class StagedVariants:
    """The value of ``parsed_variants``: this sync's parsed families, staged.

    Each family of ``staged_skus`` sits in the catalog database's ``staged_families`` table
    under ``sync_run_id`` until the catalog write, as its catalog rows (product, variants,
    price tiers and image references, ``catalog.rows.encode_rows``); the record says precisely
    which rows those are.
    """

    supplier_code: str
    sync_run_id: int
    """The ``sync_runs`` row this Dagster run opened; every later step reports to it."""
    files_listed: int
    """Product files the index lists for the supplier."""
    staged_skus: tuple[str, ...]
    failed: tuple[FamilyFailure, ...]
    """Files that could not be downloaded or parsed."""
    removed: tuple[str, ...]
    """Active catalog families the index no longer lists."""
    fetch_counts: Mapping[str, int | float | str] = field(default_factory=dict)
    """What fetching reported: the HTTP client's counters (``ClientStats.as_metadata``),
    ``files_downloaded``, the raw archive's counters and, for a targeted sync, the unknown
    SKUs asked for."""


@dataclass(frozen=True, slots=True)
class FamilyChanges:
    """The value of ``changed_product_families``: what the catalog write has to do."""

    staged: StagedVariants
    new: tuple[str, ...]
    """Staged families the catalog lacks, or had removed."""
    changed: tuple[str, ...]
    """Staged families whose content hash differs from the catalog's."""
    unchanged: tuple[str, ...]
    """Staged families whose file changed but whose content did not."""
    new_sources: Mapping[str, SourceFile] = field(default_factory=dict)
    """The file of each unchanged family, recorded without rewriting the family."""

    @property
    def to_write(self) -> tuple[str, ...]:
        return self.new + self.changed
