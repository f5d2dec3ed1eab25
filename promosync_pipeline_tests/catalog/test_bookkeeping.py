"""Suppliers, categories, sync runs and sync errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from promosync_pipeline.catalog import Catalog, ErrorRecord
from promosync_pipeline.catalog import schema as t
from promosync_pipeline.promidata import Category
from promosync_pipeline_tests.support.catalog import rows, write_families
from promosync_pipeline_tests.support.families import SUPPLIER, family, write

T0 = datetime(2026, 1, 1, 3, 0, tzinfo=UTC)
T1 = T0 + timedelta(minutes=7, seconds=30)
T2 = T0 + timedelta(days=1)


def test_suppliers_are_added_once_and_keep_their_name(catalog: Catalog):
    catalog.suppliers.add(["S1", "S2", "S1"], T0)
    with catalog.engine.begin() as conn:
        conn.execute(sa.update(t.suppliers).where(t.suppliers.c.code == "S1").values(name="One"))
    catalog.suppliers.add(["S1", "S3"], T1)
    assert [(r["code"], r["name"], r["is_active"], r["first_seen_at"]) for r in
            rows(catalog, t.suppliers)] == [
        ("S1", "One", True, T0),
        ("S2", "S2", True, T0),
        ("S3", "S3", True, T1),
    ]  # fmt: skip


def test_supplier_status_counts_active_products(catalog: Catalog):
    catalog.suppliers.add([SUPPLIER], T0)
    write_families(catalog, SUPPLIER, [write(family(n)) for n in range(1, 4)], T0)
    catalog.families.deactivate(SUPPLIER, ["S1-3"], T1)
    catalog.suppliers.record_sync(SUPPLIER, "success", T1)
    (row,) = rows(catalog, t.suppliers)
    assert (row["last_sync_status"], row["last_synced_at"], row["products_count"]) == (
        "success",
        T1,
        2,
    )
    catalog.suppliers.record_sync(SUPPLIER, "failed", T2, products_count=7)
    catalog.suppliers.record_sync("S9", "failed", T2)  # never announced: added on the way
    assert [(r["code"], r["last_sync_status"], r["products_count"]) for r in
            rows(catalog, t.suppliers)] == [("S1", "failed", 7), ("S9", "failed", 0)]  # fmt: skip


def test_categories_are_upserted(catalog: Catalog):
    cats = [
        Category("C-1", None, {"de": "Taschen", "en": "Bags"}, 1),
        Category("C-10", "C-1", {"en": "Totes"}, None),
    ]
    assert catalog.categories.upsert(cats, T0) == 2
    assert catalog.categories.upsert([Category("C-10", "C-1", {"en": "Tote bags"}, 3)]) == 1
    assert [(r["code"], r["parent_code"], r["name"], r["sort_order"]) for r in
            rows(catalog, t.categories)] == [
        ("C-1", None, {"de": "Taschen", "en": "Bags"}, 1),
        ("C-10", "C-1", {"en": "Tote bags"}, 3),
    ]  # fmt: skip


def test_a_sync_run_records_its_counts(catalog: Catalog):
    run = catalog.runs.start(SUPPLIER, "dagster-run-1", T0)
    assert catalog.runs.get(run).status == "running"
    counts = {
        "families_new": 3,
        "families_changed": 2,
        "families_unchanged": 995,
        "families_removed": 1,
        "families_failed": 1,
        "variants_written": 20,
        "price_tiers_written": 280,
        "files_downloaded": 6,
        "bytes_downloaded": 5 * 2**30,
        "requests": 7,
        "retries": 1,
        "throttled_429": 4,  # step metadata without a column: ignored
    }
    catalog.runs.finish(run, "failed", T1, counts, error="1 family failed")
    (row,) = rows(catalog, t.sync_runs)
    assert row["id"] == run
    assert (row["supplier_code"], row["run_id"], row["status"], row["error"]) == (
        "S1",
        "dagster-run-1",
        "failed",
        "1 family failed",
    )
    assert (row["started_at"], row["finished_at"], row["duration_s"]) == (T0, T1, 450.0)
    assert {k: row[k] for k in counts if k != "throttled_429"} == {
        k: v for k, v in counts.items() if k != "throttled_429"
    }
    assert (row["images_uploaded"], row["images_failed"]) == (0, 0)
    later = catalog.runs.start(SUPPLIER, None, T2)
    assert catalog.runs.latest(SUPPLIER).id == later
    assert catalog.runs.latest(SUPPLIER, status="failed").id == run
    assert catalog.runs.latest("S2") is None
    assert catalog.runs.get(10_000) is None


def test_a_family_failing_again_stays_one_open_error(catalog: Catalog):
    run1 = catalog.runs.start(SUPPLIER, None, T0)
    catalog.errors.record(
        SUPPLIER,
        run1,
        [
            ("S1-1", "https://f/S1-1.json", "parse", "bad json"),
            ErrorRecord("S1-2", None, "download", "HTTP 404"),
            (None, "https://f/Import.txt", "download", "index line 7 malformed"),
        ],
        T0,
    )
    run2 = catalog.runs.start(SUPPLIER, None, T1)
    written = catalog.errors.record(
        SUPPLIER,
        run2,
        [
            ("S1-1", "https://f/S1-1.json", "parse", "first try"),
            ("S1-1", "https://f/S1-1.json", "parse", "still bad json"),
            ("S1-1", "https://f/S1-1.json", "write", "refused"),
            (None, "https://f/Import.txt", "download", "index line 7 malformed"),
        ],
        T1,
    )
    assert written == 3
    errors = catalog.errors.open(SUPPLIER)
    assert [(e.sku, e.stage, e.error, e.occurrences, e.sync_run_id) for e in errors] == [
        ("S1-1", "parse", "still bad json", 2, run2),
        ("S1-2", "download", "HTTP 404", 1, run1),
        (None, "download", "index line 7 malformed", 1, run1),
        ("S1-1", "write", "refused", 1, run2),
        (None, "download", "index line 7 malformed", 1, run2),
    ]
    assert (errors[0].created_at, errors[0].last_seen_at) == (T0, T1)
    assert catalog.errors.open("S2") == []


def test_resolving_errors_by_family_and_stage(catalog: Catalog):
    catalog.errors.record(
        SUPPLIER,
        None,
        [
            ("S1-1", None, "parse", "x"),
            ("S1-1", None, "image", "y"),
            ("S1-2", None, "download", "z"),
        ],
    )
    catalog.errors.record("S2", None, [("S1-1", None, "parse", "other supplier")], T0)
    assert catalog.errors.resolve(SUPPLIER, ["S1-1", "S1-1"], T1, stages=["parse", "write"]) == 1
    assert [(e.sku, e.stage) for e in catalog.errors.open(SUPPLIER)] == [
        ("S1-1", "image"),
        ("S1-2", "download"),
    ]
    assert catalog.errors.resolve(SUPPLIER, ["S1-1", "S1-2"], T1) == 2
    assert catalog.errors.open(SUPPLIER) == []
    assert len(catalog.errors.open("S2")) == 1
    # failing again after being resolved opens a new error
    catalog.errors.record(SUPPLIER, None, [("S1-1", None, "parse", "again")], T2)
    (again,) = catalog.errors.open(SUPPLIER)
    assert (again.error, again.occurrences, again.created_at) == ("again", 1, T2)
    resolved = rows(catalog, t.sync_errors, t.sync_errors.c.resolved_at.is_not(None))
    assert {r["resolved_at"] for r in resolved} == {T1}


def test_nothing_to_record_is_a_no_op(catalog: Catalog):
    assert catalog.errors.record(SUPPLIER, None, [], T0) == 0
    assert catalog.errors.resolve(SUPPLIER, [], T0) == 0
    catalog.suppliers.add([], T0)
    assert catalog.categories.upsert([], T0) == 0
    assert catalog.families.deactivate(SUPPLIER, [], T0) == 0
    assert rows(catalog, t.sync_errors) == rows(catalog, t.suppliers) == []


def test_long_error_messages_are_cut(catalog: Catalog):
    catalog.errors.record(SUPPLIER, None, [("S1-1", None, "parse", "x" * 100_000)], T0)
    (error,) = catalog.errors.open(SUPPLIER)
    assert 1000 <= len(error.error) < 100_000


def test_a_retried_step_takes_over_its_runs_open_row(catalog: Catalog):
    first = catalog.runs.start(SUPPLIER, "dagster-run-7", T0)
    retried = catalog.runs.start(SUPPLIER, "dagster-run-7", T1)
    assert retried == first
    assert [(r["id"], r["status"], r["started_at"]) for r in rows(catalog, t.sync_runs)] == [
        (first, "running", T1)
    ]
    catalog.runs.finish(retried, "success", T2)
    next_run = catalog.runs.start(SUPPLIER, "dagster-run-7", T2)
    assert next_run != first, "a finished row is never reopened"
    other = catalog.runs.start("S2", "dagster-run-7", T2)
    assert other not in (first, next_run)
