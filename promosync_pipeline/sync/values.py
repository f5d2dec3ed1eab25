"""What the supplier steps hand each other: one frozen record per step, named for what it holds.

The IO manager pickles them like any value (to S3 in production), so a step retried in another
process reads exactly what its upstream step produced.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from promosync_pipeline.catalog.schema import ErrorStage
from promosync_pipeline.promidata import IndexEntry, IndexProblem


@dataclass(frozen=True, slots=True)
class SupplierIndex:
    """The value of ``supplier_index``: this supplier's product files as the index lists them,
    in index order (each with its URL, hash and line in Import.txt)."""

    supplier_code: str
    entries: tuple[IndexEntry, ...]
    problems: tuple[IndexProblem, ...] = ()
    """Lines of Import.txt about this supplier's families that were skipped (recorded as
    ``index`` errors by the parse step of a sync that writes)."""


@dataclass(frozen=True, slots=True)
class FamilyFailure:
    """A family that could not be synced: recorded in ``sync_errors`` with this stage."""

    sku: str
    stage: ErrorStage
    reason: str
    source_url: str | None = None


@dataclass(frozen=True, slots=True)
class PriceMove:
    """A family's largest selling-price move in a sync: where, and from what to what."""

    sku: str
    variant_sku: str
    region: str
    min_quantity: int
    old: str
    new: str
    move: float
    """``(new - old) / old``."""

    def describe(self) -> str:
        """``A23-1-1 BENELUX 100: 8.98 → 89.8 (+900%)``."""
        where = f"{self.variant_sku} {self.region} {self.min_quantity}"
        return f"{where}: {self.old} → {self.new} ({self.move:+.0%})"


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
    """The ``sync_runs`` row this Dagster run opened; every later step reports to it. A dry
    run opens none: then it only names the staged families (a negative number)."""
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
    index_skipped: tuple[str, ...] = ()
    """Families whose index line was skipped (unusable): missing, never removed."""
    dry_run: bool = False
    """Compare only: nothing of this sync is written to the catalog (``ParseConfig.dry_run``)."""


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
    price_moves: tuple[PriceMove, ...] = ()
    """Of each changed family with a selling price to compare, its largest move."""

    @property
    def to_write(self) -> tuple[str, ...]:
        return self.new + self.changed
