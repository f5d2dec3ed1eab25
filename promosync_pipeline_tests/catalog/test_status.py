"""``supplier_states``: every supplier's state for the status board, on both backends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from promosync_pipeline.catalog import Catalog
from promosync_pipeline.images.results import ImageResult
from promosync_pipeline_tests.support.catalog import write_families
from promosync_pipeline_tests.support.families import family, write

T0 = datetime(2026, 1, 1, 3, 0, tzinfo=UTC)
T1 = T0 + timedelta(days=1)


def _sync(catalog: Catalog, code: str, at: datetime, status: str, run_id: str) -> int:
    sync_run_id = catalog.runs.start(code, run_id, at)
    catalog.runs.finish(sync_run_id, status, at + timedelta(minutes=2))
    return sync_run_id


def test_states_of_every_supplier_in_one_read(catalog: Catalog):
    catalog.suppliers.add(["A1", "B2", "C3"], T0)
    # A1: three families, one later removed; one image failed, the others pending
    write_families(catalog, "A1", [write(family(n, supplier="A1")) for n in (1, 2, 3)], T0)
    catalog.families.deactivate("A1", ["A1-3"], T0)
    first = _sync(catalog, "A1", T0, "success", "run-a-old")
    bad = ImageResult("https://img.example.test/A1-1-1.jpg", error="bad")
    catalog.images.record_results([bad], T0)
    catalog.images.settle("A1", T0)
    catalog.errors.record("A1", first, [("A1-1", None, "image", "bad")], T0)
    latest = _sync(catalog, "A1", T1, "failed", "run-a-new")
    catalog.errors.record("A1", latest, [("A1-9", "u", "parse", "invalid JSON")], T1)
    catalog.errors.record("A1", latest, [("A1-8", "u", "parse", "x"), ("A1-7", None, "write", "y")])
    catalog.suppliers.record_sync("A1", "failed", T1)
    # B2: one family, its error resolved; never finished a catalog write
    write_families(catalog, "B2", [write(family(1, supplier="B2", variants=1))], T0)
    catalog.errors.record("B2", None, [("B2-1", None, "download", "HTTP 500")], T0)
    catalog.errors.resolve("B2", ["B2-1"], T1)
    catalog.runs.start("B2", "run-b", T1)
    # C3: nothing but its sighting

    a1, b2, c3 = catalog.status.supplier_states()

    assert (a1.code, a1.first_seen_at, a1.last_synced_at, a1.active_products) == ("A1", T0, T1, 2)
    assert a1.last_run is not None
    run = a1.last_run
    assert (run.id, run.run_id, run.status) == (latest, "run-a-new", "failed")
    assert a1.open_errors == {"image": 1, "parse": 2, "write": 1}
    # the removed family's pending images are not counted (uploaded_images skips them too)
    assert (a1.images_failed, a1.images_pending) == (1, 2 * 4 - 1)

    assert (b2.code, b2.last_synced_at, b2.active_products, b2.open_errors) == ("B2", None, 1, {})
    assert b2.last_run is not None and (b2.last_run.status, b2.last_run.finished_at) == (
        "running",
        None,
    )
    assert (b2.images_failed, b2.images_pending) == (0, 1)

    assert (c3.code, c3.last_synced_at, c3.last_run, c3.active_products) == ("C3", None, None, 0)
    assert (c3.open_errors, c3.images_pending, c3.images_failed) == ({}, 0, 0)


def test_the_latest_run_is_the_latest_started(catalog: Catalog):
    """A retried step takes over its earlier row and moves its start: the order of
    ``latest_sync_run``, not of ids."""
    catalog.suppliers.add(["A1"], T0)
    retried = catalog.runs.start("A1", "run-1", T0)
    other = _sync(catalog, "A1", T0 + timedelta(hours=1), "success", "run-2")
    assert catalog.runs.start("A1", "run-1", T1) == retried
    (state,) = catalog.status.supplier_states()
    assert state.last_run is not None and state.last_run.id == retried != other
    assert catalog.runs.latest("A1") == state.last_run


def test_has_supplier(catalog: Catalog):
    catalog.suppliers.add(["A1"], T0)
    assert catalog.suppliers.exists("A1") and not catalog.suppliers.exists("a1")
