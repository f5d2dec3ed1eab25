"""Which files a sync downloads, and how a parsed family is classified."""

from dataclasses import dataclass

from promosync_pipeline.promidata import IndexEntry
from promosync_pipeline.sync.plan import classify, plan_fetch, plan_targeted


@dataclass
class K:
    source_hash: str | None
    content_hash: str | None
    is_active: bool = True


def entry(sku: str, hash_: str) -> IndexEntry:
    return IndexEntry("A1", sku, f"http://h/A1/{sku}.json", hash_, 1)


KNOWN = {
    "A1-1": K("AAA", "c1"),
    "A1-2": K("BBB", "c2"),
    "A1-3": K("CCC", "c3", is_active=False),
    "A1-9": K("ZZZ", "c9"),
    "A1-8": K("YYY", "c8", is_active=False),
}


def test_only_new_rehashed_and_inactive_files_are_fetched():
    entries = [entry("A1-1", "aaa"), entry("A1-2", "XXX"), entry("A1-3", "CCC"), entry("A1-4", "D")]
    plan = plan_fetch(entries, KNOWN, full_refresh=False)
    assert [e.sku for e in plan.to_fetch] == ["A1-2", "A1-3", "A1-4"]
    assert plan.skipped == 1
    assert plan.removed == ["A1-9"]


def test_full_refresh_fetches_everything():
    entries = [entry("A1-1", "AAA"), entry("A1-2", "BBB")]
    plan = plan_fetch(entries, KNOWN, full_refresh=True)
    assert [e.sku for e in plan.to_fetch] == ["A1-1", "A1-2"]
    assert plan.skipped == 0


def test_classification_by_content_hash():
    assert classify("A1-new", "x", KNOWN) == "new"
    assert classify("A1-3", "c3", KNOWN) == "new"
    assert classify("A1-1", "c1", KNOWN) == "unchanged"
    assert classify("A1-1", "other", KNOWN) == "changed"


def test_targeted_plan_fetches_the_named_families_whatever_their_hash():
    entries = [entry("A1-1", "AAA"), entry("A1-2", "BBB"), entry("A1-4", "D")]
    targeted = plan_targeted(entries, ["A1-2", " A1-1 ", "A1-2"])
    assert [e.sku for e in targeted.plan.to_fetch] == ["A1-2", "A1-1"]
    assert targeted.plan.skipped == 1
    assert targeted.plan.removed == []
    assert targeted.unknown == []


def test_targeted_plan_names_unknown_skus_and_keeps_the_known_ones():
    entries = [entry("A1-1", "AAA"), entry("A1-2", "BBB")]
    targeted = plan_targeted(entries, ["A1-77", "A1-1", "B2-1", ""])
    assert [e.sku for e in targeted.plan.to_fetch] == ["A1-1"]
    assert targeted.unknown == ["A1-77", "B2-1"]
