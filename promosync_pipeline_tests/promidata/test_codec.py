"""Staged families decode to exactly what was parsed."""

from decimal import Decimal

from promosync_pipeline.promidata import content_hash, parse_product
from promosync_pipeline.promidata.codec import decode_family, encode_family
from promosync_pipeline_tests.promidata.builders import child, dumps, family, prices, tier


def test_round_trip_keeps_every_value_and_the_hash():
    on_request = prices(GERMANY=([tier(None, 1, on_request=True), tier("7.10", 50)], []))
    doc = family(
        "A23-7",
        [child("A23-7-1", size="XL", price_block=on_request), child("A23-7-2", weight=None)],
    )
    parsed = parse_product(dumps(doc), "f.json")
    decoded = decode_family(encode_family(parsed))
    assert decoded == parsed
    assert decoded.variants[0].price_tiers[1].price == Decimal("7.10")
    assert decoded.variants[0].price_tiers[0].price is None
    assert isinstance(decoded.variants, tuple) and isinstance(decoded.variants[0].images, tuple)
    assert content_hash(decoded) == content_hash(parsed)
