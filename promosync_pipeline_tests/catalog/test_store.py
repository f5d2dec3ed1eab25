"""The catalog on real PostgreSQL and SQLite."""

import dataclasses
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from promosync_pipeline.catalog import FamilyWrite
from promosync_pipeline.catalog import schema as t
from promosync_pipeline.catalog.rows import encode_family
from promosync_pipeline.feedsim import FeedGenerator, FeedSpec
from promosync_pipeline.promidata import PriceTier, content_hash
from promosync_pipeline_tests.support.catalog import rows, write_families

T0 = datetime(2026, 1, 1, tzinfo=UTC)
CODE = "A26"
"""The generator's only supplier."""


@pytest.fixture(scope="module")
def generator():
    return FeedGenerator(FeedSpec(seed=31, suppliers=1, families=30, exact=True))


def write(family, source_hash="H1"):
    return FamilyWrite(family, f"http://h/{family.sku}.json", source_hash, content_hash(family))


def test_families_written_read_back_exactly(catalog, generator):
    families = [generator.family(s) for s in generator.all_skus()[:5]]
    result = write_families(catalog, CODE, [write(f) for f in families], T0)
    assert result.failed == {}
    assert result.products_written == 5
    assert result.price_tiers_written == sum(f.price_tier_count for f in families)
    known = catalog.reads.known_hashes(families[0].supplier_code)
    assert {s: k.content_hash for s, k in known.items()} == {
        f.sku: content_hash(f) for f in families
    }
    family = families[0]
    (product,) = rows(catalog, t.products, t.products.c.sku == family.sku)
    assert product["name"] == family.name and product["variant_count"] == len(family.variants)
    assert Decimal(product["price_min"]) == family.price_min
    tiers = rows(catalog, t.price_tiers, t.price_tiers.c.product_sku == family.sku)
    assert len(tiers) == family.price_tier_count
    assert all((r["price"] is None) == r["on_request"] for r in tiers)


def test_rewrite_replaces_tiers_and_deactivates_dropped_variants(catalog, generator):
    family = next(
        generator.family(s) for s in generator.all_skus() if len(generator.family(s).variants) > 2
    )
    write_families(catalog, CODE, [write(family)], T0)
    first, *rest = family.variants
    cheaper = tuple(dataclasses.replace(p, price=Decimal("0.42")) for p in rest[0].price_tiers)
    new_variants = (dataclasses.replace(rest[0], price_tiers=cheaper), *rest[1:])
    changed = dataclasses.replace(family, variants=new_variants)
    result = write_families(catalog, CODE, [write(changed, "H2")], T0 + timedelta(days=1))
    assert result.failed == {}
    variants = {r["sku"]: r for r in rows(catalog, t.product_variants)}
    assert not variants[first.sku]["is_active"]
    assert all(variants[v.sku]["is_active"] == v.is_active for v in new_variants)
    tiers = rows(catalog, t.price_tiers, t.price_tiers.c.product_sku == family.sku)
    assert {r["variant_sku"] for r in tiers} == {v.sku for v in new_variants}
    assert {Decimal(r["price"]) for r in tiers if r["variant_sku"] == rest[0].sku} <= {
        Decimal("0.42")
    }
    (product,) = rows(catalog, t.products, t.products.c.sku == family.sku)
    assert product["first_seen_at"].replace(tzinfo=UTC) == T0
    assert product["source_hash"] == "H2"


def test_a_family_that_cannot_be_written_fails_alone(catalog, generator):
    a, b, c = (generator.family(s) for s in generator.all_skus()[:3])
    thief = dataclasses.replace(c, variants=(*c.variants, a.variants[0]))
    write_families(catalog, CODE, [write(a)], T0)
    result = write_families(catalog, CODE, [write(b), write(thief)], T0)
    assert set(result.failed) == {c.sku}
    assert (
        f"variant SKU {a.variants[0].sku} already belongs to family {a.sku}"
        in (result.failed[c.sku])
    )
    skus = {r["sku"] for r in rows(catalog, t.products)}
    assert skus == {a.sku, b.sku}
    owner = rows(catalog, t.product_variants, t.product_variants.c.sku == a.variants[0].sku)
    assert owner[0]["product_sku"] == a.sku


def test_a_database_error_fails_only_its_family(catalog, generator):
    a, b = (generator.family(s) for s in generator.all_skus()[3:5])
    too_long = dataclasses.replace(
        b,
        variants=tuple(
            dataclasses.replace(
                v,
                price_tiers=(PriceTier("R" * 300, "selling", 1, Decimal(1), "EUR", False),),
            )
            for v in b.variants
        ),
    )
    result = write_families(catalog, CODE, [write(a), write(too_long)], T0)
    # refused before the database sees it, so SQLite (no VARCHAR limits) refuses it too
    assert set(result.failed) == {b.sku}
    assert "price_tiers.region" in result.failed[b.sku]
    assert "300 characters long (max 64)" in result.failed[b.sku]
    assert {r["sku"] for r in rows(catalog, t.products)} == {a.sku}
    assert rows(catalog, t.price_tiers, t.price_tiers.c.product_sku == b.sku) == []


def test_duplicate_variant_sku_within_one_batch(catalog, generator):
    a, b = (generator.family(s) for s in generator.all_skus()[5:7])
    twin = dataclasses.replace(b, variants=(a.variants[0],))
    result = write_families(catalog, CODE, [write(a), write(twin)], T0)
    assert set(result.failed) == {b.sku}


def test_deactivate_keeps_rows_and_a_later_write_reactivates(catalog, generator):
    family = generator.family(generator.all_skus()[7])
    write_families(catalog, CODE, [write(family)], T0)
    assert (
        catalog.families.deactivate(family.supplier_code, [family.sku], T0 + timedelta(hours=1))
        == 1
    )
    assert (
        catalog.families.deactivate(family.supplier_code, [family.sku], T0 + timedelta(hours=2))
        == 0
    )
    (product,) = rows(catalog, t.products, t.products.c.sku == family.sku)
    assert not product["is_active"]
    assert product["removed_at"].replace(tzinfo=UTC) == T0 + timedelta(hours=1)
    assert catalog.reads.active_variant_count(family.supplier_code) == 0
    write_families(catalog, CODE, [write(family)], T0 + timedelta(days=1))
    (product,) = rows(catalog, t.products, t.products.c.sku == family.sku)
    assert product["is_active"] and product["removed_at"] is None


def test_touch_unchanged_updates_only_the_source(catalog, generator):
    family = generator.family(generator.all_skus()[8])
    write_families(catalog, CODE, [write(family)], T0)
    tiers_before = rows(catalog, t.price_tiers)
    catalog.families.touch_unchanged(family.supplier_code, {family.sku: ("http://new", "H9")})
    (product,) = rows(catalog, t.products, t.products.c.sku == family.sku)
    assert (product["source_url"], product["source_hash"]) == ("http://new", "H9")
    assert product["content_hash"] == content_hash(family)
    assert rows(catalog, t.price_tiers) == tiers_before


def test_errors_are_recorded_once_per_family_and_resolved(catalog):
    run = catalog.runs.start("A1", "run-1", T0)
    catalog.errors.record("A1", run, [("A1-1", "u", "parse", "bad json")], T0)
    again = [("A1-1", "u", "parse", "still bad"), ("A1-2", None, "download", "404")]
    catalog.errors.record("A1", run, again, T0)
    assert [(e.sku, e.stage, e.error) for e in catalog.errors.open("A1")] == [
        ("A1-1", "parse", "still bad"),
        ("A1-2", "download", "404"),
    ]
    catalog.errors.resolve("A1", ["A1-1"], T0, stages=["parse"])
    assert [e.sku for e in catalog.errors.open("A1")] == ["A1-2"]
    catalog.runs.finish(run, "failed", T0 + timedelta(seconds=5), {"families_failed": 2})
    (row,) = rows(catalog, t.sync_runs)
    assert (row["status"], row["families_failed"], row["duration_s"]) == ("failed", 2, 5.0)


def test_staging_round_trip(catalog, generator):
    family = generator.family(generator.all_skus()[9])
    catalog.staging.stage(family.supplier_code, 7, [encode_family(write(family))])
    staged = catalog.staging.hashes(7)
    assert staged[family.sku].content_hash == content_hash(family)
    result = catalog.families.write(family.supplier_code, catalog.staging.rows(7, [family.sku]), T0)
    assert result.products_written == 1
    catalog.staging.clear(family.supplier_code)
    assert catalog.staging.hashes(7) == {}


def test_a_bare_postgresql_url_means_psycopg3():
    from promosync_pipeline.catalog import normalize_url

    assert normalize_url("postgresql://u:p@h/db") == "postgresql+psycopg://u:p@h/db"
    assert normalize_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
