"""The price-shift guard: a feed that moves many families' selling prices at once (a supplier
multiplying its prices by ten overnight) is refused before anything of the supplier is written.

The compare step measures, for every family whose content changed, its largest selling-price
move against the catalog (same variant, region and quantity); the catalog step weighs them
against the supplier's active families (:func:`assess`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from promosync_pipeline.catalog import Catalog
from promosync_pipeline.catalog.changes import state_of
from promosync_pipeline.catalog.copy_text import TierRow
from promosync_pipeline.catalog.facts import text
from promosync_pipeline.sync.values import PriceMove

MIN_ACTIVE_FAMILIES = 5
"""Below this many active families a few moved prices are no evidence of a broken feed."""
CHUNK = 200
EXAMPLES = 5


@dataclass(frozen=True, slots=True)
class PriceShiftPolicy:
    max_price_shift: float = 0.5
    """A selling price moved by more than this share (0.5: ±50 %) counts as moved."""
    max_price_shift_share: float = 0.2
    """Refuse the write when more than this share of the active families have one."""
    allow_price_shift: bool = False
    """Confirm a shift the guard refused: write it."""


@dataclass(frozen=True, slots=True)
class PriceShift:
    """The guard's reading of one sync."""

    moved: tuple[PriceMove, ...]
    """Families with a selling price moved by more than the policy's share, largest first."""
    active: int
    share: float
    trips: bool
    """More than the allowed share moved (whether or not the policy allows it)."""
    policy: PriceShiftPolicy

    def describe(self, supplier_code: str) -> str:
        """``A23: 7 of 20 active families (35%, more than 20%) have a selling price moved by
        more than 50%: A23-1 A23-1-1 BENELUX 100: 8.98 → 89.8 (+900%); …``"""
        examples = "; ".join(f"{m.sku} {m.describe()}" for m in self.moved[:EXAMPLES])
        return (
            f"{supplier_code}: {len(self.moved)} of {self.active} active families "
            f"({self.share:.0%}, more than {self.policy.max_price_shift_share:.0%}) have a "
            f"selling price moved by more than {self.policy.max_price_shift:.0%}: {examples}"
        )


class PriceShiftRefused(Exception):
    """The guard refused the write; nothing of the supplier was written."""


def price_moves(catalog: Catalog, sync_run_id: int, changed: Sequence[str]) -> list[PriceMove]:
    """Each changed family's largest selling-price move against the catalog, for the families
    with any price to compare (staged rows read back a chunk at a time)."""
    moves = []
    for start in range(0, len(changed), CHUNK):
        skus = list(changed[start : start + CHUNK])
        old = catalog.reads.selling_prices(skus)
        for rows in catalog.staging.rows(sync_run_id, skus):
            move = _largest_move(rows.sku, old.get(rows.sku, {}), state_of(rows).tiers)
            if move is not None:
                moves.append(move)
    return moves


def _largest_move(
    sku: str, old: dict[tuple[str, str, int], Decimal], tiers: Iterable[TierRow]
) -> PriceMove | None:
    largest: PriceMove | None = None
    for tier in tiers:
        if tier.kind != "selling" or tier.price is None:
            continue
        key = (tier.variant_sku, tier.region, tier.min_quantity)
        before = old.get(key)
        if before is None or before == 0:
            continue
        move = float((tier.price - before) / before)
        if largest is None or abs(move) > abs(largest.move):
            largest = PriceMove(sku, *key, text(before) or "", text(tier.price) or "", move)
    return largest


def assess(moves: Iterable[PriceMove], active: int, policy: PriceShiftPolicy) -> PriceShift:
    moved = sorted(
        (m for m in moves if abs(m.move) > policy.max_price_shift), key=lambda m: -abs(m.move)
    )
    share = len(moved) / active if active else 0.0
    trips = active >= MIN_ACTIVE_FAMILIES and share > policy.max_price_shift_share
    return PriceShift(tuple(moved), active, share, trips, policy)
