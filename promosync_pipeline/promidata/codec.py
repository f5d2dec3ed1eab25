"""Family <-> compact JSON bytes, to stage parsed families between pipeline steps."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import orjson

from promosync_pipeline.promidata.models import Family, ImageRef, PriceTier, Variant


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"cannot encode a {type(value).__name__}")


def encode_family(family: Family) -> bytes:
    return orjson.dumps(family, default=_default)


def _tier(raw: dict[str, Any]) -> PriceTier:
    price = raw["price"]
    return PriceTier(**{**raw, "price": None if price is None else Decimal(price)})


def _variant(raw: dict[str, Any]) -> Variant:
    return Variant(
        **{
            **raw,
            "price_tiers": tuple(_tier(t) for t in raw["price_tiers"]),
            "images": tuple(ImageRef(**i) for i in raw["images"]),
        }
    )


def decode_family(data: bytes) -> Family:
    raw = orjson.loads(data)
    return Family(
        **{
            **raw,
            "variants": tuple(_variant(v) for v in raw["variants"]),
            "languages": tuple(raw["languages"]),
        }
    )
