"""Staged families decode to exactly the catalog rows their parse produced."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from promosync_pipeline.catalog import FamilyWrite
from promosync_pipeline.catalog.rows import (
    PRODUCT_COLUMNS,
    PRODUCT_CONTENT_COLUMNS,
    decode_rows,
    encode_rows,
    family_rows,
)
from promosync_pipeline.promidata import parse_product
from promosync_pipeline_tests.promidata.builders import child, dumps, family, prices, tier


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
    prices_of_first = {tier[3]: tier[4] for tier in decoded.tiers if tier[0] == "A23-7-1"}
    assert prices_of_first == {1: None, 50: Decimal("7.10")}
    assert str(prices_of_first[50]) == "7.10", "the scale of a price is kept"
    assert all(isinstance(row, tuple) for row in (*decoded.variants, *decoded.tiers))
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
