"""The price-shift guard's reading of a sync: which moves count, when it trips."""

from __future__ import annotations

import pytest

from promosync_pipeline.sync.price_shift import PriceShiftPolicy, assess
from promosync_pipeline.sync.values import PriceMove

POLICY = PriceShiftPolicy()


def move(sku: str, ratio: float) -> PriceMove:
    old = 10.0
    return PriceMove(sku, f"{sku}-1", "BENELUX", 100, f"{old:g}", f"{old * (1 + ratio):g}", ratio)


@pytest.mark.parametrize(
    ("moves", "active", "trips"),
    [
        ([move("A-1", 9.0), move("A-2", -0.6)], 10, False),  # 20 %: not more than 20 %
        ([move("A-1", 9.0), move("A-2", -0.6), move("A-3", 0.51)], 10, True),  # 30 %
        ([move(f"A-{i}", 0.5) for i in range(10)], 10, False),  # ±50 % exactly is no shift
        ([move(f"A-{i}", 9.0) for i in range(4)], 4, False),  # under 5 active families
        ([move(f"A-{i}", 9.0) for i in range(5)], 5, True),
    ],
)
def test_the_guard_trips_above_the_share_of_active_families(moves, active, trips):
    assert assess(moves, active, POLICY).trips is trips


def test_the_reading_names_supplier_share_and_the_largest_moves_first():
    moves = [move("A-1", 0.7), move("A-2", 9.0), move("A-3", -0.8), move("A-4", 0.1)]
    shift = assess(moves, 6, POLICY)
    assert [m.sku for m in shift.moved] == ["A-2", "A-3", "A-1"]
    assert shift.trips and shift.share == pytest.approx(0.5)
    assert shift.describe("A") == (
        "A: 3 of 6 active families (50%, more than 20%) have a selling price moved by more "
        "than 50%: A-2 A-2-1 BENELUX 100: 10 → 100 (+900%); A-3 A-3-1 BENELUX 100: 10 → 2 "
        "(-80%); A-1 A-1-1 BENELUX 100: 10 → 17 (+70%)"
    )


def test_a_stricter_policy_counts_smaller_moves():
    strict = PriceShiftPolicy(max_price_shift=0.05, max_price_shift_share=0.1)
    assert assess([move("A-1", 0.08), move("A-2", 0.0)], 5, strict).trips
    assert not assess([move("A-1", 0.08)], 5, POLICY).trips
