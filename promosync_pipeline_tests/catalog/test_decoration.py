"""What a quote is built from, in the catalog: order terms, print positions, options, charges and
their prices, written with the family (whole or not at all), stored once when every variant
offers the same, replaced exactly when the family changes, untouched when it does not; and no
value of a product file lost on its way to the catalog's rows."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import orjson
import sqlalchemy as sa
from hypothesis import given, settings

from promosync_pipeline.catalog import Catalog, FamilyWrite
from promosync_pipeline.catalog import schema as t
from promosync_pipeline.catalog.rows import FamilyRows, family_rows
from promosync_pipeline.promidata import content_hash, parse_product
from promosync_pipeline_tests.promidata.builders import block, clone, reference_like, tier
from promosync_pipeline_tests.promidata.drawn import Draw, product_files
from promosync_pipeline_tests.support.catalog import write_families
from promosync_pipeline_tests.support.scalars import as_read, lost

T0 = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)
DECORATION = (t.imprint_positions, t.imprint_options, t.imprint_charges, t.imprint_prices)
FAMILY_TABLES = (t.price_tiers, t.price_terms, *DECORATION)


def parsed(doc: dict[str, Any], source_hash: str = "H1") -> FamilyWrite:
    family = parse_product(orjson.dumps(doc), f"A23/{doc['Sku']}.json", supplier_code="A23")
    return FamilyWrite(
        family, f"https://feed.test/A23/{doc['Sku']}.json", source_hash, content_hash(family)
    )


def rows_of(catalog: Catalog, table: sa.Table, sku: str) -> list[dict[str, Any]]:
    query = sa.select(table).where(table.c.product_sku == sku)
    with catalog.engine.connect() as conn:
        return [dict(row) for row in conn.execute(query).mappings()]


def test_a_family_shaped_like_a_real_file_gives_exactly_its_rows_stored_once(catalog: Catalog):
    """Two colours each offering one position with twelve options (nine print tiers each; a
    setup charge on all but the digital one): one position row for the family, not per variant."""
    stats = write_families(catalog, "A23", [parsed(reference_like())], T0)
    assert stats.failed == {}
    (position,) = rows_of(catalog, t.imprint_positions, "A23-100")
    assert position["variant_sku"] is None
    assert (position["position_code"], position["supplier_position_code"]) == (
        "front_150x150mm",
        "front",
    )
    assert position["max_print_area"] == "150 x 150 mm"
    assert position["name"]["en"] == "Area front_150x150mm [en]"
    options = sorted(rows_of(catalog, t.imprint_options, "A23-100"), key=lambda r: r["sort_order"])
    assert len(options) == 12 and {o["position_id"] for o in options} == {position["id"]}
    assert [o["colors"] for o in options[:6]] == ["1", "2", "3", "4", "5", "6"]
    assert options[-1]["colors"] == "full-color"
    assert options[0]["order_terms"] == {
        "BENELUX": {
            "min_order_quantity": 1,
            "quantity_increment": 1,
            "vat_percentage": 0,
            "vat_setting_id": "1",
        }
    }
    charges = rows_of(catalog, t.imprint_charges, "A23-100")
    assert len(charges) == 11
    assert {c["calculation_type"] for c in charges} == {"Unique"}
    prices = rows_of(catalog, t.imprint_prices, "A23-100")
    per_piece = [p for p in prices if p["charge_id"] is None]
    assert len(per_piece) == 12 * 9 and len(prices) == 12 * 9 + 11
    first = sorted(
        (p["min_quantity"], p["price"]) for p in per_piece if p["option_id"] == options[0]["id"]
    )
    assert first[0] == (1, Decimal("4.25")) and first[-1] == (10000, Decimal("2.25"))
    terms = rows_of(catalog, t.price_terms, "A23-100")
    assert {(r["variant_sku"], r["region"], r["min_order_quantity"]) for r in terms} == {
        ("A23-100-001", "BENELUX", 1),
        ("A23-100-410", "BENELUX", 1),
    }
    pictures = [i for i in rows_of(catalog, t.product_images, "A23-100") if i["role"] == "imprint"]
    assert sorted((i["variant_sku"], i["position_code"]) for i in pictures) == [
        ("A23-100-001", "front_150x150mm"),
        ("A23-100-410", "front_150x150mm"),
    ]


def test_the_logistics_of_a_variant_are_typed_columns(catalog: Catalog):
    write_families(catalog, "A23", [parsed(reference_like())], T0)
    variants = {r["sku"]: r for r in rows_of_variants(catalog, "A23-100")}
    black = variants["A23-100-001"]
    assert (black["country_of_origin"], black["customs_tariff_number"]) == ("CHN", "4202929190")
    assert (black["carton_length_cm"], black["carton_weight_gross_kg"]) == (47.0, 16.8)
    assert black["carton_quantity"] == 90
    facts = black["attributes"]["NonLanguageDependedProductDetails"]
    assert facts["ProductFiltersByGroup"] == {"Eco": "True", "GiftWrappingPossible": "True"}
    assert facts["WebShopInformation"] == {"OuterCartonWeightNetKG": "15,8"}


def rows_of_variants(catalog: Catalog, product_sku: str) -> list[dict[str, Any]]:
    v = t.product_variants
    with catalog.engine.connect() as conn:
        query = sa.select(v).where(v.c.product_sku == product_sku)
        return [dict(row) for row in conn.execute(query).mappings()]


def test_decoration_that_differs_between_variants_is_stored_per_variant(catalog: Catalog):
    doc = reference_like()
    second = doc["ChildProducts"][1]["ImprintPositions"][0]
    second["ImprintOptions"] = second["ImprintOptions"][:5]
    write_families(catalog, "A23", [parsed(doc)], T0)
    positions = rows_of(catalog, t.imprint_positions, "A23-100")
    assert sorted(p["variant_sku"] for p in positions) == ["A23-100-001", "A23-100-410"]
    options = rows_of(catalog, t.imprint_options, "A23-100")
    per_position = {p["id"]: p["variant_sku"] for p in positions}
    counts = {sku: 0 for sku in per_position.values()}
    for option in options:
        counts[per_position[option["position_id"]]] += 1
    assert counts == {"A23-100-001": 12, "A23-100-410": 5}


def test_a_print_price_alone_changes_the_family_and_rewrites_exactly_that_price(catalog: Catalog):
    doc, other = reference_like(), reference_like()
    other["Sku"] = "A23-200"
    for i, kid in enumerate(other["ChildProducts"]):
        kid["Sku"] = f"A23-200-{i}"
    before = [parsed(doc), parsed(other)]
    write_families(catalog, "A23", before, T0)
    changed = clone(doc)
    for kid in changed["ChildProducts"]:
        selling = kid["ImprintPositions"][0]["ImprintOptions"][3]["ProductPriceCountryBased"]
        selling["BENELUX"]["RecommendedSellingPrice"][4]["Price"] = 1.11
    after = parsed(changed, "H2")
    assert after.content_hash != before[0].content_hash
    assert parsed(clone(other)).content_hash == before[1].content_hash
    untouched = {table.name: _versions(catalog, table) for table in FAMILY_TABLES}
    write_families(catalog, "A23", [after], T0 + timedelta(days=1))
    prices = {
        (p["owner_id"], p["region"], p["kind"], p["min_quantity"]): p["price"]
        for p in rows_of(catalog, t.imprint_prices, "A23-100")
    }
    assert Decimal("1.11") in prices.values()
    if catalog.engine.dialect.name == "postgresql":
        # one row version changed in all the family's price and decoration rows: that price
        for table in FAMILY_TABLES:
            rewritten = untouched[table.name].items() - _versions(catalog, table).items()
            assert len(rewritten) == (1 if table is t.imprint_prices else 0), table.name


def _versions(catalog: Catalog, table: sa.Table) -> dict[Any, Any]:
    """Row key -> row version (PostgreSQL's xmin; the row itself on SQLite)."""
    key = [c.name for c in table.primary_key.columns]
    with catalog.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            query = f"SELECT {', '.join(key)}, xmin::text FROM {table.name}"
            return {tuple(row[:-1]): row[-1] for row in conn.exec_driver_sql(query)}
        rows = conn.execute(sa.select(table)).mappings()
        return {tuple(row[k] for k in key): tuple(row.values()) for row in rows}


def test_a_family_that_loses_its_decoration_keeps_none(catalog: Catalog):
    doc = reference_like()
    write_families(catalog, "A23", [parsed(doc)], T0)
    bare = clone(doc)
    for kid in bare["ChildProducts"]:
        kid["ImprintPositions"] = None
    write_families(catalog, "A23", [parsed(bare, "H2")], T0 + timedelta(days=1))
    for table in DECORATION:
        assert rows_of(catalog, table, "A23-100") == [], table.name
    images = rows_of(catalog, t.product_images, "A23-100")
    assert images and all(i["role"] != "imprint" for i in images)


def test_writing_the_same_family_again_changes_no_row(catalog: Catalog):
    write_families(catalog, "A23", [parsed(reference_like())], T0)
    before = {table.name: _versions(catalog, table) for table in (*FAMILY_TABLES, t.products)}
    write_families(catalog, "A23", [parsed(reference_like())], T0)
    after = {table.name: _versions(catalog, table) for table in (*FAMILY_TABLES, t.products)}
    for table in FAMILY_TABLES:
        assert after[table.name] == before[table.name], table.name


def test_a_family_refused_for_its_decoration_fails_alone_and_writes_nothing(catalog: Catalog):
    bad, good = reference_like(), reference_like()
    good["Sku"] = "A23-200"
    for i, kid in enumerate(good["ChildProducts"]):
        kid["Sku"] = f"A23-200-{i}"
    options = bad["ChildProducts"][0]["ImprintPositions"][0]["ImprintOptions"]
    options[0]["ProductPriceCountryBased"] = {"R" * 70: block([tier(1.0, 1)])}
    stats = write_families(catalog, "A23", [parsed(bad), parsed(good)], T0)
    assert list(stats.failed) == ["A23-100"]
    assert "imprint_prices.region" in stats.failed["A23-100"]
    for table in (t.products, *FAMILY_TABLES):
        column = table.c.sku if table is t.products else table.c.product_sku
        with catalog.engine.connect() as conn:
            skus = set(conn.execute(sa.select(column).distinct()).scalars())
        assert "A23-100" not in skus, table.name
    assert rows_of(catalog, t.imprint_positions, "A23-200")


def catalog_values(rows: FamilyRows) -> list[Any]:
    """Every row of a family as the catalog write receives it, price rows decoded."""
    d = rows.decoration
    return [
        rows.product, rows.variants, rows.tiers.rows(), rows.terms, d.positions, d.options,
        d.charges, rows.imprint_prices.rows(), rows.images,
    ]  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(document=product_files())
def test_every_value_of_a_file_is_found_among_the_familys_catalog_rows(document):
    family = parse_product(orjson.dumps(document), "f.json")
    rows = family_rows(FamilyWrite(family, "https://feed.test/f.json", "H", content_hash(family)))
    assert lost(as_read(document), catalog_values(rows)) == {}


def test_the_row_check_sees_a_value_that_is_dropped():
    """The property can fail: a value that no row holds is reported."""
    document = Draw(random.Random(5)).family()
    family = parse_product(orjson.dumps(document), "f.json")
    rows = family_rows(FamilyWrite(family, "u", "H", content_hash(family)))
    document["ChildProducts"][0]["Ean"] = "ean-only-in-the-file"
    assert lost(as_read(document), catalog_values(rows)) == {
        "ChildProducts[0].Ean": "ean-only-in-the-file"
    }
