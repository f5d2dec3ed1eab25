"""What a supplier sync has to do, decided from the index slice and what the catalog holds."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal, Protocol

from promosync_pipeline.promidata import IndexEntry


class Known(Protocol):
    @property
    def source_hash(self) -> str | None: ...
    @property
    def content_hash(self) -> str | None: ...
    @property
    def is_active(self) -> bool: ...


@dataclass(frozen=True)
class FetchPlan:
    to_fetch: list[IndexEntry]
    skipped: int
    """Files whose index hash equals the stored one: not downloaded."""
    removed: list[str] = field(default_factory=list)
    """Active catalog families that the index no longer lists."""


def plan_fetch(
    entries: list[IndexEntry], known: Mapping[str, Known], *, full_refresh: bool
) -> FetchPlan:
    to_fetch = []
    for entry in entries:
        stored = known.get(entry.sku)
        unchanged = (
            stored is not None
            and stored.is_active
            and (stored.source_hash or "").upper() == entry.hash.upper()
        )
        if full_refresh or not unchanged:
            to_fetch.append(entry)
    listed = {e.sku for e in entries}
    removed = sorted(sku for sku, k in known.items() if k.is_active and sku not in listed)
    return FetchPlan(to_fetch=to_fetch, skipped=len(entries) - len(to_fetch), removed=removed)


@dataclass(frozen=True)
class TargetedPlan:
    plan: FetchPlan
    """The named families only, whatever their index hash; never a removal."""
    unknown: list[str]
    """Requested SKUs this supplier's index does not list, in request order."""


def plan_targeted(entries: list[IndexEntry], skus: Iterable[str]) -> TargetedPlan:
    """Fetch exactly the families named by ``skus`` (whitespace trimmed, duplicates once)."""
    wanted = list(dict.fromkeys(s.strip() for s in skus if s.strip()))
    by_sku = {e.sku: e for e in entries}
    to_fetch = [by_sku[s] for s in wanted if s in by_sku]
    unknown = [s for s in wanted if s not in by_sku]
    plan = FetchPlan(to_fetch=to_fetch, skipped=len(entries) - len(to_fetch), removed=[])
    return TargetedPlan(plan, unknown)


Change = Literal["new", "changed", "unchanged"]


def classify(sku: str, content_hash: str, known: Mapping[str, Known]) -> Change:
    """``new`` for a family the catalog lacks or had removed, ``changed`` when its content
    differs, ``unchanged`` when only the file's bytes moved."""
    stored = known.get(sku)
    if stored is None or not stored.is_active:
        return "new"
    return "unchanged" if stored.content_hash == content_hash else "changed"
