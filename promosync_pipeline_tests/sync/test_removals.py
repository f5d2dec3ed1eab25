"""The removal guard: which families a sync may deactivate."""

import pytest

from promosync_pipeline.sync.removals import RemovalPolicy, RemovalRefused, decide_removals

POLICY = RemovalPolicy(max_removed_share=0.5)


def decide(removed, *, unreadable=(), listed=10, active=10, policy=POLICY):
    return decide_removals(
        "A1", removed, unreadable=set(unreadable), files_listed=listed, active=active, policy=policy
    )


def test_families_the_index_dropped_are_deactivated():
    assert decide(["A1-1", "A1-2"]).deactivate == ("A1-1", "A1-2")


def test_a_family_whose_index_line_is_unusable_is_missing_not_removed():
    removals = decide(["A1-1", "A1-2"], unreadable=["A1-2", "A1-9"])
    assert (removals.deactivate, removals.kept_unreadable) == (("A1-1",), 1)


def test_only_unreadable_families_missing_deactivates_nothing_even_for_a_vanished_supplier():
    removals = decide(["A1-1"], unreadable=["A1-1"], listed=0)
    assert (removals.deactivate, removals.kept_unreadable) == ((), 1)


def test_a_supplier_gone_from_the_index_is_refused_unless_confirmed():
    with pytest.raises(RemovalRefused, match=r"A1 is no longer in the index.*3 families"):
        decide(["A1-1", "A1-2", "A1-3"], listed=0, active=3)
    confirmed = RemovalPolicy(allow_supplier_removal=True)
    assert len(decide(["A1-1", "A1-2", "A1-3"], listed=0, active=3, policy=confirmed).deactivate)


def test_losing_more_than_the_share_is_refused_and_exactly_the_share_is_not():
    with pytest.raises(RemovalRefused, match=r"6 of 10 active families \(60% > 50%\)"):
        decide([f"A1-{n}" for n in range(6)], listed=4, active=10)
    assert len(decide([f"A1-{n}" for n in range(5)], listed=5, active=10).deactivate) == 5
    raised = RemovalPolicy(max_removed_share=0.7)
    assert len(decide([f"A1-{n}" for n in range(6)], listed=4, active=10, policy=raised).deactivate)
