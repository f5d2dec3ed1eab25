"""What goes into the catalog and what comes back out of it: plain records, no SQL."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

from promosync_pipeline.catalog.schema import ErrorStage, RunStatus
from promosync_pipeline.promidata import Family


@dataclass(frozen=True, slots=True)
class KnownProduct:
    """What the catalog holds about a family, enough to decide whether to fetch and rewrite."""

    source_hash: str | None
    content_hash: str | None
    is_active: bool


@dataclass(frozen=True, slots=True)
class FamilyWrite:
    """A parsed family to write, with the file it came from."""

    family: Family
    source_url: str
    source_hash: str
    """The index's hash of the product file."""
    content_hash: str
    """Our hash of the parsed family."""


@dataclass(frozen=True, slots=True)
class EncodedFamily:
    """A parsed family as it is staged: its catalog rows encoded where the file was parsed (a
    worker process, say; ``rows.encode_family``), with the file it came from."""

    sku: str
    payload: bytes
    source_url: str
    source_hash: str
    content_hash: str


@dataclass
class WriteStats:
    """Rows written by a family write, and the families that could not be written."""

    products_written: int = 0
    variants_written: int = 0
    price_tiers_written: int = 0
    decoration_written: int = 0
    """Rows of ``price_terms`` and of the decoration tables."""
    failed: dict[str, str] = field(default_factory=dict)
    """Family SKU -> why it was not written. Every other family was committed."""

    @property
    def rows_written(self) -> int:
        return (
            self.products_written
            + self.variants_written
            + self.price_tiers_written
            + self.decoration_written
        )

    def add(self, other: WriteStats) -> None:
        self.products_written += other.products_written
        self.variants_written += other.variants_written
        self.price_tiers_written += other.price_tiers_written
        self.decoration_written += other.decoration_written
        self.failed.update(other.failed)


class ErrorRecord(NamedTuple):
    """A failed family or image, as ``SyncErrors.record`` takes it."""

    sku: str | None
    source_url: str | None
    stage: ErrorStage
    message: str


@dataclass(frozen=True, slots=True)
class OpenError:
    """An unresolved ``sync_errors`` row."""

    sku: str | None
    source_url: str | None
    stage: str
    error: str
    created_at: datetime
    last_seen_at: datetime
    occurrences: int
    sync_run_id: int | None
    id: int


@dataclass(frozen=True, slots=True)
class SyncRun:
    """A ``sync_runs`` row."""

    id: int
    supplier_code: str
    run_id: str | None
    started_at: datetime
    finished_at: datetime | None
    status: RunStatus
    counts: dict[str, int]
    duration_s: float | None
    error: str | None
    root_run_id: str | None = None
    """The first Dagster run of the lineage that opened it (None: opened outside Dagster)."""

    @property
    def lineage(self) -> str | None:
        return self.root_run_id or self.run_id


@dataclass(frozen=True, slots=True)
class StagedFamily:
    """A parsed family parked between pipeline steps (its hashes; the payload stays put)."""

    source_url: str
    source_hash: str
    content_hash: str


@dataclass(frozen=True, slots=True)
class CachedFile:
    """The last copy of a feed file, for conditional GETs."""

    etag: str | None
    last_modified: str | None
    body: bytes
