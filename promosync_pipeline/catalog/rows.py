"""Catalog rows of a parsed family."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from promosync_pipeline.promidata import Family


def product_row(
    family: Family, source_url: str, source_hash: str, content_hash: str, now: datetime
) -> dict[str, Any]:
    return {
        "sku": family.sku,
        "supplier_code": family.supplier_code,
        "supplier_sku": family.supplier_sku,
        "ean": family.ean,
        "category_code": family.category_code,
        "category_path": family.category_path,
        "brand": family.brand,
        "name": family.name,
        "description": family.description,
        "short_description": family.short_description,
        "material": family.material,
        "source_url": source_url,
        "source_hash": source_hash,
        "content_hash": content_hash,
        "variant_count": len(family.variants),
        "price_min": family.price_min,
        "price_max": family.price_max,
        "currency": family.currency,
        "is_active": True,
        "first_seen_at": now,
        "last_synced_at": now,
        "removed_at": None,
    }


def variant_rows(family: Family) -> list[dict[str, Any]]:
    return [
        {
            "sku": v.sku,
            "product_sku": family.sku,
            "supplier_sku": v.supplier_sku,
            "ean": v.ean,
            "color": v.color,
            "color_label": v.color_label,
            "hex_color": v.hex_color,
            "size": v.size,
            "weight_g": v.weight_g,
            "length_mm": v.length_mm,
            "width_mm": v.width_mm,
            "height_mm": v.height_mm,
            "diameter_mm": v.diameter_mm,
            "is_active": v.is_active,
        }
        for v in family.variants
    ]


TIER_COLUMNS = (
    "variant_sku",
    "region",
    "kind",
    "min_quantity",
    "price",
    "currency",
    "on_request",
    "product_sku",
)


def tier_rows(family: Family) -> list[tuple[Any, ...]]:
    return [
        (v.sku, t.region, t.kind, t.min_quantity, t.price, t.currency, t.on_request, family.sku)
        for v in family.variants
        for t in v.price_tiers
    ]
