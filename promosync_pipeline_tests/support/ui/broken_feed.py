"""The feed the browser tests break on purpose: one family of the second supplier lists
negative prices, which the catalog stores and ``catalog_variants_prices_not_negative`` fails."""

from __future__ import annotations

from typing import Any

import orjson

from promosync_pipeline.feedsim import FeedGenerator


def broken_supplier(generator: FeedGenerator) -> str:
    return sorted(generator.supplier_codes())[1]


def broken_family(generator: FeedGenerator) -> str:
    return sorted(generator.family_skus(broken_supplier(generator)))[0]


def _negative_prices(document: Any) -> Any:
    """The same product document with every tier price below zero."""
    if isinstance(document, dict):
        out = {k: _negative_prices(v) for k, v in document.items()}
        if "Price" in out and "Quantity" in out and isinstance(out["Price"], int | float):
            out["Price"] = -abs(out["Price"]) - 1
        return out
    if isinstance(document, list):
        return [_negative_prices(v) for v in document]
    return document


def break_feed(generator: FeedGenerator) -> str:
    """Serve the broken family with negative prices; returns its SKU."""
    sku = broken_family(generator)
    generator.poison(sku, orjson.dumps(_negative_prices(generator.document(sku))))
    return sku
