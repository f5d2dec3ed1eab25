"""Which families a sync may deactivate: the guard against a cut or vanished index."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass


class RemovalRefused(Exception):
    """The index lost too much of a supplier to trust it; nothing is deactivated."""


@dataclass(frozen=True, slots=True)
class RemovalPolicy:
    max_removed_share: float = 0.5
    """Refuse to deactivate more than this share of a supplier's active families at once."""
    allow_supplier_removal: bool = False
    """Confirm that a supplier gone from the index (or above the share) is really removed."""


@dataclass(frozen=True, slots=True)
class Removals:
    deactivate: tuple[str, ...]
    kept_unreadable: int = 0
    """Families missing from the index only because their index line is unusable."""


def decide_removals(
    supplier_code: str,
    removed: Sequence[str],
    *,
    unreadable: Collection[str],
    files_listed: int,
    active: int,
    policy: RemovalPolicy,
) -> Removals:
    """The families to deactivate among ``removed`` (active families the index no longer lists).

    A family whose index line is unusable (an open ``index`` error) is missing, not removed. A
    supplier that vanished from the index, or lost more than ``max_removed_share`` of its
    active families, is refused with :class:`RemovalRefused` unless the policy confirms it.
    """
    kept = [sku for sku in removed if sku in unreadable]
    candidates = tuple(sku for sku in removed if sku not in unreadable)
    if not candidates:
        return Removals((), len(kept))
    if files_listed == 0 and not policy.allow_supplier_removal:
        raise RemovalRefused(
            f"{supplier_code} is no longer in the index: refusing to deactivate its "
            f"{len(candidates)} families (set allow_supplier_removal to confirm)"
        )
    share = len(candidates) / active if active else 0.0
    if share > policy.max_removed_share and not policy.allow_supplier_removal:
        raise RemovalRefused(
            f"{supplier_code}: the index no longer lists {len(candidates)} of {active} active "
            f"families ({share:.0%} > {policy.max_removed_share:.0%}); refusing to deactivate "
            "them (a truncated index?). Raise max_removed_share to confirm."
        )
    return Removals(candidates, len(kept))
