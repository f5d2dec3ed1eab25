"""``check_outcomes``: a supplier's stamp moves with every sync that may have changed its rows
and with no other, and a recorded scan is current only at its stamp and for the same code."""

from __future__ import annotations

from datetime import UTC, datetime

from promosync_pipeline.catalog import Catalog, RunStatus
from promosync_pipeline.catalog.check_outcomes import StoredOutcome

NOW = datetime(2026, 12, 7, 4, 0, tzinfo=UTC)


def _sync(catalog: Catalog, code: str, status: RunStatus, **counts: int) -> int:
    run = catalog.runs.start(code, f"run-{code}", NOW, 10)
    assert catalog.check_outcomes.stamp(code) is None, "an open sync run has no stable stamp"
    catalog.runs.finish(run, status, NOW, counts=counts)
    return run


def test_the_stamp_moves_with_each_sync_that_may_have_changed_rows_and_no_other(
    catalog: Catalog,
):
    stamp = catalog.check_outcomes.stamp
    assert stamp("A1") == 0
    wrote = _sync(catalog, "A1", RunStatus.SUCCESS, families_new=3)
    assert stamp("A1") == wrote
    _sync(catalog, "A1", RunStatus.SUCCESS, families_unchanged=3)
    _sync(catalog, "B2", RunStatus.SUCCESS, families_changed=1)
    assert stamp("A1") == wrote
    failed = _sync(catalog, "A1", RunStatus.FAILED)
    assert stamp("A1") == failed
    for counts in ({"families_changed": 1}, {"families_removed": 1}):
        moved = _sync(catalog, "A1", RunStatus.SUCCESS, **counts)
        assert stamp("A1") == moved
    killed = catalog.runs.start("A1", "killed", NOW, 10)
    assert stamp("A1") is None
    after = _sync(catalog, "A1", RunStatus.SUCCESS, families_unchanged=3)
    assert stamp("A1") == killed < after


def test_a_scan_is_current_only_at_its_stamp_and_for_the_same_code(catalog: Catalog):
    store = catalog.check_outcomes
    found = StoredOutcome(False, "ERROR", "1 variants with a negative price", {"offending": 1},
                          "run-1", NOW)  # fmt: skip
    store.save("A1", 4, "digest-1", {"catalog_variants_prices_not_negative": found})

    assert store.current("A1", 4, "digest-1") == {"catalog_variants_prices_not_negative": found}
    assert store.current("A1", 5, "digest-1") == {}
    assert store.current("A1", 4, "digest-2") == {}
    assert store.current("B2", 4, "digest-1") == {}
    passed = StoredOutcome(True, "ERROR", "ok", {"offending": 0}, "run-2", NOW)
    store.save("A1", 5, "digest-1", {"catalog_variants_prices_not_negative": passed})
    assert store.current("A1", 4, "digest-1") == {}
    assert store.current("A1", 5, "digest-1") == {"catalog_variants_prices_not_negative": passed}
