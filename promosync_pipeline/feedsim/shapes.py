"""The JSON shapes of a product file's parts, written from the truth's records.

The serializer writes files with them; the truth uses them for what a parsed file keeps as it
is given (a parent's price block or images that no variant inherits).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from promosync_pipeline.promidata import (
    ImageRef,
    ImprintCharge,
    ImprintOption,
    ImprintPosition,
    OrderTerms,
    PriceTier,
)


def number(value: Decimal) -> int | float:
    """A decimal as the feed writes it: an integer when it is whole."""
    return int(value) if value == value.to_integral_value() else float(value)


def merged(typed: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """``typed`` with ``extra`` laid over it; objects present in both are merged (new
    objects: neither argument is changed)."""
    out = {**typed, **extra}
    for key in typed.keys() & extra.keys():
        here, value = typed[key], extra[key]
        if type(here) is dict and type(value) is dict:
            out[key] = merged(here, value)
    return out


def image(ref: ImageRef, description: str | None = "") -> dict[str, Any]:
    return {"Url": ref.url, "Description": description, "FileName": ref.file_name}


def kept_image(ref: ImageRef) -> dict[str, Any]:
    """What a parsed file keeps of :func:`image` ``(ref)`` when nothing takes it."""
    kept = {"Url": ref.url, "Description": ""}
    if ref.file_name is not None:
        kept["FileName"] = ref.file_name
    return kept


def price_block(
    tiers: tuple[PriceTier, ...], terms: tuple[OrderTerms, ...], kept: bool = False
) -> Any:
    """``ProductPriceCountryBased`` of these tiers and terms; None when there are neither.
    With ``kept``, what a parsed file keeps of it when nothing takes it (no nulls, no empty
    arrays)."""
    if not tiers and not terms:
        return None
    out: dict[str, Any] = {}
    for term in terms:
        block: dict[str, Any] = {
            "RecommendedSellingPrice": [],
            "GeneralBuyingPrice": [],
            "QuantityIncrements": term.quantity_increment,
            "VatPercentage": None if term.vat_percentage is None else number(term.vat_percentage),
            "MinimumOrderQuantity": term.min_order_quantity,
            "VatSettingId": None if term.vat_setting_id is None else int(term.vat_setting_id),
        }
        out[term.region] = {k: v for k, v in block.items() if v is not None} if kept else block
    for tier in tiers:
        block = out.setdefault(
            tier.region, {"RecommendedSellingPrice": [], "GeneralBuyingPrice": []}
        )
        name = "RecommendedSellingPrice" if tier.kind == "selling" else "GeneralBuyingPrice"
        item = {
            "Price": None if tier.price is None else float(tier.price),
            "Quantity": tier.min_quantity,
            "OnRequest": tier.on_request,
            "Valuta": "EURO",
        }
        if kept and tier.price is None:
            del item["Price"]
        block[name].append(item)
    if kept:
        for block in out.values():
            for name in ("RecommendedSellingPrice", "GeneralBuyingPrice"):
                if not block[name]:
                    del block[name]
        out = {region: block for region, block in out.items() if block}
    return out


def _texts(
    names: dict[str, str], descriptions: dict[str, str], languages: tuple[str, ...]
) -> dict[str, Any]:
    return {
        lang: {"Name": names.get(lang), "Description": descriptions.get(lang)} for lang in languages
    }


def charge(item: ImprintCharge, languages: tuple[str, ...]) -> dict[str, Any]:
    typed = {
        "Sku": item.sku,
        "SupplierSku": item.supplier_sku,
        "Texts": _texts(item.name, item.description, languages),
        "ProductPriceRegionBased": None,
        "ProductPriceCountryBased": price_block(item.prices, item.terms),
        "IsActiveRegionBased": None,
        "IsActiveCountryBased": None,
        "CalculationType": item.calculation_type,
        "CalculationAmount": (
            None if item.calculation_amount is None else number(item.calculation_amount)
        ),
        "Requirement": item.requirement,
        "UnstructuredInformation": None,
    }
    return merged(typed, item.attributes) if item.attributes else typed


def option(item: ImprintOption, languages: tuple[str, ...]) -> dict[str, Any]:
    typed = {
        "ChildImprints": None,
        "PrintColorAsText": None,
        "Dimension": None,
        "FastEditorNumberOfColors": item.colors,
        "ImprintTexts": _texts(item.name, item.description, languages),
        "Sku": item.sku,
        "SupplierSku": item.supplier_sku,
        "DimensionsHeight": item.height_mm or 0,
        "DimensionsDiameter": item.diameter_mm or 0,
        "DimensionsWidth": item.width_mm or 0,
        "DimensionsDepth": item.depth_mm or 0,
        "ImprintType": None,
        "ProductPriceCountryBased": price_block(item.prices, item.terms),
        "ImprintCosts": [charge(c, languages) for c in item.charges] or None,
        "IsActiveCountryBased": None,
        "ImportantInformation": None,
        "SupplierPrintCode": item.print_code,
    }
    return merged(typed, item.attributes) if item.attributes else typed


def position(
    item: ImprintPosition, languages: tuple[str, ...], options: list[dict[str, Any]]
) -> dict[str, Any]:
    """An ``ImprintPositions`` element; ``options`` is the JSON of its options (shared by every
    position that offers the same ones: orjson writes it out each time)."""
    images = [image(ref, None) for ref in item.images]
    texts = {
        lang: {"Images": images, "Name": item.name.get(lang), "Description": None}
        for lang in languages
    }
    for lang, text in item.description.items():
        texts[lang] = {**texts[lang], "Description": text}
    typed = {
        "PositionCode": item.code,
        "ImprintLocationTexts": texts,
        "UnstructuredInformation": (
            None if item.max_print_area is None else {"MaxPrintArea": item.max_print_area}
        ),
        "ImprintOptions": options,
        "SupplierPositionCode": item.supplier_code,
    }
    return merged(typed, item.attributes) if item.attributes else typed
