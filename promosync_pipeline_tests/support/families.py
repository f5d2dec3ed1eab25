"""Small factories of parsed families (models built directly, no parser): a family, its
variants and their price tiers, with values a test overrides by name."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Any

from promosync_pipeline.catalog import FamilyWrite
from promosync_pipeline.promidata import Family, ImageRef, PriceTier, Variant, content_hash

SUPPLIER = "S1"
QUANTITIES = (1, 50, 100, 250, 500, 1000, 2500)


def tier(
    price: str | None = "9.99",
    quantity: int = 1,
    *,
    region: str = "DE",
    kind: str = "selling",
    currency: str | None = "EUR",
    on_request: bool = False,
) -> PriceTier:
    return PriceTier(
        region=region,
        kind=kind,  # type: ignore[arg-type]
        min_quantity=quantity,
        price=None if price is None else Decimal(price),
        currency=currency,
        on_request=on_request,
    )


def ladder(
    base: str = "10.00", regions: tuple[str, ...] = ("DE",), steps: int = 7
) -> tuple[PriceTier, ...]:
    """Selling and buying tiers per region, cheaper with quantity: 14 tiers for one region."""
    out = []
    for region in regions:
        for kind, factor in (("selling", Decimal(1)), ("buying", Decimal("0.6"))):
            for i, quantity in enumerate(QUANTITIES[:steps]):
                price = (Decimal(base) * factor * (Decimal(1) - Decimal(i) / 20)).quantize(
                    Decimal("0.0001")
                )
                out.append(tier(str(price), quantity, region=region, kind=kind))
    return tuple(sorted(out, key=lambda p: (p.region, p.kind, p.min_quantity)))


def variant(sku: str, **overrides: Any) -> Variant:
    values: dict[str, Any] = {
        "sku": sku,
        "supplier_sku": sku.split("-", 1)[-1],
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
        "price_tiers": ladder(),
        "images": (ImageRef(f"https://img.example.test/{sku}.jpg", "main", 0),),
    }
    values.update(overrides)
    return Variant(**values)


def family(
    number: int | str = 1,
    *,
    supplier: str = SUPPLIER,
    variants: int | tuple[Variant, ...] = 4,
    **overrides: Any,
) -> Family:
    """A family ``<supplier>-<number>`` with ``variants`` variants ``<sku>-1`` …"""
    sku = f"{supplier}-{number}"
    if isinstance(variants, int):
        count = variants
        variants = tuple(
            variant(f"{sku}-{i}", price_tiers=ladder(f"{10 + i}.50")) for i in range(1, count + 1)
        )
    values: dict[str, Any] = {
        "sku": sku,
        "supplier_code": supplier,
        "supplier_sku": str(number),
        "ean": None,
        "brand": "Acme",
        "category_code": "C-10",
        "category_path": "C-1/C-10",
        "name": {"de": f"Tasche {number}", "en": f"Bag {number}"},
        "description": {"de": "Eine Tasche.", "en": "A bag."},
        "short_description": {"en": "Bag"},
        "material": {"de": "Baumwolle", "en": "Cotton"},
        "variants": variants,
        "languages": ("de", "en"),
    }
    values.update(overrides)
    return Family(**values)


def replace_variant(fam: Family, index: int, **changes: Any) -> Family:
    variants = list(fam.variants)
    variants[index] = dataclasses.replace(variants[index], **changes)
    return dataclasses.replace(fam, variants=tuple(variants))


def write(fam: Family, source_hash: str = "H1") -> FamilyWrite:
    return FamilyWrite(
        fam, f"https://feed.example.test/{fam.sku}.json", source_hash, content_hash(fam)
    )
