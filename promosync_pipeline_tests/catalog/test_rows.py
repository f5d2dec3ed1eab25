"""Staged families decode to exactly the catalog rows their parse produced."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from promosync_pipeline.catalog import FamilyWrite
from promosync_pipeline.catalog.rows import (
    PRODUCT_COLUMNS,
    PRODUCT_CONTENT_COLUMNS,
    TierBlock,
    decode_rows,
    encode_rows,
    family_rows,
    problem,
)
from promosync_pipeline.promidata import parse_product
from promosync_pipeline_tests.promidata.builders import child, dumps, family, prices, tier
from promosync_pipeline_tests.support import families


def test_round_trip_keeps_every_value():
    on_request = prices(GERMANY=([tier(None, 1, on_request=True), tier("7.10", 50)], []))
    doc = family(
        "A23-7",
        [child("A23-7-1", size="XL", price_block=on_request), child("A23-7-2", weight=None)],
    )
    parsed = parse_product(dumps(doc), "f.json")
    rows = family_rows(FamilyWrite(parsed, "http://h/A23-7.json", "SRC", "CONTENT"))
    decoded = decode_rows(encode_rows(rows))

    assert decoded == rows
    assert decoded.sku == "A23-7"
    assert [v[0] for v in decoded.variants] == ["A23-7-1", "A23-7-2"]
    prices_of_first = {tier[3]: tier[4] for tier in decoded.tiers.rows() if tier[0] == "A23-7-1"}
    assert prices_of_first == {1: None, 50: Decimal("7.10")}
    assert str(prices_of_first[50]) == "7.10", "the scale of a price is kept"
    assert all(isinstance(row, tuple) for row in (*decoded.variants, *decoded.tiers.rows()))
    assert decoded.tiers.count == len(decoded.tiers.rows()) == parsed.price_tier_count == 6
    product = dict(zip(PRODUCT_CONTENT_COLUMNS, decoded.product, strict=True))
    assert product["source_url"] == "http://h/A23-7.json"
    assert (product["source_hash"], product["content_hash"]) == ("SRC", "CONTENT")
    assert isinstance(product["name"], dict) and product["variant_count"] == 2


def test_the_product_row_is_completed_when_written():
    parsed = parse_product(dumps(family("A23-9", [child("A23-9-1")])), "f.json")
    rows = family_rows(FamilyWrite(parsed, "u", "s", "c"))
    now = datetime(2026, 5, 1, tzinfo=UTC)
    row = dict(zip(PRODUCT_COLUMNS, rows.product_row(now), strict=True))
    assert row["is_active"] is True
    assert row["first_seen_at"] == row["last_synced_at"] == now
    assert row["removed_at"] is None


def test_a_family_staged_in_another_format_is_refused_by_name():
    with pytest.raises(ValueError, match="staged before an upgrade"):
        decode_rows(b'{"sku": "A23-7", "variants": []}')


def test_tier_text_keeps_every_character_and_type():
    awkward = [
        ("V\t1", "DE\nX", "selling", 1, Decimal("7.10"), "EUR", False, "P\\1"),
        ("V\\N", "\\N", "buying", 50, None, None, True, "P\r\x1c\u2028ü"),
        ("V3", "CH", "selling", -2, Decimal("1E+2"), "CHF", None, "P"),
    ]
    block = TierBlock.of(awkward)

    assert block.count == 3
    assert block.text.count(b"\n") == 3, "one line per row: line breaks in values are escaped"
    assert block.rows() == awkward
    assert [type(value) for value in block.rows()[0]] == [
        str, str, str, int, Decimal, str, bool, str,
    ]  # fmt: skip
    assert TierBlock.of([]) == TierBlock(b"", 0) and TierBlock(b"", 0).rows() == []


def test_the_checks_run_where_the_rows_are_built():
    region = "R" * 65
    fam = families.family(
        8, variants=(families.variant("S1-8-A", price_tiers=(families.tier(region=region),)),)
    )
    rows = decode_rows(encode_rows(family_rows(families.write(fam))))

    assert rows.refusal == f"price_tiers.region {region!r} is 65 characters long (max 64)"
    assert problem(rows, "S1") == rows.refusal
    assert problem(rows, "S2") == "family S1-8 belongs to supplier S1, not S2"


def test_a_staged_family_cut_short_is_refused_by_name():
    fam = families.family(8, variants=2)
    data = encode_rows(family_rows(families.write(fam)))
    with pytest.raises(ValueError, match="'S1-8' is cut short"):
        decode_rows(data[: data.rindex(b"\n", 0, -1) + 1])
