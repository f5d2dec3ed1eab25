"""Writing families: exact rows, rewrites, touches, removals and families that fail alone."""

from __future__ import annotations

import dataclasses
import threading
import time
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
import sqlalchemy as sa

from promosync_pipeline.catalog import (
    Catalog,
    KnownProduct,
    is_postgres,
    upgrade,
)
from promosync_pipeline.catalog import families as writes_module
from promosync_pipeline.catalog import schema as t
from promosync_pipeline.catalog.families import FamilyWriter
from promosync_pipeline.catalog.rows import encode_family
from promosync_pipeline.promidata import PriceTier, content_hash
from promosync_pipeline_tests.support.catalog import (
    expected_tiers,
    product,
    rows,
    staged_rows,
    tiers,
    variants,
    write_families,
)
from promosync_pipeline_tests.support.families import (
    SUPPLIER,
    family,
    ladder,
    replace_variant,
    tier,
    variant,
    write,
)

T0 = datetime(2026, 1, 1, 3, 0, tzinfo=UTC)
T1 = T0 + timedelta(days=1)
T2 = T0 + timedelta(days=2)
T3 = T0 + timedelta(days=3)


def test_a_family_reads_back_exactly(catalog: Catalog):
    fam = family(
        7,
        variants=(
            variant(
                "S1-7-A",
                price_tiers=(
                    tier("12.3456", 1),
                    tier("11.0000", 100),
                    tier("7.5", 1, kind="buying"),
                    tier("13.00", 1, region="CH", currency="CHF"),
                ),
            ),
            variant(
                "S1-7-B",
                color=None,
                color_label={},
                hex_color=None,
                size=None,
                weight_g=None,
                ean=None,
                price_tiers=(tier(None, 1, on_request=True), tier("99999.9999", 5)),
            ),
            variant("S1-7-C", is_active=False, diameter_mm=30.0, price_tiers=()),
        ),
    )
    stats = write_families(catalog, SUPPLIER, [write(fam)], T0)

    assert (stats.products_written, stats.variants_written, stats.price_tiers_written) == (1, 3, 6)
    assert (stats.products_written, stats.failed) == (1, {})
    assert product(catalog, fam.sku) == {
        "sku": "S1-7",
        "supplier_code": "S1",
        "supplier_sku": "7",
        "ean": None,
        "category_code": "C-10",
        "category_path": "C-1/C-10",
        "brand": "Acme",
        "name": {"de": "Tasche 7", "en": "Bag 7"},
        "description": {"de": "Eine Tasche.", "en": "A bag."},
        "short_description": {"en": "Bag"},
        "material": {"de": "Baumwolle", "en": "Cotton"},
        "source_url": "https://feed.example.test/S1-7.json",
        "source_hash": "H1",
        "content_hash": content_hash(fam),
        "variant_count": 3,
        "price_min": Decimal("11"),
        "price_max": Decimal("99999.9999"),
        "currency": "EUR",
        "is_active": True,
        "first_seen_at": T0,
        "last_synced_at": T0,
        "removed_at": None,
        "attributes": {},
        "parser_version": "3",
    }
    stored = variants(catalog, fam.sku)
    assert stored["S1-7-A"] == {
        "sku": "S1-7-A",
        "product_sku": "S1-7",
        "supplier_sku": "7-A",
        "ean": "8712345678906",
        "color": "Black",
        "color_label": {"de": "Schwarz", "en": "Black"},
        "hex_color": "#000000",
        "size": "M",
        "weight_g": 175.5,
        "length_mm": 200.0,
        "width_mm": 100.0,
        "height_mm": 12.5,
        "diameter_mm": None,
        "is_active": True,
        "country_of_origin": None,
        "customs_tariff_number": None,
        "carton_length_cm": None,
        "carton_width_cm": None,
        "carton_height_cm": None,
        "carton_weight_net_kg": None,
        "carton_weight_gross_kg": None,
        "carton_quantity": None,
        "attributes": {},
    }
    b = stored["S1-7-B"]
    assert (b["color"], b["color_label"], b["hex_color"], b["size"], b["weight_g"], b["ean"]) == (
        None, {}, None, None, None, None,
    )  # fmt: skip
    assert (stored["S1-7-C"]["is_active"], stored["S1-7-C"]["diameter_mm"]) == (False, 30.0)
    assert tiers(catalog, fam.sku) == [
        ("S1-7-A", "CH", "selling", 1, Decimal("13.00"), "CHF", False),
        ("S1-7-A", "DE", "buying", 1, Decimal("7.5"), "EUR", False),
        ("S1-7-A", "DE", "selling", 1, Decimal("12.3456"), "EUR", False),
        ("S1-7-A", "DE", "selling", 100, Decimal("11"), "EUR", False),
        ("S1-7-B", "DE", "selling", 1, None, "EUR", True),
        ("S1-7-B", "DE", "selling", 5, Decimal("99999.9999"), "EUR", False),
    ]
    assert catalog.reads.active_variant_count(SUPPLIER) == 2


def test_a_family_without_prices_has_no_price_range(catalog: Catalog):
    fam = family(1, variants=(variant("S1-1-1", price_tiers=(tier(None, 1, on_request=True),)),))
    write_families(catalog, SUPPLIER, [write(fam)], T0)
    row = product(catalog, fam.sku)
    assert (row["price_min"], row["price_max"]) == (None, None)


def test_known_hashes_is_one_query_per_supplier(catalog: Catalog):
    families = [family(n) for n in range(1, 4)]
    write_families(catalog, SUPPLIER, [write(f, f"H{n}") for n, f in enumerate(families)], T0)
    write_families(catalog, "S2", [write(family(1, supplier="S2"))], T0)
    catalog.families.deactivate(SUPPLIER, [families[2].sku], T1)
    statements: list[str] = []

    def count(conn, cursor, statement, *args) -> None:
        statements.append(statement)

    sa.event.listen(catalog.engine, "before_cursor_execute", count)
    try:
        known = catalog.reads.known_hashes(SUPPLIER)
    finally:
        sa.event.remove(catalog.engine, "before_cursor_execute", count)
    assert len([s for s in statements if "products" in s]) == 1, statements
    assert known == {
        f.sku: KnownProduct(f"H{n}", content_hash(f), n != 2) for n, f in enumerate(families)
    }
    assert catalog.reads.known_hashes("NOPE") == {}


def test_rewrite_drops_a_variant_and_replaces_the_tiers_exactly(catalog: Catalog):
    old = family(3, variants=4)
    write_families(catalog, SUPPLIER, [write(old)], T0)
    gone, kept, *rest = old.variants
    selling = {p.min_quantity: p for p in kept.price_tiers if p.kind == "selling"}
    changed_tiers = (
        *(p for p in kept.price_tiers if p.kind == "buying"),
        dataclasses.replace(selling[1], price=Decimal("1.2345")),  # price changed
        *(p for q, p in selling.items() if q not in (1, 50)),  # quantity 50 dropped
        tier("1.00", 10000),  # tier added
    )
    new = dataclasses.replace(
        old,
        variants=(dataclasses.replace(kept, price_tiers=changed_tiers, size="XL"), *rest),
        name={"en": "Renamed"},
    )
    stats = write_families(catalog, SUPPLIER, [write(new, "H2")], T1)

    assert (stats.products_written, stats.failed) == (1, {})
    assert tiers(catalog, old.sku) == expected_tiers(new)
    stored = variants(catalog, old.sku)
    assert set(stored) == {v.sku for v in old.variants}
    assert stored[gone.sku]["is_active"] is False
    assert all(stored[v.sku]["is_active"] for v in new.variants)
    assert stored[kept.sku]["size"] == "XL"
    row = product(catalog, old.sku)
    assert (row["first_seen_at"], row["last_synced_at"]) == (T0, T1)
    assert (row["source_hash"], row["content_hash"]) == ("H2", content_hash(new))
    assert (row["variant_count"], row["name"]) == (3, {"en": "Renamed"})
    assert (row["price_min"], row["price_max"]) == (Decimal("1.00"), new.price_max)


def test_unchanged_rows_of_a_rewritten_family_survive(catalog: Catalog):
    fam = family(4, variants=3)
    write_families(catalog, SUPPLIER, [write(fam)], T0)
    write_families(catalog, SUPPLIER, [write(fam, "H2")], T1)
    assert tiers(catalog, fam.sku) == expected_tiers(fam)
    assert all(v["is_active"] for v in variants(catalog, fam.sku).values())


def test_tier_values_with_tabs_line_breaks_and_backslashes_are_stored_as_given(
    catalog: Catalog,
):
    """Tiers travel as COPY text on PostgreSQL: new ones straight into the table, changed
    ones through a merge. Neither path may change a character."""
    awkward = (
        tier("1.50", 1, region="A\tB"),
        tier("1.40", 10, region="C\nD\r"),
        tier("1.30", 20, region="\\N"),
        tier(None, 30, region="E\\F\x1cü", on_request=True),
    )
    fam = family(6, variants=(variant("S1-6-\\A\t", price_tiers=awkward),))
    write_families(catalog, SUPPLIER, [write(fam)], T0)
    assert tiers(catalog, fam.sku) == expected_tiers(fam)

    repriced = tuple(dataclasses.replace(p, price=Decimal("2.25")) for p in awkward[:2])
    changed = dataclasses.replace(
        fam, variants=(dataclasses.replace(fam.variants[0], price_tiers=(*repriced, *awkward[2:])),)
    )
    stats = write_families(catalog, SUPPLIER, [write(changed, "H2")], T1)

    assert (stats.failed, stats.price_tiers_written) == ({}, 4)
    assert tiers(catalog, fam.sku) == expected_tiers(changed)


def test_touch_unchanged_updates_only_the_source(catalog: Catalog):
    a, b, c = family(1), family(2), family(3)
    write_families(catalog, SUPPLIER, [write(a), write(b), write(c)], T0)
    before = {table.name: rows(catalog, table) for table in (t.product_variants, t.price_tiers)}
    products_before = {r["sku"]: r for r in rows(catalog, t.products)}

    new_url = "https://feed.example.test/new.json"
    touched = catalog.families.touch_unchanged(
        SUPPLIER, {a.sku: "H9", b.sku: (new_url, "H8"), "S1-unknown": "H"}
    )

    assert touched == 2
    after = {r["sku"]: r for r in rows(catalog, t.products)}
    assert after[a.sku] == {**products_before[a.sku], "source_hash": "H9"}
    assert after[b.sku] == {
        **products_before[b.sku],
        "source_hash": "H8",
        "source_url": new_url,
    }
    assert after[c.sku] == products_before[c.sku]
    assert {table.name: rows(catalog, table) for table in (t.product_variants, t.price_tiers)} == (
        before
    )
    assert catalog.families.touch_unchanged("S2", {a.sku: "H0"}) == 0
    assert catalog.families.touch_unchanged(SUPPLIER, {}) == 0


def test_deactivate_keeps_the_rows_and_a_later_write_reactivates(catalog: Catalog):
    fam, other = family(5), family(6)
    write_families(catalog, SUPPLIER, [write(fam), write(other)], T0)

    assert catalog.families.deactivate(SUPPLIER, [fam.sku], T1) == 1
    assert catalog.families.deactivate(SUPPLIER, [fam.sku], T2) == 0
    assert catalog.families.deactivate("S2", [other.sku], T2) == 0

    row = product(catalog, fam.sku)
    assert (row["is_active"], row["removed_at"], row["last_synced_at"]) == (False, T1, T0)
    assert not any(v["is_active"] for v in variants(catalog, fam.sku).values())
    assert tiers(catalog, fam.sku) == expected_tiers(fam)
    assert product(catalog, other.sku)["is_active"] is True
    assert catalog.reads.active_count(SUPPLIER) == 1
    assert catalog.reads.known_hashes(SUPPLIER)[fam.sku].is_active is False

    write_families(catalog, SUPPLIER, [write(fam)], T3)
    row = product(catalog, fam.sku)
    assert (row["is_active"], row["removed_at"]) == (True, None)
    assert (row["first_seen_at"], row["last_synced_at"]) == (T0, T3)
    assert all(v["is_active"] for v in variants(catalog, fam.sku).values())


def test_families_the_checks_refuse_fail_alone(catalog: Catalog):
    ok1, ok2 = family(1), family(2)
    long_sku = replace_variant(family(3), 0, sku="S1-3-" + "x" * 300)
    bad_kind = replace_variant(family(4), 1, price_tiers=(tier("1", 1, kind="rental"),))
    long_region = replace_variant(family(5), 0, price_tiers=(tier("1", 1, region="R" * 65),))
    twice = replace_variant(family(6), 1, sku="S1-6-1")
    huge = replace_variant(family(7), 0, price_tiers=(tier("100000000", 1),))
    nul = replace_variant(family(9), 0, price_tiers=(tier("1", 1, currency="E\x00R"),))
    foreign = family(8, supplier="S2")
    batch = [ok1, long_sku, bad_kind, long_region, twice, huge, nul, foreign, ok2]

    stats = write_families(catalog, SUPPLIER, [write(f) for f in batch], T0)

    assert stats.products_written == 2
    assert set(stats.failed) == {f.sku for f in batch[1:-1]}
    assert "characters long (max 255)" in stats.failed[long_sku.sku]
    assert "'rental' is neither selling nor buying" in stats.failed[bad_kind.sku]
    assert "price_tiers.region" in stats.failed[long_region.sku]
    assert "S1-6-1 occurs twice" in stats.failed[twice.sku]
    assert "out of range" in stats.failed[huge.sku]
    assert "price_tiers.currency holds a NUL character" in stats.failed[nul.sku]
    assert "belongs to supplier S2, not S1" in stats.failed[foreign.sku]
    assert {r["sku"] for r in rows(catalog, t.products)} == {ok1.sku, ok2.sku}
    assert {r["product_sku"] for r in rows(catalog, t.product_variants)} == {ok1.sku, ok2.sku}
    assert {r["product_sku"] for r in rows(catalog, t.price_tiers)} == {ok1.sku, ok2.sku}


def test_a_variant_sku_owned_by_another_active_family_fails_the_newcomer(catalog: Catalog):
    owner = family(1)
    write_families(catalog, SUPPLIER, [write(owner)], T0)
    taken = owner.variants[0]
    thief = family(2, variants=(variant("S1-2-1"), taken))
    twin_a, twin_b = family(3), family(4, variants=(variant("S1-3-1"),))

    stats = write_families(
        catalog, SUPPLIER, [write(family(5)), write(thief), write(twin_a), write(twin_b)], T0
    )

    assert set(stats.failed) == {thief.sku, twin_b.sku}
    assert (
        f"variant SKU {taken.sku} already belongs to family {owner.sku}"
        in (stats.failed[thief.sku])
    )
    assert f"variant SKU S1-3-1 also belongs to family {twin_a.sku}" in stats.failed[twin_b.sku]
    stored = rows(catalog, t.product_variants, t.product_variants.c.sku == taken.sku)
    assert stored[0]["product_sku"] == owner.sku
    assert {r["sku"] for r in rows(catalog, t.products)} == {owner.sku, "S1-5", twin_a.sku}


def test_a_variant_may_move_from_a_removed_family_or_within_a_batch(catalog: Catalog):
    a, b = family(1, variants=2), family(2, variants=2)
    write_families(catalog, SUPPLIER, [write(a), write(b)], T0)
    moved = a.variants[0]
    # within one batch: a gives up its first variant, c takes it
    a2 = dataclasses.replace(a, variants=a.variants[1:])
    c = family(3, variants=(moved,))
    assert write_families(catalog, SUPPLIER, [write(c), write(a2)], T1).failed == {}
    assert rows(catalog, t.product_variants, t.product_variants.c.sku == moved.sku)[0][
        "product_sku"
    ] == (c.sku)
    # from a removed family
    catalog.families.deactivate(SUPPLIER, [b.sku], T1)
    d = family(4, variants=(b.variants[0],))
    assert write_families(catalog, SUPPLIER, [write(d)], T2).failed == {}
    assert tiers(catalog, d.sku) == expected_tiers(d)
    assert [v[0] for v in tiers(catalog, b.sku)] == [b.variants[1].sku] * 14


def test_a_product_sku_of_another_supplier_is_not_taken_over(catalog: Catalog):
    write_families(catalog, SUPPLIER, [write(family(1))], T0)
    intruder = family(1, supplier="S2", sku="S1-1")
    stats = write_families(catalog, "S2", [write(intruder)], T0)
    assert stats.failed == {"S1-1": "product SKU S1-1 already belongs to supplier S1"}
    assert product(catalog, "S1-1")["supplier_code"] == SUPPLIER


def _refused_alone(catalog: Catalog, bad_tier: PriceTier) -> None:
    families = [family(n) for n in range(1, 8)]
    families[4] = replace_variant(families[4], 2, price_tiers=(bad_tier,))
    batches: list[int] = []

    stats = write_families(
        catalog, SUPPLIER, [write(f) for f in families], T0, on_batch=batches.append
    )

    good = families[:4] + families[5:]
    assert list(stats.failed) == [families[4].sku]
    assert stats.failed[families[4].sku].startswith("the database refused the family: ")
    assert stats.products_written == 6
    assert stats.price_tiers_written == sum(f.price_tier_count for f in good)
    assert batches == [7]
    assert {r["sku"] for r in rows(catalog, t.products)} == {f.sku for f in good}
    assert tiers(catalog, families[4].sku) == []


def test_a_family_the_database_refuses_fails_alone(
    catalog: Catalog, monkeypatch: pytest.MonkeyPatch
):
    """The checks can miss something: the batch is split until the family is isolated."""
    monkeypatch.setattr(writes_module, "problem", lambda *args: None)
    _refused_alone(catalog, tier("1", 1, kind="rental"))  # CHECK constraint


@pytest.mark.postgres
def test_a_value_too_long_for_postgresql_fails_alone(
    pg_catalog: sa.Engine, monkeypatch: pytest.MonkeyPatch
):
    """A DataError raised inside COPY is handled like any refusal (SQLite has no lengths)."""
    monkeypatch.setattr(writes_module, "problem", lambda *args: None)
    _refused_alone(Catalog(pg_catalog), tier("1", 1, region="R" * 99))


def test_families_are_streamed_in_batches(catalog_engine: sa.Engine):
    catalog = Catalog(catalog_engine)
    writer = FamilyWriter(catalog_engine, batch_families=3)
    pulled: list[int] = []

    def feed():
        for n in range(1, 11):
            pulled.append(n)
            yield write(family(n, variants=2))

    settled: list[tuple[int, int]] = []
    stats = writer.write(
        SUPPLIER, staged_rows(feed()), T0, on_batch=lambda n: settled.append((n, len(pulled)))
    )

    assert stats.products_written == 10 and stats.variants_written == 20
    assert [n for n, _ in settled] == [3, 3, 3, 1]
    # a batch is written as soon as it is full; while batches are written (one per
    # connection), the next one is read: at most that batch and one family are read ahead
    connections = writes_module.WRITE_CONNECTIONS if is_postgres(catalog_engine) else 1
    ahead = connections * 3 + 1
    assert all(seen <= done + ahead for (_, seen), done in zip(settled, (3, 6, 9, 10), strict=True))
    assert catalog.reads.active_count(SUPPLIER) == 10


class _TimedWriter(FamilyWriter):
    """Records when each batch's write began and ended; holds back batches of ``slow`` SKUs."""

    def __init__(self, engine: sa.Engine, slow: str = "", **options: int) -> None:
        super().__init__(engine, **options)
        self.slow = slow
        self.spans: dict[str, tuple[float, float]] = {}

    def _commit_batch(self, target, batch):  # type: ignore[no-untyped-def]
        started = time.monotonic()
        if any(f.sku == self.slow for f in batch.families):
            time.sleep(0.5)
        done = super()._commit_batch(target, batch)
        self.spans[batch.families[0].sku] = (started, time.monotonic())
        return done


def _timed(engine: sa.Engine) -> Catalog:
    """A catalog whose family writer is a :class:`_TimedWriter` of batches of two."""
    catalog = Catalog(engine)
    catalog.families = _TimedWriter(engine, slow="S1-1", batch_families=2)
    return catalog


def _overlap(a: tuple[float, float], b: tuple[float, float]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def test_batches_without_a_shared_sku_are_written_at_once_on_postgresql(catalog_engine: sa.Engine):
    catalog = _timed(catalog_engine)
    stats = write_families(catalog, SUPPLIER, [write(family(n)) for n in range(1, 5)], T0)
    assert stats.failed == {} and catalog.reads.active_count(SUPPLIER) == 4
    first, second = catalog.families.spans["S1-1"], catalog.families.spans["S1-3"]
    assert _overlap(first, second) == is_postgres(catalog_engine)


def test_a_variant_two_batches_claim_goes_to_the_family_first_in_the_feed(
    catalog_engine: sa.Engine,
):
    """The batch of the later claimant waits for the earlier one, however long that takes."""
    catalog = _timed(catalog_engine)
    first = family(1)
    contested = first.variants[0]
    later = family(3, variants=(variant("S1-3-1"), contested))

    stats = write_families(
        catalog, SUPPLIER, [write(first), write(family(2)), write(later), write(family(4))], T0
    )

    assert stats.failed == {
        later.sku: f"variant SKU {contested.sku} already belongs to family {first.sku}"
    }
    owner = rows(catalog, t.product_variants, t.product_variants.c.sku == contested.sku)
    assert owner[0]["product_sku"] == first.sku
    assert not _overlap(catalog.families.spans["S1-1"], catalog.families.spans["S1-3"])
    assert {r["sku"] for r in rows(catalog, t.products)} == {"S1-1", "S1-2", "S1-4"}


def test_a_batch_is_capped_by_variants_too(catalog_engine: sa.Engine):
    writer = FamilyWriter(catalog_engine, batch_families=100, batch_variants=5)
    settled: list[int] = []
    families = staged_rows(write(family(n, variants=2)) for n in range(5))
    writer.write(SUPPLIER, families, T0, on_batch=settled.append)
    assert settled == [2, 2, 1]


def test_the_same_family_twice_in_one_call_ends_as_the_last(catalog: Catalog):
    first = family(1, variants=3)
    last = dataclasses.replace(first, variants=first.variants[:1], brand="Zeta")
    stats = write_families(catalog, SUPPLIER, [write(first), write(last, "H2")], T0)
    assert stats.failed == {}
    row = product(catalog, first.sku)
    assert (row["brand"], row["source_hash"], row["variant_count"]) == ("Zeta", "H2", 1)
    assert tiers(catalog, first.sku) == expected_tiers(last)


def test_committing_a_family_resolves_its_open_errors(catalog: Catalog):
    fam = family(1)
    run = catalog.runs.start(SUPPLIER, None, T0)
    catalog.errors.record(
        SUPPLIER,
        run,
        [
            (fam.sku, "u", "parse", "bad json"),
            (fam.sku, "u", "image", "404"),
            ("S1-2", "u", "parse", "bad json"),
        ],
        T0,
    )
    write_families(catalog, SUPPLIER, [write(fam)], T1)
    assert sorted((e.sku, e.stage) for e in catalog.errors.open(SUPPLIER)) == [
        ("S1-1", "image"),
        ("S1-2", "parse"),
    ]
    resolved = rows(catalog, t.sync_errors, t.sync_errors.c.stage == "parse")
    assert [(r["sku"], r["resolved_at"]) for r in resolved] == [("S1-1", T1), ("S1-2", None)]


def test_timestamps_come_back_as_the_same_instant_in_utc(catalog: Catalog):
    local = datetime(2026, 6, 1, 14, 30, tzinfo=timezone(timedelta(hours=2)))
    write_families(catalog, SUPPLIER, [write(family(1))], local)
    row = product(catalog, "S1-1")
    assert row["first_seen_at"] == local
    assert row["first_seen_at"].utcoffset() == timedelta(0)


def test_staged_families_are_written_from_the_staging_table(catalog: Catalog):
    a, b = family(1), family(2)
    run = catalog.runs.start(SUPPLIER, "dagster-run", T0)
    catalog.staging.stage(SUPPLIER, run, [encode_family(write(f)) for f in (a, b)])
    staged = catalog.staging.hashes(run)
    assert {sku: s.content_hash for sku, s in staged.items()} == {
        a.sku: content_hash(a),
        b.sku: content_hash(b),
    }
    done: list[int] = []
    stats = catalog.families.write(
        SUPPLIER, catalog.staging.rows(run, [a.sku, b.sku]), T1, on_batch=done.append
    )
    assert stats.products_written == 2
    assert sum(done) == 2
    assert tiers(catalog, a.sku) == expected_tiers(a)
    catalog.staging.clear(SUPPLIER)
    assert catalog.staging.hashes(run) == {}


def test_many_families_round_trip(catalog: Catalog):
    families = [family(n, variants=(n % 5) + 1) for n in range(1, 451)]
    families = [
        dataclasses.replace(f, variants=tuple(
            dataclasses.replace(v, price_tiers=ladder(f"{n}.25", ("DE", "AT")))
            for v in f.variants
        ))
        for n, f in enumerate(families, start=1)
    ]  # fmt: skip
    stats = write_families(catalog, SUPPLIER, (write(f) for f in families), T0)
    assert stats.failed == {}
    assert stats.products_written == 450
    assert stats.variants_written == sum(len(f.variants) for f in families)
    assert stats.price_tiers_written == sum(f.price_tier_count for f in families) == 37800
    for fam in families[::37]:
        assert tiers(catalog, fam.sku) == expected_tiers(fam)
        assert product(catalog, fam.sku)["price_min"] == fam.price_min


def test_suppliers_written_concurrently_do_not_block_each_other(catalog: Catalog):
    """Dagster runs supplier partitions in parallel processes against one catalog."""
    errors: list[BaseException] = []

    def sync(code: str) -> None:
        try:
            for start in range(0, 40, 10):
                batch = [
                    write(family(n, supplier=code, variants=2)) for n in range(start, start + 10)
                ]
                stats = write_families(catalog, code, batch, T0)
                assert stats.failed == {}
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=sync, args=(f"P{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert [catalog.reads.active_count(f"P{i}") for i in range(4)] == [40] * 4


@pytest.mark.postgres
def test_postgresql_through_another_driver_falls_back_to_statements(pg_url: str):
    """COPY needs psycopg 3; an engine built by hand on psycopg2 still writes correctly."""
    engine = sa.create_engine(pg_url.replace("+psycopg://", "+psycopg2://"))
    upgrade(engine)
    catalog = Catalog(engine)
    old = family(1, variants=3)
    new = dataclasses.replace(old, variants=old.variants[1:])
    write_families(catalog, SUPPLIER, [write(old), write(family(2))], T0)
    stats = write_families(catalog, SUPPLIER, [write(new, "H2")], T1)
    assert stats.failed == {}
    assert tiers(catalog, old.sku) == expected_tiers(new)
    assert variants(catalog, old.sku)[old.variants[0].sku]["is_active"] is False
    assert catalog.families.touch_unchanged(SUPPLIER, {old.sku: "H3"}) == 1
    assert catalog.reads.known_hashes(SUPPLIER)[old.sku].source_hash == "H3"
    engine.dispose()


def test_a_batch_postgresql_aborts_as_deadlocked_is_written_again(pg_catalog: sa.Engine):
    """The server's first product insert fails as a deadlock victim would (SQLSTATE 40P01; a
    sequence counts the attempts, as it is not rolled back with them)."""
    ddl = [
        "CREATE SEQUENCE test_deadlock_attempts",
        "CREATE FUNCTION test_deadlock_once() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "IF nextval('test_deadlock_attempts') = 1 THEN "
        "RAISE EXCEPTION 'deadlock detected' USING ERRCODE = 'deadlock_detected'; END IF; "
        "RETURN NEW; END $$",
        "CREATE TRIGGER test_deadlock_once BEFORE INSERT ON products "
        "FOR EACH ROW EXECUTE FUNCTION test_deadlock_once()",
    ]
    with pg_catalog.begin() as conn:
        for statement in ddl:
            conn.exec_driver_sql(statement)
    try:
        stats = write_families(Catalog(pg_catalog), SUPPLIER, [write(family(1))], T0)
        with pg_catalog.connect() as conn:
            attempts = conn.exec_driver_sql("SELECT last_value FROM test_deadlock_attempts")
            assert attempts.scalar_one() == 2
    finally:
        with pg_catalog.begin() as conn:
            conn.exec_driver_sql("DROP TRIGGER test_deadlock_once ON products")
            conn.exec_driver_sql("DROP FUNCTION test_deadlock_once()")
            conn.exec_driver_sql("DROP SEQUENCE test_deadlock_attempts")
    assert (stats.products_written, stats.failed) == (1, {})
    assert tiers(Catalog(pg_catalog), "S1-1") == expected_tiers(family(1))
