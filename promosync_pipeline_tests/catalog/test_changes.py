"""The change feed in the catalog: what each write of a family records in ``catalog_changes``,
on SQLite and PostgreSQL. Families are real Promidata-shaped documents, parsed, changed one
value at a time, written as a sync writes them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest
import sqlalchemy as sa

from promosync_pipeline.catalog import Catalog, FamilyWrite
from promosync_pipeline.catalog import schema as t
from promosync_pipeline.catalog.schema import ChangeKind
from promosync_pipeline.promidata import content_hash, parse_product
from promosync_pipeline_tests.promidata.builders import IMG, block, clone, reference_like, tier
from promosync_pipeline_tests.support.catalog import write_families

T0 = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)
T1 = T0 + timedelta(days=1)
CODE = "A23"
SKU = "A23-100"


def parsed(doc: dict[str, Any], source_hash: str = "H1") -> FamilyWrite:
    family = parse_product(orjson.dumps(doc), f"A23/{doc['Sku']}.json", supplier_code=CODE)
    return FamilyWrite(
        family, f"https://feed.test/A23/{doc['Sku']}.json", source_hash, content_hash(family)
    )


def changes(catalog: Catalog, sync_run_id: int | None = None) -> list[tuple[Any, ...]]:
    """``(variant_sku, change, field, old_value, new_value)`` of the recorded changes (of one
    sync run, if given), sorted."""
    c = t.catalog_changes
    query = sa.select(c.c.variant_sku, c.c.change, c.c.field, c.c.old_value, c.c.new_value)
    if sync_run_id is not None:
        query = query.where(c.c.sync_run_id == sync_run_id)
    with catalog.engine.connect() as conn:
        return sorted((tuple(row) for row in conn.execute(query)), key=repr)


def renamed(doc: dict[str, Any], name: str) -> dict[str, Any]:
    """``doc`` with its English name changed on the parent and every child (whose names the
    family's own repeat)."""
    doc = clone(doc)
    for block_ in (doc, *doc["ChildProducts"]):
        block_["ProductDetails"]["en"]["Name"] = name
    return doc


def rewrite(catalog: Catalog, doc: dict[str, Any], sync_run_id: int) -> list[tuple[Any, ...]]:
    """Write ``doc`` over the stored family as sync run ``sync_run_id``; what it recorded."""
    stats = write_families(catalog, CODE, [parsed(doc, "H2")], T1, changes_of=sync_run_id)
    assert stats.failed == {}
    return changes(catalog, sync_run_id)


@pytest.fixture
def stored(catalog: Catalog) -> dict[str, Any]:
    """The reference-shaped family, written once by sync run 1; its document."""
    doc = reference_like()
    assert write_families(catalog, CODE, [parsed(doc)], T0, changes_of=1).failed == {}
    return doc


def test_a_new_family_is_one_added_row_with_its_name(catalog: Catalog, stored: dict[str, Any]):
    assert changes(catalog, 1) == [(None, "added", None, None, "Tote (en)")]


def test_an_unchanged_rewrite_records_nothing(catalog: Catalog, stored: dict[str, Any]):
    assert rewrite(catalog, clone(stored), 2) == []


def test_a_name_and_a_selling_price_each_give_one_row_with_old_and_new(
    catalog: Catalog, stored: dict[str, Any]
):
    doc = renamed(stored, "Tote bag (en)")
    kid = doc["ChildProducts"][0]
    kid["ProductPriceCountryBased"]["BENELUX"]["RecommendedSellingPrice"][1]["Price"] = 9.9
    assert rewrite(catalog, doc, 2) == [
        ("A23-100-001", "changed", "price_tiers.BENELUX.selling.100.price", "8", "9.9"),
        (None, "changed", "name.en", "Tote (en)", "Tote bag (en)"),
    ]
    c = t.catalog_changes
    with catalog.engine.connect() as conn:
        move = conn.execute(sa.select(c.c.price_move).where(c.c.price_move.is_not(None))).scalar()
    assert move == pytest.approx((9.9 - 8) / 8)


def test_order_terms_are_changes_of_their_region(catalog: Catalog, stored: dict[str, Any]):
    doc = clone(stored)
    kid = doc["ChildProducts"][1]
    selling = kid["ProductPriceCountryBased"]["BENELUX"]["RecommendedSellingPrice"]
    kid["ProductPriceCountryBased"]["BENELUX"] = block(selling, minimum=50, increment=25)
    found = rewrite(catalog, doc, 2)
    assert found == [
        ("A23-100-410", "changed", "price_terms.BENELUX.min_order_quantity", "1", "50"),
        ("A23-100-410", "changed", "price_terms.BENELUX.quantity_increment", "1", "25"),
    ]


def test_print_options_added_and_removed_and_print_prices_and_charges_changed(
    catalog: Catalog, stored: dict[str, Any]
):
    """Both colours offer the same decoration, stored once for the family: changing it on
    both gives family-level rows (no variant), one per fact; an option that went (or came)
    is one row, its values and prices not listed one by one."""
    doc = clone(stored)
    for kid in doc["ChildProducts"]:
        options = kid["ImprintPositions"][0]["ImprintOptions"]
        dropped = options.pop()  # A23-DIGITAL_FC, no longer offered
        assert dropped["Sku"] == "A23-DIGITAL_FC"
        first = options[0]  # A23-SCREEN_1C: its 100-piece print price and its setup charge
        first["ProductPriceCountryBased"]["BENELUX"]["RecommendedSellingPrice"][2]["Price"] = 5.0
        setup = first["ImprintCosts"][0]["ProductPriceCountryBased"]["BENELUX"]
        setup["RecommendedSellingPrice"] = [tier(45.0, 1)]
        new = clone(options[1])
        new["Sku"], new["SupplierSku"] = "A23-SCREEN_NEW", "SCREEN_NEW"
        new["ImprintCosts"] = None
        options.append(new)
    assert rewrite(catalog, doc, 2) == [
        (None, "changed", "imprint_options.A23-DIGITAL_FC", "A23-DIGITAL_FC", None),
        (None, "changed", "imprint_options.A23-SCREEN_NEW", None, "A23-SCREEN_NEW"),
        (None, "changed", "imprint_prices.A23-SCREEN_1C.BENELUX.selling.100.price", "3.75", "5"),
        (None, "changed", "imprint_prices.A23-SCREEN_1C_S.BENELUX.selling.1.price", "30", "45"),
    ]


def test_image_references_added_and_removed_by_url(catalog: Catalog, stored: dict[str, Any]):
    doc = clone(stored)
    kid = doc["ChildProducts"][0]
    for lang_block in kid["ProductDetails"].values():
        lang_block["MediaGalleryImages"] = [
            {"Url": IMG.format("A23-100-001-g2"), "FileName": "g2.jpg", "Description": ""}
        ]
    found = rewrite(catalog, doc, 2)
    old, new = IMG.format("A23-100-001-g1"), IMG.format("A23-100-001-g2")
    assert ("A23-100-001", "changed", "product_images.gallery", old, None) in found, found
    assert ("A23-100-001", "changed", "product_images.gallery", None, new) in found, found
    assert {f[2] for f in found} == {"product_images.gallery"}


def test_a_value_that_only_changes_its_json_type_is_a_change(
    catalog: Catalog, stored: dict[str, Any]
):
    """A field unknown to the parser that goes from ``1`` to ``true`` on one variant: Python
    holds the two rows equal (``1 == True``), the feed does not."""
    doc = clone(stored)
    doc["ChildProducts"][0]["NonLanguageDependedProductDetails"]["PromoFlag"] = 1
    rewrite(catalog, doc, 2)
    doc["ChildProducts"][0]["NonLanguageDependedProductDetails"]["PromoFlag"] = True
    [(variant, change, field, old, new)] = rewrite(catalog, doc, 3)
    assert (variant, change, old, new) == ("A23-100-001", "changed", "1", "true")
    assert field.startswith("product_variants.attributes.") and field.endswith(".PromoFlag")


def test_a_variant_that_leaves_is_one_row_once(catalog: Catalog, stored: dict[str, Any]):
    """A variant gone from the file is one row (its prices and images not listed one by
    one); it stays in the catalog, inactive, and is not reported again by later syncs."""
    doc = clone(stored)
    doc["ChildProducts"].pop()
    assert rewrite(catalog, doc, 2) == [
        ("A23-100-410", "changed", "product_variants", "A23-100-410", None)
    ]
    assert rewrite(catalog, renamed(doc, "Tote bag (en)"), 3) == [
        (None, "changed", "name.en", "Tote (en)", "Tote bag (en)")
    ]


def test_removed_then_reactivated_families(catalog: Catalog, stored: dict[str, Any]):
    assert catalog.families.deactivate(CODE, [SKU], T1, changes_of=2) == 1
    assert changes(catalog, 2) == [(None, "removed", None, "Tote (en)", None)]
    assert catalog.families.deactivate(CODE, [SKU], T1, changes_of=3) == 0
    assert changes(catalog, 3) == [], "an inactive family is not removed twice"
    assert rewrite(catalog, clone(stored), 4) == [(None, "reactivated", None, None, "Tote (en)")]


def test_a_family_that_fails_records_nothing_and_the_others_are_recorded(
    catalog: Catalog, stored: dict[str, Any]
):
    """A family whose variant SKU another active family owns fails whole: its change rows are
    not written, while the family written beside it records its own."""
    thief = renamed(stored, "Thief (en)")
    thief["Sku"] = "A23-200"  # keeps the variant SKUs of A23-100
    changed = renamed(stored, "Tote bag (en)")
    stats = write_families(catalog, CODE, [parsed(changed), parsed(thief)], T1, changes_of=2)
    assert set(stats.failed) == {"A23-200"}
    assert changes(catalog, 2) == [(None, "changed", "name.en", "Tote (en)", "Tote bag (en)")]


def test_a_write_without_a_sync_run_records_nothing(catalog: Catalog, stored: dict[str, Any]):
    """Only a sync's write records changes (a test's or a tool's direct write does not)."""
    doc = renamed(stored, "Tote bag (en)")
    assert write_families(catalog, CODE, [parsed(doc, "H2")], T1).failed == {}
    assert changes(catalog) == [(None, "added", None, None, "Tote (en)")]


def test_the_summary_counts_in_sql_what_a_sync_changed(catalog: Catalog, stored: dict[str, Any]):
    doc = clone(stored)
    for kid, price in zip(doc["ChildProducts"], (9.9, 7.0), strict=True):
        kid["ProductPriceCountryBased"]["BENELUX"]["RecommendedSellingPrice"][1]["Price"] = price
    fresh = clone(stored)
    fresh["Sku"] = "A23-300"
    for i, kid in enumerate(fresh["ChildProducts"]):
        kid["Sku"] = f"A23-300-{i}"
    writes = [parsed(doc, "H2"), parsed(fresh)]
    assert write_families(catalog, CODE, writes, T1, changes_of=2).failed == {}
    summary = catalog.changes.summary_of_run(2)
    assert (summary.added, summary.families_changed, summary.facts_changed) == (1, 1, 2)
    assert (summary.prices_up, summary.prices_down) == (1, 1)
    assert [m.variant_sku for m in summary.largest_moves] == ["A23-100-001", "A23-100-410"]
    assert ChangeKind(summary.largest_moves[0].change) is ChangeKind.CHANGED


def test_retention_prunes_only_the_supplier_s_older_changes(
    catalog: Catalog, stored: dict[str, Any]
):
    rewrite(
        catalog, renamed(stored, "Tote bag (en)"), 2
    )  # recorded at T1; the added row of sync run 1 at T0
    assert catalog.changes.prune(CODE, T1 + timedelta(hours=12), retention_days=1) == 1
    assert changes(catalog) == [(None, "changed", "name.en", "Tote (en)", "Tote bag (en)")]
    assert catalog.changes.prune("OTHER", T1 + timedelta(days=30), retention_days=1) == 0
    assert len(changes(catalog)) == 1
